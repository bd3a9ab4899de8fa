// Fuzz: the safetensors reader and the wire (request bodies the cloud decodes, responses the device
// parses). Only named errors may escape; inputs that once failed are replayed from corpus/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseSafetensors, writeSafetensors } from '../../src/tensor/io/safetensors.js';
import { decodeResumeRequest, encodeResumeRequest, encodeResumeResponse, parseResumeResponse } from '../../src/splitee/wire.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { campaign, corpus, mutatedBytes, mutatedJsonText, onlyNamed } from './fuzz-kit.js';

const HASH = 'ab'.repeat(32);
const enc = new TextEncoder();

/** A safetensors blob of a header text and `dataBytes` zero bytes. */
function blob(header: string, dataBytes: number): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  return out;
}

const act = new Tensor(Float32Array.from([0.5, -1, 2, 0.25, 3, -0.125]), [1, 2, 3]);
const bodies = (['f32', 'f16', 'int8'] as const).map((encoding) => encodeResumeRequest({ modelHash: HASH, modelId: 'm', split: 2, activation: act, encoding }));
const files = [
  writeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array(2) }, b: { dtype: 'I8', shape: [3, 1], data: new Int8Array(3) } }, { k: 'v' }),
  writeSafetensors({ w: { dtype: 'BF16', shape: [0, 4], data: new Uint16Array(0) } }),
  ...bodies,
];
const header = {
  __metadata__: { format: 'splitee-resume', version: '1', model_hash: HASH, split: '2', encoding: 'f32' },
  activation: { dtype: 'F32', shape: [1, 2, 3], data_offsets: [0, 24] },
};

const decode = (b: Uint8Array) => onlyNamed(() => decodeResumeRequest(b, { maxElements: 1 << 16 }));
const parse = (b: Uint8Array) => onlyNamed(() => parseSafetensors(b));

test('corpus: every safetensors / wire input that once failed is a named error now', () => {
  const cases = corpus('safetensors');
  assert.ok(cases.length > 0);
  for (const c of cases) {
    parse(c.bytes);
    decode(c.bytes);
  }
});

test('fuzz safetensors: 10,000 byte-mutated blobs', () => {
  campaign(mutatedBytes(files), parse, 1501);
});

test('fuzz safetensors + wire: 10,000 structurally mutated headers (deep, duplicated, hostile values)', () => {
  const arb = fc.tuple(mutatedJsonText(header), fc.integer({ min: 0, max: 40 }), fc.boolean()).map(([h, n, dup]) => {
    // a duplicated key somewhere below the top level, half the time
    const text = dup ? h.replace(/"(split|dtype)":("[^"]*"|\[[^\]]*\])/, '"$1":$2,"$1":$2') : h;
    return blob(text, n);
  });
  campaign(arb, (b) => {
    parse(b);
    decode(b);
  }, 1502);
});

test('fuzz wire: 10,000 byte-mutated request bodies', () => {
  campaign(mutatedBytes(bodies), decode, 1503);
});

test('fuzz wire: 10,000 mutated response texts', () => {
  const good = encodeResumeResponse({ prediction: 1, confidence: 0.75, probs: [0.25, 0.75] });
  const arb = fc.oneof(mutatedJsonText(JSON.parse(good)), mutatedBytes([enc.encode(good)]).map((b) => new TextDecoder().decode(b)));
  campaign(arb, (t) => onlyNamed(() => parseResumeResponse(t, 2)), 1504);
});

test.run();
