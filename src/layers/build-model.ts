/**
 * buildModel: in-memory parts (the parsed config.json, the model.safetensors bytes, a text model's
 * tokenizer JSON) -> a network in any runtime: no file, no Node API. The Node side
 * (src/node/models/load.ts) only reads a folder's files and calls it.
 *
 * The content hash is the sha256 (hex) of the weights bytes (@noble/hashes: audited, no dependency,
 * no Node API): the cloud checks it against the device's, so both sides run the same weights. A
 * runtime with a native hash passes it as options.sha256 (the Node loader: node:crypto, ~10x faster).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { FormatError } from '../tensor/errors.js';
import { fastKernels, type Kernels } from '../tensor/kernels/index.js';
import { parseSafetensors, type SafetensorsFile } from '../tensor/io/safetensors.js';
import type { MultiExitNetwork } from './network.js';
import { TextInput } from './text-input.js';
import { familyOf, type ModelFamily } from './family.js';
import { DEFAULT_FAMILIES } from './families/index.js';

/** sha256 hex of bytes (@noble/hashes). */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

export interface ModelParts {
  /** config.json, parsed. */
  config: unknown;
  /** model.safetensors, as bytes. */
  weights: Uint8Array;
  /** The model id when config.json has none (a plain Hugging Face config): e.g. the folder name. */
  name?: string;
  /** A text model's tokenizer.json (and tokenizer_config.json), parsed. */
  tokenizer?: { json: object; config?: object };
}

export interface BuildOptions {
  /** Kernel table of the built layers (default fastKernels). */
  kernels?: Kernels;
  /** The families to choose from (default DEFAULT_FAMILIES). */
  families?: readonly ModelFamily[];
  /** Names in error messages: the caller, the config and the weights (e.g. their paths). */
  where?: string;
  configName?: string;
  weightsName?: string;
  /** sha256 (lowercase hex) of bytes, e.g. a runtime's native one (default sha256Hex). */
  sha256?: (bytes: Uint8Array) => string;
}

export interface BuiltModel<N extends MultiExitNetwork = MultiExitNetwork> {
  /** config.id (the network's id). */
  readonly id: string;
  /** sha256 hex of the weights bytes. */
  readonly hash: string;
  readonly architecture: string;
  readonly family: ModelFamily<N>;
  /** The config as given. */
  readonly config: Record<string, unknown>;
  readonly network: N;
  /** The kernel table the network's layers run on. */
  readonly kernels: Kernels;
  /** A text model built with a tokenizer: its input encoder (maxLength = the model's T_max). */
  readonly textInput: TextInput | undefined;
}

/** Builds a model from in-memory parts with one of `options.families` (default DEFAULT_FAMILIES). */
export function buildModel(parts: ModelParts, options: BuildOptions = {}): BuiltModel {
  const families = options.families ?? DEFAULT_FAMILIES;
  const where = options.where ?? 'buildModel';
  const configName = options.configName ?? 'config.json';
  const weightsName = options.weightsName ?? 'model.safetensors';
  const config = parts.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FormatError(`${where}: ${configName} is not a JSON object: got ${Array.isArray(config) ? 'an array' : config === null ? 'null' : typeof config}, expected an object`);
  }
  const cfg = config as Record<string, unknown>;
  const family = familyOf(cfg, families, `${where}: ${configName}`);
  let tensors: SafetensorsFile;
  try {
    tensors = parseSafetensors(parts.weights);
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${where}: ${weightsName}: ${e.message}`, { cause: e });
    throw e;
  }
  const kernels = options.kernels ?? fastKernels;
  const network = family.build(cfg, tensors, kernels, weightsName, parts.name);
  const textInput = parts.tokenizer === undefined ? undefined : TextInput.fromJson(parts.tokenizer.json, parts.tokenizer.config ?? {}, textMaxLength(network));
  return { id: network.id, hash: (options.sha256 ?? sha256Hex)(parts.weights), architecture: family.architecture, family, config: cfg, network, kernels, textInput };
}

/** T_max of a text network (its activationShape(0) along the sequence axis); undefined for others. */
function textMaxLength(net: MultiExitNetwork): number | undefined {
  return net.sequenceAxis === undefined ? undefined : net.activationShape(0)[net.sequenceAxis];
}
