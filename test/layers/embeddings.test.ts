import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BertEmbeddings } from '../../src/layers/embeddings.js';
import { WeightStore } from '../../src/layers/weights.js';
import { parseBertConfig } from '../../src/layers/bert-config.js';
import { fastKernels } from '../../src/tensor/kernels/index.js';
import { ShapeError, ValueError } from '../../src/tensor/errors.js';
import { Rng } from '../../src/splitee/rng.js';
import { TINY, embed64, loadTinyFixture, maxDiff, randomIds, tinyConfig, tinyTensors } from '../helpers/bert.js';

function make() {
  const w = tinyTensors();
  const emb = new BertEmbeddings(new WeightStore(w), parseBertConfig(tinyConfig()), fastKernels);
  return { w, emb };
}

test('[2,5] ids -> [2,5,8]: equals the float64 formula LayerNorm(word + token_type[0] + position)', () => {
  const { w, emb } = make();
  const { ids } = randomIds(Rng.seeded(3), TINY.V, [5, 5], 5);
  const out = new Float32Array(2 * 5 * TINY.H);
  emb.forward(out, ids, 2, 5);
  const want = embed64(w, ids, 2, 5, TINY.H);
  assert.ok(maxDiff(out, want) <= 1e-5, `max |diff| ${maxDiff(out, want)}`);
});

test('the tiny fixture: hidden_0 (the embeddings output of PyTorch) within 1e-5', () => {
  const fx = loadTinyFixture();
  const cfg = parseBertConfig(fx.config);
  const emb = new BertEmbeddings(new WeightStore(fx.model), cfg, fastKernels);
  const out = new Float32Array(fx.N * fx.T * cfg.hiddenSize);
  emb.forward(out, fx.g('input_ids'), fx.N, fx.T);
  assert.ok(maxDiff(out, fx.g('hidden_0')) <= 1e-5, `max |diff| ${maxDiff(out, fx.g('hidden_0'))}`);
});

test('errors: ids out of the vocabulary, sequences longer than the position table, short buffers', () => {
  const { emb } = make();
  assert.throws(() => emb.forward(new Float32Array(16), Float32Array.of(2, 23), 1, 2), (e: unknown) => e instanceof ValueError && /position 1: got 23/.test((e as Error).message));
  assert.throws(() => emb.forward(new Float32Array(16), Float32Array.of(2, 1.5), 1, 2), (e: unknown) => e instanceof ValueError);
  assert.throws(() => emb.forward(new Float32Array(88), new Float32Array(11), 1, 11), (e: unknown) => e instanceof ShapeError && /T <= 10/.test((e as Error).message));
  assert.throws(() => emb.forward(new Float32Array(15), new Float32Array(2), 1, 2), (e: unknown) => e instanceof ShapeError);
});

test.run();
