import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.js';
import { FormatError, ValueError, ArgumentError } from '../../src/tensor/errors.js';
import { writeSafetensors, parseSafetensors, type TensorToWrite } from '../../src/tensor/io/safetensors.js';
import { numberToF16Bits, f16BitsToNumber } from '../../src/tensor/io/f16.js';
import {
  decodeResumeRequest,
  encodeResumeRequest,
  encodeResumeResponse,
  parseResumeResponse,
  WireError,
  type WireFailure,
} from '../../src/splitee/wire.js';
import { activationBytes } from '../../src/splitee/cost.js';

const HASH = '0123456789abcdef'.repeat(4);
const META = { format: 'splitee-resume', version: '1', model_hash: HASH, split: '2', encoding: 'f32' };

/** [1, C, H, W] shapes with small sizes and finite float32 values. */
const activation = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
  .chain(([c, h, w]) =>
    fc.tuple(fc.constant([1, c, h, w]), fc.array(fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), { minLength: c * h * w, maxLength: c * h * w })),
  )
  .map(([shape, vals]) => Tensor.from(Float32Array.from(vals), shape));

function expectRejected(bytes: Uint8Array, reason?: WireFailure): void {
  try {
    decodeResumeRequest(bytes);
  } catch (e) {
    if (e instanceof WireError) {
      if (reason !== undefined) assert.is(e.reason, reason, e.message);
      return;
    }
    if (e instanceof ValueError && reason === undefined) return;
    throw new Error(`expected a WireError${reason ? ` (${reason})` : ''}, got ${(e as Error).name}: ${(e as Error).message}`);
  }
  assert.unreachable('accepted a malformed body');
}

test('f32 round trip is exact, with every metadata field', () => {
  fc.assert(
    fc.property(activation, fc.integer({ min: 0, max: 20 }), (a, split) => {
      const bytes = encodeResumeRequest({ modelHash: HASH, modelId: 'm', split, activation: a, encoding: 'f32' });
      const d = decodeResumeRequest(bytes);
      assert.equal([d.modelHash, d.modelId, d.split, d.encoding], [HASH, 'm', split, 'f32']);
      assert.equal(d.activation.shape, a.shape);
      assert.equal(Array.from(d.activation.flat()), Array.from(a.flat()));
    }),
    { seed: 11, numRuns: 150 },
  );
});

test('f32 decodes to a view of the body where aligned (no copy), to an equal copy where not', () => {
  const a = Tensor.from(Float32Array.from({ length: 24 }, (_, i) => i / 7 - 1), [1, 2, 3, 4]);
  const bytes = encodeResumeRequest({ modelHash: HASH, split: 1, activation: a, encoding: 'f32' });
  const view = decodeResumeRequest(bytes).activation.flat();
  assert.ok(view.buffer === bytes.buffer, 'aligned: a view');
  const shifted = new Uint8Array(bytes.length + 1).subarray(1);
  shifted.set(bytes);
  const copy = decodeResumeRequest(shifted).activation.flat();
  assert.ok(copy.buffer !== shifted.buffer, 'misaligned: a copy');
  assert.equal(Array.from(copy), Array.from(a.flat()));
  assert.equal(Array.from(view), Array.from(a.flat()));
});

test('f16 round trip equals f16 rounding of every value', () => {
  fc.assert(
    fc.property(activation, (a) => {
      const d = decodeResumeRequest(encodeResumeRequest({ modelHash: HASH, split: 1, activation: a, encoding: 'f16' }));
      assert.is(d.modelId, null);
      const x = a.flat();
      const y = d.activation.flat();
      for (let i = 0; i < x.length; i++) assert.is(y[i], f16BitsToNumber(numberToF16Bits(x[i])));
    }),
    { seed: 12, numRuns: 150 },
  );
});

