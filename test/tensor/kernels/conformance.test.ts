// One conformance suite over every Kernels table (reference, fast, simd with copied operands and simd with
// operands in its memory, where its module row kernels and attention run) against the float64 oracles of
// test/helpers/oracle.ts, on fast-check shapes (1, primes, non-multiples of every tile size) with
// fixed seeds. Bounds: gemm, conv2d and attention are norm-relative, |out - ref| <= 1e-5 * sum|terms|
// (float32 inputs, float32 output, K up to 300); the others are relative, rtol 1e-5 plus atol 1e-6
// where outputs pass through zero.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { referenceKernels, fastKernels, createSimdKernels, simdValidates, type Kernels, type SimdKernels } from '../../../src/tensor/kernels/index.js';
import { gemmPlan } from '../../../src/tensor/kernels/gemm.js';
import { conv2dPlan } from '../../../src/tensor/kernels/conv2d.js';
import { pool2dPlan, adaptiveAvgPool2dPlan, globalAvgPool2dPlan } from '../../../src/tensor/kernels/pool.js';
import { softmaxPlan } from '../../../src/tensor/kernels/softmax.js';
import { layerNormPlan } from '../../../src/tensor/kernels/layernorm.js';
import { embeddingPlan } from '../../../src/tensor/kernels/embedding.js';
import { attentionPlan } from '../../../src/tensor/kernels/attention.js';
import { Arena } from '../../../src/tensor/arena.js';
import { Rng } from '../../../src/splitee/rng.js';
import { expectClose } from '../../helpers/close.js';
import { randomArray, EDGE_SIZES } from '../../helpers/random.js';
import { gemm64, conv64, softmax64, layerNorm64, attention64, act64 } from '../../helpers/oracle.js';

const size = fc.constantFrom(...EDGE_SIZES.filter((s) => s <= 65));
const small = fc.integer({ min: 1, max: 9 });
const act = fc.constantFrom('none' as const, 'relu' as const, 'gelu' as const);
const RUNS = 25;

/**
 * The simd table with every Float32Array operand first copied into its memory, so its module kernels run
 * (row kernels and attention take the fast fallback for operands outside it), and the output (the first
 * argument) copied back. An operand passed twice (out aliasing x) stays one copy.
 */
