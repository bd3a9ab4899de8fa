import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layerNorm, layerNormPlan } from '../../../src/tensor/kernels/layernorm.js';
import { ShapeError, ArgumentError } from '../../../src/tensor/errors.js';
import { expectClose } from '../../helpers/close.js';

test('[1,4] biased variance, as torch.nn.LayerNorm(4, eps=1e-5)', () => {
  const out = new Float32Array(4);
  layerNorm(out, Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 1, 2, 1]), Float32Array.from([0, 0, 0, 1]), layerNormPlan([1, 4], [4], 1e-5));
  const sd = Math.sqrt(1.25 + 1e-5); // biased variance of [1,2,3,4] is 1.25 (unbiased would be 5/3)
  expectClose(out, [-1.5 / sd, -0.5 / sd, (2 * 0.5) / sd, 1.5 / sd + 1], { rtol: 1e-6 });
});

test('plan errors', () => {
  assert.throws(() => layerNormPlan([2, 4], [3], 1e-5), (e: unknown) => e instanceof ShapeError && /\[2,4\].*\[3\]/.test((e as Error).message));
  assert.throws(() => layerNormPlan([2, 4], [4], 0), (e: unknown) => e instanceof ArgumentError);
});

test.run();
