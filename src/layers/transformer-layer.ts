/**
 * One BERT encoder layer (HF BertLayer, eval mode, post-LN):
 *   a   = attention block(x, mask)                        (self-attention.ts: ends in LayerNorm(.. + x))
 *   f   = gelu(a Wi^T + bi)                                (one gemm, erf GELU fused in the epilogue)
 *   out = LayerNorm(f Wo^T + bo + a; eps)
 * Shapes: x [N,T,H], mask [N,T] of 1/0 or null, out [N,T,H]; Wi [I,H], Wo [H,I] as torch.nn.Linear stores
 * them. BERT uses the erf GELU (torch.nn.functional.gelu, approximate='none'), not GPT-2's tanh approximation.
 * Scratch: N*T*(H + I) floats plus the attention block's, from the arena, released before returning.
 */
import { ShapeError, formatShape } from '../tensor/errors.js';
import type { Arena } from '../tensor/arena.js';
import { layerNormPlan, type Kernels, type LayerNormPlan } from '../tensor/kernels/index.js';
import { Linear } from './linear.js';
import { BertSelfAttention, type BertAttentionSpec } from './self-attention.js';
import type { WeightStore } from './weights.js';
import { inTable } from './table-memory.js';

export interface BertLayerSpec extends BertAttentionSpec {
  intermediateSize: number;
}

export class BertLayer {
  readonly attention: BertSelfAttention;
  readonly intermediate: Linear;
  readonly output: Linear;
  readonly lnWeight: Float32Array;
  readonly lnBias: Float32Array;
  private readonly lnPlans = new Map<number, LayerNormPlan>();

  /** Takes the tensors of `${prefix}` = `bert.encoder.layer.N`: attention.*, intermediate.dense.*, output.dense.*,
   *  output.LayerNorm.*. */
  constructor(ws: WeightStore, readonly spec: BertLayerSpec, readonly kernels: Kernels, prefix: string) {
    const H = spec.hiddenSize;
    const I = spec.intermediateSize;
    this.attention = new BertSelfAttention(ws, spec, kernels, `${prefix}.attention`);
    this.intermediate = Linear.fromWeights(ws, `${prefix}.intermediate.dense`, H, I, kernels, 'gelu');
    this.output = Linear.fromWeights(ws, `${prefix}.output.dense`, I, H, kernels);
    this.lnWeight = inTable(kernels, ws.take(`${prefix}.output.LayerNorm.weight`, [H]));
    this.lnBias = inTable(kernels, ws.take(`${prefix}.output.LayerNorm.bias`, [H]));
  }

  /** out [N,T,H] = layer(x [N,T,H], mask [N,T] | null). out must not overlap x. */
  forward(out: Float32Array, x: Float32Array, mask: Float32Array | null, N: number, T: number, arena: Arena): void {
    const H = this.spec.hiddenSize;
    const rows = N * T;
    if (x.length < rows * H || out.length < rows * H) {
      throw new ShapeError(`BertLayer: buffers too short for ${formatShape([N, T, H])}: got x ${x.length}, out ${out.length} elements, expected at least ${rows * H} each`);
    }
    let lp = this.lnPlans.get(rows);
    if (lp === undefined) this.lnPlans.set(rows, (lp = layerNormPlan([rows, H], [H], this.spec.layerNormEps)));
    const k = this.kernels;
    const m = arena.mark();
    const a = arena.take(rows * H);
    const f = arena.take(rows * this.spec.intermediateSize);
    this.attention.forward(a, x, mask, N, T, arena);
    this.intermediate.forward(f, a, rows);
    this.output.forward(out, f, rows);
    k.add(out, out, a, rows * H);
    k.layerNorm(out, out, this.lnWeight, this.lnBias, lp);
    arena.release(m);
  }

  /** FLOPs for one sample of T tokens (matrix products only), as bertLayerFlops in bert-config.ts. */
  flops(T: number): number {
    return this.attention.flops(T) + 4 * T * this.spec.hiddenSize * this.spec.intermediateSize;
  }
}
