/**
 * The multi-exit BERT of tools/spam/model.py `MultiExitBert` (HF BertModel semantics, post-LN, eval mode),
 * implementing MultiExitNetwork:
 *
 *   ids [N,T] (token ids as floats) -> embeddings -> layer 1 -> ... -> layer n
 *   exit k = pooler tanh dense on [CLS] + classifier, reading the output of layer a_k (config exits'
 *   after_layer; a_k = k when every layer has an exit); stage k runs layers a_{k-1}+1 .. a_k (stage 1 also
 *   the embeddings), so L = the number of exits and a stage may hold several layers (ElasticBERT, DeeBERT).
 *
 * Shapes: activationShape(0) = [T_max] (token ids), activationShape(s >= 1) = [T_max, H]; any
 * 1 <= T <= T_max is accepted (shorter sequences cost less). mask [N,T] of 1 (token) / 0 (padding); omitted
 * means every position is a token. Token types are all 0 (single-segment input).
 *
 * FLOPs convention (as tools/spam/export.py): 2 x multiply-adds of the matrix products (Q, K, V, output
 * projections, scores q k^T, context p v, the feed-forward), at T = T_max for `profile`; `profileAt(T)` gives
 * the same at another length. Embedding gathers, biases, softmax, LayerNorm, GELU are not counted.
 * activationElements are per sample at T_max ([0] = T_max ids, [s] = T_max * H); rawInputBytes = T_max ids
 * of 2 bytes (4 if the vocabulary exceeds 65,536).
 *
 * Memory (as resnet.ts): nothing is allocated per sample in steady state at a given length T (a sample of
 * another T than the previous one takes views of other sizes, made anew). Stage outputs alternate between two
 * activation arenas (a stage never writes over its input), logits go to a third, temporaries to a scratch
 * arena reset by every call; on a table with its own memory (simd) the weights and every arena live in it
 * (table-memory.ts). A runStages/forwardAll activation stays valid across exitLogits calls until the
 * second following runStages; logits stay valid until the next exitLogits or forwardAll. One model is not
 * reentrant.
 */
import { ArgumentError, ShapeError, ValueError, formatShape } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorViews } from '../tensor/tensor-views.js';
import { fastKernels, type Kernels } from '../tensor/kernels/index.js';
import type { MultiExitNetwork, NetworkProfile } from './network.js';
import { parseBertConfig, type BertConfig } from './bert-config.js';
import { canonicalBertName, canonicalBertTensors } from './bert-names.js';
import { Linear } from './linear.js';
import { BertEmbeddings } from './embeddings.js';
import { BertLayer } from './transformer-layer.js';
import { BertExitHead } from './bert-exit.js';
import { WeightStore, type NamedTensors } from './weights.js';
import type { Arena } from '../tensor/arena.js';
import { StageArenas, checkStageIndex, checkStageRange } from './stages.js';

export class BertModel implements MultiExitNetwork {
  readonly id: string;
  readonly numStages: number;
  readonly numClasses: number;
  readonly profile: NetworkProfile;
  /** The token axis of activationShape(s) (batch excluded), which may be shorter than T_max
   *  (read by src/splitee/cloud.ts checkActivationShape). */
  readonly sequenceAxis = 0;
  /** Layers (0-based, inclusive) of stage s at [s-1]. */
  private readonly stageLayers: readonly (readonly [number, number])[];
  private readonly arenas: StageArenas;
  private readonly scratch: Arena;
  private readonly logits: Arena;
  /** The Tensors handed out over the arenas (the same object for the same memory and shape). */
  private readonly views = new TensorViews();
  private readonly classShape: readonly number[];
  /** [T, H] at [T], made on first use (the shape of an activation of T tokens, batch excluded). */
  private readonly tokenShapes: (readonly number[])[] = [];
  /** [T_max]: activationShape(0), one array (the runner checks it every round). */
  private readonly idsShape: readonly number[];

  constructor(
    readonly config: BertConfig,
    readonly embeddings: BertEmbeddings,
    readonly layers: readonly BertLayer[],
    readonly heads: readonly BertExitHead[],
    readonly kernels: Kernels,
  ) {
    this.id = config.id;
    this.arenas = new StageArenas(kernels);
    this.scratch = this.arenas.scratch;
    this.logits = this.arenas.logits;
    this.numStages = heads.length;
    this.numClasses = config.numClasses;
    this.classShape = [config.numClasses];
    this.idsShape = Object.freeze([config.maxLength]);
    if (heads.length !== config.exits.length || layers.length !== config.numLayers) {
      throw new ShapeError(`BertModel: parts disagree with the config: got ${layers.length} layers and ${heads.length} heads, expected ${config.numLayers} and ${config.exits.length}`);
    }
    this.stageLayers = config.exits.map((e, k) => [k === 0 ? 0 : config.exits[k - 1].afterLayer, e.afterLayer - 1] as const);
    this.profile = this.profileAt(config.maxLength);
  }

