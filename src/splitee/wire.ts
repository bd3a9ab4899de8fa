/**
 * The wire format between a device and the cloud: a resume request is a safetensors blob, the answer
 * is JSON. Both sides use this file, so device, in-process cloud and HTTP server agree byte for byte.
 *
 * Request (safetensors, src/tensor/io/safetensors.ts):
 *   tensor "activation"             [1, ...activationShape(split)]  F32 | F16 | I8, by `encoding`
 *   int8 only: "activation_scale"   [C] F32   per-channel scale
 *              "activation_zero_point" [C] I32 per-channel zero point, in [-128, 127]
 *   __metadata__ (all values strings, as safetensors requires):
 *     format "splitee-resume", version "1", model_hash (64 lowercase hex: sha256 of model.safetensors),
 *     model_id (optional; must equal the URL's id), split (decimal integer), encoding f32|f16|int8,
 *     quant_axis (int8 only: the channel axis of "activation", batch axis included; 1 by default).
 *
 * Why int8's parameters are tensors and not metadata: they stay binary (a float32 scale survives
 * exactly, no decimal round trip), the safetensors reader already checks their sizes, and the body
 * then costs exactly what src/splitee/cost.ts `activationBytes(.., 'int8')` charges: one byte per
 * element plus 8 bytes (f32 scale + i32 zero point) per channel.
 *
 * Response (JSON): {"prediction": k, "confidence": C_L, "probs": [p_0..p_{K-1}]}; parseResumeResponse
 * checks it on the device.
 *
 * The decoder validates everything and throws only WireError (a FormatError, with a stable `reason`),
 * ValueError (NaN/Inf in the activation, non-finite or non-positive scales) or, for limits,
 * WireError 'too-large'. It never throws anything else on any input.
 */
import { FormatError, ValueError, ArgumentError, formatShape, describeValue, shapeText } from '../tensor/errors.js';
import { Tensor, sizeOf } from '../tensor/tensor.js';
import { parseSafetensors, SafetensorsError } from '../tensor/io/safetensors.js';
import { f16ToF32 } from '../tensor/io/f16.js';
import { dequantizeInt8 } from '../tensor/io/int8.js';
import { parseJson, JsonError, MAX_JSON_DEPTH } from '../tensor/io/json.js';
import type { Encoding } from './cost.js';
import { ENCODINGS, HASH_RE, WIRE_FORMAT, WIRE_VERSION } from './wire-encode.js';

export { ENCODINGS, WIRE_FORMAT, WIRE_VERSION, ResumeBody, encodeResumeRequest, type ResumeHeader, type ResumeRequest } from './wire-encode.js';

export type WireFailure =
  | 'not-safetensors' // the blob failed the safetensors reader (its reason is in the message)
  | 'bad-metadata' // __metadata__ missing, a key missing or unknown, or a value ill-typed
  | 'bad-tensors' // not exactly the tensors the encoding needs
  | 'dtype-mismatch' // a tensor's dtype does not fit the encoding
  | 'bad-shape' // rank 0, or quantization parameters that do not fit the channels
  | 'too-large' // over the caller's limits
  | 'bad-response'; // a response JSON that does not parse or does not fit

export class WireError extends FormatError {
  readonly reason: WireFailure;
  constructor(reason: WireFailure, message: string, options?: { cause?: unknown }) {
    super(`wire: ${message} [${reason}]`, options);
    this.reason = reason;
  }
}

function fail(reason: WireFailure, message: string, cause?: unknown): never {
  throw new WireError(reason, message, cause === undefined ? undefined : { cause });
}

export interface DecodedResumeRequest {
  modelHash: string;
  modelId: string | null;
  split: number;
  /** float32, dequantized / widened as needed; shape as sent. f32 where aligned: a view of the body's
   *  bytes (no copy), valid while they are unchanged. */
  activation: Tensor;
  encoding: Encoding;
}

export interface WireLimits {
  /** Largest activation accepted, in elements (default 2^24). */
  maxElements?: number;
  /** Largest safetensors header, in bytes (default 64 KiB). */
  maxHeaderBytes?: number;
  /** Largest rank (default 8). */
  maxRank?: number;
}

const INT_RE = /^(0|[1-9][0-9]{0,8})$/;
const META_KEYS = new Set(['format', 'version', 'model_hash', 'model_id', 'split', 'encoding', 'quant_axis']);

