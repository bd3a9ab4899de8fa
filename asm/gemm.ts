// GEMM of the `simd` kernel table (re-exported by asm/kernels.ts; see there for the module's conventions).
//
// sgemm core: C [M,N] = alpha * pa . pb + beta * C, row stride ldc (floats), with
//   pa: op(A) packed whole in GMR-row panels  [ceil(M/GMR)][K][GMR]  (zero-padded rows)
//   pb: op(B) packed whole in NR-col panels   [ceil(N/NR)][K][NR]    (zero-padded columns)
// Blocking: MC rows of A x KC steps of K per sweep over every B panel. The register tile:
//   SIMD128  4x8 (8 v128 accumulators: 4 splatted A values x 2 B vectors per K step), inlined;
//   relaxed  6x8 (12 accumulators) in a function of its own (tile6, into the edge buffer, then scaled
//            and stored by store6 or clip): 8 chains of f32x4.relaxed_madd
//            leave the FMA latency-bound (4 cycles, 2 per cycle), 12 do not. It must stay out of line
//            (exported, so binaryen does not inline it): V8 unrolls a small innermost wasm loop by up to
//            (loop depth + 1) * 50 nodes, and its unrolled copy of this tile hoists the 6 splats and
//            spills (bench/README.md "Relaxed SIMD: a 6x8 tile").
// The SIMD128 6x8 spills (12 accumulators + 2 B + 1 A + a product > V8's 15 xmm registers). Edge
// tiles go through the buffer at `edge` (48 floats) and are clipped at the store. Conv weights keep MR = 4
// rows per panel in both builds (asm/conv.ts runs the 4x8 tile on them).

export const MR: i32 = 4;
export const NR: i32 = 8;
/** Rows per A panel of the GEMM in this build (see the header). */
export const GMR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
const KC: i32 = 512;
const MC: i32 = GMR == 6 ? 48 : 64; // a multiple of GMR

/** c + a * b (fused in the relaxed build). */
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * The 4x4 block at src (4 rows of 4 floats, row stride ss bytes) transposed to dst (row stride ds bytes):
 * dst row c = column c of src. Two shuffle stages (interleave pairs of rows, then pairs of halves).
 */
@inline function transpose4(src: usize, ss: usize, dst: usize, ds: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + ss);
  const r2 = v128.load(src + 2 * ss);
  const r3 = v128.load(src + 3 * ss);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + ds, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * ds, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ds, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/** Rows 4 and 5 of a 6-row panel: the 2x4 block at src (row stride ss bytes) as 4 pairs, pair c at dst + c*ds. */
@inline function pairs4(src: usize, ss: usize, dst: usize, ds: usize): void {
  const r4 = v128.load(src);
  const r5 = v128.load(src + ss);
  const lo = i32x4.shuffle(r4, r5, 0, 4, 1, 5); // e0 f0 e1 f1
  const hi = i32x4.shuffle(r4, r5, 2, 6, 3, 7); // e2 f2 e3 f3
  v128.store64_lane(dst, lo, 0);
  v128.store64_lane(dst + ds, lo, 1);
  v128.store64_lane(dst + 2 * ds, hi, 0);
  v128.store64_lane(dst + 3 * ds, hi, 1);
}

/**
 * pa [ceil(M/mr)][K][mr] <- op(A) (A stored [M,K] with row stride lda, or [K,M] when transA); mr = 4
 * (conv weights, the SIMD128 GEMM) or 6 (the relaxed GEMM: GMR). The layout is a stable function of A
 * (weights may be packed once and kept). Full panels: A [M,K] 4x4 blocks transposed with shuffles (and
 * rows 4-5 paired), A^T rows copied as v128 (+ 8 bytes); the last rows and the K tail element by element.
 */
export function packA(pa: usize, a: usize, lda: i32, M: i32, K: i32, transA: bool, mr: i32): void {
  const rowB = <usize>lda * 4;
  const ps = <usize>mr * 4;
  for (let i0 = 0; i0 < M; i0 += mr) {
    const m = min(mr, M - i0);
    let o = pa + <usize>(i0 * K) * 4;
    let k = 0;
    if (m == mr && transA) {
      for (; k < K; k++) {
        const s = a + <usize>(k * lda + i0) * 4;
        v128.store(o + <usize>k * ps, v128.load(s));
        if (mr == 6) store<u64>(o + <usize>k * ps + 16, load<u64>(s + 16));
      }
    } else if (m == mr) {
      for (; k + 4 <= K; k += 4) {
        const s = a + <usize>(i0 * lda + k) * 4;
        transpose4(s, rowB, o + <usize>k * ps, ps);
        if (mr == 6) pairs4(s + 4 * rowB, rowB, o + <usize>k * ps + 16, ps);
      }
    }
    o += <usize>k * ps;
    for (; k < K; k++) {
      for (let r = 0; r < mr; r++) {
        let v: f32 = 0;
        if (r < m) v = transA ? load<f32>(a + <usize>(k * lda + i0 + r) * 4) : load<f32>(a + <usize>((i0 + r) * lda + k) * 4);
        store<f32>(o, v);
        o += 4;
      }
    }
  }
}

