import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erfc64, erfcFast, gelu64, geluScalar, relu, gelu, add, addBias, biasPlan, binaryPlan, reluNaive, tanh } from '../../../src/tensor/kernels/elementwise.js';
import { ShapeError } from '../../../src/tensor/errors.js';
import { expectClose } from '../../helpers/close.js';

// Values from Python's math.erfc (float64): gelu(x) = 0.5 x erfc(-x / sqrt 2), PyTorch's exact GELU.
const GELU: [number, number][] = [
  [1, 0.8413447460685429], [-1, -0.15865525393145707], [2, 1.9544997361036416], [-3, -0.004049694094890287],
  [0.5, 0.34573123063700656], [-0.5, -0.15426876936299344], [10, 10], [-10, -7.619853024160593e-23], [3.5, 3.4991857982233756],
];
const ERFC: [number, number][] = [[0.1, 0.8875370839817152], [1, 0.15729920705028513], [2.9, 4.109787809945886e-5], [3.1, 1.1648657367199589e-5], [5, 1.5374597944280351e-12], [10, 2.088487583762545e-45]];

test('erfc64 and gelu64 match Python math.erfc to 1e-13 relative', () => {
  expectClose(ERFC.map(([z]) => erfc64(z)), ERFC.map(([, v]) => v), { rtol: 1e-13, where: 'erfc64' });
  expectClose(GELU.map(([x]) => gelu64(x)), GELU.map(([, v]) => v), { rtol: 1e-13, where: 'gelu64' });
});

test('the fast erfc / GELU stay within 1.2e-7 relative (Numerical Recipes erfcc bound)', () => {
  expectClose(ERFC.map(([z]) => erfcFast(z)), ERFC.map(([, v]) => v), { rtol: 1.2e-7, where: 'erfcFast' });
  expectClose(GELU.map(([x]) => geluScalar(x)), GELU.map(([, v]) => v), { rtol: 1.2e-7, where: 'geluScalar' });
  for (let x = -12; x <= 12; x += 0.01) assert.ok(Math.abs(geluScalar(x) - gelu64(x)) <= 1.2e-7 * Math.abs(gelu64(x)) + 1e-300, `gelu(${x})`);
});

test('[4] relu/gelu keep NaN (as torch) and work in place', () => {
  const x = Float32Array.from([-1, 0, 2, NaN]);
  relu(x, x, 4);
  expectClose(x, [0, 0, 2, NaN], { rtol: 0 });
  const y = Float32Array.from([NaN, 1]);
  gelu(y, y, 2);
  assert.ok(Number.isNaN(y[0]));
  const z = new Float32Array(2);
  reluNaive(z, Float32Array.from([NaN, -1]), 2);
  assert.ok(Number.isNaN(z[0]) && z[1] === 0);
  tanh(z, Float32Array.from([100, -100]), 2);
  assert.equal([...z], [1, -1]);
});

test('[2,3] + [3] bias with relu; residual add of [2,2]', () => {
  const out = new Float32Array(6);
  addBias(out, Float32Array.from([1, 2, 3, -4, -5, -6]), Float32Array.from([1, 1, 10]), 2, 3, 'relu');
  assert.equal([...out], [2, 3, 13, 0, 0, 4]);
  add(out, Float32Array.from([1, -2, 3, 4]), Float32Array.from([1, 1, -4, 0]), 4, 'relu');
  assert.equal([...out.subarray(0, 4)], [2, 0, 0, 4]);
});

test('plans and length checks name both shapes', () => {
  assert.equal(biasPlan('t', [2, 5, 3], [3]), { rows: 10, cols: 3 });
  assert.throws(() => biasPlan('t', [2, 3], [4]), (e: unknown) => e instanceof ShapeError && /\[2,3\].*\[4\]/.test((e as Error).message));
  assert.is(binaryPlan('t', [2, 3], [2, 3]), 6);
  assert.throws(() => binaryPlan('t', [2, 3], [3, 2]), /\[2,3\] and \[3,2\]/);
  assert.throws(() => relu(new Float32Array(2), new Float32Array(1), 2), /x is too short/);
});

test.run();
