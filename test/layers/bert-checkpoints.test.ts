// Real checkpoint layouts (issue 11 item 7), each built from the shipped spam-bert's trained tensors
// rearranged as the other layout stores them, and checked against spam-bert's PyTorch golden logits:
//   - a plain Hugging Face BertForSequenceClassification folder (config without a "splitee" block,
//     bert.* / classifier.* tensors, bert.pooler.dense, the int64 position_ids buffer): one exit;
//   - exits after only some layers (DeeBERT / ElasticBERT placement): stages group layers, the paper's
//     cost counts every layer run;
//   - ElasticBERT's `elasticbert.` names, and two exits sharing one pooler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBert } from '../../src/layers/bert.js';
import { bertLayerFlops, isBertConfig } from '../../src/layers/bert-config.js';
import type { NamedTensor } from '../../src/layers/weights.js';
import { parseSafetensors, tensorAsFloat32 } from '../../src/tensor/io/safetensors.js';
import { ConfigError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { paperCosts } from '../../src/splitee/cost.js';

const dir = join(process.cwd(), 'weights', 'spam-bert');
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
const weights = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
const gold = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'golden.safetensors'))));
const ROWS = 4;
const T = gold.tensors.get('input_ids')!.shape[1];
const ids = new Tensor(Float32Array.from((gold.tensors.get('input_ids')!.data as Int32Array).subarray(0, ROWS * T)), [ROWS, T]);
const mask = Float32Array.from((gold.tensors.get('attention_mask')!.data as Int32Array).subarray(0, ROWS * T));
const golden = (k: number): Float32Array => tensorAsFloat32(gold.tensors.get(`exit_${k}.logits`)!).subarray(0, ROWS * 2);

/** spam-bert's tensors renamed by `rename` (null drops one), plus `extra`. */
function tensors(rename: (name: string) => string | null, extra: Record<string, NamedTensor> = {}): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, t] of weights.tensors) {
    const n = rename(name);
    if (n !== null) out.set(n, t);
  }
  for (const [n, t] of Object.entries(extra)) out.set(n, t);
  return out;
}

function hfConfig(): Record<string, unknown> {
  const { splitee: _, ...rest } = config;
  return { ...rest, architectures: ['BertForSequenceClassification'] };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const positionIds: NamedTensor = { shape: [1, T], dtype: 'I64', data: BigInt64Array.from({ length: T }, (_, i) => BigInt(i)) };

test('a plain Hugging Face BertForSequenceClassification folder loads as it is: one exit = pooler + classifier', () => {
  const hf = hfConfig();
  assert.ok(isBertConfig(hf));
  const final = /^exits\.5\.(pooler\.dense|classifier)\.(weight|bias)$/;
  const t = tensors((n) => (n.startsWith('exits.') ? (final.test(n) ? n.replace('exits.5.pooler.dense', 'bert.pooler.dense').replace('exits.5.classifier', 'classifier') : null) : n), {
    'bert.embeddings.position_ids': positionIds,
  });
  const net = buildBert(hf, t, undefined, 'model.safetensors', 'spam-bert-hf');
  assert.is(net.id, 'spam-bert-hf');
  assert.is(net.numStages, 1);
  assert.is(net.profile.stageLayers?.[0], 6);
  const d = maxDiff(net.exitLogits(1, net.runStages(0, 1, ids, mask)).flat(), golden(6));
  assert.ok(d <= 1e-4, `max |TS - PyTorch| = ${d}`);
});

test('a plain HF config needs an id from the caller, and a BERT classifier architecture', () => {
  assert.throws(() => buildBert(hfConfig(), new Map()), (e: unknown) => e instanceof ConfigError && /splitee.id is invalid: got nothing \(missing\), expected a model id; hint: .*folder name/.test((e as Error).message));
  const other = { ...hfConfig(), architectures: ['ElasticBertForSequenceClassification'] };
  assert.not.ok(isBertConfig(other));
  assert.throws(() => buildBert(other, new Map(), undefined, 'm', 'x'), (e: unknown) => e instanceof ConfigError && /architectures ElasticBertForSequenceClassification\); hint: ElasticBERT .* name their exit heads in splitee.exits/.test((e as Error).message));
});

test('exits after only some layers: stages group layers, logits equal the golden exits, the paper cost counts layers', () => {
  const sp = config.splitee as Record<string, unknown>;
  const exits = [2, 4, 6].map((l) => ({ after_layer: l, pooler: `exits.${l - 1}.pooler.dense`, classifier: `exits.${l - 1}.classifier` }));
  const keep = /^exits\.[135]\./;
  const net = buildBert({ ...config, splitee: { ...sp, exits } }, tensors((n) => (n.startsWith('exits.') && !keep.test(n) ? null : n)));
  assert.is(net.numStages, 3);
  assert.equal(net.profile.stageLayers, [2, 2, 2]);
  const perLayer = bertLayerFlops({ hiddenSize: 128, intermediateSize: 512 }, 128);
  assert.equal(net.profile.stageFlops, [2 * perLayer, 2 * perLayer, 2 * perLayer]);
  assert.equal(net.activationShape(3), [128, 128]);
  let h = net.runStages(0, 1, ids, mask).clone();
  for (const [k, layer] of [[1, 2], [2, 4], [3, 6]]) {
    if (k > 1) h = net.runStages(k - 1, k, h, mask).clone();
    const d = maxDiff(net.exitLogits(k, h).flat(), golden(layer));
    assert.ok(d <= 1e-4, `exit ${k} (after layer ${layer}): max |TS - PyTorch| = ${d}`);
  }
  const all = net.forwardAll(ids, mask);
  assert.ok(maxDiff(all[2].flat(), golden(6)) <= 1e-4);
  const c = paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5, stageLayers: net.profile.stageLayers });
  assert.equal(Array.from(c.device).map((v) => Math.round(v * 10) / 10), [0, 0.2, 0.4, 0.6]);
  assert.throws(() => paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5, stageLayers: [2, 2] }), /invalid stageLayers: got 2 entries, expected 3/);
});

test("ElasticBERT's elasticbert.* names and a pooler shared by two exits", () => {
  const sp = config.splitee as Record<string, unknown>;
  // exits 3 and 6 both read the pooler of exit 6 (spelled as ElasticBERT stores an encoder pooler)
  const exits = [
    { after_layer: 3, pooler: 'elasticbert.encoder.pooler.5.dense', classifier: 'exits.2.classifier' },
    { after_layer: 6, pooler: 'elasticbert.encoder.pooler.5.dense', classifier: 'exits.5.classifier' },
  ];
  const rename = (n: string): string | null => {
    if (n.startsWith('bert.')) return `elasticbert.${n.slice(5)}`;
    if (n.startsWith('exits.5.pooler.dense')) return n.replace('exits.5.pooler.dense', 'elasticbert.encoder.pooler.5.dense');
    return /^exits\.(2|5)\.classifier\./.test(n) ? n : null;
  };
  const net = buildBert({ ...config, splitee: { ...sp, exits } }, tensors(rename));
  assert.is(net.numStages, 2);
  const all = net.forwardAll(ids, mask);
  assert.ok(maxDiff(all[1].flat(), golden(6)) <= 1e-4, 'the final exit equals spam-bert exit 6');
  assert.equal(net.profile.stageLayers, [3, 3]);
});

test.run();