/**
 * pb [ceil(N/NR)][K][NR] <- op(B) (B stored [K,N] with row stride ldb, or [N,K] when transB). Full
 * panels: B rows copied as v128, B^T as two transposed 4x4 blocks per 4 steps of K; the rest element
 * by element.
 */
export function packB(pb: usize, b: usize, ldb: i32, N: i32, K: i32, transB: bool): void {
  const rowB = <usize>ldb * 4;
  for (let j0 = 0; j0 < N; j0 += NR) {
    const nr = min(NR, N - j0);
    let o = pb + <usize>(j0 * K) * 4;
    let k = 0;
    if (!transB && nr == NR) {
      for (; k < K; k++) {
        const s = b + <usize>(k * ldb + j0) * 4;
        v128.store(o + <usize>k * 32, v128.load(s));
        v128.store(o + <usize>k * 32, v128.load(s, 16), 16);
      }
    } else if (nr == NR) {
      for (; k + 4 <= K; k += 4) {
        const s = b + <usize>(j0 * ldb + k) * 4;
        transpose4(s, rowB, o + <usize>k * 32, 32);
        transpose4(s + 4 * rowB, rowB, o + <usize>k * 32 + 16, 32);
      }
    }
    o += <usize>k * 32;
    for (; k < K; k++) {
      for (let r = 0; r < NR; r++) {
        let v: f32 = 0;
        if (r < nr) v = transB ? load<f32>(b + <usize>((j0 + r) * ldb + k) * 4) : load<f32>(b + <usize>(k * ldb + j0 + r) * 4);
        store<f32>(o, v);
        o += 4;
      }
    }
  }
}

/** One 4x8 tile over kc steps: C[i0.., j0..] = alpha * acc + bet * C (bet = 0: C not read). Also timed alone by asm/ceiling.ts. */
@inline export function tile(c: usize, ldc: i32, pa: usize, pb: usize, kc: i32, mr: i32, nr: i32, alpha: f32, bet: f32, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  if (mr == MR && nr == NR) {
    const row = <usize>ldc * 4;
    if (bet == 0) {
      v128.store(c, f32x4.mul(va, c00)); v128.store(c, f32x4.mul(va, c01), 16); c += row;
      v128.store(c, f32x4.mul(va, c10)); v128.store(c, f32x4.mul(va, c11), 16); c += row;
      v128.store(c, f32x4.mul(va, c20)); v128.store(c, f32x4.mul(va, c21), 16); c += row;
      v128.store(c, f32x4.mul(va, c30)); v128.store(c, f32x4.mul(va, c31), 16);
    } else {
      const vb = f32x4.splat(bet);
      v128.store(c, f32x4.add(f32x4.mul(va, c00), f32x4.mul(vb, v128.load(c)))); v128.store(c, f32x4.add(f32x4.mul(va, c01), f32x4.mul(vb, v128.load(c, 16))), 16); c += row;
      v128.store(c, f32x4.add(f32x4.mul(va, c10), f32x4.mul(vb, v128.load(c)))); v128.store(c, f32x4.add(f32x4.mul(va, c11), f32x4.mul(vb, v128.load(c, 16))), 16); c += row;
      v128.store(c, f32x4.add(f32x4.mul(va, c20), f32x4.mul(vb, v128.load(c)))); v128.store(c, f32x4.add(f32x4.mul(va, c21), f32x4.mul(vb, v128.load(c, 16))), 16); c += row;
      v128.store(c, f32x4.add(f32x4.mul(va, c30), f32x4.mul(vb, v128.load(c)))); v128.store(c, f32x4.add(f32x4.mul(va, c31), f32x4.mul(vb, v128.load(c, 16))), 16);
    }
    return;
  }
  v128.store(edge, c00); v128.store(edge, c01, 16);
  v128.store(edge, c10, 32); v128.store(edge, c11, 48);
  v128.store(edge, c20, 64); v128.store(edge, c21, 80);
  v128.store(edge, c30, 96); v128.store(edge, c31, 112);
  clip(c, ldc, edge, mr, nr, alpha, bet);
}

