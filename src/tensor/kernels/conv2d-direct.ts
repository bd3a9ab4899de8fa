/**
 * Direct 3x3 stride-1 convolution (any padding), the path conv2d takes for every 3x3 stride-1 plan
 * (all the ResNet body convs): out[n,o,y,x] = bias[o] + sum_{c,i,j} w[o,c,i,j] * xpad[n,c,y+i,x+j].
 *
 * Shapes: x [N,C,H,W], w [O,C,3,3] (OIHW), out [N,O,Ho,Wo] with Ho = H + 2pH - 2, Wo = W + 2pW - 2;
 * xp (the caller's scratch) [C, Hp, Wp] + DIRECT_SLACK with Hp = H + 2pH, Wp = W + 2pW: one sample
 * zero-padded. Weights are packed once per call into the table's PackScratch (a Float64Array
 * [ceil(O/MO)][C][3][3][MO]).
 * Why it is fast: no im2col. A register tile of MO output channels x NR adjacent output pixels of
 * one row walks (c, i) = input channel and kernel row; per step it loads NR+2 neighbouring input
 * values once and reuses them for the 3 kernel columns (a sliding window), plus 3*MO weights, for
 * 3*MO*NR multiply-adds: 12 loads per 24 multiply-adds for the 2x4 tile (the im2col + 2x4 GEMM path
 * needs 6 loads per 8, and writes and re-reads the 9x larger im2col matrix). In V8 a typed-array
 * load costs about six instructions, so this ratio is what sets the speed. Tiles: 2x4 when Wo is a
 * multiple of 4 (28x28), 1x7 (7 accumulators, 9 loads + 3 weights per 21 multiply-adds) when Wo
 * is a multiple of 7 (14x14, 7x7), otherwise whichever wastes fewer columns. Columns past Wo are
 * computed on the next row's (finite) padding and dropped at the store; DIRECT_SLACK keeps the
 * last tile in bounds. Bias is the accumulators' start value; the activation runs per sample.
 */
import { activateRange } from './elementwise.js';
import { DIRECT_SLACK, type Conv2dPlan } from './conv2d-plan.js';
import type { PackScratch } from './pack-scratch.js';

/** 4 (2x4 tile) or 7 (1x7 tile): the tile width for Wo output columns. */
function tileWidth(Wo: number): number {
  if (Wo % 4 === 0) return 4;
  if (Wo % 7 === 0) return 7;
  // Fraction of computed columns that are kept, with the 2x4 tile's ~5% higher speed per column.
  return Math.ceil(Wo / 4) * 4 > 1.05 * Math.ceil(Wo / 7) * 7 ? 7 : 4;
}

/**
 * out[oo + m*L + q] (m < mo, q < nq) = b_m + sum over C*3 rows (c,i) and j of wp[wi..] * xp[xi + c*HW + i*Wp + q + j].
 * wp layout [C][3][3][2]; 8 register accumulators.
 */
function tile2x4(out: Float32Array, oo: number, L: number, nq: number, mo: number, xp: Float32Array, xi: number, wp: Float64Array, wi: number, C: number, HW: number, Wp: number, bias: Float32Array | null, oc: number): void {
  const b0 = bias !== null ? bias[oc] : 0;
  const b1 = bias !== null && mo > 1 ? bias[oc + 1] : 0;
  let c00 = b0, c01 = b0, c02 = b0, c03 = b0;
  let c10 = b1, c11 = b1, c12 = b1, c13 = b1;
  const end = wi + C * 18;
  let r = xi;
  let i = 0;
  for (; wi < end; wi = (wi + 6) | 0) {
    const v0 = xp[r];
    const v1 = xp[(r + 1) | 0];
    const v2 = xp[(r + 2) | 0];
    const v3 = xp[(r + 3) | 0];
    const v4 = xp[(r + 4) | 0];
    const v5 = xp[(r + 5) | 0];
    const w00 = wp[wi];
    c00 += w00 * v0; c01 += w00 * v1; c02 += w00 * v2; c03 += w00 * v3;
    const w10 = wp[(wi + 1) | 0];
    c10 += w10 * v0; c11 += w10 * v1; c12 += w10 * v2; c13 += w10 * v3;
    const w01 = wp[(wi + 2) | 0];
    c00 += w01 * v1; c01 += w01 * v2; c02 += w01 * v3; c03 += w01 * v4;
    const w11 = wp[(wi + 3) | 0];
    c10 += w11 * v1; c11 += w11 * v2; c12 += w11 * v3; c13 += w11 * v4;
    const w02 = wp[(wi + 4) | 0];
    c00 += w02 * v2; c01 += w02 * v3; c02 += w02 * v4; c03 += w02 * v5;
    const w12 = wp[(wi + 5) | 0];
    c10 += w12 * v2; c11 += w12 * v3; c12 += w12 * v4; c13 += w12 * v5;
    if (++i === 3) {
      i = 0;
      xi = (xi + HW) | 0;
      r = xi;
    } else r = (r + Wp) | 0;
  }
  if (nq === 4 && mo === 2) {
    out[oo] = c00; out[oo + 1] = c01; out[oo + 2] = c02; out[oo + 3] = c03;
    const o = oo + L;
    out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13;
    return;
  }
  out[oo] = c00;
  if (nq > 1) out[oo + 1] = c01;
  if (nq > 2) out[oo + 2] = c02;
  if (nq > 3) out[oo + 3] = c03;
  if (mo === 2) {
    const o = oo + L;
    out[o] = c10;
    if (nq > 1) out[o + 1] = c11;
    if (nq > 2) out[o + 2] = c12;
    if (nq > 3) out[o + 3] = c13;
  }
}

