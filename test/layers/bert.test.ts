import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildBert } from '../../src/layers/bert.js';
import { bertLayerFlops } from '../../src/layers/bert-config.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ConfigError, ShapeError, ValueError } from '../../src/tensor/errors.js';
import { fastKernels, referenceKernels } from '../../src/tensor/kernels/index.js';
import { Rng } from '../../src/splitee/rng.js';
import type { NamedTensor } from '../../src/layers/weights.js';
import { resume } from '../../src/splitee/cloud.js';
import { TINY, embed64, exit64, layer64, loadTinyFixture, maxDiff, randomIds, tinyConfig, tinyTensors } from '../helpers/bert.js';

const fx = loadTinyFixture();

for (const kernels of [fastKernels, referenceKernels]) {
  test(`tiny random fixture: every exit equals PyTorch within 1e-5 (${kernels.name} kernels)`, () => {
    const net = buildBert(fx.config, fx.model, kernels);
    const ids = new Tensor(fx.g('input_ids'), [fx.N, fx.T]);
    const mask = fx.g('attention_mask');
    const all = net.forwardAll(ids, mask).map((t) => t.clone());
    let h = ids;
    for (let k = 1; k <= net.numStages; k++) {
      h = net.runStages(k - 1, k, h, mask);
      const want = fx.g(`exit_${k}.logits`);
      const got = net.exitLogits(k, h, mask).flat();
      assert.ok(maxDiff(got, want) <= 1e-5, `exit ${k}: max |diff| ${maxDiff(got, want)}`);
      assert.ok(maxDiff(all[k - 1].flat(), want) <= 1e-5, `forwardAll exit ${k}: ${maxDiff(all[k - 1].flat(), want)}`);
    }
  });
}

test('tiny random fixture: hidden states per stage, and stages compose (0->L equals step by step)', () => {
  const net = buildBert(fx.config, fx.model);
  const ids = new Tensor(fx.g('input_ids'), [fx.N, fx.T]);
  const mask = fx.g('attention_mask');
  const direct = net.runStages(0, net.numStages, ids, mask).clone();
  let h = ids;
  for (let s = 1; s <= net.numStages; s++) {
    h = net.runStages(s - 1, s, h, mask);
    // padded positions take part in nothing downstream; compare real tokens only
    const want = fx.g(`hidden_${s}`);
    const H = net.config.hiddenSize;
    let worst = 0;
    for (let i = 0; i < want.length; i++) if (mask[Math.floor(i / H)] === 1) worst = Math.max(worst, Math.abs(h.flat()[i] - want[i]));
    assert.ok(worst <= 2e-5, `hidden_${s}: max |diff| ${worst}`);
  }
  assert.ok(maxDiff(direct.flat(), h.flat()) === 0);
});

test('random tiny BERT equals the float64 re-computation (fast-check over batch and lengths, seed 11)', () => {
  const s = TINY;
  const w = tinyTensors(s);
  const net = buildBert(tinyConfig(s), w);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: s.Tmax }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 1000 }), (lengths, seed) => {
      const T = Math.max(...lengths);
      const N = lengths.length;
      const { ids, mask } = randomIds(Rng.seeded(seed), s.V, lengths, T);
      const logits = net.forwardAll(new Tensor(ids, [N, T]), mask);
      let x = embed64(w, ids, N, T, s.H);
      for (let k = 1; k <= s.L; k++) {
        x = layer64(w, k - 1, x, mask, N, T, s.H, s.heads, s.I);
        const want = exit64(w, k, x, N, T, s.H, s.K);
        assert.ok(maxDiff(logits[k - 1].flat(), want) <= 1e-4, `exit ${k} lengths ${lengths}: ${maxDiff(logits[k - 1].flat(), want)}`);
      }
    }),
    { seed: 11, numRuns: 25 },
  );
});

