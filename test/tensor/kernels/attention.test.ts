import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { attention, attentionNaive, attentionPlan, expNonPositive, MASK_MIN } from '../../../src/tensor/kernels/attention.js';
import { ShapeError, ArgumentError } from '../../../src/tensor/errors.js';
import { Rng } from '../../../src/splitee/rng.js';
import { expectClose } from '../../helpers/close.js';
import { randomArray } from '../../helpers/random.js';
import { attention64 } from '../../helpers/oracle.js';

test('[1,1,2] query over 2 keys, 1 head: weights softmax(q.k/sqrt 2); a padded key gets weight 0', () => {
  const q = Float32Array.from([1, 1]);
  const k = Float32Array.from([1, 1, 0, 0]);
  const v = Float32Array.from([10, 0, 0, 10]);
  const p = attentionPlan([1, 1, 2], [1, 2, 2], [1, 2, 2], 1, [1, 2]);
  const w0 = 1 / (1 + Math.exp(-2 / Math.SQRT2));
  for (const run of [(o: Float32Array, m: Float32Array | null) => attention(o, q, k, v, m, p, new Float32Array(p.scratchSize)), (o: Float32Array, m: Float32Array | null) => attentionNaive(o, q, k, v, m, p)]) {
    const out = new Float32Array(2);
    run(out, null);
    expectClose(out, [10 * w0, 10 * (1 - w0)], { rtol: 1e-6 });
    run(out, Float32Array.from([1, 0]));
    expectClose(out, [10, 0], { rtol: 0, atol: 0 });
    run(out, Float32Array.from([0, 0]));
    expectClose(out, [5, 5], { rtol: 1e-7 }); // all keys padded: uniform, as HF's additive finfo.min gives
  }
  assert.is(MASK_MIN, -3.4028234663852886e38);
});

test('plan errors', () => {
  assert.throws(() => attentionPlan([1, 2, 6], [1, 3, 6], [1, 3, 6], 4), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => attentionPlan([1, 2, 6], [1, 3, 6], [1, 2, 6], 2), (e: unknown) => e instanceof ShapeError && /k \[1,3,6\], v \[1,2,6\]/.test((e as Error).message));
  assert.throws(() => attentionPlan([1, 2, 6], [1, 3, 6], [1, 3, 6], 2, [1, 2]), /mask \[1,2\]/);
  const p = attentionPlan([1, 1, 2], [1, 1, 2], [1, 1, 2], 1);
  const q = new Float32Array(2);
  assert.throws(() => attention(q, q, q, q, null, p, new Float32Array(1)), /aliases/);
  const kv = new Float32Array(6);
  assert.throws(() => attention(new Float32Array(2), q, kv, kv, null, attentionPlan([1, 1, 2], [1, 3, 2], [1, 3, 2], 1), new Float32Array(2)), /scratch is too short: got 2, expected at least 3/);
});

test('expNonPositive: e^y within 2e-12 relative on [-104, 0]; below, 6.8e-46 (0 in float32); NaN stays NaN', () => {
  for (let y = -104; y <= 0; y += 0.000937) assert.ok(Math.abs(expNonPositive(y) / Math.exp(y) - 1) < 2e-12, `exp(${y})`);
  assert.is(expNonPositive(0), 1);
  for (const y of [-105, -1e30, MASK_MIN, -Infinity]) assert.is(Math.fround(expNonPositive(y)), 0);
  assert.ok(Number.isNaN(expNonPositive(NaN)));
});

test('scratch is one block of scores: min(Tq, 64) x Tk', () => {
  assert.is(attentionPlan([2, 128, 128], [2, 128, 128], [2, 128, 128], 2).scratchSize, 64 * 128);
  assert.is(attentionPlan([1, 5, 6], [1, 7, 6], [1, 7, 6], 3).scratchSize, 5 * 7);
});