  /** The profile for sequences of T tokens (T = T_max gives `profile`). */
  profileAt(T: number): NetworkProfile {
    if (!Number.isInteger(T) || T < 1 || T > this.config.maxLength) {
      throw new ArgumentError(`profileAt: invalid length: got ${T}, expected an integer in [1,${this.config.maxLength}]`);
    }
    const H = this.config.hiddenSize;
    return Object.freeze({
      stageFlops: this.stageLayers.map(([a, b]) => this.layers.slice(a, b + 1).reduce((f, l) => f + l.flops(T), 0)),
      stageLayers: this.stageLayers.map(([a, b]) => b - a + 1),
      exitFlops: this.heads.map((h) => h.flops),
      activationElements: [T, ...this.heads.map(() => T * H)],
      rawInputBytes: T * (this.config.vocabSize <= 65536 ? 2 : 4),
    });
  }

  /** Chunks ever allocated by this model's arenas (constant in steady state). */
  get allocations(): number {
    return this.arenas.allocations;
  }

  /** [T_max] for s = 0 (token ids), [T_max, H] after stage s >= 1. */
  activationShape(s: number): readonly number[] {
    checkStageIndex('activationShape', 'stage', s, 0, this.numStages);
    return s === 0 ? this.idsShape : this.tokenShape(this.config.maxLength);
  }

  /** x [N,T] (s = from = 0) or [N,T,H] -> [N,T,H] after stage `to`; mask [N,T] of 1/0 or omitted. */
  runStages(from: number, to: number, x: Tensor, mask?: Float32Array): Tensor {
    checkStageRange(from, to, this.numStages);
    const [N, T] = this.dims('runStages', x, from);
    const checked = this.checkMask('runStages', mask, N, T);
    if (from === to) return x;
    this.scratch.reset();
    this.arenas.resetInputs();
    const m = checked === null ? null : this.arenas.adopt(checked);
    let cur = from === 0 ? x.flat() : this.arenas.adopt(x.flat()); // ids are read by the embedding gather only
    for (let s = from + 1; s <= to; s++) {
      const out = this.arenas.takeAfter(cur, N * T * this.config.hiddenSize);
      this.stage(s, out, cur, m, N, T);
      cur = out;
    }
    return this.views.of(cur, N, this.tokenShape(T));
  }

  /** [T, H], the same array for every call with T. */
  private tokenShape(T: number): readonly number[] {
    return (this.tokenShapes[T] ??= Object.freeze([T, this.config.hiddenSize]));
  }

  /** x [N,T,H] after stage k -> logits [N,K] of exit k. The mask is accepted and unused: only [CLS] is read. */
  exitLogits(k: number, x: Tensor, mask?: Float32Array): Tensor {
    checkStageIndex('exitLogits', 'exit', k, 1, this.numStages);
    const [N, T] = this.dims('exitLogits', x, k);
    this.checkMask('exitLogits', mask, N, T);
    this.scratch.reset();
    this.logits.reset();
    const out = this.logits.take(N * this.numClasses);
    this.heads[k - 1].forward(out, x.flat(), N, T, this.scratch);
    return this.views.of(out, N, this.classShape);
  }

  /** ids [N,T] -> the logits [N,K] of every exit 1..L, in order. */
  forwardAll(x: Tensor, mask?: Float32Array): Tensor[] {
    const [N, T] = this.dims('forwardAll', x, 0);
    const checked = this.checkMask('forwardAll', mask, N, T);
    this.scratch.reset();
    this.logits.reset();
    this.arenas.resetInputs();
    const m = checked === null ? null : this.arenas.adopt(checked);
    const result: Tensor[] = [];
    let cur = x.flat();
    for (let s = 1; s <= this.numStages; s++) {
      const out = this.arenas.takeAfter(cur, N * T * this.config.hiddenSize);
      this.stage(s, out, cur, m, N, T);
      cur = out;
      const lg = this.logits.take(N * this.numClasses);
      this.heads[s - 1].forward(lg, cur, N, T, this.scratch);
      result.push(this.views.of(lg, N, this.classShape));
    }
    return result;
  }

