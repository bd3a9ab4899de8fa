import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gemm, gemmNaive, gemmPlan } from '../../../src/tensor/kernels/gemm.js';
import { gemmStrided } from '../../../src/tensor/kernels/gemm-micro.js';
import { PackScratch } from '../../../src/tensor/kernels/pack-scratch.js';
import { ShapeError, ArgumentError } from '../../../src/tensor/errors.js';
import { Rng } from '../../../src/splitee/rng.js';
import { expectClose } from '../../helpers/close.js';
import { randomArray } from '../../helpers/random.js';
import { gemm64 } from '../../helpers/oracle.js';

test('[2,3] @ [3,2] by hand, with col bias and relu', () => {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const b = Float32Array.from([1, -1, 0, 1, 1, 0]);
  for (const f of [gemm, gemmNaive]) {
    const c = new Float32Array(4);
    f(c, a, b, null, gemmPlan([2, 3], [3, 2]));
    assert.equal([...c], [4, 1, 10, 1]);
    f(c, a, b, Float32Array.from([0, -2]), gemmPlan([2, 3], [3, 2], { bias: 'col', activation: 'relu' }));
    assert.equal([...c], [4, 0, 10, 0]);
  }
});

test('linear as PyTorch: x [M,in] @ W[out,in]^T + b', () => {
  const x = Float32Array.from([1, 2]);
  const w = Float32Array.from([1, 0, 0, 1, 1, 1]); // [3,2]
  const c = new Float32Array(3);
  gemm(c, x, w, Float32Array.from([0.5, 0, -1]), gemmPlan([1, 2], [3, 2], { transB: true, bias: 'col' }));
  assert.equal([...c], [1.5, 2, 2]);
});

test('beta accumulates into C across K-blocks (K > 256) and beta = 0 ignores NaN in C', () => {
  const rng = Rng.seeded(8);
  const [M, N, K] = [9, 11, 600];
  const a = randomArray(rng, M * K);
  const b = randomArray(rng, K * N);
  const c0 = randomArray(rng, M * N);
  const c = c0.slice();
  gemm(c, a, b, null, gemmPlan([M, K], [K, N], { beta: 0.5, alpha: -1 }));
  const ref = gemm64(a, b, c0, null, { M, N, K, transA: false, transB: false, alpha: -1, beta: 0.5, activation: 'none', bias: 'none' });
  expectClose(c, ref.value, { rtol: 1e-5, scale: ref.scale });
  c.fill(NaN);
  gemm(c, a, b, null, gemmPlan([M, K], [K, N]));
  assert.ok(c.every(Number.isFinite));
});

test('large tiles: 130x67x300 fast vs naive, all transposes', () => {
  const rng = Rng.seeded(9);
  const [M, N, K] = [130, 67, 300];
  const a = randomArray(rng, M * K);
  const b = randomArray(rng, K * N);
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      const p = gemmPlan(transA ? [K, M] : [M, K], transB ? [N, K] : [K, N], { transA, transB, activation: 'gelu' });
      const c = new Float32Array(M * N);
      gemm(c, a, b, null, p);
      const ref = gemm64(a, b, c, null, { M, N, K, transA, transB, alpha: 1, beta: 0, activation: 'gelu', bias: 'none' });
      expectClose(c, ref.value, { rtol: 1e-5, atol: 1e-7, scale: ref.scale, where: `tA=${transA} tB=${transB}` });
    }
});

test('gemmStrided: sub-matrices at offsets with row strides, all transposes, K past one K-block; C outside untouched', () => {
  const rng = Rng.seeded(10);
  for (const [M, N, K] of [[5, 7, 3], [66, 9, 300], [1, 130, 17]]) {
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        const [ar, ac] = transA ? [K, M] : [M, K]; // A as stored, embedded in a wider buffer at (2, 3)
        const [br, bc] = transB ? [N, K] : [K, N];
        const [lda, ldb, ldc] = [ac + 5, bc + 2, N + 3];
        const [aOff, bOff, cOff] = [2 * lda + 3, ldb + 1, 4 * ldc + 2];
        const abuf = randomArray(rng, aOff + ar * lda);
        const bbuf = randomArray(rng, bOff + br * ldb);
        const cbuf = randomArray(rng, cOff + M * ldc + 7);
        const before = Float32Array.from(cbuf);
        const a = Float32Array.from({ length: ar * ac }, (_, i) => abuf[aOff + Math.floor(i / ac) * lda + (i % ac)]);
        const b = Float32Array.from({ length: br * bc }, (_, i) => bbuf[bOff + Math.floor(i / bc) * ldb + (i % bc)]);
        const c0 = Float32Array.from({ length: M * N }, (_, i) => cbuf[cOff + Math.floor(i / N) * ldc + (i % N)]);
        gemmStrided(cbuf, cOff, ldc, abuf, aOff, lda, bbuf, bOff, ldb, M, N, K, transA, transB, 1.5, 0.5, new PackScratch());
        const ref = gemm64(a, b, c0, null, { M, N, K, transA, transB, alpha: 1.5, beta: 0.5, activation: 'none', bias: 'none' });
        const got = Float32Array.from({ length: M * N }, (_, i) => cbuf[cOff + Math.floor(i / N) * ldc + (i % N)]);
        expectClose(got, ref.value, { rtol: 1e-5, atol: 1e-7, scale: ref.scale, where: `strided M=${M} N=${N} K=${K} tA=${transA} tB=${transB}` });
        for (let i = 0; i < cbuf.length; i++) {
          const r = i - cOff;
          const inside = r >= 0 && Math.floor(r / ldc) < M && r % ldc < N;
          if (!inside) assert.is(cbuf[i], before[i], `C[${i}] outside the sub-matrix was written`);
        }
      }
  }
});

test('empty dimensions: K = 0 gives beta C + bias; M = 0 or N = 0 is a no-op', () => {
  const c = Float32Array.from([1, 2]);
  gemm(c, new Float32Array(0), new Float32Array(0), Float32Array.from([1, 1]), gemmPlan([1, 0], [0, 2], { beta: 2, bias: 'col' }));
  assert.equal([...c], [3, 5]);
  gemm(c, new Float32Array(0), new Float32Array(6), null, gemmPlan([0, 3], [3, 2]));
  assert.equal([...c], [3, 5]);
});

test('plan errors name both shapes; buffers are checked', () => {
  assert.throws(() => gemmPlan([2, 3], [4, 2]), (e: unknown) => e instanceof ShapeError && /A \[2,3\].*B \[4,2\]/.test((e as Error).message));
  assert.throws(() => gemmPlan([2, 3, 1], [3, 2]), /2-D/);
  assert.throws(() => gemmPlan([2, 3], [3, 2], { activation: 'swish' as never }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => gemm(new Float32Array(3), new Float32Array(6), new Float32Array(6), null, gemmPlan([2, 3], [3, 2])), /C is too short/);
  assert.throws(() => gemm(new Float32Array(4), new Float32Array(6), new Float32Array(6), null, gemmPlan([2, 3], [3, 2], { bias: 'row' })), /bias is missing/);
});

test.run();
