/**
 * Text data (the 'text' resolver of ../data-sources.ts, for trace, run, claims and any command that feeds a text model): resolves --data / --limit into a
 * TraceSource for a BertModel. Every text is tokenized once up front (tokenizers.js, see
 * ../../layers/text-input.ts); a batch is padded to its longest row and carries its attention mask.
 *
 *   --data spam-assassin:target (default) | spam-assassin:source-heldout | spam-assassin:source-train |
 *          spam-assassin:source | FILE.jsonl ({"text": ..., "label": ...} per line)
 */
import { ArgumentError } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertModel } from '../../layers/bert.js';
import { BERT_FAMILY } from '../../layers/families/bert.js';
import { loadTextData } from '../datasets/text-data.js';
import { textInputFromModelDir } from '../models/text-input.js';
import type { SourceRequest, TraceSource } from './source.js';

/** The text family's default data (src/layers/families/bert.ts). */
export const DEFAULT_TEXT_SOURCE = BERT_FAMILY.data.sources[0];

/** A TraceSource over texts for `net` (tokenizer files read from modelDir). */
export function resolveTextSource(net: BertModel, modelDir: string, req: SourceRequest): TraceSource {
  if (req.labels !== undefined) throw new ArgumentError(`trace: --labels is for IDX images: got --labels with a text model, expected labels inside the data (JSONL "label")`);
  if (req.distortion !== undefined) throw new ArgumentError(`trace: --distortion is for images: got '${req.distortion}' with a text model, expected none`);
  const input = textInputFromModelDir(modelDir, net.config.maxLength);
  const data = loadTextData(req.data ?? DEFAULT_TEXT_SOURCE, net.config.classes, net.numClasses);
  const count = Math.min(req.limit ?? data.texts.length, data.texts.length);
  const rows = data.texts.slice(0, count).map((t) => input.ids(t));
  let tokens = 0;
  for (const r of rows) tokens += r.length;
  let last: { t0: number; n: number; mask: Float32Array | undefined } | null = null;
  const batch = (t0: number, n: number): Tensor => {
    const b = input.encodeBatch(rows.slice(t0, t0 + n));
    last = { t0, n, mask: b.mask };
    return b.ids;
  };
  return {
    description: `${data.description} (${count} texts, mean ${(tokens / Math.max(1, count)).toFixed(1)} tokens)`,
    count,
    labels: data.labels.slice(0, count),
    batch,
    mask(t0: number, n: number): Float32Array | undefined {
      if (last === null || last.t0 !== t0 || last.n !== n) batch(t0, n);
      return last === null ? undefined : last.mask;
    },
  };
}