test('int8 round trip is within scale/2 per channel, and costs what cost.ts charges', () => {
  fc.assert(
    fc.property(activation, (a) => {
      const bytes = encodeResumeRequest({ modelHash: HASH, split: 3, activation: a, encoding: 'int8' });
      const d = decodeResumeRequest(bytes);
      const [, C, H, W] = a.shape;
      const x = a.flat();
      const y = d.activation.flat();
      const file = parseSafetensors(bytes);
      const scale = file.tensors.get('activation_scale')!.data as Float32Array;
      assert.is(file.metadata.quant_axis, '1');
      for (let i = 0; i < x.length; i++) {
        const c = Math.floor(i / (H * W)) % C;
        const tol = scale[c] / 2 + 1e-6 * Math.abs(x[i]) + 1e-7;
        assert.ok(Math.abs(x[i] - y[i]) <= tol, `element ${i} channel ${c}: ${x[i]} vs ${y[i]}, scale ${scale[c]}`);
      }
      const payload = file.tensors.get('activation')!.byteLength + scale.byteLength + file.tensors.get('activation_zero_point')!.byteLength;
      assert.is(payload, activationBytes(a.size, 'int8', C));
    }),
    { seed: 13, numRuns: 150 },
  );
});

test('a strided activation is encoded in logical order', () => {
  const base = Tensor.from([1, 2, 3, 4, 5, 6], [1, 2, 3]);
  const t = base.transpose(1, 2); // [1,3,2]
  const d = decodeResumeRequest(encodeResumeRequest({ modelHash: HASH, split: 0, activation: t, encoding: 'f32' }));
  assert.equal(d.activation.shape, [1, 3, 2]);
  assert.equal(Array.from(d.activation.flat()), [1, 4, 2, 5, 3, 6]);
});

