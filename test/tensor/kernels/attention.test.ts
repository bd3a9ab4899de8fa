import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attention, attentionNaive, attentionPlan, MASK_MIN } from '../../../src/tensor/kernels/attention.js';
import { ShapeError, ArgumentError } from '../../../src/tensor/errors.js';
import { expectClose } from '../../helpers/close.js';

test('[1,1,2] query over 2 keys, 1 head: weights softmax(q.k/sqrt 2); a padded key gets weight 0', () => {
  const q = Float32Array.from([1, 1]);
  const k = Float32Array.from([1, 1, 0, 0]);
  const v = Float32Array.from([10, 0, 0, 10]);
  const p = attentionPlan([1, 1, 2], [1, 2, 2], [1, 2, 2], 1, [1, 2]);
  const w0 = 1 / (1 + Math.exp(-2 / Math.SQRT2));
  for (const run of [(o: Float32Array, m: Float32Array | null) => attention(o, q, k, v, m, p, new Float32Array(2)), (o: Float32Array, m: Float32Array | null) => attentionNaive(o, q, k, v, m, p)]) {
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
});

test.run();
