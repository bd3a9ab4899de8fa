/**
 * Linear: out [N, out] = act(x [N, in] @ W^T + b), W [out, in] as torch.nn.Linear stores it
 * (torch.nn.functional.linear; one gemm with transB and a per-column bias, activation fused).
 *
 * Plans are validated once per batch size and cached; forward allocates nothing. On a table that packs
 * weights (simd) the weight is packed once here, at build, into the table's memory (packGemmB).
 */
import { ShapeError } from '../tensor/errors.js';
import { gemmPlan, type Activation, type GemmPlan, type Kernels } from '../tensor/kernels/index.js';
import type { WeightStore } from './weights.js';
import { inTable } from './table-memory.js';

export class Linear {
  private readonly plans = new Map<number, GemmPlan>();
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  /** The weight packed once by the table (packGemmB), this layer's own; null for a table that does not pack. */
  private readonly packed: Float32Array | null;

  /** weight [outFeatures, inFeatures], bias [outFeatures] or null. */
  constructor(
    weight: Float32Array,
    bias: Float32Array | null,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly kernels: Kernels,
    readonly activation: Activation = 'none',
  ) {
    if (weight.length !== inFeatures * outFeatures || (bias !== null && bias.length !== outFeatures)) {
      throw new ShapeError(`Linear: parameters do not match [${outFeatures},${inFeatures}]: got weight ${weight.length} and bias ${bias?.length ?? 'none'} values, expected ${inFeatures * outFeatures} and ${outFeatures}`);
    }
    this.bias = bias === null ? null : inTable(kernels, bias);
    this.packed = kernels.packGemmB?.(weight, this.plan(1)) ?? null;
    // The packed copy is what the table's gemm reads; the plain one serves its fallbacks (GEMV), read in place.
    this.weight = this.packed === null ? inTable(kernels, weight) : weight;
  }

  /** Takes `${prefix}.weight` [out, in] and `${prefix}.bias` [out] from the store. */
  static fromWeights(ws: WeightStore, prefix: string, inFeatures: number, outFeatures: number, kernels: Kernels, activation: Activation = 'none'): Linear {
    const w = ws.take(`${prefix}.weight`, [outFeatures, inFeatures]);
    const b = ws.take(`${prefix}.bias`, [outFeatures]);
    return new Linear(w, b, inFeatures, outFeatures, kernels, activation);
  }

  /** FLOPs for one sample: 2 * in * out (multiply-add = 2; bias and activation not counted). */
  get flops(): number {
    return 2 * this.inFeatures * this.outFeatures;
  }

  private plan(n: number): GemmPlan {
    let p = this.plans.get(n);
    if (p === undefined) {
      p = gemmPlan([n, this.inFeatures], [this.outFeatures, this.inFeatures], { transB: true, bias: this.bias === null ? 'none' : 'col', activation: this.activation });
      this.plans.set(n, p);
    }
    return p;
  }

  /** out [n, out] = act(x [n, in] W^T + b). x and out are flat, row-major, and must not overlap. */
  forward(out: Float32Array, x: Float32Array, n: number): void {
    if (x.length < n * this.inFeatures || out.length < n * this.outFeatures) {
      throw new ShapeError(`Linear.forward: buffers too short for ${n} rows: got x ${x.length}, out ${out.length} elements, expected at least ${n * this.inFeatures} and ${n * this.outFeatures} ([${n},${this.inFeatures}] -> [${n},${this.outFeatures}])`);
    }
    this.kernels.gemm(out, x, this.weight, this.bias, this.plan(n), this.packed);
  }
}