  /** out [N,T,H] = stage s (x = ids [N,T] for s = 1, else [N,T,H]): its layers in order, the ones
   *  before the last writing into scratch. */
  private stage(s: number, out: Float32Array, x: Float32Array, mask: Float32Array | null, N: number, T: number): void {
    const mark = this.scratch.mark();
    const size = N * T * this.config.hiddenSize;
    let cur = x;
    if (s === 1) {
      cur = this.scratch.take(size);
      this.embeddings.forward(cur, x, N, T);
    }
    const [first, last] = this.stageLayers[s - 1];
    for (let l = first; l <= last; l++) {
      const dst = l === last ? out : this.scratch.take(size);
      this.layers[l].forward(dst, cur, mask, N, T, this.scratch);
      cur = dst;
    }
    this.scratch.release(mark);
  }

  /** [N, T] of x, which must be [N,T] (s = 0) or [N,T,H] with N >= 1 and 1 <= T <= T_max. */
  private dims(where: string, x: Tensor, s: number): [number, number] {
    const H = this.config.hiddenSize;
    const Tmax = this.config.maxLength;
    const rank = s === 0 ? 2 : 3;
    const ok = x.rank === rank && x.shape[0] >= 1 && x.shape[1] >= 1 && x.shape[1] <= Tmax && (s === 0 || x.shape[2] === H);
    if (!ok) {
      const want = s === 0 ? `[N,T] of token ids` : `[N,T,${H}]`;
      throw new ShapeError(`${where}: activation of stage ${s} has the wrong shape: got ${formatShape(x.shape)}, expected ${want} with N >= 1 and 1 <= T <= ${Tmax}`);
    }
    return [x.shape[0], x.shape[1]];
  }

  private checkMask(where: string, mask: Float32Array | undefined, N: number, T: number): Float32Array | null {
    if (mask === undefined) return null;
    if (mask.length !== N * T) throw new ShapeError(`${where}: mask does not match the activation: got ${mask.length} values, expected ${N * T} ([N,T] = ${formatShape([N, T])})`);
    for (let i = 0; i < mask.length; i++) {
      const v = mask[i];
      if (v !== 0 && v !== 1) throw new ValueError(`${where}: mask value at [${Math.floor(i / T)},${i % T}] is invalid: got ${v}, expected 1 (token) or 0 (padding)`);
    }
    return mask;
  }
}

/**
 * Builds the network from a parsed config.json and its named tensors (a SafetensorsFile, a Map or a record),
 * HF BERT names (LayerNorm.gamma/beta and a missing `bert.` prefix accepted, see bert-names.ts). Every tensor
 * is used exactly once: missing, extra or misshaped ones throw a ConfigError naming the tensor and both shapes.
 * `id`: the model id of a plain Hugging Face config.json, which has none (the Node loader passes the folder name).
 */
export function buildBert(config: unknown, tensors: NamedTensors, kernels: Kernels = fastKernels, source = 'model.safetensors', id?: string): BertModel {
  const cfg = parseBertConfig(config, id);
  const ws = new WeightStore(canonicalBertTensors(tensors), source, 'config.json');
  const embeddings = new BertEmbeddings(ws, cfg, kernels);
  const layers: BertLayer[] = [];
  for (let i = 0; i < cfg.numLayers; i++) layers.push(new BertLayer(ws, cfg, kernels, `bert.encoder.layer.${i}`));
  const heads = buildExitHeads(ws, cfg, kernels);
  ws.finish();
  return new BertModel(cfg, embeddings, layers, heads, kernels);
}

/** The exit heads of the config, in order; exits naming the same pooler share one Linear (taken once). */
function buildExitHeads(ws: WeightStore, cfg: BertConfig, kernels: Kernels): BertExitHead[] {
  const H = cfg.hiddenSize;
  const poolers = new Map<string, Linear>();
  return cfg.exits.map((e) => {
    const name = canonicalBertName(e.pooler);
    let pooler = poolers.get(name);
    if (pooler === undefined) poolers.set(name, (pooler = Linear.fromWeights(ws, name, H, H, kernels)));
    return new BertExitHead(pooler, Linear.fromWeights(ws, canonicalBertName(e.classifier), H, cfg.numClasses, kernels), kernels);
  });
}