/** As tile2x4 for one output channel and 7 pixels (wp layout [C][3][3]); 7 register accumulators. */
function tile1x7(out: Float32Array, oo: number, nq: number, xp: Float32Array, xi: number, wp: Float64Array, wi: number, C: number, HW: number, Wp: number, bias: Float32Array | null, oc: number): void {
  const b0 = bias !== null ? bias[oc] : 0;
  let c0 = b0, c1 = b0, c2 = b0, c3 = b0, c4 = b0, c5 = b0, c6 = b0;
  const end = wi + C * 9;
  let r = xi;
  let i = 0;
  for (; wi < end; wi = (wi + 3) | 0) {
    const v0 = xp[r];
    const v1 = xp[(r + 1) | 0];
    const v2 = xp[(r + 2) | 0];
    const v3 = xp[(r + 3) | 0];
    const v4 = xp[(r + 4) | 0];
    const v5 = xp[(r + 5) | 0];
    const v6 = xp[(r + 6) | 0];
    const v7 = xp[(r + 7) | 0];
    const v8 = xp[(r + 8) | 0];
    const w0 = wp[wi];
    c0 += w0 * v0; c1 += w0 * v1; c2 += w0 * v2; c3 += w0 * v3; c4 += w0 * v4; c5 += w0 * v5; c6 += w0 * v6;
    const w1 = wp[(wi + 1) | 0];
    c0 += w1 * v1; c1 += w1 * v2; c2 += w1 * v3; c3 += w1 * v4; c4 += w1 * v5; c5 += w1 * v6; c6 += w1 * v7;
    const w2 = wp[(wi + 2) | 0];
    c0 += w2 * v2; c1 += w2 * v3; c2 += w2 * v4; c3 += w2 * v5; c4 += w2 * v6; c5 += w2 * v7; c6 += w2 * v8;
    if (++i === 3) {
      i = 0;
      xi = (xi + HW) | 0;
      r = xi;
    } else r = (r + Wp) | 0;
  }
  if (nq === 7) {
    out[oo] = c0; out[oo + 1] = c1; out[oo + 2] = c2; out[oo + 3] = c3; out[oo + 4] = c4; out[oo + 5] = c5; out[oo + 6] = c6;
    return;
  }
  out[oo] = c0;
  if (nq > 1) out[oo + 1] = c1;
  if (nq > 2) out[oo + 2] = c2;
  if (nq > 3) out[oo + 3] = c3;
  if (nq > 4) out[oo + 4] = c4;
  if (nq > 5) out[oo + 5] = c5;
}

/** out [N,O,Ho,Wo] = act(conv3x3(x [N,C,H,W], w [O,C,3,3]) + bias [O] | null); xp: scratch of directScratchSize. */
export function conv3x3Direct(out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan, xp: Float32Array, packs: PackScratch): void {
  const { N, C, H, W, O, pH, pW, Ho, Wo } = p;
  const Hp = H + 2 * pH;
  const Wp = W + 2 * pW;
  const HW = Hp * Wp;
  const L = Ho * Wo;
  const NRt = tileWidth(Wo);
  const MO = NRt === 4 ? 2 : 1;
  const nOb = Math.ceil(O / MO);
  const wSize = nOb * MO * C * 9;
  const wp = packs.packW(wSize);
  // Weights once per call: [ob][c][t][m] with t = 3i + j; zeros for the missing channel of an odd O.
  for (let ob = 0; ob < nOb; ob++) {
    for (let c = 0; c < C; c++) {
      const d = (ob * C + c) * 9 * MO;
      for (let m = 0; m < MO; m++) {
        const o = ob * MO + m;
        const s = (o * C + c) * 9;
        for (let t = 0; t < 9; t++) wp[d + t * MO + m] = o < O ? w[s + t] : 0;
      }
    }
  }
  // Borders and slack are zeroed once; each sample only rewrites the interior.
  xp.fill(0, 0, C * HW + DIRECT_SLACK);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        const d = c * HW + (y + pH) * Wp + pW;
        const s = ((n * C + c) * H + y) * W;
        for (let q = 0; q < W; q++) xp[d + q] = x[s + q];
      }
    }
    const o0 = n * O * L;
    for (let ob = 0; ob < nOb; ob++) {
      const oc = ob * MO;
      const mo = Math.min(MO, O - oc);
      const wi = ob * C * 9 * MO;
      for (let y = 0; y < Ho; y++) {
        const ob0 = o0 + oc * L + y * Wo;
        for (let x0 = 0; x0 < Wo; x0 += NRt) {
          const nq = Math.min(NRt, Wo - x0);
          if (NRt === 4) tile2x4(out, ob0 + x0, L, nq, mo, xp, y * Wp + x0, wp, wi, C, HW, Wp, bias, oc);
          else tile1x7(out, ob0 + x0, nq, xp, y * Wp + x0, wp, wi, C, HW, Wp, bias, oc);
        }
      }
    }
    activateRange(out, o0, o0 + O * L, p.activation);
  }
}
