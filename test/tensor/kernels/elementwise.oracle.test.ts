// Elementwise kernels against ndarray-ops as an independent oracle. ndarray generates code at run
// time, so this file is skipped in the --disallow-code-generation-from-strings run.
import { test } from 'uvu';
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { referenceKernels, fastKernels } from '../../../src/tensor/kernels/index.js';
import { softmaxPlan } from '../../../src/tensor/kernels/softmax.js';
import { Rng } from '../../../src/splitee/rng.js';
import { expectClose } from '../../helpers/close.js';
import { randomArray } from '../../helpers/random.js';

for (const K of [referenceKernels, fastKernels]) {
  test(`${K.name}: relu, add, add+relu, addBias, softmax agree with ndarray-ops`, () => {
    const rng = Rng.seeded(31);
    for (const [rows, cols] of [[1, 1], [3, 7], [17, 64]]) {
      const n = rows * cols;
      const x = randomArray(rng, n, -5, 5);
      const y = randomArray(rng, n, -5, 5);
      const bias = randomArray(rng, cols);
      const out = new Float32Array(n);
      const want = ndarray(new Float32Array(n), [rows, cols]);
      const X = ndarray(x, [rows, cols]);
      const Y = ndarray(y, [rows, cols]);

      ops.maxs(want, X, 0);
      K.relu(out, x, n);
      expectClose(out, want.data as Float32Array, { rtol: 0, where: 'relu' });

      ops.add(want, X, Y);
      K.add(out, x, y, n);
      expectClose(out, want.data as Float32Array, { rtol: 0, where: 'add' });
      ops.maxseq(want, 0);
      K.add(out, x, y, n, 'relu');
      expectClose(out, want.data as Float32Array, { rtol: 0, where: 'add relu' });

      for (let r = 0; r < rows; r++) ops.add(want.pick(r, null), X.pick(r, null), ndarray(bias, [cols]));
      K.addBias(out, x, bias, rows, cols);
      expectClose(out, want.data as Float32Array, { rtol: 0, where: 'addBias' });

      const sm = ndarray(new Float64Array(n), [rows, cols]);
      for (let r = 0; r < rows; r++) {
        const row = sm.pick(r, null);
        ops.assign(row, X.pick(r, null));
        ops.subseq(row, ops.sup(row));
        ops.expeq(row);
        ops.divseq(row, ops.sum(row));
      }
      K.softmax(out, x, softmaxPlan([rows, cols]));
      expectClose(out, sm.data as Float64Array, { rtol: 1e-6, atol: 1e-8, where: 'softmax' });
    }
  });
}

test.run();
