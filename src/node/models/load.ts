/**
 * Loading a model folder (weights/NAME/): reads config.json + model.safetensors (and, on request, a text
 * model's tokenizer files) and builds the model with the core's buildModel (src/layers/build-model.ts),
 * which picks the family (src/layers/families) by config.architecture (or splitee.architecture in a
 * Hugging Face config.json) and hashes the weights (sha256 hex of model.safetensors, with node:crypto:
 * the cloud checks it against the device's, so both sides run the same weights).
 *
 * Errors: a missing or unreadable file is an IoError (E_IO), bad JSON or a bad safetensors blob a
 * FormatError (E_FORMAT), and a config that disagrees with the weights a ConfigError (E_CONFIG);
 * every message names the path.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError, FormatError } from '../../tensor/errors.js';
import { parseJson, MAX_JSON_DEPTH } from '../../tensor/io/json.js';
import { createKernels, simdMemoryFor, type Kernels, type KernelsKind } from '../../tensor/kernels/index.js';
import type { MultiExitNetwork } from '../../layers/network.js';
import { familyOf, type ModelFamily } from '../../layers/family.js';
import { DEFAULT_FAMILIES } from '../../layers/families/index.js';
import { buildModel, type BuiltModel } from '../../layers/build-model.js';
import { IoError } from '../datasets/idx-file.js';
import { readTokenizerFiles } from './text-input.js';


export interface LoadOptions {
  /** Kernel table of the built layers, or its kind for createKernels (default fastKernels; 'auto' takes simd where it runs;
   *  a simd table made here gets simdMemoryFor(the weights file's bytes, rows)). */
  kernels?: Kernels | KernelsKind;
  /** The most rows one forward pass will take (e.g. --batch; default simdMemoryFor's, 32): sizes a simd table made here. */
  rows?: number;
  /** The families to choose from (default DEFAULT_FAMILIES). */
  families?: readonly ModelFamily[];
  /** A text model: also read tokenizer.json + tokenizer_config.json into `textInput` (default false). */
  tokenizer?: boolean;
}

export interface LoadedModel<N extends MultiExitNetwork = MultiExitNetwork> extends BuiltModel<N> {
  /** Absolute path of the model folder. */
  readonly dir: string;
}

function readBytes(path: string, where: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'unknown error';
    throw new IoError(`${where}: cannot read ${path}: got ${code}, expected a readable file`, { cause: e });
  }
}

/** sha256 hex of bytes with node:crypto (the core's own, @noble/hashes, is ~10x slower on a model's weights). */
export function nodeSha256(bytes: Uint8Array): string {
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
    config = parseJson(cfgText, { maxDepth: MAX_JSON_DEPTH });
  } catch (e) {
    throw new FormatError(`${where}: ${cfgPath} is ${(e as Error).message}; expected a JSON object`, { cause: e });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FormatError(`${where}: ${cfgPath} is not a JSON object: got ${Array.isArray(config) ? 'an array' : typeof config}, expected an object`);
  }
  const families = opts.families ?? DEFAULT_FAMILIES;
  familyOf(config as Record<string, unknown>, families, `${where}: ${cfgPath}`); // an unknown architecture before reading the weights
  const weights = readBytes(wPath, where);
  const tokenizer = opts.tokenizer === true ? readTokenizerFiles(abs) : undefined;
  try {
    const built = buildModel({ config, weights, tokenizer, name: basename(abs) }, { kernels: typeof opts.kernels === 'string' ? createKernels(opts.kernels, { memoryBytes: simdMemoryFor(weights.byteLength, opts.rows) }) : opts.kernels, families, where, configName: cfgPath, weightsName: wPath, sha256: nodeSha256 });
    return { ...built, dir: abs };
  } catch (e) {
    // Name the folder in config errors too (the weights path is already in tensor messages).
    if (e instanceof ConfigError && !e.message.includes(abs)) throw new ConfigError(`${where}(${abs}): ${e.message}`, { cause: e });
    throw e;
  }
}
