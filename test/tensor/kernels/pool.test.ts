import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pool2dPlan, maxPool2d, avgPool2d, adaptiveAvgPool2dPlan, adaptiveAvgPool2d, globalAvgPool2dPlan, globalAvgPool2d } from '../../../src/tensor/kernels/pool.js';
import { ShapeError, ArgumentError } from '../../../src/tensor/errors.js';

test('[1,1,4,4] max and avg 2x2 stride 2; ResNet stem max 3x3 s2 p1 treats padding as -inf', () => {
  const x = Float32Array.from({ length: 16 }, (_, i) => i);
  const out = new Float32Array(4);
  const p = pool2dPlan([1, 1, 4, 4], { kernel: 2 });
  maxPool2d(out, x, p);
  assert.equal([...out], [5, 7, 13, 15]);
  avgPool2d(out, x, p);
  assert.equal([...out], [2.5, 4.5, 10.5, 12.5]);
  const neg = Float32Array.from({ length: 16 }, (_, i) => -1 - i);
  const stem = pool2dPlan([1, 1, 4, 4], { kernel: 3, stride: 2, padding: 1 });
  assert.equal([...stem.outShape], [1, 1, 2, 2]);
  maxPool2d(out, neg, stem);
  assert.equal([...out], [-1, -2, -5, -6]);
});

test('adaptive average pooling uses floor/ceil windows (overlapping when sizes do not divide)', () => {
  // H = 5 -> 3: windows [0,2), [1,4), [3,5)
  const x = Float32Array.from([1, 2, 3, 4, 5]);
  const out = new Float32Array(3);
  adaptiveAvgPool2d(out, x, adaptiveAvgPool2dPlan([1, 1, 5, 1], [3, 1]));
  assert.equal([...out], [1.5, 3, 4.5]);
  const g = new Float32Array(2);
  const gp = globalAvgPool2dPlan([1, 2, 1, 2]);
  assert.equal([...gp.outShape], [1, 2]);
  globalAvgPool2d(g, Float32Array.from([1, 3, 5, 7]), gp);
  assert.equal([...g], [2, 6]);
});

test('plan errors', () => {
  assert.throws(() => pool2dPlan([1, 1, 4], { kernel: 2 }), (e: unknown) => e instanceof ShapeError && /\[1,1,4\]/.test((e as Error).message));
  assert.throws(() => pool2dPlan([1, 1, 4, 4], { kernel: 2, padding: 2 }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => pool2dPlan([1, 1, 2, 2], { kernel: 3 }), /kernel larger/);
  assert.throws(() => adaptiveAvgPool2dPlan([1, 1, 2, 2], 0), /invalid output size/);
});

test.run();
