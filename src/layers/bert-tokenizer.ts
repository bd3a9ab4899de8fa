/**
 * BERT input encoding with tokenizers.js (`@huggingface/tokenizers`, pure JS, runs under
 * --disallow-code-generation-from-strings): the ids the spam-bert model was trained on.
 *
 * tokenizers.js 0.2 ignores tokenizer.json's `truncation` and `padding`, so they are done here exactly as
 * BERT does for one sequence: [CLS] + the first maxLength - 2 content ids + [SEP], then [PAD] (id 0) up to
 * `padTo` with attention mask 0; token type ids are all 0.
 *
 * Core: the tokenizer files come in as parsed JSON objects (a page or worker fetches them; Node reads
 * them in src/node/models/text-input.ts), so a text model runs wherever the core does.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { ArgumentError, ConfigError } from '../tensor/errors.js';

export interface BertEncoding {
  /** [padTo] (or [length] without padding) token ids */
  inputIds: Int32Array;
  /** 1 for real tokens, 0 for padding */
  attentionMask: Int32Array;
  /** number of real tokens, [CLS] and [SEP] included */
  length: number;
}

export interface BertTokenizer {
  tokenizer: Tokenizer;
  clsId: number;
  sepId: number;
  padId: number;
  maxLength: number;
}

/** Wraps a tokenizers.js Tokenizer built from tokenizer.json + tokenizer_config.json objects. */
export function bertTokenizer(tokenizerJson: object, tokenizerConfig: object, maxLength?: number): BertTokenizer {
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const id = (t: string): number => {
    const v = tokenizer.token_to_id(t);
    if (v === undefined) throw new ConfigError(`bertTokenizer: special token missing: got no ${t} in the vocabulary, expected [CLS], [SEP] and [PAD]`);
    return v;
  };
  const max = maxLength ?? (tokenizerConfig as { model_max_length?: number }).model_max_length ?? 512;
  if (!Number.isInteger(max) || max < 2) throw new ArgumentError(`bertTokenizer: maxLength: got ${max}, expected an integer >= 2`);
  return { tokenizer, clsId: id('[CLS]'), sepId: id('[SEP]'), padId: id('[PAD]'), maxLength: max };
}

/** [CLS] + content ids truncated to maxLength - 2 + [SEP], padded with [PAD] to `padTo` (default: no padding). */
export function bertEncode(tok: BertTokenizer, text: string, padTo = 0): BertEncoding {
  if (padTo !== 0 && (!Number.isInteger(padTo) || padTo < 2 || padTo > tok.maxLength)) {
    throw new ArgumentError(`bertEncode: padTo: got ${padTo}, expected 0 (no padding) or an integer in [2, ${tok.maxLength}]`);
  }
  const limit = (padTo || tok.maxLength) - 2;
  const content = tok.tokenizer.encode(text, { add_special_tokens: false }).ids;
  const n = Math.min(content.length, limit) + 2;
  const size = padTo || n;
  const inputIds = new Int32Array(size).fill(tok.padId);
  const attentionMask = new Int32Array(size);
  inputIds[0] = tok.clsId;
  for (let i = 0; i < n - 2; i++) inputIds[i + 1] = content[i]!;
  inputIds[n - 1] = tok.sepId;
  attentionMask.fill(1, 0, n);
  return { inputIds, attentionMask, length: n };
}
