/**
 * Scaled dot-product multi-head attention core (no projections):
 *   out[b,t,h,:] = sum_s softmax_s( q[b,t,h,:].k[b,s,h,:] / sqrt(d) + (1 - mask[b,s]) * MASK_MIN ) v[b,s,h,:]
 *
 * Layout: the packed [B,T,H] layout of HF BERT's hidden states, H = heads * d, head h occupying
 * columns [h*d, (h+1)*d). q [B,Tq,H], k [B,Tk,H], v [B,Tk,H], out [B,Tq,H]; mask [B,Tk] of 1 (token)
 * / 0 (padding) or null. The Q/K/V projections write this layout directly (a gemm per projection),
 * so no transpose to [B,heads,T,d] is ever materialized.
 * Mask: the additive form of HF's get_extended_attention_mask, (1 - mask) * torch.finfo(float32).min
 * (MASK_MIN = -3.4028234663852886e38). A row whose keys are all padding therefore attends uniformly,
 * exactly as HF does. Tolerance: rel 1e-5 (norm-relative over the value sum).
 * Optimization: per batch row and head, query rows in blocks of QB: the scores S [qb,Tk] = scale * Q_h K_h^T
 * and the context P V_h are two strided sgemms (gemm-micro.ts gemmStrided, reading Q_h, K_h, V_h and
 * writing out[.., h*d:(h+1)*d] in place through row stride H: no copies, no transpose), with the masked
 * row softmax of S in between (scratch [QB,Tk], float32; max, exp and sum in float64). The sgemms sum
 * float32 products in float64 (see gemm-micro.ts). The naive version is a float64 loop nest with the
 * same mask rule.
 */
import { ShapeError, ArgumentError, formatShape } from '../errors.js';
import { gemmStrided } from './gemm-micro.js';
import { PackScratch } from './pack-scratch.js';
import { needElements } from './need.js';

/** torch.finfo(torch.float32).min, the value HF BERT adds at padded keys. */
export const MASK_MIN = -3.4028234663852886e38;

/** Query rows per block: the block's scores S [QB,Tk] are the scratch (32 KB at Tk = 128). */
const QB = 64;

/** 2^-i for i in [0, 151) and 2^(-i/32) for i in [0, 32): the scale factors of expNonPositive. */
const POW2_INT = Float64Array.from({ length: 151 }, (_, i) => 2 ** -i);
const POW2_FRAC = Float64Array.from({ length: 32 }, (_, i) => 2 ** (-i / 32));
const INV_LN2_32 = 32 / Math.LN2;
const LN2_32 = Math.LN2 / 32;

/**
 * e^y for y <= 0 (a softmax's y = score - row max), relative error < 2e-12 down to y = -104, inlined by
 * V8 (Math.exp is a call into its C library, ~13 ns per call here). y = -(k/32) ln 2 + r with |r| <= ln 2/64, so
 * e^y = 2^-(k>>5) 2^-((k&31)/32) e^r, e^r by its degree-4 Taylor polynomial (error < 1.3e-12).
 * Below -104, e^y < 7e-46 rounds to 0 in float32 (and is below 1 ulp of a row sum, which is >= 1),
 * so y is clamped there: the result is 6.8e-46, not 0. NaN stays NaN; y > 0.0108 is not supported.
 */
export function expNonPositive(y: number): number {
  const c = y < -104 ? -104 : y;
  const k = (-c * INV_LN2_32 + 0.5) | 0;
  const r = c + k * LN2_32;
  return POW2_INT[k >> 5] * POW2_FRAC[k & 31] * (1 + r + r * r * (0.5 + r * (1 / 6 + r * (1 / 24))));
}

export interface AttentionPlan {
  readonly B: number;
  readonly Tq: number;
  readonly Tk: number;
  readonly H: number;
  readonly heads: number;
  readonly d: number;
  readonly scale: number;
  readonly outShape: readonly number[];
  /** Float32 elements of scratch the fast version needs: the scores of a block of query rows, min(Tq, 64) * Tk. */
  readonly scratchSize: number;
}

export function attentionPlan(qShape: readonly number[], kShape: readonly number[], vShape: readonly number[], heads: number, maskShape: readonly number[] | null = null): AttentionPlan {
  const s3 = (s: readonly number[]) => s.length === 3 && s.every((d) => Number.isInteger(d) && d >= 0);
  if (!s3(qShape) || !s3(kShape) || !s3(vShape)) {
    throw new ShapeError(`attentionPlan: q, k, v must be 3-D: got q ${formatShape(qShape)}, k ${formatShape(kShape)}, v ${formatShape(vShape)}, expected [B,T,H] each`);
  }
  const [B, Tq, H] = qShape;
  const Tk = kShape[1];
  if (kShape[0] !== B || vShape[0] !== B || kShape[2] !== H || vShape[2] !== H || vShape[1] !== Tk) {
    throw new ShapeError(`attentionPlan: shapes disagree: got q ${formatShape(qShape)}, k ${formatShape(kShape)}, v ${formatShape(vShape)}, expected q [B,Tq,H] and k, v [B,Tk,H]`);
  }
  if (!Number.isInteger(heads) || heads < 1 || H % heads !== 0) {
    throw new ArgumentError(`attentionPlan: heads must divide the hidden size: got heads=${heads}, H=${H}, expected a positive divisor of ${H}`);
  }
  if (maskShape !== null && (maskShape.length !== 2 || maskShape[0] !== B || maskShape[1] !== Tk)) {
    throw new ShapeError(`attentionPlan: mask does not match the keys: got mask ${formatShape(maskShape)}, k ${formatShape(kShape)}, expected mask [${B},${Tk}]`);
  }
  const d = H / heads;
  return { B, Tq, Tk, H, heads, d, scale: 1 / Math.sqrt(d), outShape: [B, Tq, H], scratchSize: Math.min(Tq, QB) * Tk };
}

