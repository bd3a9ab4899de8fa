// Float64 oracles for the kernel conformance suite, written independently of src/tensor's naive
// kernels (different loop order and formulation), plus the magnitudes used by norm-relative bounds.
import { gelu64 } from '../../src/tensor/kernels/elementwise.js';
import type { Activation } from '../../src/tensor/kernels/elementwise.js';

export function act64(act: Activation, v: number): number {
  return act === 'relu' ? Math.max(v, 0) : act === 'gelu' ? gelu64(v) : v;
}

/** op(A) [M,K] and op(B) [K,N] as Float64 row-major copies. */
function opMatrix(x: ArrayLike<number>, rows: number, cols: number, trans: boolean): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = trans ? x[c * rows + r] : x[r * cols + c];
  return out;
}

export interface GemmCase {
  M: number; N: number; K: number; transA: boolean; transB: boolean; alpha: number; beta: number;
  activation: Activation; bias: 'none' | 'col' | 'row';
}

/** {value, scale}: the exact result and sum |terms| per element (for |C - ref| <= tol * scale). */
export function gemm64(a: ArrayLike<number>, b: ArrayLike<number>, c0: ArrayLike<number>, bias: ArrayLike<number> | null, g: GemmCase): { value: Float64Array; scale: Float64Array } {
  const A = opMatrix(a, g.M, g.K, g.transA);
  const B = opMatrix(b, g.K, g.N, g.transB);
  const value = new Float64Array(g.M * g.N);
  const scale = new Float64Array(g.M * g.N);
  for (let i = 0; i < g.M; i++) {
    for (let k = 0; k < g.K; k++) {
      const aik = A[i * g.K + k];
      for (let j = 0; j < g.N; j++) {
        value[i * g.N + j] += aik * B[k * g.N + j];
        scale[i * g.N + j] += Math.abs(aik * B[k * g.N + j]);
      }
    }
  }
  for (let i = 0; i < g.M; i++)
    for (let j = 0; j < g.N; j++) {
      const o = i * g.N + j;
      const bv = bias === null || g.bias === 'none' ? 0 : g.bias === 'col' ? bias[j] : bias[i];
      const cv = g.beta === 0 ? 0 : g.beta * c0[o];
      value[o] = act64(g.activation, g.alpha * value[o] + cv + bv);
      scale[o] = Math.abs(g.alpha) * scale[o] + Math.abs(cv) + Math.abs(bv) + 1e-30;
    }
  return { value, scale };
}

/** conv2d by explicit zero padding, then correlation; scale = sum |w x| + |bias|. */
export function conv64(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, s: { N: number; C: number; H: number; W: number; O: number; kH: number; kW: number; sH: number; sW: number; pH: number; pW: number; activation: Activation }): { value: Float64Array; scale: Float64Array; Ho: number; Wo: number } {
  const Hp = s.H + 2 * s.pH;
  const Wp = s.W + 2 * s.pW;
  const Ho = Math.floor((Hp - s.kH) / s.sH) + 1;
  const Wo = Math.floor((Wp - s.kW) / s.sW) + 1;
  const value = new Float64Array(s.N * s.O * Ho * Wo);
  const scale = new Float64Array(value.length);
  const pad = new Float64Array(s.C * Hp * Wp);
  for (let n = 0; n < s.N; n++) {
    pad.fill(0);
    for (let c = 0; c < s.C; c++)
      for (let y = 0; y < s.H; y++)
        for (let xx = 0; xx < s.W; xx++) pad[(c * Hp + y + s.pH) * Wp + xx + s.pW] = x[((n * s.C + c) * s.H + y) * s.W + xx];
    for (let o = 0; o < s.O; o++)
      for (let y = 0; y < Ho; y++)
        for (let xx = 0; xx < Wo; xx++) {
          let v = bias === null ? 0 : bias[o];
          let m = Math.abs(v);
          for (let c = 0; c < s.C; c++)
            for (let i = 0; i < s.kH; i++)
              for (let j = 0; j < s.kW; j++) {
                const t = w[((o * s.C + c) * s.kH + i) * s.kW + j] * pad[(c * Hp + y * s.sH + i) * Wp + xx * s.sW + j];
                v += t;
                m += Math.abs(t);
              }
          const idx = ((n * s.O + o) * Ho + y) * Wo + xx;
          value[idx] = act64(s.activation, v);
          scale[idx] = m + 1e-30;
        }
  }
  return { value, scale, Ho, Wo };
}

export function softmax64(x: ArrayLike<number>, rows: number, cols: number, log: boolean): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, j) => x[r * cols + j]);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    row.forEach((v, j) => (out[r * cols + j] = log ? v - lse : Math.exp(v - lse)));
  }
  return out;
}

export function layerNorm64(x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>, rows: number, cols: number, eps: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x[r * cols + j] / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (x[r * cols + j] - mean) ** 2 / cols;
    for (let j = 0; j < cols; j++) out[r * cols + j] = ((x[r * cols + j] - mean) / Math.sqrt(v + eps)) * g[j] + b[j];
  }
  return out;
}

/** Attention with heads split out explicitly ([B,heads,T,d]) and a boolean mask (masked key = weight 0,
 *  or uniform weights if every key of the row is masked, as HF's additive finfo.min gives). */
export function attention64(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, mask: ArrayLike<number> | null, B: number, Tq: number, Tk: number, H: number, heads: number): { value: Float64Array; scale: Float64Array } {
  const d = H / heads;
  const value = new Float64Array(B * Tq * H);
  const scale = new Float64Array(B * Tq * H);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < Tq; t++) {
        const keep = Array.from({ length: Tk }, (_, s) => mask === null || mask[b * Tk + s] !== 0);
        const any = keep.some(Boolean);
        const sc = Array.from({ length: Tk }, (_, s) => {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += q[(b * Tq + t) * H + h * d + j] * k[(b * Tk + s) * H + h * d + j];
          return dot / Math.sqrt(d);
        });
        const live = sc.filter((_, s) => keep[s]);
        const m = any ? Math.max(...live) : 0;
        const z = live.reduce((acc, x) => acc + Math.exp(x - m), 0);
        for (let j = 0; j < d; j++) {
          let acc = 0;
          let mag = 0;
          for (let s = 0; s < Tk; s++) {
            const p = !any ? 1 / Tk : keep[s] ? Math.exp(sc[s] - m) / z : 0;
            acc += p * v[(b * Tk + s) * H + h * d + j];
            mag += Math.abs(p * v[(b * Tk + s) * H + h * d + j]);
          }
          value[(b * Tq + t) * H + h * d + j] = acc;
          scale[(b * Tq + t) * H + h * d + j] = mag + 1e-30;
        }
      }
  return { value, scale };
}