test('the [CLS] exit does not depend on padding: a padded batch row equals the row alone, unpadded', () => {
  const net = buildBert(fx.config, fx.model);
  const ids = fx.g('input_ids');
  const mask = fx.g('attention_mask');
  const padded = net.forwardAll(new Tensor(ids, [fx.N, fx.T]), mask).map((t) => t.clone());
  for (let n = 0; n < fx.N; n++) {
    let len = 0;
    for (let t = 0; t < fx.T; t++) len += mask[n * fx.T + t];
    const alone = net.forwardAll(new Tensor(ids.slice(n * fx.T, n * fx.T + len), [1, len]));
    for (let k = 0; k < net.numStages; k++) {
      const a = alone[k].flat();
      const p = padded[k].flat().subarray(n * net.numClasses, (n + 1) * net.numClasses);
      assert.ok(maxDiff(a, p) <= 1e-5, `row ${n} exit ${k + 1}: ${maxDiff(a, p)}`);
    }
  }
});

test('steady state allocates nothing: repeated forward passes keep arena allocations constant', () => {
  const net = buildBert(fx.config, fx.model);
  const ids = new Tensor(fx.g('input_ids'), [fx.N, fx.T]);
  const mask = fx.g('attention_mask');
  const run = () => {
    let h = ids;
    for (let k = 1; k <= net.numStages; k++) {
      h = net.runStages(k - 1, k, h, mask);
      net.exitLogits(k, h);
    }
    net.forwardAll(ids, mask);
  };
  run();
  const before = net.allocations;
  for (let i = 0; i < 3; i++) run();
  assert.is(net.allocations, before);
});

test('profile: FLOPs per layer at T_max, exit FLOPs, activation elements, shapes', () => {
  const net = buildBert(fx.config, fx.model);
  const { hiddenSize: H, intermediateSize: I, maxLength: T } = net.config;
  assert.is(net.numStages, 3);
  assert.is(net.numClasses, 3);
  assert.is(net.id, 'tiny-bert-random');
  assert.equal(net.profile.stageFlops, [1, 2, 3].map(() => 8 * T * H * H + 4 * T * T * H + 4 * T * H * I));
  assert.is(net.profile.stageFlops[0], bertLayerFlops(net.config, T));
  assert.equal(net.profile.exitFlops, [1, 2, 3].map(() => 2 * H * H + 2 * H * 3));
  assert.equal(net.profile.activationElements, [T, T * H, T * H, T * H]);
  assert.is(net.profile.rawInputBytes, 2 * T);
  assert.equal(net.activationShape(0), [T]);
  assert.equal(net.activationShape(2), [T, H]);
  assert.equal(net.profileAt(4).activationElements, [4, 4 * H, 4 * H, 4 * H]);
  assert.throws(() => net.profileAt(T + 1), (e: unknown) => e instanceof ArgumentError);
});

test('bad calls: stage indices, shapes, lengths, masks and ids', () => {
  const net = buildBert(fx.config, fx.model);
  const ids = new Tensor(new Float32Array(2 * 4).fill(5), [2, 4]);
  const h = net.runStages(0, 1, ids).clone();
  assert.throws(() => net.runStages(2, 1, h), (e: unknown) => e instanceof ArgumentError && /from 2 > to 1/.test((e as Error).message));
  assert.throws(() => net.runStages(0, 4, ids), (e: unknown) => e instanceof ArgumentError && /got 4, expected an integer in \[0,3\]/.test((e as Error).message));
  assert.throws(() => net.exitLogits(0, h), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => net.runStages(1, 2, ids), (e: unknown) => e instanceof ShapeError && /got \[2,4\], expected \[N,T,32\]/.test((e as Error).message));
  assert.throws(() => net.runStages(0, 1, new Tensor(new Float32Array(17), [1, 17])), (e: unknown) => e instanceof ShapeError && /1 <= T <= 16/.test((e as Error).message));
  assert.throws(() => net.runStages(0, 1, ids, new Float32Array(7)), (e: unknown) => e instanceof ShapeError && /got 7 values, expected 8/.test((e as Error).message));
  assert.throws(() => net.runStages(0, 1, ids, new Float32Array(8).fill(0.5)), (e: unknown) => e instanceof ValueError && /\[0,0\] is invalid: got 0.5/.test((e as Error).message));
  assert.throws(() => net.runStages(0, 1, new Tensor(Float32Array.of(2, 40), [1, 2])), (e: unknown) => e instanceof ValueError && /got 40, expected an integer in \[0,40\)/.test((e as Error).message));
  assert.is(net.runStages(1, 1, h), h);
});

