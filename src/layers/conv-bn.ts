/**
 * ConvBN: a bias-free Conv2d followed by BatchNorm2d (eval mode), with the BN folded into the conv
 * at load time (kernels/batchnorm-fold.ts), then an optional fused activation:
 *
 *   out [N,O,Ho,Wo] = act(conv2d(x [N,C,H,W], w*s) + (b - mean)*s + beta),  s = gamma / sqrt(var + eps)
 *
 * which equals PyTorch's `act(bn(conv(x)))` in eval mode up to float32 rounding.
 * The layer is built for one input size [C,H,W] (a network's spatial sizes are fixed); the conv plan
 * is validated once per batch size and cached. On a table that packs weights (simd) the folded weight is
 * packed once here, at build, into the table's memory (packConvWeights). Scratch (im2col) comes from the caller's Arena and is
 * released before returning.
 */
import type { Arena } from '../tensor/arena.js';
import { ShapeError, formatShape } from '../tensor/errors.js';
import { conv2dPlan, foldBatchNorm, type Activation, type Conv2dPlan, type Kernels } from '../tensor/kernels/index.js';
import type { WeightStore } from './weights.js';
import { inTable } from './table-memory.js';

export interface ConvSpec {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
}

export class ConvBN {
  /** [C,H,W] of one input sample and [O,Ho,Wo] of one output sample. */
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  private readonly plans = new Map<number, Conv2dPlan>();
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** The weight packed once by the table (packConvWeights), this layer's own; null for a table that does not pack. */
  private readonly packed: Float32Array | null;

  /** weight [O,C,k,k] and bias [O] with BN already folded in. */
  constructor(
    weight: Float32Array,
    bias: Float32Array,
    readonly spec: ConvSpec,
    inShape: readonly [number, number, number],
    readonly kernels: Kernels,
    readonly activation: Activation = 'none',
  ) {
    const { inChannels: C, outChannels: O, kernel: k } = spec;
    if (inShape[0] !== C || weight.length !== O * C * k * k || bias.length !== O) {
      throw new ShapeError(`ConvBN: parameters do not match: got input ${formatShape(inShape)}, weight ${weight.length} and bias ${bias.length} values, expected ${C} input channels, ${O * C * k * k} and ${O} values for [${O},${C},${k},${k}]`);
    }
    this.inShape = [inShape[0], inShape[1], inShape[2]];
    const p = this.plan(1);
    this.outShape = [p.O, p.Ho, p.Wo];
    this.bias = inTable(kernels, bias);
    this.packed = kernels.packConvWeights?.(weight, p) ?? null;
    this.weight = this.packed === null ? inTable(kernels, weight) : weight;
  }

  /**
   * Reads `${conv}.weight` [O,C,k,k] and the BatchNorm2d tensors `${bn}.{weight,bias,running_mean,
   * running_var}` [O] and folds them (eps = BatchNorm2d.eps from the config).
   */
  static fromWeights(ws: WeightStore, conv: string, bn: string, spec: ConvSpec, bnEps: number, inShape: readonly [number, number, number], kernels: Kernels, activation: Activation = 'none'): ConvBN {
    const { inChannels: C, outChannels: O, kernel: k } = spec;
    const w = ws.take(`${conv}.weight`, [O, C, k, k]);
    const vec = (name: string) => ws.take(`${bn}.${name}`, [O]);
    const folded = foldBatchNorm(w, [O, C, k, k], null, { gamma: vec('weight'), beta: vec('bias'), mean: vec('running_mean'), var: vec('running_var'), eps: bnEps });
    return new ConvBN(folded.weight, folded.bias, spec, inShape, kernels, activation);
  }

  /** FLOPs for one sample: 2 * O*Ho*Wo * C*k*k (multiply-add = 2; folded bias and activation not counted). */
  get flops(): number {
    const [O, Ho, Wo] = this.outShape;
    const { inChannels: C, kernel: k } = this.spec;
    return 2 * O * Ho * Wo * C * k * k;
  }

  private plan(n: number): Conv2dPlan {
    let p = this.plans.get(n);
    if (p === undefined) {
      const { outChannels: O, inChannels: C, kernel: k, stride, padding } = this.spec;
      p = conv2dPlan([n, ...this.inShape], [O, C, k, k], { stride, padding, activation: this.activation });
      this.plans.set(n, p);
    }
    return p;
  }

  /** out [n,O,Ho,Wo] = act(conv(x [n,C,H,W]) + bias); flat buffers that must not overlap. */
  forward(out: Float32Array, x: Float32Array, n: number, arena: Arena): void {
    const p = this.plan(n);
    const mark = arena.mark();
    const scratch = p.scratchSize > 0 ? arena.take(p.scratchSize) : null;
    this.kernels.conv2d(out, x, this.weight, this.bias, p, scratch, this.packed);
    arena.release(mark);
  }
}
