/**
 * safetensors read and write: the weight file format and the cloud WIRE format (request bodies are
 * untrusted), so the reader checks everything and every failure is its own SafetensorsError (a
 * FormatError) with a stable `reason`.
 *
 * Layout (huggingface/safetensors): u64 little-endian header length n; n bytes of UTF-8 JSON
 *   {"__metadata__"?: {string: string}, name: {"dtype", "shape": [..], "data_offsets": [begin, end]}}
 * then the data buffer; offsets are relative to the buffer, tensors tile it exactly (no holes, no
 * overlaps, no trailing bytes). All numbers are little-endian.
 * Reading is zero-copy when a tensor's data is aligned for its element type inside `bytes`;
 * misaligned data (or `{copy: true}`) is copied, so a typed view is never built on a bad offset.
 */
import { FormatError, ArgumentError, ShapeError, ValueError, formatShape, describeValue, shapeText } from '../errors.js';
import { parseJson, JsonError, MAX_JSON_DEPTH } from './json.js';
import { f16ToF32, bf16ToF32 } from './f16.js';
import { isLittleEndian, toLittleEndian } from './endian.js';
import { sizeOf } from '../tensor.js';

export type Dtype = 'F32' | 'F16' | 'BF16' | 'I8' | 'U8' | 'I32' | 'I64';
export type TypedData = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = Object.freeze({ F32: 4, F16: 2, BF16: 2, I8: 1, U8: 1, I32: 4, I64: 8 });

export type SafetensorsFailure =
  | 'too-short'
  | 'header-too-large'
  | 'header-length-past-end'
  | 'header-not-utf8'
  | 'header-not-json'
  | 'header-too-deep'
  | 'header-not-object'
  | 'duplicate-name'
  | 'bad-metadata'
  | 'entry-not-object'
  | 'entry-missing-field'
  | 'entry-unknown-field'
  | 'unknown-dtype'
  | 'bad-shape'
  | 'bad-offsets'
  | 'byte-length-mismatch'
  | 'offsets-out-of-range'
  | 'overlap'
  | 'hole'
  | 'trailing-bytes';

export class SafetensorsError extends FormatError {
  readonly reason: SafetensorsFailure;
  constructor(reason: SafetensorsFailure, message: string, options?: { cause?: unknown }) {
    super(`safetensors: ${message} [${reason}]`, options);
    this.reason = reason;
  }
}