/** C[0..mr, 0..nr] (row stride ldc) = alpha * edge [mr][NR] + bet * C (bet = 0: C not read). */
@inline function clip(c: usize, ldc: i32, edge: usize, mr: i32, nr: i32, alpha: f32, bet: f32): void {
  for (let r = 0; r < mr; r++) {
    for (let s = 0; s < nr; s++) {
      const o = c + <usize>(r * ldc + s) * 4;
      let v = alpha * load<f32>(edge + <usize>(r * NR + s) * 4);
      if (bet != 0) v += bet * load<f32>(o);
      store<f32>(o, v);
    }
  }
}

/** C[0..6, 0..8] (row stride ldc) = alpha * edge [6][NR] + bet * C (bet = 0: C not read): tile6's full-tile store. */
@inline function store6(c: usize, ldc: i32, edge: usize, alpha: f32, bet: f32): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(bet);
  const row = <usize>ldc * 4;
  for (let r = 0; r < 6; r++) {
    const e = edge + <usize>r * 32;
    let v0 = f32x4.mul(va, v128.load(e));
    let v1 = f32x4.mul(va, v128.load(e, 16));
    if (bet != 0) {
      v0 = f32x4.add(v0, f32x4.mul(vb, v128.load(c)));
      v1 = f32x4.add(v1, f32x4.mul(vb, v128.load(c, 16)));
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    c += row;
  }
}

/**
 * The relaxed build's 6x8 tile over kc steps: edge [6][NR] = pa panel . pb panel (the caller scales and
 * stores: float parameters would hold 2 of V8's 15 xmm registers through the loop, and 12 accumulators,
 * 2 B vectors and a splat need them all). Out of line on purpose (see the header). Also timed alone by
 * asm/ceiling.ts.
 */
export function tile6(edge: usize, pa: usize, pb: usize, kc: i32): void {
  if (GMR != 6) return; // unused in the SIMD128 build: no code there
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    a = v128.load32_splat(pa, 16);
    c40 = fma(a, b0, c40); c41 = fma(a, b1, c41);
    a = v128.load32_splat(pa, 20);
    c50 = fma(a, b0, c50); c51 = fma(a, b1, c51);
    pa += 24;
    pb += 32;
  }
  v128.store(edge, c00); v128.store(edge, c01, 16); v128.store(edge, c10, 32); v128.store(edge, c11, 48);
  v128.store(edge, c20, 64); v128.store(edge, c21, 80); v128.store(edge, c30, 96); v128.store(edge, c31, 112);
  v128.store(edge, c40, 128); v128.store(edge, c41, 144); v128.store(edge, c50, 160); v128.store(edge, c51, 176);
}

/** C [M,N] (row stride ldc) = alpha * pa . pb + beta * C over packs of the whole K (see the header). */
export function gemmPacked(c: usize, ldc: i32, pa: usize, pb: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32, edge: usize): void {
  for (let ic = 0; ic < M; ic += MC) {
    const mc = min(MC, M - ic);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const bet: f32 = pc == 0 ? beta : 1;
      for (let j0 = 0; j0 < N; j0 += NR) {
        const nr = min(NR, N - j0);
        const pbj = pb + <usize>(j0 * K + pc * NR) * 4;
        for (let i0 = ic; i0 < ic + mc; i0 += GMR) {
          const mr = min(GMR, M - i0);
          const ct = c + <usize>(i0 * ldc + j0) * 4;
          const pai = pa + <usize>(i0 * K + pc * GMR) * 4;
          if (GMR == MR) tile(ct, ldc, pai, pbj, kc, mr, nr, alpha, bet, edge);
          else {
            tile6(edge, pai, pbj, kc);
            if (mr == GMR && nr == NR) store6(ct, ldc, edge, alpha, bet);
            else clip(ct, ldc, edge, mr, nr, alpha, bet);
          }
        }
      }
    }
  }
}

/** C [M,N] += bias (mode 1: bias[n] per column, 2: bias[m] per row), then ReLU when relu. */
export function biasRelu(c: usize, ldc: i32, M: i32, N: i32, bias: usize, mode: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < M; i++) {
    const row = c + <usize>(i * ldc) * 4;
    const rb = f32x4.splat(mode == 2 ? load<f32>(bias + <usize>i * 4) : 0);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const p = row + <usize>j * 4;
      let v = v128.load(p);
      if (mode == 1) v = f32x4.add(v, v128.load(bias + <usize>j * 4));
      else if (mode == 2) v = f32x4.add(v, rb);
      if (relu) v = f32x4.max(v, zero);
      v128.store(p, v);
    }
    for (; j < N; j++) {
      const p = row + <usize>j * 4;
      let v = load<f32>(p);
      if (mode == 1) v += load<f32>(bias + <usize>j * 4);
      else if (mode == 2) v += load<f32>(bias + <usize>i * 4);
      if (relu && v < 0) v = 0;
      store<f32>(p, v);
    }
  }
}