function check(where: string, out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan): void {
  needElements(where, 'q', q, p.B * p.Tq * p.H);
  needElements(where, 'k', k, p.B * p.Tk * p.H);
  needElements(where, 'v', v, p.B * p.Tk * p.H);
  needElements(where, 'out', out, p.B * p.Tq * p.H);
  if (mask !== null) needElements(where, 'mask', mask, p.B * p.Tk);
}

/** out [B,Tq,H] = attention(q [B,Tq,H], k [B,Tk,H], v [B,Tk,H], mask [B,Tk] | null); scratch [p.scratchSize] */
export function attention(out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan, scratch: Float32Array, packs: PackScratch = new PackScratch()): void {
  check('attention', out, q, k, v, mask, p);
  const { B, Tq, Tk, H, heads, d, scale } = p;
  if (scratch.length < p.scratchSize) throw new ShapeError(`attention: scratch is too short: got ${scratch.length}, expected at least ${p.scratchSize} (plan.scratchSize)`);
  if (out === q || out === k || out === v) throw new ArgumentError('attention: out aliases an input: got the same buffer, expected a separate output');
  if (Tq === 0 || d === 0) return;
  if (Tk === 0) {
    out.fill(0, 0, B * Tq * H); // no keys: an empty sum, as the naive version gives
    return;
  }
  const s = scratch;
  for (let b = 0; b < B; b++) {
    const kv = b * Tk * H;
    for (let h = 0; h < heads; h++) {
      const col = h * d;
      for (let t0 = 0; t0 < Tq; t0 += QB) {
        const rows = Math.min(QB, Tq - t0);
        const qo = (b * Tq + t0) * H + col;
        // S [rows,Tk] = scale * Q_h[t0:t0+rows] K_h^T (K_h stored [Tk,d] at row stride H: transB).
        gemmStrided(s, 0, Tk, q, qo, H, k, kv + col, H, rows, Tk, d, false, true, scale, 0, packs);
        for (let r = 0; r < rows; r++) {
          const o = r * Tk;
          let m = -Infinity;
          if (mask === null) {
            for (let j = 0; j < Tk; j++) if (!(s[o + j] <= m)) m = s[o + j];
          } else {
            const mo = b * Tk;
            for (let j = 0; j < Tk; j++) {
              const sc = Math.fround(s[o + j] + (1 - mask[mo + j]) * MASK_MIN); // as stored, so score - m <= 0
              s[o + j] = sc;
              if (!(sc <= m)) m = sc;
            }
          }
          let sum = 0;
          for (let j = 0; j < Tk; j++) {
            const e = expNonPositive(s[o + j] - m);
            s[o + j] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let j = 0; j < Tk; j++) s[o + j] *= inv;
        }
        // out[b, t0:t0+rows, h] = P [rows,Tk] V_h (V_h stored [Tk,d] at row stride H), written at row stride H.
        gemmStrided(out, qo, H, s, 0, Tk, v, kv + col, H, rows, d, Tk, false, false, 1, 0, packs);
      }
    }
  }
}

/** float64 reference of attention (scores, softmax and the value sum in float64). */
export function attentionNaive(out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan): void {
  check('attentionNaive', out, q, k, v, mask, p);
  const { B, Tq, Tk, H, heads, d } = p;
  const sc = new Float64Array(Tk);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < Tq; t++) {
        for (let s = 0; s < Tk; s++) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += q[(b * Tq + t) * H + h * d + j] * k[(b * Tk + s) * H + h * d + j];
          sc[s] = dot / Math.sqrt(d) + (mask === null ? 0 : (1 - mask[b * Tk + s]) * MASK_MIN);
        }
        const m = Math.max(...sc);
        let sum = 0;
        for (let s = 0; s < Tk; s++) sum += Math.exp(sc[s] - m);
        for (let j = 0; j < d; j++) {
          let acc = 0;
          for (let s = 0; s < Tk; s++) acc += (Math.exp(sc[s] - m) / sum) * v[(b * Tk + s) * H + h * d + j];
          out[(b * Tq + t) * H + h * d + j] = acc;
        }
      }
}
