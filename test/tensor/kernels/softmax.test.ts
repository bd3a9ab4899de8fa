import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { softmax, logSoftmax, softmaxPlan } from '../../../src/tensor/kernels/softmax.js';
import { ShapeError } from '../../../src/tensor/errors.js';
import { expectClose } from '../../helpers/close.js';

test('[2,3]: stable for huge logits, in place, log form', () => {
  const x = Float32Array.from([1000, 1000, 1000, 0, Math.log(2), Math.log(5)]);
  const p = softmaxPlan([2, 3]);
  const out = new Float32Array(6);
  softmax(out, x, p);
  expectClose(out, [1 / 3, 1 / 3, 1 / 3, 0.125, 0.25, 0.625], { rtol: 1e-6 });
  logSoftmax(x, x, p);
  expectClose(x, [-Math.log(3), -Math.log(3), -Math.log(3), Math.log(0.125), Math.log(0.25), Math.log(0.625)], { rtol: 1e-6 });
});

test('NaN in a row propagates to that row only', () => {
  const out = new Float32Array(4);
  softmax(out, Float32Array.from([NaN, 1, 0, 0]), softmaxPlan([2, 2]));
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
  assert.equal([...out.subarray(2)], [0.5, 0.5]);
});

test('plan errors', () => {
  assert.throws(() => softmaxPlan([3, 0]), (e: unknown) => e instanceof ShapeError && /\[3,0\]/.test((e as Error).message));
  assert.throws(() => softmaxPlan([]), (e: unknown) => e instanceof ShapeError);
});

test.run();
