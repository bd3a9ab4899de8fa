/**
 * Text data sets named on the command line (`--data SPEC`) for a text model:
 *
 *   spam-assassin:target | spam-assassin:source-heldout | spam-assassin:source-train | spam-assassin:source
 *       the SpamAssassin streams of ./spam-assassin.ts (labels 0 = ham, 1 = spam)
 *   FILE.jsonl
 *       one JSON object per line, {"text": string, "label"?: integer class index | class name | null};
 *       blank lines are skipped; a missing or null label is -1 (unknown).
 *
 * Every error names the spec (and the line for JSONL files).
 */
import { readFileSync } from 'node:fs';
import { ArgumentError, FormatError, describeValue } from '../../tensor/errors.js';
import { parseJson, JsonError, MAX_JSON_DEPTH } from '../../tensor/io/json.js';
import { IoError } from './idx-file.js';
import { SPAM_SPLITS, loadSpamAssassin, type SpamSplit } from './spam-assassin.js';

export interface TextData {
  /** e.g. 'spam-assassin:target' or the file path. */
  readonly description: string;
  readonly texts: readonly string[];
  /** [count], -1 where unknown. */
  readonly labels: Int32Array;
  /** Per-sample ids where the source has them (SpamAssassin `<group>/<nnnnn>`, else `line N`). */
  readonly ids: readonly string[];
}

export const TEXT_SOURCES = SPAM_SPLITS.map((s) => `spam-assassin:${s}`);

function parseLabel(v: unknown, classes: readonly string[] | null, numClasses: number, where: string): number {
  if (v === undefined || v === null) return -1;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < numClasses) return v;
  if (typeof v === 'string' && classes !== null && classes.includes(v)) return classes.indexOf(v);
  const names = classes === null ? '' : ` or one of ${classes.slice(0, 16).map(describeValue).join(', ')}`;
  throw new FormatError(`${where}: invalid label: got ${describeValue(v)}, expected an integer in [0,${numClasses})${names}`);
}

/** Reads a JSONL file of {"text", "label"?} lines. */
export function readTextJsonl(path: string, classes: readonly string[] | null, numClasses: number): TextData {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IoError(`readTextJsonl(${path}): cannot read the file: got ${(e as { code?: string }).code ?? 'an error'}, expected a readable JSONL file`, { cause: e });
  }
  return parseTextJsonl(raw, path, classes, numClasses);
}

/** Parses the text of a JSONL file of {"text", "label"?} lines (`path` names it in errors). */
export function parseTextJsonl(raw: string, path: string, classes: readonly string[] | null, numClasses: number): TextData {
  const texts: string[] = [];
  const labels: number[] = [];
  const ids: string[] = [];
  raw.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `readTextJsonl(${path}) line ${i + 1}`;
    let v: unknown;
    try {
      v = parseJson(line, { maxDepth: MAX_JSON_DEPTH });
    } catch (e) {
      if (!(e instanceof JsonError)) throw e;
      throw new FormatError(`${where}: ${e.message}; expected {"text": ..., "label": ...}`, { cause: e });
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { text?: unknown }).text !== 'string') {
      throw new FormatError(`${where}: no text: got ${describeValue(v)}, expected an object with a string "text"`);
    }
    const o = v as { text: string; label?: unknown; id?: unknown };
    texts.push(o.text);
    labels.push(parseLabel(o.label, classes, numClasses, where));
    ids.push(typeof o.id === 'string' ? o.id : `line ${i + 1}`);
  });
  if (texts.length === 0) throw new FormatError(`readTextJsonl(${path}): no samples: got an empty file, expected one JSON object per line`);
  return { description: path, texts, labels: Int32Array.from(labels), ids };
}

/** Resolves --data for a text model; classes/numClasses check the labels of JSONL files. */
export function loadTextData(spec: string, classes: readonly string[] | null, numClasses: number): TextData {
  if (spec.startsWith('spam-assassin:')) {
    const split = spec.slice('spam-assassin:'.length);
    if (!(SPAM_SPLITS as readonly string[]).includes(split)) {
      throw new ArgumentError(`--data: unknown text data set: got '${spec}', expected one of ${TEXT_SOURCES.join(', ')} or a .jsonl file`);
    }
    if (numClasses !== 2) throw new ArgumentError(`--data ${spec}: SpamAssassin has 2 classes (ham, spam): got a model with ${numClasses}, expected 2`);
    const samples = loadSpamAssassin(split as SpamSplit);
    return { description: spec, texts: samples.map((s) => s.text), labels: Int32Array.from(samples, (s) => s.label), ids: samples.map((s) => s.id) };
  }
  return readTextJsonl(spec, classes, numClasses);
}