test('config and weights that disagree: missing, extra and misshaped tensors name the tensor and both shapes', () => {
  const cfg = tinyConfig();
  const without = (name: string) => new Map([...tinyTensors()].filter(([n]) => n !== name));
  assert.throws(() => buildBert(cfg, without('bert.encoder.layer.1.intermediate.dense.bias')), (e: unknown) => e instanceof ConfigError && /'bert.encoder.layer.1.intermediate.dense.bias' is missing: .*expected shape \[12\]/.test((e as Error).message));
  const extra = tinyTensors();
  extra.set('cls.predictions.bias', { shape: [23], data: new Float32Array(23) });
  assert.throws(() => buildBert(cfg, extra), (e: unknown) => e instanceof ConfigError && /'cls.predictions.bias' is not used/.test((e as Error).message));
  assert.throws(() => buildBert(tinyConfig(TINY, { intermediate_size: 16 }), tinyTensors()), (e: unknown) => e instanceof ConfigError && /'bert.encoder.layer.0.intermediate.dense.weight' has the wrong shape: got \[12,8\] .*expected \[16,8\]/.test((e as Error).message));
  assert.throws(() => buildBert(tinyConfig(TINY, { num_hidden_layers: 3 }, { num_classes: 3 }), tinyTensors()), (e: unknown) => e instanceof ConfigError);
  assert.throws(() => buildBert(tinyConfig(TINY, { num_labels: 2 }), tinyTensors()), (e: unknown) => e instanceof ConfigError && /num_labels/.test((e as Error).message));
});

test('old spellings load: LayerNorm.gamma/beta and no bert. prefix give the same logits', () => {
  const w = tinyTensors();
  const renamed = new Map<string, NamedTensor>();
  for (const [n, t] of w) renamed.set(n.replace(/^bert\./, '').replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), t);
  assert.ok(renamed.has('encoder.layer.0.output.LayerNorm.gamma'));
  const ids = new Tensor(Float32Array.of(2, 5, 7, 3), [1, 4]);
  const a = buildBert(tinyConfig(), w).forwardAll(ids).map((t) => Array.from(t.flat()));
  const b = buildBert(tinyConfig(), renamed).forwardAll(ids).map((t) => Array.from(t.flat()));
  assert.equal(a, b);
});

test('the cloud side resumes a shorter sequence at any split (sequenceAxis 0) and matches the device', () => {
  const net = buildBert(fx.config, fx.model);
  const ids = new Tensor(Float32Array.of(2, 9, 17, 30, 3), [1, 5]);
  const final = Array.from(net.forwardAll(ids)[2].flat());
  for (let split = 0; split < 3; split++) {
    const a = net.runStages(0, split, ids).clone();
    const r = resume(net, split, a);
    const m = Math.max(...final);
    assert.is(r.prediction, final.indexOf(m));
    assert.ok(Math.abs(r.confidence - 1 / final.reduce((s, v) => s + Math.exp(v - m), 0)) < 1e-6);
  }
  assert.throws(() => resume(net, 1, new Tensor(new Float32Array(17 * 32), [1, 17, 32])), (e: unknown) => e instanceof ShapeError && /sequence length 1..16/.test((e as Error).message));
});

test.run();