export interface SafetensorsEntry {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: TypedData;
  /** Offset of the tensor's first byte in the file (8 + header length + data_offsets[0]). */
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface SafetensorsFile {
  /** In file order of the data (ascending offsets). */
  readonly tensors: Map<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

export interface ParseOptions {
  /** Upper bound on the header length in bytes (default 100 MB, the reference implementation's). */
  maxHeaderBytes?: number;
  /** Copy every tensor out of `bytes` (default false: zero-copy views where aligned). */
  copy?: boolean;
}

export const MAX_HEADER_BYTES = 100_000_000;

function fail(reason: SafetensorsFailure, message: string, cause?: unknown): never {
  throw new SafetensorsError(reason, message, cause === undefined ? undefined : { cause });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function viewOrCopy(dtype: Dtype, bytes: Uint8Array, start: number, byteLength: number, copy: boolean): TypedData {
  const size = DTYPE_BYTES[dtype];
  const count = byteLength / size;
  const abs = bytes.byteOffset + start;
  let buf = bytes.buffer;
  let off = abs;
  if (copy || abs % size !== 0) {
    const c = bytes.slice(start, start + byteLength);
    buf = c.buffer;
    off = 0;
  }
  if (!isLittleEndian() && size > 1) {
    const le = new Uint8Array(buf, off, byteLength).slice();
    for (let i = 0; i < byteLength; i += size) le.subarray(i, i + size).reverse();
    buf = le.buffer;
    off = 0;
  }
  switch (dtype) {
    case 'F32': return new Float32Array(buf, off, count);
    case 'F16':
    case 'BF16': return new Uint16Array(buf, off, count);
    case 'I8': return new Int8Array(buf, off, count);
    case 'U8': return new Uint8Array(buf, off, count);
    case 'I32': return new Int32Array(buf, off, count);
    case 'I64': return new BigInt64Array(buf, off, count);
  }
}

/**
 * Bytes of a tensor of `shape`, refusing (bad-shape) any partial product that leaves the safe
 * integers or passes max(buffer, 2^32) bytes, even if a later 0 axis would empty it
 * ([2^53-1, 2^53-1, 0] is refused: a reader multiplying in another order or width sees another size).
 */
function byteSize(where: string, shape: readonly number[], elemBytes: number, dataLen: number): number {
  const cap = Math.max(dataLen, 2 ** 32);
  let bytes = elemBytes;
  for (const d of shape) {
    bytes *= d;
    if (!Number.isSafeInteger(bytes) || bytes > cap) {
      fail('bad-shape', `${where} shape too large: got ${shapeText(shape)}, expected every partial byte product within ${cap}`);
    }
  }
  return bytes;
}

/** Parses and validates a whole safetensors blob; throws SafetensorsError on any defect. */
export function parseSafetensors(bytes: Uint8Array, opts: ParseOptions = {}): SafetensorsFile {
  const maxHeader = opts.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (bytes.length < 8) fail('too-short', `file shorter than its 8-byte header length: got ${bytes.length} bytes, expected at least 8`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const n = dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
  if (n > maxHeader) fail('header-too-large', `header length above the limit: got ${n} bytes, expected at most ${maxHeader}`);
  if (8 + n > bytes.length) fail('header-length-past-end', `header length past the end of the file: got ${n} bytes of header in a ${bytes.length}-byte file, expected at most ${bytes.length - 8}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch (e) {
    fail('header-not-utf8', `header is not valid UTF-8: got ${n} bytes, expected UTF-8 JSON`, e);
  }
  let header: unknown;
  try {
    header = parseJson(text, { maxDepth: MAX_JSON_DEPTH, uniqueKeys: true });
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    const reason = e.reason === 'too-deep' ? 'header-too-deep' : e.reason === 'duplicate-key' ? 'duplicate-name' : 'header-not-json';
    fail(reason, `header: ${e.message}`, e);
  }
  if (!isPlainObject(header)) fail('header-not-object', `header is not a JSON object: got ${describeValue(header)}, expected an object`);

  const metadata: Record<string, string> = {};
  const meta = header.__metadata__;
  if (meta !== undefined) {
    if (!isPlainObject(meta)) fail('bad-metadata', `__metadata__ is not an object: got ${describeValue(meta)}, expected {string: string}`);
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== 'string') fail('bad-metadata', `__metadata__ value is not a string: got ${describeValue(k)}: ${describeValue(v)}, expected a string value`);
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const infos: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const where = `tensor ${describeValue(name)}`;
    if (!isPlainObject(entry)) fail('entry-not-object', `${where} is not an object: got ${describeValue(entry)}, expected {dtype, shape, data_offsets}`);
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      if (!Object.hasOwn(entry, field)) fail('entry-missing-field', `${where} has no ${field}: got ${describeValue(entry)}, expected dtype, shape, data_offsets`);
    }
    for (const field of Object.keys(entry)) {
      if (field !== 'dtype' && field !== 'shape' && field !== 'data_offsets') fail('entry-unknown-field', `${where} has an unknown field: got ${describeValue(field)}, expected only dtype, shape, data_offsets`);
    }
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) fail('unknown-dtype', `${where} has an unknown dtype: got ${describeValue(dtype)}, expected one of ${Object.keys(DTYPE_BYTES).join('|')}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every(isIndex)) fail('bad-shape', `${where} has an invalid shape: got ${describeValue(shape)}, expected an array of non-negative integers`);
    const offs = entry.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !isIndex(offs[0]) || !isIndex(offs[1]) || offs[0] > offs[1]) {
      fail('bad-offsets', `${where} has invalid data_offsets: got ${Array.isArray(offs) && offs.length <= 4 ? `[${offs.map(describeValue).join(',')}]` : describeValue(offs)}, expected [begin, end] integers with 0 <= begin <= end`);
    }
    const [begin, end] = offs as [number, number];
    const expected = byteSize(where, shape as number[], DTYPE_BYTES[dtype as Dtype], dataLen);
    if (expected !== end - begin) {
      fail('byte-length-mismatch', `${where} byte length does not match its shape: got data_offsets [${begin},${end}] (${end - begin} bytes), expected ${expected} bytes for ${dtype} ${shapeText(shape as number[])}`);
    }
    if (end > dataLen) fail('offsets-out-of-range', `${where} data_offsets [${begin},${end}] exceed the ${dataLen}-byte buffer: got end ${end}, expected at most ${dataLen}`);
    infos.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }

  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '';
  for (const t of infos) {
    if (t.begin < cursor) fail('overlap', `tensor ${describeValue(t.name)} overlaps ${describeValue(prev)}: got begin ${t.begin}, expected at least ${cursor}`);
    if (t.begin > cursor) fail('hole', `hole in the data buffer before tensor ${describeValue(t.name)}: got begin ${t.begin}, expected ${cursor}`);
    cursor = t.end;
    prev = t.name;
  }
  if (cursor !== dataLen) fail('trailing-bytes', `bytes after the last tensor: got a ${dataLen}-byte buffer, expected ${cursor} bytes`);

  const tensors = new Map<string, SafetensorsEntry>();
  for (const t of infos) {
    const byteLength = t.end - t.begin;
    const data = viewOrCopy(t.dtype, bytes, dataStart + t.begin, byteLength, opts.copy ?? false);
    tensors.set(t.name, Object.freeze({ dtype: t.dtype, shape: Object.freeze(t.shape), data, byteOffset: dataStart + t.begin, byteLength }));
  }
  return { tensors, metadata };
}

export interface TensorToWrite {
  dtype: Dtype;
  shape: readonly number[];
  data: TypedData;
}

const CTOR: Readonly<Record<Dtype, abstract new (...args: never[]) => TypedData>> = { F32: Float32Array, F16: Uint16Array, BF16: Uint16Array, I8: Int8Array, U8: Uint8Array, I32: Int32Array, I64: BigInt64Array };

/** A tensor's place in a file being laid out: its dtype and shape, no data yet. */
export interface TensorSpec {
  dtype: Dtype;
  shape: readonly number[];
}

/** A laid-out safetensors file: the header written, every tensor's data zeroed at its byte offset. */
export interface SafetensorsLayout {
  bytes: Uint8Array;
  /** Where each tensor's data starts in `bytes` (8-byte aligned for the first tensor in name order). */
  offsets: Map<string, number>;
}

/**
 * The bytes of a safetensors file of `specs` (sorted by name, contiguous) with an 8-byte-aligned,
 * space-padded header, data left zero: writeSafetensors's layout, for a writer that fills the data in
 * place (the header does not depend on the values: src/splitee/wire-encode.ts writes one per split).
 */
export function layoutSafetensors(specs: ReadonlyMap<string, TensorSpec>, metadata?: Readonly<Record<string, string>>): SafetensorsLayout {
  const names = [...specs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // A null-prototype object, so a tensor named "__proto__" is an ordinary key.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ArgumentError(`writeSafetensors: metadata value is not a string: got ${describeValue(k)}: ${typeof v}, expected a string`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  const relative = new Map<string, number>();
  for (const name of names) {
    const t = specs.get(name)!;
    if (name === '__metadata__') throw new ArgumentError('writeSafetensors: reserved tensor name: got "__metadata__", expected any other name');
    if (!Object.hasOwn(DTYPE_BYTES, t.dtype)) throw new ArgumentError(`writeSafetensors: tensor ${describeValue(name)} has an unknown dtype: got ${String(t.dtype)}, expected one of ${Object.keys(DTYPE_BYTES).join('|')}`);
    let count = 1;
    for (const d of t.shape) {
      if (!isIndex(d)) throw new ShapeError(`writeSafetensors: tensor ${describeValue(name)} has an invalid shape: got ${formatShape(t.shape)}, expected non-negative integers`);
      count *= d;
    }
    const size = count * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + size] };
    relative.set(name, offset);
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + n + offset);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, n % 2 ** 32, true);
  dv.setUint32(4, Math.floor(n / 2 ** 32), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + n);
  const offsets = new Map<string, number>();
  for (const [name, at] of relative) offsets.set(name, 8 + n + at);
  return { bytes, offsets };
}