function metaInt(meta: Record<string, string>, key: string): number {
  const v = meta[key];
  if (v === undefined) fail('bad-metadata', `__metadata__ has no ${key}: got keys [${Object.keys(meta).join(',')}], expected ${key}`);
  if (!INT_RE.test(v)) fail('bad-metadata', `__metadata__ ${key} is not a decimal integer: got ${describeValue(v)}, expected 0..999999999`);
  return Number(v);
}

/** Parses and validates a request body; the activation comes back as float32. */
export function decodeResumeRequest(bytes: Uint8Array, limits: WireLimits = {}): DecodedResumeRequest {
  const maxElements = limits.maxElements ?? 2 ** 24;
  const maxRank = limits.maxRank ?? 8;
  if (!(bytes instanceof Uint8Array)) fail('not-safetensors', `body is not bytes: got ${Object.prototype.toString.call(bytes)}, expected a Uint8Array`);
  let file;
  try {
    file = parseSafetensors(bytes, { maxHeaderBytes: limits.maxHeaderBytes ?? 65536 });
  } catch (e) {
    if (e instanceof SafetensorsError) fail('not-safetensors', `body is not a valid safetensors blob: ${e.message}`, e);
    throw e;
  }
  const meta = file.metadata;
  if (Object.keys(meta).length === 0) fail('bad-metadata', 'no __metadata__: got none, expected {format, version, model_hash, split, encoding}');
  for (const k of Object.keys(meta)) {
    if (!META_KEYS.has(k)) fail('bad-metadata', `unknown __metadata__ key: got ${describeValue(k)}, expected only ${[...META_KEYS].join(', ')}`);
  }
  if (meta.format !== WIRE_FORMAT) fail('bad-metadata', `__metadata__ format: got ${describeValue(meta.format)}, expected "${WIRE_FORMAT}"`);
  if (meta.version !== WIRE_VERSION) fail('bad-metadata', `__metadata__ version: got ${describeValue(meta.version)}, expected "${WIRE_VERSION}"`);
  const modelHash = meta.model_hash;
  if (modelHash === undefined || !HASH_RE.test(modelHash)) fail('bad-metadata', `__metadata__ model_hash: got ${describeValue(modelHash)}, expected 64 lowercase hex digits`);
  const modelId = meta.model_id ?? null;
  const split = metaInt(meta, 'split');
  const encoding = meta.encoding as Encoding;
  if (!ENCODINGS.includes(encoding)) fail('bad-metadata', `__metadata__ encoding: got ${describeValue(meta.encoding)}, expected one of ${ENCODINGS.join('|')}`);
  const hasAxis = Object.hasOwn(meta, 'quant_axis');
  if (hasAxis !== (encoding === 'int8')) fail('bad-metadata', `__metadata__ quant_axis ${hasAxis ? 'present' : 'missing'}: got encoding ${encoding}, expected quant_axis exactly with int8`);

  const names = [...file.tensors.keys()].sort();
  const want = encoding === 'int8' ? ['activation', 'activation_scale', 'activation_zero_point'] : ['activation'];
  if (names.length !== want.length || names.some((n, i) => n !== want[i])) {
    fail('bad-tensors', `unexpected tensors: got [${names.slice(0, 8).map(describeValue).join(',')}], expected [${want.map((n) => JSON.stringify(n)).join(',')}] for encoding ${encoding}`);
  }
  const act = file.tensors.get('activation')!;
  const wantDtype = encoding === 'f32' ? 'F32' : encoding === 'f16' ? 'F16' : 'I8';
  if (act.dtype !== wantDtype) fail('dtype-mismatch', `tensor "activation" dtype: got ${act.dtype}, expected ${wantDtype} for encoding ${encoding}`);
  const shape = act.shape;
  if (shape.length === 0 || shape.length > maxRank) fail('bad-shape', `tensor "activation" rank: got ${shapeText(shape)}, expected 1..${maxRank} axes`);
  const n = sizeOf(shape);
  if (n > maxElements) fail('too-large', `activation too large: got ${n} elements ${formatShape(shape)}, expected at most ${maxElements}`);

  // f32: the reader's zero-copy view where the data is aligned (a copy where not), validated below
  const out = encoding === 'f32' ? (act.data as Float32Array) : new Float32Array(n);
  if (encoding === 'f16') f16ToF32(out, act.data as Uint16Array);
  else if (encoding === 'int8') {
    const axis = metaInt(meta, 'quant_axis');
    if (axis >= shape.length) fail('bad-metadata', `__metadata__ quant_axis out of range: got ${axis} for ${formatShape(shape)}, expected 0..${shape.length - 1}`);
    const scale = file.tensors.get('activation_scale')!;
    const zp = file.tensors.get('activation_zero_point')!;
    if (scale.dtype !== 'F32') fail('dtype-mismatch', `tensor "activation_scale" dtype: got ${scale.dtype}, expected F32`);
    if (zp.dtype !== 'I32') fail('dtype-mismatch', `tensor "activation_zero_point" dtype: got ${zp.dtype}, expected I32`);
    const C = shape[axis];
    if (scale.shape.length !== 1 || scale.shape[0] !== C || zp.shape.length !== 1 || zp.shape[0] !== C) {
      fail('bad-shape', `quantization parameters do not fit the channels: got scale ${shapeText(scale.shape)} and zero point ${shapeText(zp.shape)}, expected [${C}] (axis ${axis} of ${formatShape(shape)})`);
    }
    const s = scale.data as Float32Array;
    const z = zp.data as Int32Array;
    for (let c = 0; c < C; c++) {
      if (!(Number.isFinite(s[c]) && s[c] > 0)) throw new ValueError(`decodeResumeRequest: invalid int8 scale of channel ${c}: got ${s[c]}, expected a finite number > 0`);
      if (z[c] < -128 || z[c] > 127) throw new ValueError(`decodeResumeRequest: int8 zero point of channel ${c} out of range: got ${z[c]}, expected -128..127`);
    }
    dequantizeInt8(out, act.data as Int8Array, { scale: s, zeroPoint: z, axis, shape });
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i])) throw new ValueError(`decodeResumeRequest: non-finite activation value at index ${i}: got ${out[i]}, expected finite values`);
  }
  return { modelHash, modelId, split, activation: new Tensor(out, shape), encoding };
}

