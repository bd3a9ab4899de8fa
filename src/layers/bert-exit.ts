/**
 * A BERT exit head, as tools/spam/model.py `Exit` (HF BertPooler + a linear classifier, eval mode):
 *   logits [N,K] = classifier(tanh(pooler.dense(x[:, 0, :])))
 * Shapes: x [N,T,H] (the output of layer k), token 0 is [CLS]; pooler.dense W [H,H], classifier W [K,H]
 * as torch.nn.Linear stores them. Only token 0 is read, so the logits do not depend on padding (the
 * mask acts inside the layers, not here).
 */
import { ShapeError, formatShape } from '../tensor/errors.js';
import type { Arena } from '../tensor/arena.js';
import type { Kernels } from '../tensor/kernels/index.js';
import { Linear } from './linear.js';
import type { WeightStore } from './weights.js';

export class BertExitHead {
  constructor(
    readonly pooler: Linear,
    readonly classifier: Linear,
    readonly kernels: Kernels,
  ) {
    if (pooler.inFeatures !== pooler.outFeatures || classifier.inFeatures !== pooler.outFeatures) {
      throw new ShapeError(`BertExitHead: layers do not chain: got pooler [${pooler.outFeatures},${pooler.inFeatures}], classifier [${classifier.outFeatures},${classifier.inFeatures}], expected [H,H] and [K,H]`);
    }
  }

  /** Takes `${pooler}.{weight,bias}` [H,H],[H] and `${classifier}.{weight,bias}` [K,H],[K]. */
  static fromWeights(ws: WeightStore, pooler: string, classifier: string, hidden: number, classes: number, kernels: Kernels): BertExitHead {
    return new BertExitHead(Linear.fromWeights(ws, pooler, hidden, hidden, kernels), Linear.fromWeights(ws, classifier, hidden, classes, kernels), kernels);
  }

  get hiddenSize(): number {
    return this.pooler.inFeatures;
  }

  get numClasses(): number {
    return this.classifier.outFeatures;
  }

  /** FLOPs for one sample: 2*H*H + 2*H*K (tanh and biases not counted). */
  get flops(): number {
    return this.pooler.flops + this.classifier.flops;
  }

  /** out [N,K] = head(x [N,T,H]); 2*N*H floats of scratch from the arena, released. */
  forward(out: Float32Array, x: Float32Array, N: number, T: number, arena: Arena): void {
    const H = this.hiddenSize;
    if (T < 1 || x.length < N * T * H || out.length < N * this.numClasses) {
      throw new ShapeError(`BertExitHead: buffers too short for x ${formatShape([N, T, H])}: got x ${x.length}, out ${out.length} elements, expected ${N * T * H} and ${N * this.numClasses} with T >= 1`);
    }
    const m = arena.mark();
    const cls = arena.take(N * H);
    for (let n = 0; n < N; n++) {
      const o = n * T * H;
      for (let j = 0; j < H; j++) cls[n * H + j] = x[o + j];
    }
    const pooled = arena.take(N * H);
    this.pooler.forward(pooled, cls, N);
    this.kernels.tanh(pooled, pooled, N * H);
    this.classifier.forward(out, pooled, N);
    arena.release(m);
  }
}
