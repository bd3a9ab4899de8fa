/**
 * The blocked sgemm core behind gemm(): C[M,N] = alpha * op(A) op(B) + beta * C (no epilogue).
 *
 * Shapes: op(A) [M,K] (stored [M,K] or [K,M] when transA), op(B) [K,N] (stored [K,N] or [N,K]
 * when transB), C [M,N]; row-major, contiguous (gemmBlocked), or each a row-major matrix at an offset
 * with its own row stride, lda/ldb/ldc >= its row length, as in BLAS (gemmStrided: the attention
 * kernel runs one head of the packed [B,T,H] layout as Q_h K_h^T and P V_h with no copies).
 * Blocking (Goto/BLIS order): K in blocks of KC; for each K-block B is packed once into
 * NR-column panels [kc][NR]; M in blocks of MC rows packed into MR-row panels [kc][MR]; then for each
 * B panel (kept in L1) the micro-kernel sweeps the A panels (kept in L2).
 * Why it is fast (measured in V8 on x64, see bench/README.md): the packs are Float64Array, so each
 * load is a plain movsd (no cvtss2sd) and the products are exactly those of the float32 inputs;
 * the micro-kernel holds a 2x4 tile of C in 8 local doubles, which with the 6 loaded operands fits
 * the 15 allocatable XMM registers with no spill (V8 hoists every load of an iteration to its top,
 * so a 4x4 tile needs 24 live doubles and spills 9); the K loop is unrolled by 2 and indexes with
 * `(i + k) | 0` so no int32 overflow checks are emitted. A typed-array load costs V8 about six
 * instructions (bounds check, base recompute), so loads per multiply-add is what decides speed.
 * gemmBlocked keeps both packs in ONE Float64Array (A panels, then B panels) and writes the full-tile
 * kernel out inside its loops: with a single array every load shares one base pointer and one length
 * (fewer live registers, fewer bounds-check inputs) and there is no call per tile. Measured
 * interleaved in one process (CPU time, 512^3): 5.6 vs 4.9 GFLOP/s for micro() called on two arrays;
 * the single array alone gives +9%, the inlining another +3-4%. (Tiles 2x3, 3x2, 3x3, 3x4, 4x3 on the
 * single array land within 5.2-5.6; K not unrolled is 6-7% slower.) gemmPacked (conv2d's path, whose
 * callers fill separate A/B buffers) still calls micro() on two arrays.
 * Edge tiles are zero-padded in the packs, so the micro-kernel never branches; only the write-back
 * is clipped. Pack buffers come from the caller's PackScratch (one per Kernels table; they only grow,
 * so steady state allocates nothing); this module holds no state.
 */

export const MR = 2;
export const NR = 4;
/** K block of the packs; gemv (gemm.ts) sums in the same blocks, so a row's bits do not depend on M. */
export const KC = 256;
const MC = 128;

import type { PackScratch } from './pack-scratch.js';

/** pb[o..] [ceil(N/NR)][kc][NR] <- op(B)[pc:pc+kc, 0:N], zero-padded on the right; B at bOff, row stride ldb. */
function packBPanels(pb: Float64Array, o: number, b: Float32Array, bOff: number, ldb: number, pc: number, kc: number, N: number, transB: boolean): void {
  for (let j0 = 0; j0 < N; j0 += NR) {
    const nr = Math.min(NR, N - j0);
    if (!transB && nr === NR) {
      for (let p = 0; p < kc; p++) {
        const s = bOff + (pc + p) * ldb + j0;
        pb[o] = b[s];
        pb[o + 1] = b[s + 1];
        pb[o + 2] = b[s + 2];
        pb[o + 3] = b[s + 3];
        o += NR;
      }
    } else if (transB && nr === NR) {
      const s0 = bOff + j0 * ldb + pc;
      const s1 = s0 + ldb;
      const s2 = s1 + ldb;
      const s3 = s2 + ldb;
      for (let p = 0; p < kc; p++) {
        pb[o] = b[s0 + p];
        pb[o + 1] = b[s1 + p];
        pb[o + 2] = b[s2 + p];
        pb[o + 3] = b[s3 + p];
        o += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < NR; r++) pb[o + r] = r < nr ? b[bOff + (transB ? (j0 + r) * ldb + pc + p : (pc + p) * ldb + j0 + r)] : 0;
        o += NR;
      }
    }
  }
}