/** Serializes tensors (sorted by name, contiguous) with an 8-byte-aligned, space-padded header. */
export function writeSafetensors(tensors: ReadonlyMap<string, TensorToWrite> | Readonly<Record<string, TensorToWrite>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const entries: [string, TensorToWrite][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, TensorToWrite>);
  for (const [name, t] of entries) {
    if (!Object.hasOwn(DTYPE_BYTES, t.dtype)) continue; // layoutSafetensors names it
    if (!(t.data instanceof CTOR[t.dtype])) {
      throw new ArgumentError(`writeSafetensors: tensor ${describeValue(name)} data does not fit dtype ${t.dtype}: got ${Object.prototype.toString.call(t.data)}, expected ${CTOR[t.dtype].name}`);
    }
  }
  const { bytes, offsets } = layoutSafetensors(new Map(entries.map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape }])), metadata);
  const le = isLittleEndian();
  for (const [name, t] of entries) {
    const size = DTYPE_BYTES[t.dtype];
    const count = sizeOf(t.shape);
    if (t.data.length !== count) throw new ShapeError(`writeSafetensors: tensor ${describeValue(name)} data length does not match its shape: got ${t.data.length} elements, expected ${count} for ${formatShape(t.shape)}`);
    const p = offsets.get(name)!;
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * size);
    bytes.set(raw, p);
    if (!le && size > 1) toLittleEndian(bytes, p, raw.length, size);
  }
  return bytes;
}

/** A Float32Array of the entry's values: F32 as is (no copy), others converted (I64 must be safe integers). */
export function tensorAsFloat32(entry: Pick<SafetensorsEntry, 'dtype' | 'data'>): Float32Array {
  const d = entry.data;
  switch (entry.dtype) {
    case 'F32':
      return d as Float32Array;
    case 'F16': {
      const out = new Float32Array(d.length);
      f16ToF32(out, d as Uint16Array);
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(d.length);
      bf16ToF32(out, d as Uint16Array);
      return out;
    }
    case 'I64': {
      const src = d as BigInt64Array;
      const hi = BigInt(Number.MAX_SAFE_INTEGER);
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i];
        if (v > hi || v < -hi) {
          throw new ValueError(`tensorAsFloat32: I64 value out of the exact range at index ${i}: got ${v}, expected |v| <= 2^53-1`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    default:
      return Float32Array.from(d as Int8Array | Uint8Array | Int32Array);
  }
}
