/**
 * The `simd` table's row kernels and attention, in the module (asm/rows.ts, and asm/kernels.ts's GEMM):
 *
 *   layerNorm, softmax, gelu   one call each, same formulas and tolerances as the fast kernels (see
 *                              asm/rows.ts); logSoftmax stays the fast kernel (off the hot path).
 *   adaptiveAvgPool2d          to 1x1 (global average pooling, every ResNet exit head): the row means of
 *                              x as [N*C, H*W] (asm/rows.ts rowMeans); other output sizes: the fast kernel.
 *   attention  out [B,Tq,H] = per batch row and head: S [Tq,Tk] = scale Q_h K_h^T (Q_h packed in 4- or 6-row
 *              panels, K_h in 8-column panels straight from the [B,T,H] layout, row stride H), the masked
 *              row softmax of S in place, then P V_h written into out's head columns (row stride H).
 *              Float32 accumulation: within the conformance bound |out - ref| <= 1e-5 * sum|terms|.
 * Like `add`, these run in the module only when every operand already lives in the table's memory (a
 * network built on the table, an Arena on it); otherwise, or when a call's scratch does not fit the
 * fixed memory, they run the fast kernel (which also reports any bad argument: lengths are checked first).
 */
import type { Kernels } from './tables.js';
import type { LayerNormPlan } from './layernorm.js';
import type { SoftmaxPlan } from './softmax.js';
import type { AttentionPlan } from './attention.js';
import type { AdaptivePool2dPlan } from './pool.js';
import { EDGE_PTR, type SimdInstance } from './simd-module.js';

const NR = 8;

/** True when every array lives in the table's memory and holds its n elements. */
function ready(s: SimdInstance, ...arrs: [Float32Array, number][]): boolean {
  for (const [a, n] of arrs) if (!s.owns(a) || a.length < n) return false;
  return true;
}

export function layerNormSimd(s: SimdInstance, fb: Kernels, out: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, p: LayerNormPlan): void {
  const n = p.rows * p.cols;
  if (!ready(s, [out, n], [x, n], [gamma, p.cols], [beta, p.cols])) return fb.layerNorm(out, x, gamma, beta, p);
  s.exports.layerNorm(out.byteOffset, x.byteOffset, gamma.byteOffset, beta.byteOffset, p.rows, p.cols, p.eps);
}

export function softmaxSimd(s: SimdInstance, fb: Kernels, out: Float32Array, x: Float32Array, p: SoftmaxPlan): void {
  const n = p.rows * p.cols;
  if (!ready(s, [out, n], [x, n])) return fb.softmax(out, x, p);
  s.exports.softmax(out.byteOffset, x.byteOffset, p.rows, p.cols, 0, 0);
}

export function geluSimd(s: SimdInstance, fb: Kernels, out: Float32Array, x: Float32Array, n: number): void {
  if (!Number.isInteger(n) || n < 0 || !ready(s, [out, n], [x, n])) return fb.gelu(out, x, n);
  s.exports.gelu(out.byteOffset, x.byteOffset, n);
}

export function adaptiveAvgPool2dSimd(s: SimdInstance, fb: Kernels, out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan): void {
  const rows = p.N * p.C;
  const cols = p.H * p.W;
  if (p.Ho !== 1 || p.Wo !== 1 || !ready(s, [out, rows], [x, rows * cols])) return fb.adaptiveAvgPool2d(out, x, p);
  s.exports.rowMeans(out.byteOffset, x.byteOffset, rows, cols);
}

export function attentionSimd(s: SimdInstance, fb: Kernels, out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan, scratch: Float32Array): void {
  const { B, Tq, Tk, H, heads, d, scale } = p;
  const fast = () => fb.attention(out, q, k, v, mask, p, scratch);
  if (Tq === 0 || Tk === 0 || d === 0 || out === q || out === k || out === v) return fast();
  if (!ready(s, [out, B * Tq * H], [q, B * Tq * H], [k, B * Tk * H], [v, B * Tk * H]) || (mask !== null && !ready(s, [mask, B * Tk]))) return fast();
  s.begin();
  const MR = s.gemmMR; // rows per A panel of the module's GEMM
  const paQ = s.take(Math.ceil(Tq / MR) * MR * d);
  const pbK = s.take(Math.ceil(Tk / NR) * NR * d);
  const S = s.take(Tq * Tk);
  const paS = s.take(Math.ceil(Tq / MR) * MR * Tk);
  const pbV = s.take(Math.ceil(d / NR) * NR * Tk);
  if (s.overflowed()) return fast();
  const e = s.exports;
  for (let b = 0; b < B; b++) {
    const maskAt = mask === null ? 0 : mask.byteOffset + 4 * b * Tk;
    for (let h = 0; h < heads; h++) {
      const col = 4 * h * d;
      const qo = q.byteOffset + 4 * b * Tq * H + col;
      e.packA(paQ, qo, H, Tq, d, 0, MR);
      e.packB(pbK, k.byteOffset + 4 * b * Tk * H + col, H, Tk, d, 1);
      e.gemmPacked(S, Tk, paQ, pbK, Tq, Tk, d, scale, 0, EDGE_PTR);
      e.softmax(S, S, Tq, Tk, maskAt, mask === null ? 0 : 1);
      e.packA(paS, S, Tk, Tq, Tk, 0, MR);
      e.packB(pbV, v.byteOffset + 4 * b * Tk * H + col, H, d, Tk, 0);
      e.gemmPacked(out.byteOffset + 4 * b * Tq * H + col, H, paS, pbV, Tq, d, Tk, 1, 0, EDGE_PTR);
    }
  }
}