/** pa[o..] [ceil(mc/MR)][kc][MR] <- op(A)[ic:ic+mc, pc:pc+kc], zero-padded at the bottom; A at aOff, row stride lda. */
function packAPanels(pa: Float64Array, o: number, a: Float32Array, aOff: number, lda: number, ic: number, mc: number, pc: number, kc: number, transA: boolean): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = Math.min(MR, mc - i0);
    const r0 = ic + i0;
    if (!transA && mr === MR) {
      const s0 = aOff + r0 * lda + pc;
      const s1 = s0 + lda;
      for (let p = 0; p < kc; p++) {
        pa[o] = a[s0 + p];
        pa[o + 1] = a[s1 + p];
        o += MR;
      }
    } else if (transA && mr === MR) {
      for (let p = 0; p < kc; p++) {
        const s = aOff + (pc + p) * lda + r0;
        pa[o] = a[s];
        pa[o + 1] = a[s + 1];
        o += MR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) pa[o + r] = r < mr ? a[aOff + (transA ? (pc + p) * lda + r0 + r : (r0 + r) * lda + pc + p)] : 0;
        o += MR;
      }
    }
  }
}

/**
 * C[i0:i0+mr, j0:j0+nr] = alpha * (pa panel [kc][2]) . (pb panel [kc][4]) + bet * C (bet = 0: C not read);
 * C at cOff with row stride ldc.
 * Per K step: 2 A loads, 4 B loads, 8 multiply-adds into 8 register accumulators (see the header).
 */
