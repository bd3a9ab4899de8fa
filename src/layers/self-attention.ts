/**
 * BERT attention block (HF BertAttention = BertSelfAttention + BertSelfOutput, eval mode, post-LN):
 *   q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv                  (three gemms with transB + bias)
 *   ctx     = softmax(q k^T / sqrt(d) + (1 - mask) * finfo(float32).min) v   per head (the attention kernel)
 *   out     = LayerNorm(ctx Wo^T + bo + x; eps)                          (residual, then LayerNorm)
 * Shapes: x [N,T,H], mask [N,T] of 1/0 or null (no padding), out [N,T,H]; W* [H,H] as torch.nn.Linear
 * stores them, heads split H into `numHeads` blocks of d = H / numHeads columns.
 * Scratch: 4*N*T*H + min(T, 64)*T floats from the arena (q, k, v, the context, and one block of attention
 * scores), released before returning.
 */
import { ArgumentError, ShapeError, formatShape } from '../tensor/errors.js';
import type { Arena } from '../tensor/arena.js';
import { attentionPlan, layerNormPlan, type AttentionPlan, type Kernels, type LayerNormPlan } from '../tensor/kernels/index.js';
import { Linear } from './linear.js';
import type { WeightStore } from './weights.js';
import { inTable } from './table-memory.js';

export interface BertAttentionSpec {
  hiddenSize: number;
  numHeads: number;
  layerNormEps: number;
}

export class BertSelfAttention {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly output: Linear;
  readonly lnWeight: Float32Array;
  readonly lnBias: Float32Array;
  private readonly attnPlans = new Map<number, AttentionPlan>();
  private readonly lnPlans = new Map<number, LayerNormPlan>();

  /** Takes `${prefix}.self.{query,key,value}.*`, `${prefix}.output.dense.*` and `${prefix}.output.LayerNorm.*`
   *  (prefix `bert.encoder.layer.N.attention`). */
  constructor(ws: WeightStore, readonly spec: BertAttentionSpec, readonly kernels: Kernels, prefix: string) {
    const H = spec.hiddenSize;
    if (!Number.isInteger(spec.numHeads) || spec.numHeads < 1 || H % spec.numHeads !== 0) {
      throw new ArgumentError(`BertSelfAttention: heads must divide the hidden size: got heads=${spec.numHeads}, H=${H}, expected a positive divisor of ${H}`);
    }
    this.query = Linear.fromWeights(ws, `${prefix}.self.query`, H, H, kernels);
    this.key = Linear.fromWeights(ws, `${prefix}.self.key`, H, H, kernels);
    this.value = Linear.fromWeights(ws, `${prefix}.self.value`, H, H, kernels);
    this.output = Linear.fromWeights(ws, `${prefix}.output.dense`, H, H, kernels);
    this.lnWeight = inTable(kernels, ws.take(`${prefix}.output.LayerNorm.weight`, [H]));
    this.lnBias = inTable(kernels, ws.take(`${prefix}.output.LayerNorm.bias`, [H]));
  }

  private plans(N: number, T: number, masked: boolean): [AttentionPlan, LayerNormPlan] {
    const H = this.spec.hiddenSize;
    const key = (N * 65536 + T) * 2 + (masked ? 1 : 0);
    let ap = this.attnPlans.get(key);
    if (ap === undefined) {
      const s = [N, T, H];
      this.attnPlans.set(key, (ap = attentionPlan(s, s, s, this.spec.numHeads, masked ? [N, T] : null)));
    }
    let lp = this.lnPlans.get(N * T);
    if (lp === undefined) this.lnPlans.set(N * T, (lp = layerNormPlan([N * T, H], [H], this.spec.layerNormEps)));
    return [ap, lp];
  }

  /** out [N,T,H] = attention block(x [N,T,H], mask [N,T] | null). out must not overlap x. */
  forward(out: Float32Array, x: Float32Array, mask: Float32Array | null, N: number, T: number, arena: Arena): void {
    const H = this.spec.hiddenSize;
    const rows = N * T;
    if (x.length < rows * H || out.length < rows * H || (mask !== null && mask.length < rows)) {
      throw new ShapeError(`BertSelfAttention: buffers too short for ${formatShape([N, T, H])}: got x ${x.length}, out ${out.length}, mask ${mask?.length ?? 'none'} elements, expected ${rows * H}, ${rows * H} and ${rows}`);
    }
    const [ap, lp] = this.plans(N, T, mask !== null);
    const k = this.kernels;
    const m = arena.mark();
    const q = arena.take(rows * H);
    const kk = arena.take(rows * H);
    const v = arena.take(rows * H);
    const ctx = arena.take(rows * H);
    this.query.forward(q, x, rows);
    this.key.forward(kk, x, rows);
    this.value.forward(v, x, rows);
    k.attention(ctx, q, kk, v, mask, ap, arena.take(ap.scratchSize));
    this.output.forward(out, ctx, rows);
    k.add(out, out, x, rows * H);
    k.layerNorm(out, out, this.lnWeight, this.lnBias, lp);
    arena.release(m);
  }

  /** FLOPs for one sample of T tokens (matrix products only): 4 projections 8*T*H*H + scores and context 4*T*T*H. */
  flops(T: number): number {
    const H = this.spec.hiddenSize;
    return 8 * T * H * H + 4 * T * T * H;
  }
}
