/**
 * Reading IDX files from disk, gzip-compressed or raw (detected by the gzip magic 1f 8b, not by the
 * file name). Every error names the path.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SpliteeError, FormatError } from '../../tensor/errors.js';
import { parseIdx, type IdxArray } from '../../tensor/io/idx.js';

/** An I/O failure (missing file, permission): code E_IO. */
export class IoError extends SpliteeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_IO', message, options);
  }
}

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file's bytes, gunzipping them when they are gzip data. */
export function readMaybeGzip(path: string, where = 'readIdxFile'): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'unknown error';
    throw new IoError(`${where}(${path}): cannot read the file: got ${code}, expected a readable file`, { cause: e });
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new FormatError(`${where}(${path}): corrupt gzip data: got '${(e as Error).message}', expected a complete gzip stream`, { cause: e });
  }
}

/** Reads and parses an IDX file (gz or raw). Errors: IoError (E_IO) or FormatError (E_FORMAT), naming the path. */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readMaybeGzip(path), `readIdxFile(${path})`);
}