function micro(c: Float32Array, cOff: number, pa: Float64Array, ia: number, pb: Float64Array, ib: number, kc: number, i0: number, j0: number, mr: number, nr: number, ldc: number, alpha: number, bet: number, edge: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  const end2 = ia + (kc >> 1) * (2 * MR);
  for (; ia < end2; ia = (ia + 4) | 0, ib = (ib + 8) | 0) {
    const a0 = pa[ia];
    const a1 = pa[(ia + 1) | 0];
    const b0 = pb[ib];
    c00 += a0 * b0; c10 += a1 * b0;
    const b1 = pb[(ib + 1) | 0];
    c01 += a0 * b1; c11 += a1 * b1;
    const b2 = pb[(ib + 2) | 0];
    c02 += a0 * b2; c12 += a1 * b2;
    const b3 = pb[(ib + 3) | 0];
    c03 += a0 * b3; c13 += a1 * b3;
    const a2 = pa[(ia + 2) | 0];
    const a3 = pa[(ia + 3) | 0];
    const b4 = pb[(ib + 4) | 0];
    c00 += a2 * b4; c10 += a3 * b4;
    const b5 = pb[(ib + 5) | 0];
    c01 += a2 * b5; c11 += a3 * b5;
    const b6 = pb[(ib + 6) | 0];
    c02 += a2 * b6; c12 += a3 * b6;
    const b7 = pb[(ib + 7) | 0];
    c03 += a2 * b7; c13 += a3 * b7;
  }
  if ((kc & 1) !== 0) {
    const a0 = pa[ia];
    const a1 = pa[ia + 1];
    const b0 = pb[ib];
    const b1 = pb[ib + 1];
    const b2 = pb[ib + 2];
    const b3 = pb[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
  }
  if (mr === MR && nr === NR) {
    let o = cOff + i0 * ldc + j0;
    if (bet === 0) {
      c[o] = alpha * c00; c[o + 1] = alpha * c01; c[o + 2] = alpha * c02; c[o + 3] = alpha * c03; o += ldc;
      c[o] = alpha * c10; c[o + 1] = alpha * c11; c[o + 2] = alpha * c12; c[o + 3] = alpha * c13;
    } else {
      c[o] = alpha * c00 + bet * c[o]; c[o + 1] = alpha * c01 + bet * c[o + 1]; c[o + 2] = alpha * c02 + bet * c[o + 2]; c[o + 3] = alpha * c03 + bet * c[o + 3]; o += ldc;
      c[o] = alpha * c10 + bet * c[o]; c[o + 1] = alpha * c11 + bet * c[o + 1]; c[o + 2] = alpha * c12 + bet * c[o + 2]; c[o + 3] = alpha * c13 + bet * c[o + 3];
    }
    return;
  }
  edge[0] = c00; edge[1] = c01; edge[2] = c02; edge[3] = c03;
  edge[4] = c10; edge[5] = c11; edge[6] = c12; edge[7] = c13;
  for (let r = 0; r < mr; r++) {
    for (let s = 0; s < nr; s++) {
      const o = cOff + (i0 + r) * ldc + j0 + s;
      c[o] = alpha * edge[r * NR + s] + (bet === 0 ? 0 : bet * c[o]);
    }
  }
}

/** C [M,N] = alpha op(A) op(B) + beta C, for M, N, K >= 1; A, B, C contiguous. */
export function gemmBlocked(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean, alpha: number, beta: number, s: PackScratch): void {
  gemmStrided(c, 0, N, a, 0, transA ? M : K, b, 0, transB ? K : N, M, N, K, transA, transB, alpha, beta, s);
}

/**
 * C [M,N] = alpha op(A) op(B) + beta C, for M, N, K >= 1; C at cOff with row stride ldc, A (as stored)
 * at aOff with row stride lda, B (as stored) at bOff with row stride ldb. The caller checks the bounds.
 * Both packs live in one Float64Array (A panels first, B panels at pbOff) and the full-tile
 * micro-kernel is written out inside the i0 loop: one base pointer and one length for every load,
 * and no call per tile (+12% at 512^3 over calling micro() on two arrays, see the header). Edge
 * tiles call micro() on the same array.
 */
export function gemmStrided(c: Float32Array, cOff: number, ldc: number, a: Float32Array, aOff: number, lda: number, b: Float32Array, bOff: number, ldb: number, M: number, N: number, K: number, transA: boolean, transB: boolean, alpha: number, beta: number, s: PackScratch): void {
  const nPanels = Math.ceil(N / NR);
  const kcMax = Math.min(KC, K);
  const pbOff = Math.ceil(Math.min(MC, M) / MR) * MR * kcMax;
  const need = pbOff + nPanels * NR * kcMax;
  const p = s.packAB(need);
  for (let pc = 0; pc < K; pc += KC) {
    const kc = Math.min(KC, K - pc);
    const bet = pc === 0 ? beta : 1;
    packBPanels(p, pbOff, b, bOff, ldb, pc, kc, N, transB);
    for (let ic = 0; ic < M; ic += MC) {
      const mc = Math.min(MC, M - ic);
      packAPanels(p, 0, a, aOff, lda, ic, mc, pc, kc, transA);
      for (let jp = 0; jp < nPanels; jp++) {
        const j0 = jp * NR;
        const nr = Math.min(NR, N - j0);
        for (let i0 = 0; i0 < mc; i0 += MR) {
          const mr = Math.min(MR, mc - i0);
          let ia = (i0 / MR) * kc * MR;
          let ib = pbOff + jp * kc * NR;
          if (mr !== MR || nr !== NR) {
            micro(c, cOff, p, ia, p, ib, kc, ic + i0, j0, mr, nr, ldc, alpha, bet, s.edge);
            continue;
          }
          // The 2x4 micro-kernel of micro(), inlined (same loads, same order of sums).
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
          let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          const end2 = ia + (kc >> 1) * (2 * MR);
          for (; ia < end2; ia = (ia + 4) | 0, ib = (ib + 8) | 0) {
            const a0 = p[ia];
            const a1 = p[(ia + 1) | 0];
            const b0 = p[ib];
            c00 += a0 * b0; c10 += a1 * b0;
            const b1 = p[(ib + 1) | 0];
            c01 += a0 * b1; c11 += a1 * b1;
            const b2 = p[(ib + 2) | 0];
            c02 += a0 * b2; c12 += a1 * b2;
            const b3 = p[(ib + 3) | 0];
            c03 += a0 * b3; c13 += a1 * b3;
            const a2 = p[(ia + 2) | 0];
            const a3 = p[(ia + 3) | 0];
            const b4 = p[(ib + 4) | 0];
            c00 += a2 * b4; c10 += a3 * b4;
            const b5 = p[(ib + 5) | 0];
            c01 += a2 * b5; c11 += a3 * b5;
            const b6 = p[(ib + 6) | 0];
            c02 += a2 * b6; c12 += a3 * b6;
            const b7 = p[(ib + 7) | 0];
            c03 += a2 * b7; c13 += a3 * b7;
          }
          if ((kc & 1) !== 0) {
            const a0 = p[ia];
            const a1 = p[(ia + 1) | 0];
            const b0 = p[ib];
            const b1 = p[(ib + 1) | 0];
            const b2 = p[(ib + 2) | 0];
            const b3 = p[(ib + 3) | 0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          }
          let o = cOff + (ic + i0) * ldc + j0;
          if (bet === 0) {
            c[o] = alpha * c00; c[o + 1] = alpha * c01; c[o + 2] = alpha * c02; c[o + 3] = alpha * c03; o += ldc;
            c[o] = alpha * c10; c[o + 1] = alpha * c11; c[o + 2] = alpha * c12; c[o + 3] = alpha * c13;
          } else {
            c[o] = alpha * c00 + bet * c[o]; c[o + 1] = alpha * c01 + bet * c[o + 1]; c[o + 2] = alpha * c02 + bet * c[o + 2]; c[o + 3] = alpha * c03 + bet * c[o + 3]; o += ldc;
            c[o] = alpha * c10 + bet * c[o]; c[o + 1] = alpha * c11 + bet * c[o + 1]; c[o + 2] = alpha * c12 + bet * c[o + 2]; c[o + 3] = alpha * c13 + bet * c[o + 3];
          }
        }
      }
    }
  }
}

/** s's A pack holding all of a [M,K] (row-major) as MR-row panels [ceil(M/MR)][K][MR]. */
export function packWholeA(a: Float32Array, M: number, K: number, s: PackScratch): Float64Array {
  const pa = s.packA(Math.ceil(M / MR) * MR * K);
  packAPanels(pa, 0, a, 0, K, 0, M, 0, K, false);
  return pa;
}

/**
 * C[cOff + (M x N)] = pa . pb for panels packed over the whole K (no K-blocking): pa [ceil(M/MR)][K][MR]
 * from packWholeA, pb [ceil(N/NR)][K][NR] (conv2d's im2col writes this layout directly).
 */
export function gemmPacked(c: Float32Array, cOff: number, pa: Float64Array, pb: Float64Array, M: number, N: number, K: number, edge: Float64Array): void {
  const nPanels = Math.ceil(N / NR);
  for (let jp = 0; jp < nPanels; jp++) {
    const j0 = jp * NR;
    const nr = Math.min(NR, N - j0);
    for (let i0 = 0; i0 < M; i0 += MR) micro(c, cOff, pa, (i0 / MR) * K * MR, pb, jp * K * NR, K, i0, j0, Math.min(MR, M - i0), nr, N, 1, 0, edge);
  }
}
