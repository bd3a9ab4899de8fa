/**
 * The tokenizer files of a text model folder (tokenizer.json + tokenizer_config.json beside config.json),
 * read from disk for the core's TextInput / bertTokenizer (src/layers/text-input.ts, bert-tokenizer.ts),
 * which take them as parsed JSON. A missing file is an IoError (E_IO) naming the path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, FormatError } from '../../tensor/errors.js';
import { TextInput } from '../../layers/text-input.js';
import { IoError } from '../datasets/idx-file.js';

export interface TokenizerFiles {
  /** tokenizer.json, parsed */
  json: object;
  /** tokenizer_config.json, parsed */
  config: object;
}

function readJsonObject(path: string): object {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IoError(`TextInput: cannot read ${path}: got ${(e as { code?: string }).code ?? 'an error'}, expected the tokenizer files beside config.json`, { cause: e });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`TextInput: ${path} is not JSON: got '${(e as Error).message}', expected a JSON object`, { cause: e });
  }
  if (typeof v !== 'object' || v === null) throw new ConfigError(`TextInput: ${path} is not a JSON object: got ${typeof v}, expected an object`);
  return v;
}

/** tokenizer.json + tokenizer_config.json of a model folder, parsed. */
export function readTokenizerFiles(dir: string): TokenizerFiles {
  return { json: readJsonObject(join(dir, 'tokenizer.json')), config: readJsonObject(join(dir, 'tokenizer_config.json')) };
}

/** The TextInput of a model folder; maxLength: the model's T_max (config.json splitee.max_length). */
export function textInputFromModelDir(dir: string, maxLength?: number): TextInput {
  const f = readTokenizerFiles(dir);
  return TextInput.fromJson(f.json, f.config, maxLength);
}
