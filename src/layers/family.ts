/**
 * Model families: what the engine knows about one architecture, in one record (ModelFamily): its
 * config.json validation, how to build the network from named tensors, how to prepare an input, its
 * cost profile, and the names of its data (default and held-out sources, default distortion).
 *
 * A family is found by config.architecture (or splitee.architecture in a Hugging Face config.json).
 * The default list is DEFAULT_FAMILIES (./families/index.ts), a frozen constant; a caller with its own
 * architecture passes `families` (e.g. `[...DEFAULT_FAMILIES, myFamily]`) to buildModel
 * (./build-model.ts); there is no global registry.
 */
import { ConfigError, describeValue } from '../tensor/errors.js';
import type { Kernels } from '../tensor/kernels/index.js';
import type { SafetensorsFile } from '../tensor/io/safetensors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MultiExitNetwork, NetworkProfile } from './network.js';
import type { TextInput } from './text-input.js';

/** One model input ready for stage 0: x [N, ...activationShape(0)], and a text batch's attention mask. */
export interface PreparedInput {
  x: Tensor;
  /** [N, T] 1 (token) / 0 (padding); undefined when nothing is padded (and for images). */
  mask: Float32Array | undefined;
}

/** Raw samples for `prepareInput`: pixels in [0,1] for an image family, texts + a tokenizer for a text family. */
export type FamilyInput =
  | { kind: 'image'; pixels: Float32Array; out?: Float32Array }
  | { kind: 'text'; texts: readonly (string | Int32Array)[]; tokenizer: TextInput };

/** The names of a family's data (resolved by the caller's data-source registry, e.g. src/node/data-sources.ts). */
export interface FamilyData {
  /** The data-source resolver this family's data goes through (a key of the caller's registry). */
  readonly resolver: string;
  /** The data set used when none is named (first), then the other named ones. */
  readonly sources: readonly string[];
  /** Clean held-out data of the training distribution (alpha auto); undefined: none. */
  readonly heldout: string | undefined;
  /** The stream's distortion when none is named (e.g. 'gaussian-noise:deploy'); undefined: clean. */
  readonly defaultDistortion: string | undefined;
}

/** One architecture. Methods (not function fields) so a ModelFamily<ResNetModel> is a ModelFamily. */
export interface ModelFamily<N extends MultiExitNetwork = MultiExitNetwork> {
  /** config.architecture of its models, e.g. 'resnet-multi-exit'. */
  readonly architecture: string;
  /** What a sample is: an image (pixels) or a text (tokens). */
  readonly input: 'image' | 'text';
  /** True where a row's outputs never depend on the other rows of its forward pass, to the bit, on every
   *  kernel table, so a pooled trace may cut batches finer without changing a byte (trace-rows.ts
   *  traceTasks). It rests on the tables' conformance properties (conv2d and Linear's packed gemm give a
   *  sample the same bits alone or in a batch) and on fixed-shape inputs; test/layers/families checks it
   *  on the shipped weights. Absent: batches stay as traceRows runs them (text pads each batch to its
   *  longest row, which moves the last bits of the simd table's sums). */
  readonly batchInvariant?: boolean;
  readonly data: FamilyData;
  /** Validates config.json (ConfigError naming the field); returns the family's typed config. */
  parseConfig(config: unknown): unknown;
  /** Builds the network from the config and named tensors (`source` names the weights in errors; `name`:
   *  the model id when the config has none, as a plain Hugging Face config.json). */
  build(config: Record<string, unknown>, tensors: SafetensorsFile, kernels: Kernels, source: string, name?: string): N;
  /** Claims a config that names no architecture of ours (a plain Hugging Face config.json); optional. */
  matches?(config: Record<string, unknown>): boolean;
  /** Whether `network` is one of this family's. */
  owns(network: MultiExitNetwork): network is N;
  /** Raw samples -> the stage-0 input (image normalization; text encoding with the given tokenizer). */
  prepareInput(network: N, input: FamilyInput): PreparedInput;
  /** Every exit's logits for a batch: [L] of [N, K] (valid until the next call on the network). */
  forwardAll(network: N, x: Tensor, mask?: Float32Array): Tensor[];
  /** FLOPs per stage and exit, activation sizes, raw input bytes (the cost model's input). */
  profile(network: N): NetworkProfile;
}

/** forwardAll for any MultiExitNetwork, stage by stage (a family without a batched one uses this). */
export function forwardAllStaged(net: MultiExitNetwork, x: Tensor, mask?: Float32Array): Tensor[] {
  const res: Tensor[] = [];
  let h = x;
  for (let k = 1; k <= net.numStages; k++) {
    h = net.runStages(k - 1, k, h, mask);
    res.push(net.exitLogits(k, h, mask).clone());
  }
  return res;
}

/** config.architecture, or splitee.architecture for a Hugging Face config.json with a "splitee" block
 *  (undefined otherwise: a family's `matches` may still claim the config). */
export function configArchitecture(cfg: Record<string, unknown>): unknown {
  if (cfg.architecture !== undefined) return cfg.architecture;
  const sp = cfg.splitee;
  return typeof sp === 'object' && sp !== null && !Array.isArray(sp) ? (sp as Record<string, unknown>).architecture : undefined;
}

/** The family of `config` among `families`; ConfigError listing the known architectures otherwise. */
export function familyOf(config: Record<string, unknown>, families: readonly ModelFamily[], where = 'buildModel'): ModelFamily {
  const arch = configArchitecture(config);
  const family = families.find((f) => f.architecture === arch) ?? (arch === undefined ? families.find((f) => f.matches?.(config) === true) : undefined);
  if (family === undefined) {
    throw new ConfigError(`${where}: unknown architecture: got ${describeValue(arch)}, expected one of ${families.map((f) => f.architecture).join(', ')}`);
  }
  return family;
}

/** The family of a built network among `families` (the one that owns it). */
export function familyOfNetwork(network: MultiExitNetwork, families: readonly ModelFamily[]): ModelFamily | undefined {
  return families.find((f) => f.owns(network));
}
