import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erfc64, erfFast, gelu64, geluScalar, relu, gelu, add, addBias, biasPlan, binaryPlan, reluNaive, tanh } from '../../../src/tensor/kernels/elementwise.js';
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

test('erfFast is within 6.5e-8 of erf and inside [-1, 1]; the fast GELU keeps the header bound 1e-7 |gelu| + 3.5e-8 |x|', () => {
  for (let z = -8; z <= 8; z += 0.0007) {
    const e = erfFast(z);
    assert.ok(Math.abs(e - (1 - erfc64(z))) <= 6.5e-8 && Math.abs(e) <= 1, `erf(${z}) = ${e}`);
  }
  expectClose(GELU.map(([x]) => geluScalar(x)), GELU.map(([, v]) => v), { rtol: 1e-7, scale: GELU.map(([x, v]) => Math.abs(v) + 0.35 * Math.abs(x)), where: 'geluScalar' });
  for (let x = -12; x <= 12; x += 0.003) {
    const g = geluScalar(x);
    const r = gelu64(x);
    assert.ok(Math.abs(g - r) <= 1e-7 * Math.abs(r) + 3.5e-8 * Math.abs(x), `gelu(${x}) = ${g}, expected ${r}`);
    if (x >= -1) assert.ok(Math.abs(g - r) <= 1.2e-7 * Math.abs(r), `gelu(${x}) relative`); // relative where gelu is not tiny
    if (x < 0) assert.ok(g <= 0, `gelu(${x}) = ${g} > 0`); // the clamp keeps 1 + erf >= 0
  }
  assert.is(geluScalar(-6), -0); // below -5.64 the erf clamp gives exactly 0 (gelu64(-6) is -5.9e-9)
  assert.ok(Object.is(geluScalar(-3e38), -0) && geluScalar(3e38) === 3e38 && Number.isNaN(geluScalar(NaN)));
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