function inMemory(k: SimdKernels, name: string): Kernels {
  const pool = k.allocate(1 << 21);
  const wrap = (fn: (...args: unknown[]) => void) => (...args: unknown[]) => {
    let top = 0;
    const seen = new Map<Float32Array, Float32Array>();
    const mapped = args.map((a) => {
      if (!(a instanceof Float32Array)) return a;
      let v = seen.get(a);
      if (v === undefined) {
        v = pool.subarray(top, top + a.length);
        top += (a.length + 3) & ~3;
        v.set(a);
        seen.set(a, v);
      }
      return v;
    });
    fn(...mapped);
    (args[0] as Float32Array).set(mapped[0] as Float32Array);
  };
  const t: Record<string, unknown> = { ...k, name };
  for (const key of ['gemm', 'conv2d', 'relu', 'gelu', 'tanh', 'add', 'addBias', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d', 'globalAvgPool2d', 'softmax', 'logSoftmax', 'layerNorm', 'embedding', 'attention'] as const) {
    t[key] = wrap(k[key] as (...args: unknown[]) => void);
  }
  return t as unknown as Kernels;
}

// The relaxed-SIMD build joins where the runtime validates it (Node 22+, or Node 20 with --experimental-wasm-relaxed-simd).
const relaxed: Kernels[] = simdValidates(true) ? [{ ...createSimdKernels({ relaxed: true }), name: 'simd-relaxed' }, inMemory(createSimdKernels({ relaxed: true }), 'simd-relaxed-in-memory')] : [];
for (const K of [referenceKernels, fastKernels, createSimdKernels({ relaxed: false }), inMemory(createSimdKernels({ relaxed: false }), 'simd-in-memory'), ...relaxed] as Kernels[]) {
  const t = (name: string, fn: () => void) => test(`${K.name}: ${name}`, fn);

  t('gemm: every transpose, alpha, beta, bias mode and activation', () => {
    fc.assert(
      fc.property(size, size, fc.constantFrom(1, 3, 17, 64, 65, 300, 600), fc.boolean(), fc.boolean(), act, fc.constantFrom('none' as const, 'col' as const, 'row' as const), fc.constantFrom(0, 1, -0.5), fc.integer(), (M, N, Kd, transA, transB, activation, bias, beta, seed) => {
        const rng = Rng.seeded(seed);
        const a = randomArray(rng, M * Kd);
        const b = randomArray(rng, Kd * N);
        const c = randomArray(rng, M * N);
        if (beta === 0) c.fill(NaN); // beta = 0 must never read C
        const bv = randomArray(rng, bias === 'row' ? M : N);
        const alpha = 1.5;
        const p = gemmPlan(transA ? [Kd, M] : [M, Kd], transB ? [N, Kd] : [Kd, N], { transA, transB, alpha, beta, activation, bias });
        const ref = gemm64(a, b, c, bv, { M, N, K: Kd, transA, transB, alpha, beta, activation, bias });
        K.gemm(c, a, b, bias === 'none' ? null : bv, p);
        expectClose(c, ref.value, { rtol: 1e-5, atol: 1e-7, scale: ref.scale, where: `gemm M=${M} N=${N} K=${Kd} tA=${transA} tB=${transB}` });
      }),
      { seed: 11, numRuns: RUNS * 2 },
    );
  });

  t('gemm: M = 1 (GEMV) both layouts', () => {
    const rng = Rng.seeded(3);
    for (const [N, Kd] of [[1, 1], [7, 13], [64, 65], [513, 129]]) {
      for (const transB of [false, true]) {
        const a = randomArray(rng, Kd);
        const b = randomArray(rng, Kd * N);
        const c = new Float32Array(N);
        K.gemm(c, a, b, null, gemmPlan([1, Kd], transB ? [N, Kd] : [Kd, N], { transB }));
        const ref = gemm64(a, b, c, null, { M: 1, N, K: Kd, transA: false, transB, alpha: 1, beta: 0, activation: 'none', bias: 'none' });
        expectClose(c, ref.value, { rtol: 1e-5, scale: ref.scale, where: `gemv N=${N} K=${Kd}` });
      }
    }
  });

  t('gemm with B packed as Linear packs it: a row gives the same bits in a call of M rows, of its prefix, and alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 23 }), size, fc.constantFrom(1, 17, 64, 300), act, fc.integer(), (M, N, Kd, activation, seed) => {
        const rng = Rng.seeded(seed);
        const a = randomArray(rng, M * Kd);
        const b = randomArray(rng, Kd * N);
        const bias = randomArray(rng, N);
        const plan = (m: number) => gemmPlan([m, Kd], [N, Kd], { transB: true, activation, bias: 'col' });
        const packed = K.packGemmB?.(b, plan(1)) ?? null;
        const rows = (from: number, to: number) => {
          const c = new Float32Array((to - from) * N);
          K.gemm(c, a.subarray(from * Kd, to * Kd), b, bias, plan(to - from), packed);
          return [...new Uint32Array(c.buffer)];
        };
        const whole = rows(0, M);
        const k = 1 + (seed >>> 0) % (M - 1);
        assert.equal([...rows(0, k), ...rows(k, M)], whole, `rows [0,${k}) + [${k},${M}) against one call of ${M}, N=${N} K=${Kd}`);
        assert.equal(rows(M - 1, M), whole.slice((M - 1) * N), `row ${M - 1} alone, N=${N} K=${Kd}`);
      }),
      { seed: 13, numRuns: RUNS },
    );
  });

  t('conv2d: kernels 1 and 3 (and 5, 2x3), stride 1 and 2, padding 0..2, fused activation', () => {
    const arena = new Arena();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), small, fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 }), small, fc.constantFrom([1, 1], [3, 3], [5, 5], [2, 3]), fc.constantFrom(1, 2), fc.integer({ min: 0, max: 2 }), act, fc.boolean(), fc.integer(), (N, C, H, W, O, [kH, kW], stride, padding, activation, hasBias, seed) => {
        fc.pre(H + 2 * padding >= kH && W + 2 * padding >= kW);
        const rng = Rng.seeded(seed);
        const x = randomArray(rng, N * C * H * W);
        const w = randomArray(rng, O * C * kH * kW);
        const bias = hasBias ? randomArray(rng, O) : null;
        const p = conv2dPlan([N, C, H, W], [O, C, kH, kW], { stride, padding, activation, bias: hasBias });
        const ref = conv64(x, w, bias, { N, C, H, W, O, kH, kW, sH: stride, sW: stride, pH: padding, pW: padding, activation });
        assert.equal([...p.outShape], [N, O, ref.Ho, ref.Wo]);
        const out = new Float32Array(N * O * p.Ho * p.Wo).fill(NaN);
        arena.reset();
        K.conv2d(out, x, w, bias, p, arena.take(p.scratchSize));
        expectClose(out, ref.value, { rtol: 1e-5, atol: 1e-7, scale: ref.scale, where: `conv2d ${JSON.stringify({ N, C, H, W, O, kH, kW, stride, padding })}` });
      }),
      { seed: 12, numRuns: RUNS },
    );
  });

  t('conv2d with weights packed as Conv2d packs them: a sample gives the same bits in a batch of N and alone', () => {
    const arena = new Arena();
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), small, fc.integer({ min: 3, max: 13 }), small, fc.constantFrom(1, 3), fc.constantFrom(1, 2), act, fc.integer(), (N, C, H, O, k, stride, activation, seed) => {
        const rng = Rng.seeded(seed);
        const x = randomArray(rng, N * C * H * H);
        const w = randomArray(rng, O * C * k * k);
        const bias = randomArray(rng, O);
        const plan = (n: number) => conv2dPlan([n, C, H, H], [O, C, k, k], { stride, padding: k >> 1, activation, bias: true });
        const packed = K.packConvWeights?.(w, plan(1)) ?? null;
        const run = (from: number, to: number) => {
          const p = plan(to - from);
          const out = new Float32Array((to - from) * O * p.Ho * p.Wo);
          arena.reset();
          K.conv2d(out, x.subarray(from * C * H * H, to * C * H * H), w, bias, p, arena.take(p.scratchSize), packed);
          return [...new Uint32Array(out.buffer)];
        };
        const whole = run(0, N);
        const per = whole.length / N;
        assert.equal(run(N - 1, N), whole.slice((N - 1) * per), `sample ${N - 1} alone, C=${C} H=${H} O=${O} k=${k} stride=${stride}`);
      }),
      { seed: 14, numRuns: RUNS },
    );
  });

  t('elementwise: relu, gelu, tanh, add (+relu), addBias (+gelu)', () => {
    const rng = Rng.seeded(4);
    for (const n of [1, 7, 64, 1001]) {
      const x = randomArray(rng, n, -6, 6);
      const y = randomArray(rng, n, -6, 6);
      const out = new Float32Array(n);
      K.relu(out, x, n);
      expectClose(out, Array.from(x, (v) => Math.max(v, 0)), { rtol: 0, where: 'relu' });
      // GELU's bound (elementwise.ts): |out - gelu64(x)| <= 1e-6 |gelu64(x)| + 3.5e-8 |x| (absolute in the negative tail).
      const geluScale = (xs: ArrayLike<number>) => Array.from(xs, (v) => Math.abs(act64('gelu', v)) + 0.035 * Math.abs(v));
      K.gelu(out, x, n);
      expectClose(out, Array.from(x, (v) => act64('gelu', v)), { rtol: 1e-6, scale: geluScale(x), where: 'gelu' });
      K.tanh(out, x, n);
      expectClose(out, Array.from(x, Math.tanh), { rtol: 1e-6, atol: 1e-7, where: 'tanh' });
      K.add(out, x, y, n);
      expectClose(out, Array.from(x, (v, i) => v + y[i]), { rtol: 1e-7, atol: 1e-7, where: 'add' });
      K.add(out, x, y, n, 'relu');
      expectClose(out, Array.from(x, (v, i) => Math.max(v + y[i], 0)), { rtol: 1e-7, atol: 1e-7, where: 'add relu' });
      const cols = n === 1001 ? 7 : n;
      const rows = n / cols;
      const bias = randomArray(rng, cols);
      K.addBias(out, x, bias, rows, cols, 'gelu');
      const xb = Array.from(x, (v, i) => v + bias[i % cols]);
      expectClose(out.subarray(0, n), xb.map((v) => act64('gelu', v)), { rtol: 1e-6, scale: geluScale(xb), where: 'addBias gelu' });
    }
  });

  t('pooling: max/avg with padding, adaptive (PyTorch windows), global', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (N, C, H, W, k, s, pd, ao, seed) => {
        fc.pre(2 * pd <= k && H + 2 * pd >= k && W + 2 * pd >= k);
        const rng = Rng.seeded(seed);
        const x = randomArray(rng, N * C * H * W);
        const p = pool2dPlan([N, C, H, W], { kernel: k, stride: s, padding: pd });
        const out = new Float32Array(N * C * p.Ho * p.Wo);
        const mx = new Float64Array(out.length);
        const av = new Float64Array(out.length);
        for (let nc = 0; nc < N * C; nc++)
          for (let y = 0; y < p.Ho; y++)
            for (let xx = 0; xx < p.Wo; xx++) {
              const vals: number[] = [];
              for (let i = 0; i < k; i++)
                for (let j = 0; j < k; j++) {
                  const iy = y * s - pd + i;
                  const ix = xx * s - pd + j;
                  if (iy >= 0 && iy < H && ix >= 0 && ix < W) vals.push(x[(nc * H + iy) * W + ix]);
                }
              mx[(nc * p.Ho + y) * p.Wo + xx] = Math.max(...vals);
              av[(nc * p.Ho + y) * p.Wo + xx] = vals.reduce((a, b) => a + b, 0) / (k * k);
            }
        K.maxPool2d(out, x, p);
        expectClose(out, mx, { rtol: 0, where: 'maxPool2d' });
        K.avgPool2d(out, x, p);
        expectClose(out, av, { rtol: 1e-6, atol: 1e-7, where: 'avgPool2d' });
        const ap = adaptiveAvgPool2dPlan([N, C, H, W], [ao, Math.max(1, ao - 1)]);
        const aout = new Float32Array(N * C * ap.Ho * ap.Wo);
        const aref = new Float64Array(aout.length);
        for (let nc = 0; nc < N * C; nc++)
          for (let y = 0; y < ap.Ho; y++)
            for (let xx = 0; xx < ap.Wo; xx++) {
              const [y0, y1] = [Math.floor((y * H) / ap.Ho), Math.ceil(((y + 1) * H) / ap.Ho)];
              const [x0, x1] = [Math.floor((xx * W) / ap.Wo), Math.ceil(((xx + 1) * W) / ap.Wo)];
              let sum = 0;
              for (let i = y0; i < y1; i++) for (let j = x0; j < x1; j++) sum += x[(nc * H + i) * W + j];
              aref[(nc * ap.Ho + y) * ap.Wo + xx] = sum / ((y1 - y0) * (x1 - x0));
            }
        K.adaptiveAvgPool2d(aout, x, ap);
        expectClose(aout, aref, { rtol: 1e-6, atol: 1e-7, where: 'adaptiveAvgPool2d' });
        const gout = new Float32Array(N * C);
        K.globalAvgPool2d(gout, x, globalAvgPool2dPlan([N, C, H, W]));
        const gref = Array.from({ length: N * C }, (_, nc) => x.subarray(nc * H * W, (nc + 1) * H * W).reduce((a, b) => a + b, 0) / (H * W));
        expectClose(gout, gref, { rtol: 1e-6, atol: 1e-7, where: 'globalAvgPool2d' });
      }),
      { seed: 13, numRuns: RUNS },
    );
  });

  t('softmax and log-softmax over the last axis, large logits included', () => {
    fc.assert(
      fc.property(small, size, fc.constantFrom(1, 30, 200), fc.integer(), (rows, cols, spread, seed) => {
        const rng = Rng.seeded(seed);
        const x = randomArray(rng, rows * cols, -spread, spread);
        const out = new Float32Array(rows * cols);
        K.softmax(out, x, softmaxPlan([rows, cols]));
        expectClose(out, softmax64(x, rows, cols, false), { rtol: 1e-5, atol: 1e-8, where: 'softmax' });
        K.logSoftmax(out, x, softmaxPlan([rows, cols]));
        expectClose(out, softmax64(x, rows, cols, true), { rtol: 1e-5, atol: 1e-6, where: 'logSoftmax' });
      }),
      { seed: 14, numRuns: RUNS },
    );
  });

  t('layerNorm: biased variance, eps as given, offset inputs', () => {
    fc.assert(
      fc.property(small, size, fc.constantFrom(1e-12, 1e-5), fc.constantFrom(0, 100), fc.integer(), (rows, cols, eps, offset, seed) => {
        const rng = Rng.seeded(seed);
        const x = randomArray(rng, rows * cols, offset - 1, offset + 1);
        const g = randomArray(rng, cols);
        const b = randomArray(rng, cols);
        const out = new Float32Array(rows * cols);
        K.layerNorm(out, x, g, b, layerNormPlan([rows, cols], [cols], eps));
        // Inputs near 100 lose ~1e-5 relative when float32 holds x; the bound scales with |gamma| + |beta|.
        const scale = Array.from(out, (_, i) => Math.abs(g[i % cols]) * (offset === 0 ? 1 : 10) + Math.abs(b[i % cols]));
        expectClose(out, layerNorm64(x, g, b, rows, cols, eps), { rtol: 1e-5, atol: 1e-6, scale, where: 'layerNorm' });
      }),
      { seed: 15, numRuns: RUNS },
    );
  });

  t('embedding: Float32 and Int32 ids gather rows', () => {
    const rng = Rng.seeded(5);
    const table = randomArray(rng, 11 * 6);
    const ids = [0, 10, 3, 3, 7];
    for (const idArr of [Float32Array.from(ids), Int32Array.from(ids)]) {
      const out = new Float32Array(ids.length * 6);
      K.embedding(out, table, idArr, embeddingPlan([11, 6], [ids.length]));
      assert.equal([...out], ids.flatMap((id) => [...table.subarray(id * 6, id * 6 + 6)]));
    }
  });

  t('attention: heads, padding mask (a fully padded row attends uniformly), Tq != Tk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 2, 4), fc.constantFrom(1, 3, 8), fc.boolean(), fc.integer(), (B, Tq, Tk, heads, d, masked, seed) => {
        const rng = Rng.seeded(seed);
        const H = heads * d;
        const q = randomArray(rng, B * Tq * H, -3, 3);
        const k = randomArray(rng, B * Tk * H, -3, 3);
        const v = randomArray(rng, B * Tk * H);
        const mask = masked ? Float32Array.from({ length: B * Tk }, (_, i) => (i % Tk < Math.max(0, Tk - (i % 3)) && !(Math.floor(i / Tk) === 1) ? 1 : 0)) : null;
        const p = attentionPlan([B, Tq, H], [B, Tk, H], [B, Tk, H], heads, mask === null ? null : [B, Tk]);
        const out = new Float32Array(B * Tq * H);
        K.attention(out, q, k, v, mask, p, new Float32Array(p.scratchSize));
        const ref = attention64(q, k, v, mask, B, Tq, Tk, H, heads);
        expectClose(out, ref.value, { rtol: 1e-5, atol: 1e-7, scale: ref.scale, where: 'attention' });
      }),
      { seed: 16, numRuns: RUNS },
    );
  });
}

test.run();
