/**
 * The blocked sgemm core behind gemm(): C[M,N] = alpha * op(A) op(B) + beta * C (no epilogue).
 *
 * Shapes: op(A) [M,K] (stored [M,K] or [K,M] when transA), op(B) [K,N] (stored [K,N] or [N,K]
 * when transB), C [M,N]; row-major, contiguous.
 * Blocking (Goto/BLIS order): K in blocks of KC; for each K-block B is packed once into
 * NR-column panels [kc][NR]; M in blocks of MC rows packed into MR-row panels [kc][MR]; then for each
 * B panel (kept in L1) the micro-kernel sweeps the A panels (kept in L2).
 * The micro-kernel holds a 4x4 tile of C in 16 local scalars: V8 keeps them in registers, and each
 * step does 8 sequential loads for 16 multiply-adds. Edge tiles are zero-padded in the packs, so
 * the micro-kernel never branches; only the write-back is clipped.
 * Pack buffers are module-level and only grow (no allocation per call in steady state; created on
 * first use, so importing this module has no side effect).
 */

export const MR = 4;
export const NR = 4;
const KC = 256;
const MC = 128;

let packA = new Float32Array(0);
let packB = new Float32Array(0);
const edge = new Float64Array(MR * NR);

function ensurePacks(aSize: number, bSize: number): void {
  if (packA.length < aSize) packA = new Float32Array(aSize);
  if (packB.length < bSize) packB = new Float32Array(bSize);
}

/** pb [ceil(N/NR)][kc][NR] <- op(B)[pc:pc+kc, 0:N], zero-padded on the right. */
function packBPanels(pb: Float32Array, b: Float32Array, pc: number, kc: number, N: number, K: number, transB: boolean): void {
  let o = 0;
  for (let j0 = 0; j0 < N; j0 += NR) {
    const nr = Math.min(NR, N - j0);
    if (!transB && nr === NR) {
      for (let p = 0; p < kc; p++) {
        const s = (pc + p) * N + j0;
        pb[o] = b[s];
        pb[o + 1] = b[s + 1];
        pb[o + 2] = b[s + 2];
        pb[o + 3] = b[s + 3];
        o += NR;
      }
    } else if (transB && nr === NR) {
      const s0 = j0 * K + pc;
      const s1 = s0 + K;
      const s2 = s1 + K;
      const s3 = s2 + K;
      for (let p = 0; p < kc; p++) {
        pb[o] = b[s0 + p];
        pb[o + 1] = b[s1 + p];
        pb[o + 2] = b[s2 + p];
        pb[o + 3] = b[s3 + p];
        o += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < NR; r++) pb[o + r] = r < nr ? b[transB ? (j0 + r) * K + pc + p : (pc + p) * N + j0 + r] : 0;
        o += NR;
      }
    }
  }
}

/** pa [ceil(mc/MR)][kc][MR] <- op(A)[ic:ic+mc, pc:pc+kc], zero-padded at the bottom. */
function packAPanels(pa: Float32Array, a: Float32Array, ic: number, mc: number, pc: number, kc: number, M: number, K: number, transA: boolean): void {
  let o = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = Math.min(MR, mc - i0);
    const r0 = ic + i0;
    if (!transA && mr === MR) {
      const s0 = r0 * K + pc;
      const s1 = s0 + K;
      const s2 = s1 + K;
      const s3 = s2 + K;
      for (let p = 0; p < kc; p++) {
        pa[o] = a[s0 + p];
        pa[o + 1] = a[s1 + p];
        pa[o + 2] = a[s2 + p];
        pa[o + 3] = a[s3 + p];
        o += MR;
      }
    } else if (transA && mr === MR) {
      for (let p = 0; p < kc; p++) {
        const s = (pc + p) * M + r0;
        pa[o] = a[s];
        pa[o + 1] = a[s + 1];
        pa[o + 2] = a[s + 2];
        pa[o + 3] = a[s + 3];
        o += MR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) pa[o + r] = r < mr ? a[transA ? (pc + p) * M + r0 + r : (r0 + r) * K + pc + p] : 0;
        o += MR;
      }
    }
  }
}

/**
 * C[i0:i0+mr, j0:j0+nr] = alpha * (pa panel [kc][4]) . (pb panel [kc][4]) + bet * C (bet = 0: C not read).
 */
