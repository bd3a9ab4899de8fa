import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BertLayer } from '../../src/layers/transformer-layer.js';
import { WeightStore } from '../../src/layers/weights.js';
import { parseBertConfig } from '../../src/layers/bert-config.js';
import { Arena } from '../../src/tensor/arena.js';
import { fastKernels } from '../../src/tensor/kernels/index.js';
import { ShapeError } from '../../src/tensor/errors.js';
import { Rng } from '../../src/splitee/rng.js';
import { TINY, layer64, loadTinyFixture, maxDiff, tinyConfig, tinyTensors } from '../helpers/bert.js';
import { randomArray } from '../helpers/random.js';

test('[3,7,8] with a ragged mask: equals the float64 layer (attention, erf GELU, residuals, post-LN)', () => {
  const w = tinyTensors();
  const cfg = parseBertConfig(tinyConfig());
  const layer = new BertLayer(new WeightStore(w), cfg, fastKernels, 'bert.encoder.layer.0');
  const [N, T, H] = [3, 7, TINY.H];
  const x = randomArray(Rng.seeded(1), N * T * H, -2, 2);
  const mask = Float32Array.from({ length: N * T }, (_, i) => (i % T < [7, 4, 1][Math.floor(i / T)] ? 1 : 0));
  const out = new Float32Array(N * T * H);
  layer.forward(out, x, mask, N, T, new Arena(16));
  const want = layer64(w, 0, x, mask, N, T, H, TINY.heads, TINY.I);
  assert.ok(maxDiff(out, want) <= 1e-5, `max |diff| ${maxDiff(out, want)}`);
  assert.is(layer.flops(T), 8 * T * H * H + 4 * T * T * H + 4 * T * H * TINY.I);
});

test('the tiny fixture: layer s maps PyTorch hidden_{s-1} to hidden_s within 1e-5 on real tokens', () => {
  const fx = loadTinyFixture();
  const cfg = parseBertConfig(fx.config);
  const ws = new WeightStore(fx.model);
  const H = cfg.hiddenSize;
  const mask = fx.g('attention_mask');
  const arena = new Arena();
  for (let s = 1; s <= cfg.numLayers; s++) {
    const layer = new BertLayer(ws, cfg, fastKernels, `bert.encoder.layer.${s - 1}`);
    const out = new Float32Array(fx.N * fx.T * H);
    layer.forward(out, fx.g(`hidden_${s - 1}`), mask, fx.N, fx.T, arena);
    const want = fx.g(`hidden_${s}`);
    let worst = 0;
    for (let i = 0; i < want.length; i++) if (mask[Math.floor(i / H)] === 1) worst = Math.max(worst, Math.abs(out[i] - want[i]));
    assert.ok(worst <= 1e-5, `layer ${s}: ${worst}`);
  }
});

test('short buffers are a ShapeError', () => {
  const layer = new BertLayer(new WeightStore(tinyTensors()), parseBertConfig(tinyConfig()), fastKernels, 'bert.encoder.layer.1');
  assert.throws(() => layer.forward(new Float32Array(8), new Float32Array(16), null, 1, 2, new Arena()), (e: unknown) => e instanceof ShapeError);
});

test.run();
