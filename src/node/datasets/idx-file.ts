/**
 * Reading IDX files from disk, gzip-compressed or raw (detected by the gzip magic 1f 8b, not by the
 * file name). Every error names the path.
 */
import { readFileSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { SpliteeError, FormatError } from '../../tensor/errors.js';
import { IDX_MAX_NDIMS, idxStatedBytes, parseIdx, type IdxArray } from '../../tensor/io/idx.js';

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

/**
 * The largest inflated IDX file accepted (1 GiB: Fashion-MNIST's training images are 47 MB, in f32
 * 188 MB). A gzip bomb stops here instead of filling memory.
 */
export const MAX_IDX_BYTES = 2 ** 30;

function gunzipCapped(raw: Uint8Array, maxBytes: number, where: string, partial = false): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes, ...(partial ? { finishFlush: constants.Z_SYNC_FLUSH } : {}) });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FormatError(`${where}: gzip data inflates past the limit: got more than ${maxBytes} bytes, expected at most ${maxBytes} (the size the IDX header states, or MAX_IDX_BYTES)`, { cause: e });
    }
    throw new FormatError(`${where}: corrupt gzip data: got '${String((e as Error).message).slice(0, 120)}', expected a complete gzip stream`, { cause: e });
  }
}

/**
 * Inflates gzip data (detected by its magic) with an output cap: the size the IDX header states
 * (read from a first bounded inflate of the stream's start), else `maxBytes`; a start with no valid
 * IDX header is returned alone (parseIdx refuses it). Raw bytes pass as is.
 */
export function inflateIdxBytes(raw: Uint8Array, where: string, maxBytes = MAX_IDX_BYTES): Uint8Array {
  if (!isGzip(raw)) return raw;
  // The IDX header is at most 68 bytes; 4 KiB of deflate data inflates to at most ~4.2 MB.
  const head = gunzipCapped(raw.subarray(0, 4096), Math.min(8 * 2 ** 20, maxBytes), where, true);
  const stated = idxStatedBytes(head);
  // No valid header in a complete start: parseIdx refuses the start alone, no need to inflate the rest.
  if (stated === null && (raw.length <= 4096 || head.length >= 4 + 4 * IDX_MAX_NDIMS)) return head;
  if (stated !== null && stated > maxBytes) {
    throw new FormatError(`${where}: IDX header states too large a file: got ${stated} bytes, expected at most ${maxBytes}`);
  }
  // One byte over the stated size lets parseIdx report trailing bytes rather than a cap.
  return gunzipCapped(raw, stated === null ? maxBytes : stated + 1, where);
}

/** Reads a file's bytes, gunzipping them (capped, see inflateIdxBytes) when they are gzip data. */
export function readMaybeGzip(path: string, where = 'readIdxFile', maxBytes = MAX_IDX_BYTES): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'unknown error';
    throw new IoError(`${where}(${path}): cannot read the file: got ${code}, expected a readable file`, { cause: e });
  }
  return inflateIdxBytes(raw, `${where}(${path})`, maxBytes);
}

/** Parses IDX bytes already in memory, gz or raw (the pure part of readIdxFile, for tests and fuzzing). */
export function decodeIdxBytes(raw: Uint8Array, where = 'decodeIdxBytes', maxBytes = MAX_IDX_BYTES): IdxArray {
  return parseIdx(inflateIdxBytes(raw, where, maxBytes), where);
}

/** Reads and parses an IDX file (gz or raw). Errors: IoError (E_IO) or FormatError (E_FORMAT), naming the path. */
export function readIdxFile(path: string, maxBytes = MAX_IDX_BYTES): IdxArray {
  return parseIdx(readMaybeGzip(path, 'readIdxFile', maxBytes), `readIdxFile(${path})`);
}
