/**
 * JSON.parse for untrusted text, with the checks it lacks: a nesting-depth bound (a cheap byte
 * loop before parsing, so 5,000 nested '[' is a FormatError, not a RangeError from the parser or
 * from a later JSON.stringify), and optionally duplicate keys refused at every level (JSON.parse
 * keeps the last one silently, so two readers of one blob could disagree).
 */
import { FormatError, describeValue } from '../errors.js';

export type JsonFailure = 'too-deep' | 'not-json' | 'duplicate-key';

/** A refused JSON text; the message is bounded and has no `<where>:` prefix (callers add theirs). */
export class JsonError extends FormatError {
  readonly reason: JsonFailure;
  constructor(reason: JsonFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export interface JsonParseOptions {
  /** Deepest nesting of objects and arrays allowed (the outermost container is depth 1). */
  maxDepth: number;
  /** Refuse an object with the same key twice, at any depth (default false). */
  uniqueKeys?: boolean;
}

/** Default depth bound for headers, log lines and configs: real ones nest 2-5 deep. */
export const MAX_JSON_DEPTH = 64;

function keyOf(text: string, start: number, end: number): string | null {
  const raw = text.slice(start + 1, end);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return null; // an invalid escape: JSON.parse reports it afterwards
  }
}

/**
 * Scans `text` without parsing it: the first duplicate key (if `uniqueKeys`), or throws JsonError
 * 'too-deep' as soon as the nesting passes `maxDepth`. Tolerates invalid JSON (JSON.parse judges it).
 */
function scan(text: string, maxDepth: number, uniqueKeys: boolean): string | null {
  const frames: (Set<string> | null)[] = [];
  let expectKey = false;
  let duplicate: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      const keys = frames.length > 0 ? frames[frames.length - 1] : null;
      if (expectKey && keys !== null && duplicate === null) {
        const k = keyOf(text, start, i);
        if (k !== null && keys.has(k)) duplicate = k;
        else if (k !== null) keys.add(k);
      }
      expectKey = false;
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (frames.length >= maxDepth) throw new JsonError('too-deep', `JSON nested too deeply: got more than ${maxDepth} levels at character ${i}, expected at most ${maxDepth}`);
      frames.push(ch === 0x7b && uniqueKeys ? new Set<string>() : null);
      expectKey = ch === 0x7b;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      frames.pop();
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      expectKey = frames.length > 0 && frames[frames.length - 1] !== null;
    }
  }
  return duplicate;
}

/** Parses untrusted JSON text; throws JsonError (a FormatError) with a bounded message. */
export function parseJson(text: string, opts: JsonParseOptions): unknown {
  const duplicate = scan(text, opts.maxDepth, opts.uniqueKeys ?? false);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    // SyntaxError, or a RangeError from a stack overflow the depth scan should have prevented.
    throw new JsonError('not-json', `not JSON: got ${describeValue(text)}, expected JSON text (${describeValue(String((e as Error).message))})`, { cause: e });
  }
  if (duplicate !== null) throw new JsonError('duplicate-key', `duplicate key: got ${describeValue(duplicate)} twice in one object, expected unique keys`);
  return v;
}