test('the encoder refuses bad input with typed errors', () => {
  const a = Tensor.from([1, 2], [1, 2]);
  assert.throws(() => encodeResumeRequest({ modelHash: 'nothex', split: 0, activation: a, encoding: 'f32' }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => encodeResumeRequest({ modelHash: HASH, split: -1, activation: a, encoding: 'f32' }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => encodeResumeRequest({ modelHash: HASH, split: 0, activation: a, encoding: 'f8' as 'f32' }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => encodeResumeRequest({ modelHash: HASH, split: 0, activation: Tensor.from([NaN, 1], [1, 2]), encoding: 'f32' }), (e: unknown) => e instanceof ValueError);
  assert.throws(() => encodeResumeRequest({ modelHash: HASH, split: 0, activation: Tensor.from([1e6, 1], [1, 2]), encoding: 'f16' }), (e: unknown) => e instanceof ValueError && /f16 range/.test((e as Error).message));
});

const act = (dtype: TensorToWrite['dtype'], data: TensorToWrite['data'], shape = [1, 2]): TensorToWrite => ({ dtype, shape, data });

test('each malformed body has its own reason', () => {
  const f32 = act('F32', new Float32Array([1, 2]));
  expectRejected(new Uint8Array(3), 'not-safetensors');
  expectRejected(writeSafetensors({ activation: f32 }), 'bad-metadata'); // no metadata
  expectRejected(writeSafetensors({ activation: f32 }, { ...META, extra: 'x' }), 'bad-metadata');
  expectRejected(writeSafetensors({ activation: f32 }, { ...META, format: 'other' }), 'bad-metadata');
  expectRejected(writeSafetensors({ activation: f32 }, { ...META, version: '2' }), 'bad-metadata');
  expectRejected(writeSafetensors({ activation: f32 }, { ...META, model_hash: 'ABC' }), 'bad-metadata');
  for (const split of ['-1', '1.5', '01', 'two', '', '1e3', '9999999999']) expectRejected(writeSafetensors({ activation: f32 }, { ...META, split }), 'bad-metadata');
  expectRejected(writeSafetensors({ activation: f32 }, { ...META, encoding: 'bf16' }), 'bad-metadata');
  expectRejected(writeSafetensors({ activation: f32 }, { ...META, quant_axis: '1' }), 'bad-metadata');
  expectRejected(writeSafetensors({ x: f32 }, META), 'bad-tensors');
  expectRejected(writeSafetensors({ activation: f32, other: f32 }, META), 'bad-tensors');
  expectRejected(writeSafetensors({ activation: act('F16', new Uint16Array(2)) }, META), 'dtype-mismatch');
  expectRejected(writeSafetensors({ activation: act('I8', new Int8Array(2)) }, { ...META, encoding: 'f16' }), 'dtype-mismatch');
  const int8 = { ...META, encoding: 'int8', quant_axis: '1' };
  const q = act('I8', new Int8Array(2));
  expectRejected(writeSafetensors({ activation: q }, int8), 'bad-tensors');
  expectRejected(writeSafetensors({ activation: q, activation_scale: act('F32', new Float32Array(2), [2]), activation_zero_point: act('I8', new Int8Array(2), [2]) }, int8), 'dtype-mismatch');
  expectRejected(writeSafetensors({ activation: q, activation_scale: act('F32', new Float32Array(3), [3]), activation_zero_point: act('I32', new Int32Array(3), [3]) }, int8), 'bad-shape');
  expectRejected(writeSafetensors({ activation: q, activation_scale: act('F32', new Float32Array([1, 1]), [2]), activation_zero_point: act('I32', new Int32Array(2), [2]) }, { ...int8, quant_axis: '2' }), 'bad-metadata');
});

test('rank-0 activation is rejected', () => {
  expectRejected(writeSafetensors({ activation: act('F32', new Float32Array(1), []) }, META), 'bad-shape');
});

test('NaN, Inf and bad quantization parameters are ValueErrors', () => {
  const isValue = (e: unknown) => e instanceof ValueError;
  assert.throws(() => decodeResumeRequest(writeSafetensors({ activation: act('F32', new Float32Array([1, NaN])) }, META)), isValue);
  assert.throws(() => decodeResumeRequest(writeSafetensors({ activation: act('F32', new Float32Array([-Infinity, 0])) }, META)), isValue);
  assert.throws(() => decodeResumeRequest(writeSafetensors({ activation: act('F16', new Uint16Array([0x7c00, 0])) }, { ...META, encoding: 'f16' })), isValue);
  const int8 = { ...META, encoding: 'int8', quant_axis: '1' };
  const q = act('I8', new Int8Array(2));
  for (const s of [0, -1, NaN, Infinity]) {
    const body = writeSafetensors({ activation: q, activation_scale: act('F32', new Float32Array([1, s]), [2]), activation_zero_point: act('I32', new Int32Array(2), [2]) }, int8);
    assert.throws(() => decodeResumeRequest(body), isValue, `scale ${s}`);
  }
  const zp = writeSafetensors({ activation: q, activation_scale: act('F32', new Float32Array([1, 1]), [2]), activation_zero_point: act('I32', new Int32Array([0, 300]), [2]) }, int8);
  assert.throws(() => decodeResumeRequest(zp), isValue);
});

test('limits: too many elements, too long a header', () => {
  const a = Tensor.zeros([1, 10]);
  const body = encodeResumeRequest({ modelHash: HASH, split: 0, activation: a, encoding: 'f32' });
  assert.throws(() => decodeResumeRequest(body, { maxElements: 9 }), (e: unknown) => e instanceof WireError && e.reason === 'too-large');
  assert.throws(() => decodeResumeRequest(body, { maxHeaderBytes: 16 }), (e: unknown) => e instanceof WireError && e.reason === 'not-safetensors');
  assert.throws(() => decodeResumeRequest(encodeResumeRequest({ modelHash: HASH, split: 0, activation: Tensor.zeros([1, 1, 1, 1, 1, 1, 1, 1, 1]), encoding: 'f32' })), (e: unknown) => e instanceof WireError && e.reason === 'bad-shape');
});

test('every mutation or truncation of a valid body is accepted or rejected with a FormatError/ValueError, never another exception', () => {
  const bodies = (['f32', 'f16', 'int8'] as const).map((encoding) =>
    encodeResumeRequest({ modelHash: HASH, modelId: 'toy', split: 1, activation: Tensor.from([0.5, -1, 2, 3, 0, 7], [1, 2, 3]), encoding }),
  );
  const mutation = fc.record({
    which: fc.integer({ min: 0, max: 2 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 0, maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });
  fc.assert(
    fc.property(mutation, ({ which, edits, cut }) => {
      let b = bodies[which].slice();
      for (const [pos, v] of edits) b[pos % b.length] = v;
      if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
      try {
        const d = decodeResumeRequest(b);
        for (const v of d.activation.flat()) assert.ok(Number.isFinite(v));
      } catch (e) {
        if (!(e instanceof FormatError || e instanceof ValueError)) throw e;
      }
    }),
    { seed: 14, numRuns: 3000 },
  );
});

test('header JSON mutations (types, values, keys) are rejected with typed errors', () => {
  const good = { __metadata__: META, activation: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] } };
  const anyJson = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
  const paths = ['__metadata__', '__metadata__.split', '__metadata__.encoding', '__metadata__.model_hash', 'activation', 'activation.dtype', 'activation.shape', 'activation.data_offsets'];
  fc.assert(
    fc.property(fc.constantFrom(...paths), anyJson, (path, value) => {
      const h = JSON.parse(JSON.stringify(good));
      const [a, b] = path.split('.');
      if (b === undefined) h[a] = value;
      else h[a][b] = value;
      const json = new TextEncoder().encode(JSON.stringify(h));
      const bytes = new Uint8Array(8 + json.length + 8);
      new DataView(bytes.buffer).setUint32(0, json.length, true);
      bytes.set(json, 8);
      try {
        decodeResumeRequest(bytes);
      } catch (e) {
        if (!(e instanceof FormatError || e instanceof ValueError)) throw e;
      }
    }),
    { seed: 15, numRuns: 1000 },
  );
});

test('response: round trip and validation', () => {
  const r = { prediction: 1, confidence: 0.7, probs: [0.2, 0.7, 0.1] };
  assert.equal(parseResumeResponse(encodeResumeResponse(r), 3), r);
  assert.equal(parseResumeResponse(JSON.stringify({ ...r, extra: 1 })), r);
  const bad = [
    'not json',
    '[]',
    'null',
    JSON.stringify({ ...r, prediction: 3 }),
    JSON.stringify({ ...r, prediction: 0.5 }),
    JSON.stringify({ ...r, confidence: 0.2 }),
    JSON.stringify({ ...r, probs: [0.5, 0.7, 0.1] }),
    JSON.stringify({ ...r, probs: [] }),
    JSON.stringify({ ...r, probs: [0.2, '0.7', 0.1] }),
    JSON.stringify({ prediction: 1, confidence: 0.7 }),
  ];
  for (const text of bad) assert.throws(() => parseResumeResponse(text), (e: unknown) => e instanceof WireError && e.reason === 'bad-response', text);
  assert.throws(() => parseResumeResponse(encodeResumeResponse(r), 4), (e: unknown) => e instanceof WireError);
});


// Issue 15 item 4: a deep or duplicated body is a client error (FormatError, bounded message), never a stack overflow.
test('decodeResumeRequest refuses deep and duplicated __metadata__ with a bounded FormatError', () => {
  const body = (h: string): Uint8Array => {
    const b = new TextEncoder().encode(h);
    const out = new Uint8Array(8 + b.length);
    new DataView(out.buffer).setUint32(0, b.length, true);
    out.set(b, 8);
    return out;
  };
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  for (const h of [`{"__metadata__":${deep}}`, `{"__metadata__":{"split":"0","split":"9"}}`]) {
    try {
      decodeResumeRequest(body(h));
      assert.unreachable('decoded');
    } catch (e) {
      assert.instance(e, FormatError, String(e));
      assert.ok((e as Error).message.length < 400, (e as Error).message);
    }
  }
});

test('parseResumeResponse refuses a deep response with a bounded FormatError', () => {
  const deep = '{"probs":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
  try {
    parseResumeResponse(deep);
    assert.unreachable('parsed');
  } catch (e) {
    assert.instance(e, FormatError, String(e));
    assert.match((e as Error).message, /nested too deeply/);
  }
});

test.run();
