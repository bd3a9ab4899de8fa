/**
 * The multi-exit ResNet of tools/resnet/common.py `MultiExitResNet`, implementing MultiExitNetwork:
 *
 *   x0 [N,1,28,28] (standardized) -> stem (conv3x3 + BN + ReLU) -> block 1 -> ... -> block L
 *   stage 1 = stem + block 1, stage s = block s; exit k reads the activation after stage k.
 *
 * Built once from config.json + named tensors (BN folded into every conv at load time); a config
 * and weights that disagree fail in buildResNet with a ConfigError naming the tensor and both shapes.
 *
 * FLOPs convention (the same as config.json "cost", tools/resnet/export.py `cost_table`):
 * 2 x multiply-adds of the convs and linear layers; the folded BN bias, ReLUs, residual adds and
 * pooling are not counted (together < 1% of a stage). Stage 1 includes the stem.
 *
 * Memory: nothing is allocated per sample in steady state (runStages and exitLogits: no array, no view,
 * no Tensor object; forwardAll allocates its result array). Stage outputs alternate between two
 * activation arenas (a stage never writes over its input), logits go to a third, and temporaries
 * (im2col, a block's middle activation, pooled features) to a scratch arena reset by every call.
 * On a table with its own memory (simd) the weights and every arena live in it (table-memory.ts).
 * Validity of results:
 *   - a runStages/forwardAll activation stays valid across exitLogits calls, until the second
 *     following runStages (so runStages(0,i) -> h, exitLogits(i,h), runStages(i,L,h) is safe);
 *   - logits (exitLogits, forwardAll) stay valid until the next exitLogits or forwardAll.
 * Copy (`clone()`) whatever must outlive that. One model is not reentrant; use one per worker.
 */
import { ShapeError, formatShape } from '../tensor/errors.js';
import { sizeOf, type Tensor } from '../tensor/tensor.js';
import { TensorViews } from '../tensor/tensor-views.js';
import { fastKernels, type Kernels } from '../tensor/kernels/index.js';
import type { MultiExitNetwork, NetworkProfile } from './network.js';
import { parseResNetConfig, type ResNetConfig } from './config.js';
import { ConvBN } from './conv-bn.js';
import { BasicBlock } from './basic-block.js';
import { ExitHead } from './exit-head.js';
import { prepareImages, rawToPixels } from './image-input.js';
import { WeightStore, type NamedTensors } from './weights.js';
import type { Arena } from '../tensor/arena.js';
import { StageArenas, checkStageIndex, checkStageRange } from './stages.js';

export class ResNetModel implements MultiExitNetwork {
  readonly id: string;
  readonly numStages: number;
  readonly numClasses: number;
  readonly profile: NetworkProfile;
  private readonly shapes: (readonly number[])[];
  private readonly arenas: StageArenas;
  private readonly scratch: Arena;
  private readonly logits: Arena;
  /** The Tensors handed out over the arenas (the same object for the same memory and shape). */
  private readonly views = new TensorViews();
  private readonly classShape: readonly number[];

  constructor(
    readonly config: ResNetConfig,
    readonly stem: ConvBN,
    readonly blocks: readonly BasicBlock[],
    readonly heads: readonly ExitHead[],
    readonly kernels: Kernels,
  ) {
    this.id = config.id;
    this.arenas = new StageArenas(kernels);
    this.scratch = this.arenas.scratch;
    this.logits = this.arenas.logits;
    this.numStages = blocks.length;
    this.numClasses = config.numClasses;
    this.classShape = [config.numClasses];
    this.shapes = [config.input.shape, ...blocks.map((b) => b.outShape)];
    const stageFlops = blocks.map((b, i) => b.flops + (i === 0 ? stem.flops : 0));
    this.profile = Object.freeze({
      stageFlops,
      exitFlops: heads.map((h) => h.flops),
      activationElements: this.shapes.map((s) => sizeOf(s)),
      rawInputBytes: sizeOf(config.input.shape) * (config.input.dtype === 'uint8' ? 1 : 4),
    });
  }

  /** Chunks ever allocated by this model's arenas (constant in steady state). */
  get allocations(): number {
    return this.arenas.allocations;
  }

  /** Shape [C,H,W] of one sample's activation after stage s (0 = the standardized input). */
  activationShape(s: number): readonly number[] {
    checkStageIndex('activationShape', 'stage', s, 0, this.numStages);
    return this.shapes[s];
  }

  /** pixels [n*C*H*W] in [0,1] -> x0 [n,C,H,W] (config.input.normalize per image), into out or a new array. */
  prepareInput(pixels: Float32Array, out?: Float32Array): Tensor {
    return prepareImages(this.config.input, pixels, out);
  }

