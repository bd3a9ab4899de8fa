import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { foldBatchNorm } from '../../../src/tensor/kernels/batchnorm-fold.js';
import { conv2dNaive, conv2dPlan } from '../../../src/tensor/kernels/conv2d.js';
import { ShapeError } from '../../../src/tensor/errors.js';
import { Rng } from '../../../src/splitee/rng.js';
import { expectClose } from '../../helpers/close.js';
import { randomArray } from '../../helpers/random.js';

test('conv with folded BN equals BN(conv(x)) in eval mode', () => {
  const rng = Rng.seeded(12);
  const [C, O] = [3, 4];
  const x = randomArray(rng, 2 * C * 5 * 5);
  const w = randomArray(rng, O * C * 9);
  const bn = { gamma: randomArray(rng, O), beta: randomArray(rng, O), mean: randomArray(rng, O), var: randomArray(rng, O, 0.1, 2), eps: 1e-5 };
  const p = conv2dPlan([2, C, 5, 5], [O, C, 3, 3], { padding: 1, bias: false });
  const plain = new Float32Array(2 * O * 25);
  conv2dNaive(plain, x, w, null, p);
  const want = plain.map((v, i) => {
    const o = Math.floor(i / 25) % O;
    return ((v - bn.mean[o]) / Math.sqrt(bn.var[o] + bn.eps)) * bn.gamma[o] + bn.beta[o];
  });
  const f = foldBatchNorm(w, [O, C, 3, 3], null, bn);
  const got = new Float32Array(plain.length);
  conv2dNaive(got, x, f.weight, f.bias, conv2dPlan([2, C, 5, 5], [O, C, 3, 3], { padding: 1 }));
  expectClose(got, want, { rtol: 1e-5, atol: 1e-5 });
});

test('mismatched BN length names the weight shape', () => {
  const bn = { gamma: new Float32Array(3), beta: new Float32Array(4), mean: new Float32Array(4), var: new Float32Array(4), eps: 1e-5 };
  assert.throws(() => foldBatchNorm(new Float32Array(36), [4, 1, 3, 3], null, bn), (e: unknown) => e instanceof ShapeError && /gamma.*\[4,1,3,3\]/.test((e as Error).message));
});

test.run();