test('no keys gives zeros, no queries writes nothing', () => {
  const out = new Float32Array(6).fill(NaN);
  attention(out, new Float32Array(6), new Float32Array(0), new Float32Array(0), null, attentionPlan([1, 3, 2], [1, 0, 2], [1, 0, 2], 1), new Float32Array(0));
  assert.equal([...out], [0, 0, 0, 0, 0, 0]);
  const none = Float32Array.from([7]);
  attention(none, new Float32Array(0), new Float32Array(2), new Float32Array(2), null, attentionPlan([1, 0, 2], [1, 1, 2], [1, 1, 2], 1), new Float32Array(0));
  assert.equal([...none], [7]);
});

// The fast kernel against the float64 attentionNaive across several 64-row query blocks (Tq up to 130,
// ragged last block), Tq != Tk, heads 1..4, B up to 3, and padding masks in which some batch rows have
// no real key at all (those rows attend uniformly). Bound: norm-relative, 1e-5 * sum_s |p_s v_s|.
test('fast vs attentionNaive: query blocks, Tq != Tk, heads 1..4, B > 1, padding and all-padding rows', () => {
  const T = fc.constantFrom(1, 2, 7, 63, 64, 65, 97, 130);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), T, T, fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 5, 16), fc.constantFrom('none', 'ragged', 'scattered'), fc.integer(), (B, Tq, Tk, heads, d, maskKind, seed) => {
      const rng = Rng.seeded(seed);
      const H = heads * d;
      const q = randomArray(rng, B * Tq * H, -2, 2);
      const k = randomArray(rng, B * Tk * H, -2, 2);
      const v = randomArray(rng, B * Tk * H);
      let mask: Float32Array | null = null;
      if (maskKind !== 'none') {
        mask = new Float32Array(B * Tk);
        for (let b = 0; b < B; b++) {
          const len = b === 1 ? 0 : 1 + rng.int(Tk); // batch row 1 is all padding
          for (let s = 0; s < Tk; s++) mask[b * Tk + s] = maskKind === 'ragged' ? (s < len ? 1 : 0) : rng.float() < 0.3 || s === len - 1 ? 1 : 0;
          if (b === 1) mask.fill(0, b * Tk, (b + 1) * Tk);
        }
      }
      const p = attentionPlan([B, Tq, H], [B, Tk, H], [B, Tk, H], heads, mask === null ? null : [B, Tk]);
      const out = new Float32Array(B * Tq * H).fill(NaN);
      attention(out, q, k, v, mask, p, new Float32Array(p.scratchSize).fill(NaN));
      const ref = new Float32Array(B * Tq * H);
      attentionNaive(ref, q, k, v, mask, p);
      const { scale } = attention64(q, k, v, mask, B, Tq, Tk, H, heads);
      expectClose(out, ref, { rtol: 1e-5, atol: 1e-7, scale, where: `attention B=${B} Tq=${Tq} Tk=${Tk} heads=${heads} d=${d} mask=${maskKind}` });
    }),
    { seed: 21, numRuns: 40 },
  );
});

test('the spam-bert shape [2,128,128], 2 heads, ragged mask: fast vs attentionNaive', () => {
  const rng = Rng.seeded(8);
  const [B, T, H, heads] = [2, 128, 128, 2];
  const q = randomArray(rng, B * T * H, -2, 2);
  const k = randomArray(rng, B * T * H, -2, 2);
  const v = randomArray(rng, B * T * H);
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T < (i < T ? 100 : 37) ? 1 : 0));
  const p = attentionPlan([B, T, H], [B, T, H], [B, T, H], heads, [B, T]);
  const out = new Float32Array(B * T * H);
  attention(out, q, k, v, mask, p, new Float32Array(p.scratchSize));
  const ref = new Float32Array(B * T * H);
  attentionNaive(ref, q, k, v, mask, p);
  expectClose(out, ref, { rtol: 1e-5, atol: 1e-7, scale: attention64(q, k, v, mask, B, T, T, H, heads).scale, where: 'attention [2,128,128]' });
});

test.run();