function micro(c: Float32Array, cOff: number, pa: Float32Array, ia: number, pb: Float32Array, ib: number, kc: number, i0: number, j0: number, mr: number, nr: number, N: number, alpha: number, bet: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = ia + kc * MR;
  for (; ia < end; ia += MR, ib += NR) {
    const b0 = pb[ib];
    const b1 = pb[ib + 1];
    const b2 = pb[ib + 2];
    const b3 = pb[ib + 3];
    const a0 = pa[ia];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    const a1 = pa[ia + 1];
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    const a2 = pa[ia + 2];
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    const a3 = pa[ia + 3];
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (mr === MR && nr === NR) {
    let o = cOff + i0 * N + j0;
    if (bet === 0) {
      c[o] = alpha * c00; c[o + 1] = alpha * c01; c[o + 2] = alpha * c02; c[o + 3] = alpha * c03; o += N;
      c[o] = alpha * c10; c[o + 1] = alpha * c11; c[o + 2] = alpha * c12; c[o + 3] = alpha * c13; o += N;
      c[o] = alpha * c20; c[o + 1] = alpha * c21; c[o + 2] = alpha * c22; c[o + 3] = alpha * c23; o += N;
      c[o] = alpha * c30; c[o + 1] = alpha * c31; c[o + 2] = alpha * c32; c[o + 3] = alpha * c33;
    } else {
      c[o] = alpha * c00 + bet * c[o]; c[o + 1] = alpha * c01 + bet * c[o + 1]; c[o + 2] = alpha * c02 + bet * c[o + 2]; c[o + 3] = alpha * c03 + bet * c[o + 3]; o += N;
      c[o] = alpha * c10 + bet * c[o]; c[o + 1] = alpha * c11 + bet * c[o + 1]; c[o + 2] = alpha * c12 + bet * c[o + 2]; c[o + 3] = alpha * c13 + bet * c[o + 3]; o += N;
      c[o] = alpha * c20 + bet * c[o]; c[o + 1] = alpha * c21 + bet * c[o + 1]; c[o + 2] = alpha * c22 + bet * c[o + 2]; c[o + 3] = alpha * c23 + bet * c[o + 3]; o += N;
      c[o] = alpha * c30 + bet * c[o]; c[o + 1] = alpha * c31 + bet * c[o + 1]; c[o + 2] = alpha * c32 + bet * c[o + 2]; c[o + 3] = alpha * c33 + bet * c[o + 3];
    }
    return;
  }
  edge[0] = c00; edge[1] = c01; edge[2] = c02; edge[3] = c03;
  edge[4] = c10; edge[5] = c11; edge[6] = c12; edge[7] = c13;
  edge[8] = c20; edge[9] = c21; edge[10] = c22; edge[11] = c23;
  edge[12] = c30; edge[13] = c31; edge[14] = c32; edge[15] = c33;
  for (let r = 0; r < mr; r++) {
    for (let s = 0; s < nr; s++) {
      const o = cOff + (i0 + r) * N + j0 + s;
      c[o] = alpha * edge[r * NR + s] + (bet === 0 ? 0 : bet * c[o]);
    }
  }
}

/** C [M,N] = alpha op(A) op(B) + beta C, for M, N, K >= 1. */
export function gemmBlocked(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean, alpha: number, beta: number): void {
  const nPanels = Math.ceil(N / NR);
  const kcMax = Math.min(KC, K);
  ensurePacks(Math.ceil(Math.min(MC, M) / MR) * MR * kcMax, nPanels * NR * kcMax);
  const pa = packA;
  const pb = packB;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = Math.min(KC, K - pc);
    const bet = pc === 0 ? beta : 1;
    packBPanels(pb, b, pc, kc, N, K, transB);
    for (let ic = 0; ic < M; ic += MC) {
      const mc = Math.min(MC, M - ic);
      packAPanels(pa, a, ic, mc, pc, kc, M, K, transA);
      for (let jp = 0; jp < nPanels; jp++) {
        const j0 = jp * NR;
        const nr = Math.min(NR, N - j0);
        for (let i0 = 0; i0 < mc; i0 += MR) {
          micro(c, 0, pa, (i0 / MR) * kc * MR, pb, jp * kc * NR, kc, ic + i0, j0, Math.min(MR, mc - i0), nr, N, alpha, bet);
        }
      }
    }
  }
}

/** The module's A pack holding all of a [M,K] (row-major) as MR-row panels [ceil(M/MR)][K][MR]. */
export function packWholeA(a: Float32Array, M: number, K: number): Float32Array {
  ensurePacks(Math.ceil(M / MR) * MR * K, 0);
  packAPanels(packA, a, 0, M, 0, K, M, K, false);
  return packA;
}

/**
 * C[cOff + (M x N)] = pa . pb for panels packed over the whole K (no K-blocking): pa [ceil(M/MR)][K][MR]
 * from packWholeA, pb [ceil(N/NR)][K][NR] (conv2d's im2col writes this layout directly).
 */
export function gemmPacked(c: Float32Array, cOff: number, pa: Float32Array, pb: Float32Array, M: number, N: number, K: number): void {
  const nPanels = Math.ceil(N / NR);
  for (let jp = 0; jp < nPanels; jp++) {
    const j0 = jp * NR;
    const nr = Math.min(NR, N - j0);
    for (let i0 = 0; i0 < M; i0 += MR) micro(c, cOff, pa, (i0 / MR) * K * MR, pb, jp * K * NR, K, i0, j0, Math.min(MR, M - i0), nr, N, 1, 0);
  }
}
