/**
 * BasicBlock (ResNet v1, He et al. 2016), as tools/resnet/common.py `BasicBlock`:
 *
 *   out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
 *   shortcut = x, or bn(conv1x1 stride s (x)) when the block changes channels or stride.
 *
 * Shapes: x [N,Cin,H,W] -> out [N,Cout,H/s,W/s] (conv1 3x3 stride s pad 1, conv2 3x3 stride 1 pad 1).
 * PyTorch names under `prefix`: conv1, bn1, conv2, bn2, downsample.conv, downsample.bn.
 * The residual add and its ReLU are one fused kernel call; BN is folded into each conv.
 */
import type { Arena } from '../tensor/arena.js';
import type { Kernels } from '../tensor/kernels/index.js';
import { ConvBN } from './conv-bn.js';
import type { BlockSpec } from './config.js';
import type { WeightStore } from './weights.js';

export class BasicBlock {
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];

  constructor(
    readonly conv1: ConvBN,
    readonly conv2: ConvBN,
    readonly downsample: ConvBN | null,
    readonly kernels: Kernels,
  ) {
    this.inShape = conv1.inShape;
    this.outShape = conv2.outShape;
  }

  /** inShape [Cin,H,W] of one sample. */
  static fromWeights(ws: WeightStore, prefix: string, spec: BlockSpec, bnEps: number, inShape: readonly [number, number, number], kernels: Kernels): BasicBlock {
    const c1 = ConvBN.fromWeights(ws, `${prefix}.conv1`, `${prefix}.bn1`, { inChannels: spec.in, outChannels: spec.out, kernel: 3, stride: spec.stride, padding: 1 }, bnEps, inShape, kernels, 'relu');
    const c2 = ConvBN.fromWeights(ws, `${prefix}.conv2`, `${prefix}.bn2`, { inChannels: spec.out, outChannels: spec.out, kernel: 3, stride: 1, padding: 1 }, bnEps, c1.outShape, kernels, 'none');
    const ds = spec.downsample
      ? ConvBN.fromWeights(ws, `${prefix}.downsample.conv`, `${prefix}.downsample.bn`, { inChannels: spec.in, outChannels: spec.out, kernel: 1, stride: spec.stride, padding: 0 }, bnEps, inShape, kernels, 'none')
      : null;
    return new BasicBlock(c1, c2, ds, kernels);
  }

  /** FLOPs for one sample: the convs only (2 per multiply-add); residual add and ReLUs not counted. */
  get flops(): number {
    return this.conv1.flops + this.conv2.flops + (this.downsample?.flops ?? 0);
  }

  /** out [n,Cout,Ho,Wo] = block(x [n,Cin,H,W]); out must not overlap x. Temporaries from `arena`, released. */
  forward(out: Float32Array, x: Float32Array, n: number, arena: Arena): void {
    const os = this.conv1.outShape; // indexed, not destructured: no iterator per call
    const C1 = os[0], H1 = os[1], W1 = os[2];
    const size = n * C1 * H1 * W1;
    const mark = arena.mark();
    const h = arena.take(size);
    this.conv1.forward(h, x, n, arena);
    this.conv2.forward(out, h, n, arena);
    let shortcut = x;
    if (this.downsample !== null) {
      shortcut = h; // conv1's output is dead once conv2 ran; reuse it (same shape as the shortcut)
      this.downsample.forward(shortcut, x, n, arena);
    }
    this.kernels.add(out, out, shortcut, size, 'relu');
    arena.release(mark);
  }
}
