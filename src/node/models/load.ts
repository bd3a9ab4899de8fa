/**
 * Loading a model folder (weights/NAME/): config.json + model.safetensors -> a MultiExitNetwork,
 * dispatched on config.architecture (or splitee.architecture in a Hugging Face config.json) through
 * MODEL_BUILDERS (one entry per architecture: 'resnet-multi-exit', 'bert-multi-exit'). The model
 * hash is the sha256 (hex) of the model.safetensors
 * bytes: the cloud checks it against the device's, so both sides run the same weights.
 *
 * Errors: a missing or unreadable file is an IoError (E_IO), bad JSON or a bad safetensors blob a
 * FormatError (E_FORMAT), and a config that disagrees with the weights a ConfigError (E_CONFIG);
 * every message names the path.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError, FormatError } from '../../tensor/errors.js';
import { fastKernels, type Kernels } from '../../tensor/kernels/index.js';
import { parseSafetensors, type SafetensorsFile } from '../../tensor/io/safetensors.js';
import type { MultiExitNetwork } from '../../layers/network.js';
import { RESNET_ARCHITECTURE } from '../../layers/config.js';
import { buildResNet } from '../../layers/resnet.js';
import { BERT_ARCHITECTURE, isBertConfig } from '../../layers/bert-config.js';
import { buildBert } from '../../layers/bert.js';
import { IoError } from '../datasets/idx-file.js';

export interface LoadOptions {
  /** Kernel table of the built layers (default fastKernels). */
  kernels?: Kernels;
}

export interface LoadedModel<N extends MultiExitNetwork = MultiExitNetwork> {
  /** config.id */
  readonly id: string;
  /** sha256 hex of model.safetensors. */
  readonly hash: string;
  /** Absolute path of the model folder. */
  readonly dir: string;
  readonly architecture: string;
  /** The parsed config.json, as written. */
  readonly config: Record<string, unknown>;
  readonly network: N;
}

/** Builds a network of one architecture from the parsed config and weights. */
export type ModelBuilder = (config: Record<string, unknown>, tensors: SafetensorsFile, kernels: Kernels, source: string, folderName: string) => MultiExitNetwork;

/** The architectures loadModel knows, by config.architecture. */
export const MODEL_BUILDERS: Readonly<Record<string, ModelBuilder>> = {
  [RESNET_ARCHITECTURE]: (config, tensors, kernels, source) => buildResNet(config, tensors, kernels, source),
  [BERT_ARCHITECTURE]: (config, tensors, kernels, source, folderName) => buildBert(config, tensors, kernels, source, folderName),
};

/** config.architecture, or splitee.architecture for a Hugging Face config.json with a "splitee" block, or
 *  'bert-multi-exit' for a plain Hugging Face BertForSequenceClassification config.json. */
export function configArchitecture(cfg: Record<string, unknown>): unknown {
  if (cfg.architecture !== undefined) return cfg.architecture;
  if (cfg.splitee === undefined && isBertConfig(cfg)) return BERT_ARCHITECTURE;
  const sp = cfg.splitee;
  return typeof sp === 'object' && sp !== null && !Array.isArray(sp) ? (sp as Record<string, unknown>).architecture : undefined;
}

function readBytes(path: string, where: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'unknown error';
    throw new IoError(`${where}: cannot read ${path}: got ${code}, expected a readable file`, { cause: e });
  }
}

/** sha256 hex of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads and builds the model in `dir` (config.json + model.safetensors). */
export function loadModel(dir: string, opts: LoadOptions = {}): LoadedModel {
  const where = 'loadModel';
  const abs = resolve(dir);
  const cfgPath = join(abs, 'config.json');
  const wPath = join(abs, 'model.safetensors');
  const cfgText = new TextDecoder().decode(readBytes(cfgPath, where));
  let config: unknown;
  try {
    config = JSON.parse(cfgText);
  } catch (e) {
    throw new FormatError(`${where}: ${cfgPath} is not JSON: got '${(e as Error).message}', expected a JSON object`, { cause: e });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FormatError(`${where}: ${cfgPath} is not a JSON object: got ${Array.isArray(config) ? 'an array' : typeof config}, expected an object`);
  }
  const cfg = config as Record<string, unknown>;
  const arch = configArchitecture(cfg);
  const build = typeof arch === 'string' && Object.hasOwn(MODEL_BUILDERS, arch) ? MODEL_BUILDERS[arch] : undefined;
  if (build === undefined) {
    throw new ConfigError(`${where}: ${cfgPath}: unknown architecture: got ${JSON.stringify(arch)}, expected one of ${Object.keys(MODEL_BUILDERS).join(', ')}`);
  }
  const bytes = readBytes(wPath, where);
  let tensors: SafetensorsFile;
  try {
    tensors = parseSafetensors(bytes);
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${where}: ${wPath}: ${e.message}`, { cause: e });
    throw e;
  }
  let network: MultiExitNetwork;
  try {
    network = build(cfg, tensors, opts.kernels ?? fastKernels, wPath, basename(abs));
  } catch (e) {
    // Name the folder in config errors too (the weights path is already in tensor messages).
    if (e instanceof ConfigError && !e.message.includes(abs)) throw new ConfigError(`${where}(${abs}): ${e.message}`);
    throw e;
  }
  return { id: network.id, hash: sha256Hex(bytes), dir: abs, architecture: arch as string, config: cfg, network };
}
