import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { BertSelfAttention } from '../../src/layers/self-attention.js';
import { WeightStore } from '../../src/layers/weights.js';
import { Arena } from '../../src/tensor/arena.js';
import { fastKernels } from '../../src/tensor/kernels/index.js';
import { ArgumentError, ShapeError } from '../../src/tensor/errors.js';
import { Rng } from '../../src/splitee/rng.js';
import { TINY, attentionBlock64, maxDiff, tinyTensors } from '../helpers/bert.js';
import { randomArray } from '../helpers/random.js';
import { nextTakeAt } from '../helpers/arena-position.js';

const H = TINY.H;
const w = tinyTensors();
const spec = { hiddenSize: H, numHeads: TINY.heads, layerNormEps: 1e-12 };
const att = new BertSelfAttention(new WeightStore(w), spec, fastKernels, 'bert.encoder.layer.1.attention');
const arena = new Arena(64);

test('[N,T,8], 2 heads, with and without a mask: equals the float64 block (fast-check, seed 5)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.integer({ min: 0, max: 999 }), (N, T, masked, seed) => {
      const rng = Rng.seeded(seed);
      const x = randomArray(rng, N * T * H, -2, 2);
      const mask = masked ? Float32Array.from({ length: N * T }, (_, i) => (i % T === 0 || rng.float() < 0.6 ? 1 : 0)) : null;
      const out = new Float32Array(N * T * H);
      att.forward(out, x, mask, N, T, arena);
      const want = attentionBlock64(w, 1, x, mask, N, T, H, TINY.heads);
      assert.ok(maxDiff(out, want) <= 1e-5, `N=${N} T=${T} masked=${masked}: ${maxDiff(out, want)}`);
    }),
    { seed: 5, numRuns: 30 },
  );
});

test('padding: the real tokens of a padded sequence equal the trimmed sequence (fast-check, seed 9)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 999 }), (len, pad, seed) => {
      const T = len + pad;
      const rng = Rng.seeded(seed);
      const x = randomArray(rng, T * H, -2, 2);
      const mask = Float32Array.from({ length: T }, (_, t) => (t < len ? 1 : 0));
      const padded = new Float32Array(T * H);
      att.forward(padded, x, mask, 1, T, arena);
      const trimmed = new Float32Array(len * H);
      att.forward(trimmed, x.slice(0, len * H), null, 1, len, arena);
      assert.ok(maxDiff(padded.subarray(0, len * H), trimmed) <= 1e-6, `len ${len} pad ${pad}: ${maxDiff(padded.subarray(0, len * H), trimmed)}`);
    }),
    { seed: 9, numRuns: 30 },
  );
});

test('FLOPs, scratch released, and errors', () => {
  assert.is(att.flops(10), 8 * 10 * H * H + 4 * 100 * H);
  const before = nextTakeAt(arena);
  att.forward(new Float32Array(2 * H), new Float32Array(2 * H), null, 1, 2, arena);
  assert.equal(nextTakeAt(arena), before);
  assert.throws(() => att.forward(new Float32Array(2 * H), new Float32Array(H), null, 1, 2, arena), (e: unknown) => e instanceof ShapeError && /\[1,2,8\]/.test((e as Error).message));
  assert.throws(() => new BertSelfAttention(new WeightStore(tinyTensors()), { ...spec, numHeads: 3 }, fastKernels, 'bert.encoder.layer.0.attention'), (e: unknown) => e instanceof ArgumentError && /heads=3, H=8/.test((e as Error).message));
});

test.run();
