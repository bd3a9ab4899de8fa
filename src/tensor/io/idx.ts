/**
 * IDX: the array format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
 *
 * Layout: 2 zero bytes, a dtype byte, a byte ndims, then ndims big-endian u32 dimensions, then the
 * elements row-major, big-endian. dtype codes: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64.
 *
 * Pure: bytes in, typed array out (always a fresh copy, never a view on `bytes`). Decompression
 * (gzip) and file access are the Node layer's job (src/node/datasets/idx-file.ts).
 */
import { FormatError, ArgumentError, formatShape } from '../errors.js';

export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  dims: number[];
  data: IdxData;
}

/** dtype code -> [name, bytes per element]. */
const DTYPES: ReadonlyMap<number, readonly [IdxDtype, number]> = new Map([
  [0x08, ['u8', 1]],
  [0x09, ['i8', 1]],
  [0x0b, ['i16', 2]],
  [0x0c, ['i32', 4]],
  [0x0d, ['f32', 4]],
  [0x0e, ['f64', 8]],
] as const);

/** The largest ndims accepted. The format allows 255; no real IDX file has more than a handful. */
export const IDX_MAX_NDIMS = 16;

function hex(n: number, width = 2): string {
  return `0x${n.toString(16).toUpperCase().padStart(width, '0')}`;
}

/**
 * Parses an IDX file already in memory. `where` prefixes every error message (the Node reader
 * passes the file's path). Every malformation throws a FormatError of its own message:
 * too short, wrong magic, unknown dtype, zero or absurd ndims, truncated data, trailing bytes.
 */
export function parseIdx(bytes: Uint8Array, where = 'parseIdx'): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`${where}: input is not bytes: got ${Object.prototype.toString.call(bytes)}, expected a Uint8Array`);
  }
  if (bytes.length < 4) {
    throw new FormatError(`${where}: file too short for the IDX magic number: got ${bytes.length} bytes, expected at least 4`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    throw new FormatError(
      `${where}: wrong IDX magic number: got ${hex(magic, 8)}, expected 0x0000TTNN (two zero bytes, dtype TT, ndims NN)` +
        (bytes[0] === 0x1f && bytes[1] === 0x8b ? '; hint: this is gzip data, decompress it first (readIdxFile does)' : ''),
    );
  }
  const code = bytes[2];
  const dt = DTYPES.get(code);
  if (dt === undefined) {
    throw new FormatError(`${where}: unknown IDX dtype code: got ${hex(code)}, expected one of 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64`);
  }
  const [dtype, elemBytes] = dt;
  const ndims = bytes[3];
  if (ndims === 0) {
    throw new FormatError(`${where}: IDX file has zero dimensions: got ndims 0, expected 1..${IDX_MAX_NDIMS}`);
  }
  if (ndims > IDX_MAX_NDIMS) {
    throw new FormatError(`${where}: IDX file has an absurd number of dimensions: got ndims ${ndims}, expected 1..${IDX_MAX_NDIMS}`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new FormatError(`${where}: file too short for the IDX header of ${ndims} dimensions: got ${bytes.length} bytes, expected at least ${headerBytes}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d; // exact while below 2^53; anything that large fails the length check below anyway
  }
  const expectedBytes = headerBytes + count * elemBytes;
  if (bytes.length < expectedBytes) {
    throw new FormatError(
      `${where}: IDX data truncated: got ${bytes.length - headerBytes} data bytes, expected ${count * elemBytes} (${dtype} ${formatShape(dims)}, ${elemBytes} bytes per element)`,
    );
  }
  if (bytes.length > expectedBytes) {
    throw new FormatError(
      `${where}: IDX file has trailing bytes after the data: got ${bytes.length} bytes, expected ${expectedBytes} (${dtype} ${formatShape(dims)}, header ${headerBytes})`,
    );
  }
  const off = headerBytes;
  let data: IdxData;
  switch (dtype) {
    case 'u8':
      data = bytes.slice(off, off + count);
      break;
    case 'i8':
      data = new Int8Array(bytes.slice(off, off + count).buffer);
      break;
    case 'i16': {
      const a = new Int16Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt16(off + 2 * i, false);
      data = a;
      break;
    }
    case 'i32': {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(off + 4 * i, false);
      data = a;
      break;
    }
    case 'f32': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(off + 4 * i, false);
      data = a;
      break;
    }
    case 'f64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(off + 8 * i, false);
      data = a;
      break;
    }
  }
  return { dtype, dims, data };
}

/**
 * The total byte length an IDX file states in its header (header + elements), or null when
 * `prefix` is too short or not an IDX header (parseIdx then says why). Lets a reader cap gzip
 * inflation at the stated size before inflating the rest.
 */
export function idxStatedBytes(prefix: Uint8Array): number | null {
  if (prefix.length < 4 || prefix[0] !== 0 || prefix[1] !== 0) return null;
  const dt = DTYPES.get(prefix[2]);
  const ndims = prefix[3];
  if (dt === undefined || ndims === 0 || ndims > IDX_MAX_NDIMS || prefix.length < 4 + 4 * ndims) return null;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let bytes = dt[1];
  for (let i = 0; i < ndims; i++) bytes *= view.getUint32(4 + 4 * i, false);
  return 4 + 4 * ndims + bytes;
}

const CODES: Record<IdxDtype, number> = { u8: 0x08, i8: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e };

function dtypeOf(data: IdxData): IdxDtype {
  if (data instanceof Uint8Array) return 'u8';
  if (data instanceof Int8Array) return 'i8';
  if (data instanceof Int16Array) return 'i16';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Float32Array) return 'f32';
  return 'f64';
}

/** Serializes an array to IDX bytes (uncompressed); the inverse of parseIdx. */
export function encodeIdx(dims: readonly number[], data: IdxData): Uint8Array {
  if (dims.length === 0 || dims.length > IDX_MAX_NDIMS) {
    throw new ArgumentError(`encodeIdx: invalid number of dimensions: got ${dims.length}, expected 1..${IDX_MAX_NDIMS}`);
  }
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new ArgumentError(`encodeIdx: invalid dimension: got ${formatShape(dims)}, expected integers in [0, 2^32)`);
    }
    count *= d;
  }
  if (count !== data.length) {
    throw new ArgumentError(`encodeIdx: data length does not match dims: got ${data.length} elements, expected ${count} for ${formatShape(dims)}`);
  }
  const dtype = dtypeOf(data);
  const elemBytes = DTYPES.get(CODES[dtype])![1];
  const head = 4 + 4 * dims.length;
  const out = new Uint8Array(head + count * elemBytes);
  const view = new DataView(out.buffer);
  out[2] = CODES[dtype];
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const o = head + i * elemBytes;
    switch (dtype) {
      case 'u8':
        out[o] = data[i];
        break;
      case 'i8':
        view.setInt8(o, data[i]);
        break;
      case 'i16':
        view.setInt16(o, data[i], false);
        break;
      case 'i32':
        view.setInt32(o, data[i], false);
        break;
      case 'f32':
        view.setFloat32(o, data[i], false);
        break;
      case 'f64':
        view.setFloat64(o, data[i], false);
        break;
    }
  }
  return out;
}
