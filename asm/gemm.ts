// GEMM of the `simd` kernel table (re-exported by asm/kernels.ts; see there for the module's conventions).
//
// sgemm core: C [M,N] = alpha * pa . pb + beta * C, row stride ldc (floats), with
//   pa: op(A) packed whole in MR-row panels   [ceil(M/MR)][K][MR]   (zero-padded rows)
//   pb: op(B) packed whole in NR-col panels   [ceil(N/NR)][K][NR]   (zero-padded columns)
// Blocking: MC rows of A x KC steps of K per sweep over every B panel; a 4x8 register tile
// (8 v128 accumulators: 4 splatted A values x 2 B vectors per K step; bigger tiles spill V8's ~15
// vector registers). Edge tiles go through a 32-float buffer at `edge` and are clipped at the store.

export const MR: i32 = 4;
export const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 64;

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

/**
 * pa [ceil(M/MR)][K][MR] <- op(A) (A stored [M,K] with row stride lda, or [K,M] when transA). The layout is
 * a stable function of A (weights may be packed once and kept). Full panels: A [M,K] 4x4 blocks
 * transposed with shuffles, A^T rows copied as v128; the last rows and the K tail element by element.
 */
export function packA(pa: usize, a: usize, lda: i32, M: i32, K: i32, transA: bool): void {
  const rowB = <usize>lda * 4;
  for (let i0 = 0; i0 < M; i0 += MR) {
    const mr = min(MR, M - i0);
    let o = pa + <usize>(i0 * K) * 4;
    let k = 0;
    if (mr == MR && transA) {
      for (; k < K; k++) v128.store(o + <usize>k * 16, v128.load(a + <usize>(k * lda + i0) * 4));
    } else if (mr == MR) {
      for (; k + 4 <= K; k += 4) transpose4(a + <usize>(i0 * lda + k) * 4, rowB, o + <usize>k * 16, 16);
    }
    o += <usize>k * 16;
    for (; k < K; k++) {
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < mr) v = transA ? load<f32>(a + <usize>(k * lda + i0 + r) * 4) : load<f32>(a + <usize>((i0 + r) * lda + k) * 4);
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
  for (let r = 0; r < mr; r++) {
    for (let s = 0; s < nr; s++) {
      const o = c + <usize>(r * ldc + s) * 4;
      let v = alpha * load<f32>(edge + <usize>(r * NR + s) * 4);
      if (bet != 0) v += bet * load<f32>(o);
      store<f32>(o, v);
    }
  }
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
        for (let i0 = ic; i0 < ic + mc; i0 += MR) {
          const mr = min(MR, M - i0);
          tile(c + <usize>(i0 * ldc + j0) * 4, ldc, pa + <usize>(i0 * K + pc * MR) * 4, pbj, kc, mr, nr, alpha, bet, edge);
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
