/**
 * Text -> the stage-0 input of a text model: token ids stored as floats [N,T] and the attention mask [N,T].
 *
 * Tokenization is tokenizers.js (`@huggingface/tokenizers`) through ./bert-tokenizer.ts
 * (`bertEncode`: [CLS] + the first maxLength - 2 WordPiece ids + [SEP], the ids the model was trained on).
 * tokenizers.js is pure JS with no dependencies and runs under --disallow-code-generation-from-strings
 * (checked). The tokenizer files come in as parsed JSON (`TextInput.fromJson`); reading them from a
 * model folder is src/node/models/text-input.ts.
 *
 * One sample: no padding, no mask (T = its own length). A batch: every row padded with [PAD] to the
 * longest row, mask 1 on tokens and 0 on padding (BERT right padding); a batch whose rows all have the
 * same length gets no mask.
 */
import { ArgumentError, ConfigError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { bertEncode, bertTokenizer, type BertTokenizer } from './bert-tokenizer.js';

export interface TextBatch {
  /** [N,T] token ids as floats, T = the longest row. */
  ids: Tensor;
  /** [N,T] 1 (token) / 0 (padding); undefined when no row is padded. */
  mask: Float32Array | undefined;
  /** [N] tokens per row, [CLS] and [SEP] included. */
  lengths: Int32Array;
}

/** Rows of ids (each [len], 1 <= len) -> one right-padded batch. */
export function padBatch(rows: readonly Int32Array[], padId: number): TextBatch {
  if (rows.length === 0) throw new ArgumentError('padBatch: empty batch: got 0 rows, expected at least 1');
  let T = 0;
  for (const r of rows) T = Math.max(T, r.length);
  if (T === 0) throw new ArgumentError('padBatch: empty rows: got rows of length 0, expected at least [CLS] [SEP]');
  const N = rows.length;
  const ids = new Float32Array(N * T).fill(padId);
  const mask = new Float32Array(N * T);
  const lengths = new Int32Array(N);
  let padded = false;
  rows.forEach((r, n) => {
    for (let t = 0; t < r.length; t++) ids[n * T + t] = r[t];
    mask.fill(1, n * T, n * T + r.length);
    lengths[n] = r.length;
    if (r.length < T) padded = true;
  });
  return { ids: new Tensor(ids, [N, T]), mask: padded ? mask : undefined, lengths };
}

export class TextInput {
  /** tokenizer.maxLength is the model's T_max. */
  constructor(readonly tokenizer: BertTokenizer) {}

  /**
   * From the parsed tokenizer.json and tokenizer_config.json (default: {}). maxLength: the model's T_max
   * (config.json splitee.max_length); it wins over tokenizer_config's model_max_length.
   */
  static fromJson(tokenizerJson: object, tokenizerConfig: object = {}, maxLength?: number): TextInput {
    for (const [name, v] of [['tokenizer.json', tokenizerJson], ['tokenizer_config.json', tokenizerConfig]] as const) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new ConfigError(`TextInput: ${name} is not a JSON object: got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}, expected an object`);
      }
    }
    return new TextInput(bertTokenizer(tokenizerJson, tokenizerConfig, maxLength));
  }

  get maxLength(): number {
    return this.tokenizer.maxLength;
  }

  /** [len] ids of one text: [CLS] + content truncated to maxLength - 2 + [SEP], no padding. */
  ids(text: string): Int32Array {
    return bertEncode(this.tokenizer, text).inputIds;
  }

  /** One text -> ids [1, len] (no padding, no mask). */
  encode(text: string): Tensor {
    const ids = this.ids(text);
    return new Tensor(Float32Array.from(ids), [1, ids.length]);
  }

  /** Texts (or their ids from `ids()`) -> one batch padded to the longest row. */
  encodeBatch(texts: readonly (string | Int32Array)[]): TextBatch {
    return padBatch(texts.map((t) => (typeof t === 'string' ? this.ids(t) : t)), this.tokenizer.padId);
  }
}