  /** raw [n*C*H*W] uint8 as stored -> x0 [n,C,H,W] (scale, then normalize), a new array. */
  prepareRaw(raw: Uint8Array): Tensor {
    const px = rawToPixels(this.config.input, raw);
    return prepareImages(this.config.input, px, px);
  }

  /** x [N, ...activationShape(from)] -> [N, ...activationShape(to)]: stages from+1..to. */
  runStages(from: number, to: number, x: Tensor): Tensor {
    checkStageRange(from, to, this.numStages);
    const n = this.batchOf('runStages', x, from);
    if (from === to) return x;
    this.scratch.reset();
    this.arenas.resetInputs();
    let cur = this.arenas.adopt(x.flat());
    for (let s = from + 1; s <= to; s++) {
      const out = this.arenas.takeAfter(cur, n * this.profile.activationElements[s]);
      this.stage(s, out, cur, n);
      cur = out;
    }
    return this.views.of(cur, n, this.shapes[to]);
  }

  /** x [N, ...activationShape(k)] -> logits [N, K] of exit k. */
  exitLogits(k: number, x: Tensor): Tensor {
    checkStageIndex('exitLogits', 'exit', k, 1, this.numStages);
    const n = this.batchOf('exitLogits', x, k);
    this.scratch.reset();
    this.logits.reset();
    const out = this.logits.take(n * this.numClasses);
    this.heads[k - 1].forward(out, x.flat(), n, this.scratch);
    return this.views.of(out, n, this.classShape);
  }

  /** x0 [N, ...activationShape(0)] -> the logits [N, K] of every exit 1..L (in order). */
  forwardAll(x: Tensor): Tensor[] {
    const n = this.batchOf('forwardAll', x, 0);
    this.scratch.reset();
    this.logits.reset();
    this.arenas.resetInputs();
    const result: Tensor[] = [];
    let cur = this.arenas.adopt(x.flat());
    for (let s = 1; s <= this.numStages; s++) {
      const out = this.arenas.takeAfter(cur, n * this.profile.activationElements[s]);
      this.stage(s, out, cur, n);
      cur = out;
      const lg = this.logits.take(n * this.numClasses);
      this.heads[s - 1].forward(lg, cur, n, this.scratch);
      result.push(this.views.of(lg, n, this.classShape));
    }
    return result;
  }

  /** out [n, ...shape(s)] = stage s (x [n, ...shape(s-1)]). */
  private stage(s: number, out: Float32Array, x: Float32Array, n: number): void {
    if (s > 1) {
      this.blocks[s - 1].forward(out, x, n, this.scratch);
      return;
    }
    const mark = this.scratch.mark();
    const h = this.scratch.take(n * sizeOf(this.stem.outShape));
    this.stem.forward(h, x, n, this.scratch);
    this.blocks[0].forward(out, h, n, this.scratch);
    this.scratch.release(mark);
  }

  /** N of x, which must be [N, ...activationShape(s)] with N >= 1. */
  private batchOf(where: string, x: Tensor, s: number): number {
    const want = this.shapes[s];
    let ok = x.rank === want.length + 1 && x.shape[0] >= 1;
    for (let i = 0; ok && i < want.length; i++) ok = x.shape[i + 1] === want[i]; // a loop: no closure per call
    if (!ok) throw new ShapeError(`${where}: activation of stage ${s} has the wrong shape: got ${formatShape(x.shape)}, expected [N,${want.join(',')}] with N >= 1`);
    return x.shape[0];
  }
}

/**
 * Builds the network from a parsed config.json and its named tensors (a SafetensorsFile, a Map or
 * a record). Every tensor is used exactly once: missing, extra or misshaped ones throw ConfigError.
 */
export function buildResNet(config: unknown, tensors: NamedTensors, kernels: Kernels = fastKernels, source = 'model.safetensors'): ResNetModel {
  const cfg = parseResNetConfig(config);
  const ws = new WeightStore(tensors, source, 'config.json');
  const st = cfg.stem;
  const stem = ConvBN.fromWeights(ws, 'stem.conv', 'stem.bn', { inChannels: st.in, outChannels: st.out, kernel: st.kernel, stride: st.stride, padding: st.padding }, cfg.bnEps, cfg.input.shape, kernels, st.relu ? 'relu' : 'none');
  const blocks: BasicBlock[] = [];
  let shape = stem.outShape;
  for (let i = 0; i < cfg.blocks.length; i++) {
    const b = BasicBlock.fromWeights(ws, `blocks.${i}`, cfg.blocks[i], cfg.bnEps, shape, kernels);
    blocks.push(b);
    shape = b.outShape;
  }
  const heads = cfg.exits.map((e, k) => ExitHead.fromWeights(ws, `exits.${k}`, e, blocks[k].outShape, kernels));
  ws.finish();
  return new ResNetModel(cfg, stem, blocks, heads, kernels);
}
