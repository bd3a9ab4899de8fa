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
 * Optimization: scores of one query row live in `scratch` [Tk]; dot products and the weighted value
 * sum are unit-stride within a head. The naive version is a float64 loop nest with the same mask rule.
 */
import { ShapeError, ArgumentError, formatShape } from '../errors.js';

/** torch.finfo(torch.float32).min, the value HF BERT adds at padded keys. */
export const MASK_MIN = -3.4028234663852886e38;

export interface AttentionPlan {
  readonly B: number;
  readonly Tq: number;
  readonly Tk: number;
  readonly H: number;
  readonly heads: number;
  readonly d: number;
  readonly scale: number;
  readonly outShape: readonly number[];
  /** Float32 elements of scratch the fast version needs (one row of scores). */
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
  return { B, Tq, Tk, H, heads, d, scale: 1 / Math.sqrt(d), outShape: [B, Tq, H], scratchSize: Tk };
}

function check(where: string, out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan): void {
  const need = (name: string, arr: ArrayLike<number>, n: number) => {
    if (arr.length < n) throw new ShapeError(`${where}: ${name} is too short: got ${arr.length} elements, expected at least ${n}`);
  };
  need('q', q, p.B * p.Tq * p.H);
  need('k', k, p.B * p.Tk * p.H);
  need('v', v, p.B * p.Tk * p.H);
  need('out', out, p.B * p.Tq * p.H);
  if (mask !== null) need('mask', mask, p.B * p.Tk);
}

/** out [B,Tq,H] = attention(q [B,Tq,H], k [B,Tk,H], v [B,Tk,H], mask [B,Tk] | null); scratch [Tk] */
export function attention(out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan, scratch: Float32Array): void {
  check('attention', out, q, k, v, mask, p);
  const { B, Tq, Tk, H, heads, d, scale } = p;
  if (scratch.length < Tk) throw new ShapeError(`attention: scratch is too short: got ${scratch.length}, expected at least ${Tk} (plan.scratchSize)`);
  if (out === q || out === k || out === v) throw new ArgumentError('attention: out aliases an input: got the same buffer, expected a separate output');
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      const col = h * d;
      for (let t = 0; t < Tq; t++) {
        const qo = (b * Tq + t) * H + col;
        let m = -Infinity;
        for (let s = 0; s < Tk; s++) {
          const ko = (b * Tk + s) * H + col;
          let dot = 0;
          for (let j = 0; j < d; j++) dot += q[qo + j] * k[ko + j];
          let sc = dot * scale;
          if (mask !== null) sc += (1 - mask[b * Tk + s]) * MASK_MIN;
          scratch[s] = sc;
          if (!(sc <= m)) m = sc;
        }
        let sum = 0;
        for (let s = 0; s < Tk; s++) {
          const e = Math.exp(scratch[s] - m);
          scratch[s] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j < d; j++) out[qo + j] = 0;
        for (let s = 0; s < Tk; s++) {
          const w = scratch[s] * inv;
          const vo = (b * Tk + s) * H + col;
          for (let j = 0; j < d; j++) out[qo + j] += w * v[vo + j];
        }
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
