/**
 * Trace CSV files on disk for the commands: reading one (--trace, --alpha-trace) and a trace cache
 * with a JSON sidecar (DIR/NAME.csv + DIR/NAME.json: what it was computed from), used by the
 * held-out trace of --alpha auto (run-alpha.ts) and the streams of `splitee claims`
 * (claims-streams.ts). The sidecar is the cache key: a trace is reused only when the caller's
 * `fresh` accepts its sidecar (same model hash, data, samples...).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ArgumentError, FormatError } from '../../tensor/errors.js';
import { formatTrace, parseTrace, type Trace } from '../../splitee/trace.js';
import { IoError } from '../datasets/idx-file.js';

/** Reads and parses a trace CSV; `flag` names the option it came from (e.g. '--trace'). */
export function readTraceFile(path: string | undefined, flag: string): Trace {
  if (path === undefined) throw new ArgumentError(`${flag}: missing: got no trace file, expected ${flag} FILE.csv`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IoError(`${flag}: cannot read: got '${path}' (${(e as Error).message}), expected a readable trace CSV`, { cause: e });
  }
  return parseTrace(text, path);
}

/** The sidecar of a cached trace: NAME.csv -> NAME.json. */
export const sidecarOf = (csv: string): string => csv.replace(/\.csv$/, '.json');

export type TraceMeta = Record<string, unknown>;

/**
 * The cached trace at `csv` when it and its sidecar exist and `fresh(sidecar)` holds, else null.
 * A sidecar that is not JSON: null when `badMeta` is 'ignore' (recompute), a FormatError naming the
 * file when it is 'throw' (`where` prefixes the message).
 */
export function readCachedTrace(csv: string, fresh: (meta: TraceMeta) => boolean, where: string, badMeta: 'ignore' | 'throw'): Trace | null {
  const meta = sidecarOf(csv);
  if (!existsSync(csv) || !existsSync(meta)) return null;
  let m: TraceMeta;
  try {
    m = JSON.parse(readFileSync(meta, 'utf8')) as TraceMeta;
  } catch (e) {
    if (badMeta === 'ignore') return null;
    throw new FormatError(`${where}: the cached trace's metadata is not JSON: got ${meta}: ${(e as Error).message}, expected the file ${where} wrote; delete it (and ${csv}) to trace again`);
  }
  return m !== null && typeof m === 'object' && fresh(m) ? readTraceFile(csv, where) : null;
}

/** Writes `trace` to `csv` and `meta` to its sidecar (the folder must exist). */
export function writeCachedTrace(csv: string, trace: Trace, meta: TraceMeta): void {
  writeFileSync(csv, formatTrace(trace));
  writeFileSync(sidecarOf(csv), JSON.stringify(meta, null, 1) + '\n');
}