/** The cloud's answer for one sample. */
export interface ResumeResponse {
  /** Class index predicted by exit L. */
  prediction: number;
  /** C_L = probs[prediction]. */
  confidence: number;
  /** Softmax of exit L, K entries. */
  probs: number[];
}

export function encodeResumeResponse(r: ResumeResponse): string {
  return JSON.stringify({ prediction: r.prediction, confidence: r.confidence, probs: r.probs });
}

/**
 * Parses and validates a response body: prediction an integer index into probs, probs finite in
 * [0, 1] summing to 1 (within 1e-3), confidence = probs[prediction] (within 1e-6), and K classes if
 * `numClasses` is given. Extra fields are ignored (a newer server may add some).
 */
export function parseResumeResponse(text: string, numClasses?: number): ResumeResponse {
  let v: unknown;
  try {
    v = parseJson(String(text), { maxDepth: MAX_JSON_DEPTH });
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    fail('bad-response', `response ${e.message}; expected {prediction, confidence, probs}`, e);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('bad-response', `response is not an object: got ${describeValue(v)}, expected {prediction, confidence, probs}`);
  const o = v as Record<string, unknown>;
  const probs = o.probs;
  if (!Array.isArray(probs) || probs.length === 0 || !probs.every((p) => typeof p === 'number' && Number.isFinite(p) && p >= 0 && p <= 1)) {
    fail('bad-response', `response probs: got ${describeValue(probs)}, expected a non-empty array of numbers in [0, 1]`);
  }
  if (numClasses !== undefined && probs.length !== numClasses) fail('bad-response', `response probs length: got ${probs.length}, expected ${numClasses} classes`);
  const sum = (probs as number[]).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-3) fail('bad-response', `response probs do not sum to 1: got ${sum}, expected 1 within 1e-3`);
  const k = o.prediction;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= probs.length) fail('bad-response', `response prediction: got ${describeValue(k)}, expected an integer in [0,${probs.length})`);
  const c = o.confidence;
  if (typeof c !== 'number' || !Number.isFinite(c) || Math.abs(c - (probs[k] as number)) > 1e-6) {
    fail('bad-response', `response confidence: got ${describeValue(c)}, expected probs[${k}] = ${probs[k]}`);
  }
  return { prediction: k, confidence: c, probs: probs as number[] };
}
