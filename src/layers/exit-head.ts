/**
 * ExitHead, as tools/resnet/common.py `ExitHead`:
 *
 *   logits [N,K] = fc2(relu(fc1(flatten(adaptive_avg_pool2d(x, p)))))    (hidden h > 0)
 *                = fc(flatten(adaptive_avg_pool2d(x, p)))                 (h = 0)
 *
 * Shapes: x [N,C,H,W] -> pooled [N,C,p,p] -> flattened [N, C*p*p] (NCHW order, as torch.flatten(1))
 * -> [N,h] -> [N,K]. PyTorch names under `prefix`: fc1, fc2 (or fc).
 */
import type { Arena } from '../tensor/arena.js';
import { adaptiveAvgPool2dPlan, type AdaptivePool2dPlan, type Kernels } from '../tensor/kernels/index.js';
import type { ExitSpec } from './config.js';
import { Linear } from './linear.js';
import type { WeightStore } from './weights.js';

export class ExitHead {
  readonly features: number;
  private readonly plans = new Map<number, AdaptivePool2dPlan>();

  constructor(
    readonly inShape: readonly [number, number, number],
    readonly pool: number,
    /** [fc1 (relu), fc2] or [fc]. */
    readonly layers: readonly Linear[],
    readonly kernels: Kernels,
  ) {
    this.features = inShape[0] * pool * pool;
  }

  /** inShape [C,H,W] of one sample. */
  static fromWeights(ws: WeightStore, prefix: string, spec: ExitSpec, inShape: readonly [number, number, number], kernels: Kernels): ExitHead {
    const feats = inShape[0] * spec.pool * spec.pool;
    const layers = spec.hidden > 0
      ? [Linear.fromWeights(ws, `${prefix}.fc1`, feats, spec.hidden, kernels, 'relu'), Linear.fromWeights(ws, `${prefix}.fc2`, spec.hidden, spec.classes, kernels)]
      : [Linear.fromWeights(ws, `${prefix}.fc`, feats, spec.classes, kernels)];
    const head = new ExitHead(inShape, spec.pool, layers, kernels);
    head.poolPlan(1); // validates the pool size against the input once, at build time
    return head;
  }

  get numClasses(): number {
    return this.layers[this.layers.length - 1].outFeatures;
  }

  /** FLOPs for one sample: the linear layers only (2 per multiply-add; pooling and ReLU not counted). */
  get flops(): number {
    let f = 0;
    for (const l of this.layers) f += l.flops;
    return f;
  }

  private poolPlan(n: number): AdaptivePool2dPlan {
    let p = this.plans.get(n);
    if (p === undefined) {
      p = adaptiveAvgPool2dPlan([n, ...this.inShape], this.pool);
      this.plans.set(n, p);
    }
    return p;
  }

  /** out [n,K] = head(x [n,C,H,W]); temporaries from `arena`, released. */
  forward(out: Float32Array, x: Float32Array, n: number, arena: Arena): void {
    const mark = arena.mark();
    let h = arena.take(n * this.features);
    this.kernels.adaptiveAvgPool2d(h, x, this.poolPlan(n));
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const last = i === this.layers.length - 1;
      const y = last ? out : arena.take(n * layer.outFeatures);
      layer.forward(y, h, n);
      h = y;
    }
    arena.release(mark);
  }
}
