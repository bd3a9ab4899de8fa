/**
 * The device's half of the wire format (wire.ts has the format and the decoder): a resume request
 * body, encoded into a buffer laid out once per split.
 *
 * A body's safetensors header depends on the model, the split, the encoding and the activation's
 * shape, never on its values; int8's scale and zero point are tensors of a fixed shape [C]. So a
 * ResumeBody writes the header once and each sample's values in place: an offloaded round encodes
 * without allocating (int8 excepted: its quantization parameters are chosen afresh, ~0.5 KB).
 * encodeResumeRequest is a ResumeBody used once, so both give the same bytes.
 *
 * Ownership: write() returns the body's own bytes, valid until the next write(). A transport must be
 * done with them when its resume() settles (transport.ts). One that transfers the bytes' buffer (Node's
 * global fetch detaches it) leaves it empty: the next write() lays the body out again.
 */
import { ArgumentError, ShapeError, ValueError, describeValue, formatShape } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { layoutSafetensors, type TensorSpec } from '../tensor/io/safetensors.js';
import { isLittleEndian, toLittleEndian } from '../tensor/io/endian.js';
import { f32ToF16 } from '../tensor/io/f16.js';
import { chooseQuantParams, quantizeInt8 } from '../tensor/io/int8.js';
import type { Encoding } from './cost.js';

export const WIRE_FORMAT = 'splitee-resume';
export const WIRE_VERSION = '1';
export const ENCODINGS: readonly Encoding[] = ['f32', 'f16', 'int8'];
/** A model hash on the wire: sha256, 64 lowercase hex digits. */
export const HASH_RE = /^[0-9a-f]{64}$/;

export interface ResumeRequest {
  /** sha256 hex of the model's model.safetensors: the cloud refuses a request for other weights. */
  modelHash: string;
  /** Optional model id; when present the cloud checks it against the route. */
  modelId?: string;
  /** The split layer i: the activation is the output of stage i (0 = the network input). */
  split: number;
  /** [1, ...activationShape(split)] */
  activation: Tensor;
  encoding: Encoding;
  /** int8: channel axis of the activation, batch axis included (default 1). */
  quantAxis?: number;
}

/** What a body's header says: the request without its activation's values. */
export type ResumeHeader = Omit<ResumeRequest, 'activation'>;

/** The request body for one sample's activation (a fresh buffer; see ResumeBody to reuse one). */
export function encodeResumeRequest(req: ResumeRequest): Uint8Array {
  const a = req.activation.contiguous();
  return new ResumeBody(req, a.shape, 'encodeResumeRequest').write(a);
}

/** Request bodies for one header and activation shape, written in place (see the file header). */
export class ResumeBody {
  readonly shape: readonly number[];
  private readonly header: ResumeHeader;
  private readonly axis: number;
  private readonly where: string;
  private readonly le = isLittleEndian();
  private bytes: Uint8Array;
  /** The activation's values inside `bytes`, in the encoding's dtype (8-byte aligned: first tensor by name). */
  private values: Float32Array | Uint16Array | Int8Array;
  private scaleAt = 0;
  private zeroPointAt = 0;

  /** shape: the activation's, [1, ...activationShape(split)]; `where` names the caller in errors. */
  constructor(header: ResumeHeader, shape: readonly number[], where = 'ResumeBody') {
    this.where = where;
    if (typeof header.modelHash !== 'string' || !HASH_RE.test(header.modelHash)) throw new ArgumentError(`${where}: invalid model hash: got ${describeValue(header.modelHash)}, expected 64 lowercase hex digits (sha256)`);
    if (!Number.isInteger(header.split) || header.split < 0) throw new ArgumentError(`${where}: invalid split: got ${header.split}, expected an integer >= 0`);
    if (!ENCODINGS.includes(header.encoding)) throw new ArgumentError(`${where}: unknown encoding: got ${describeValue(header.encoding)}, expected one of ${ENCODINGS.join('|')}`);
    if (shape.length === 0) throw new ArgumentError(`${where}: activation has no axes: got ${formatShape(shape)}, expected [1, ...activationShape(split)]`);
    this.header = { ...header };
    this.shape = [...shape];
    this.axis = header.quantAxis ?? (shape.length >= 2 ? 1 : 0);
    [this.bytes, this.values] = this.layout();
  }

  /** Lays the body out: header written, values zero. */
  private layout(): [Uint8Array, Float32Array | Uint16Array | Int8Array] {
    const h = this.header;
    const metadata: Record<string, string> = { format: WIRE_FORMAT, version: WIRE_VERSION, model_hash: h.modelHash, split: String(h.split), encoding: h.encoding };
    if (h.modelId !== undefined) metadata.model_id = h.modelId;
    const shape = this.shape;
    const specs = new Map<string, TensorSpec>();
    if (h.encoding === 'int8') {
      if (!Number.isInteger(this.axis) || this.axis < 0 || this.axis >= shape.length) {
        throw new ArgumentError(`${this.where}: quant axis out of range: got ${this.axis} for shape ${formatShape(shape)}, expected an integer in [0,${shape.length})`);
      }
      metadata.quant_axis = String(this.axis);
      specs.set('activation', { dtype: 'I8', shape });
      specs.set('activation_scale', { dtype: 'F32', shape: [shape[this.axis]] });
      specs.set('activation_zero_point', { dtype: 'I32', shape: [shape[this.axis]] });
    } else {
      specs.set('activation', { dtype: h.encoding === 'f32' ? 'F32' : 'F16', shape });
    }
    const { bytes, offsets } = layoutSafetensors(specs, metadata);
    const at = bytes.byteOffset + offsets.get('activation')!;
    const n = shape.reduce((a, d) => a * d, 1);
    this.scaleAt = offsets.get('activation_scale') ?? 0;
    this.zeroPointAt = offsets.get('activation_zero_point') ?? 0;
    const values = h.encoding === 'f32' ? new Float32Array(bytes.buffer, at, n) : h.encoding === 'f16' ? new Uint16Array(bytes.buffer, at, n) : new Int8Array(bytes.buffer, at, n);
    return [bytes, values];
  }

  /**
   * The body for `activation` (contiguous, of this body's shape): this body's bytes, valid until the
   * next write. Throws ValueError for a non-finite value (or, f16, one outside its range).
   */
  write(activation: Tensor): Uint8Array {
    const w = this.where;
    const shape = this.shape;
    const got = activation.shape;
    let same = got.length === shape.length;
    for (let i = 0; same && i < shape.length; i++) same = got[i] === shape[i];
    if (!same) throw new ShapeError(`${w}: activation shape: got ${formatShape(got)}, expected ${formatShape(shape)}`);
    const x = activation.flat();
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) throw new ValueError(`${w}: non-finite activation value at index ${i}: got ${x[i]}, expected finite values`);
    }
    if (this.bytes.byteLength === 0) [this.bytes, this.values] = this.layout(); // a transport took the buffer
    const v = this.values;
    const enc = this.header.encoding;
    if (enc === 'f32') {
      (v as Float32Array).set(x);
      if (!this.le) toLittleEndian(this.bytes, v.byteOffset - this.bytes.byteOffset, v.byteLength, 4);
    } else if (enc === 'f16') {
      const h = v as Uint16Array;
      f32ToF16(h, x);
      for (let i = 0; i < h.length; i++) {
        if ((h[i] & 0x7c00) === 0x7c00) throw new ValueError(`${w}: activation value outside the f16 range at index ${i}: got ${x[i]}, expected |x| < 65520; use encoding f32`);
      }
      if (!this.le) toLittleEndian(this.bytes, h.byteOffset - this.bytes.byteOffset, h.byteLength, 2);
    } else {
      const p = chooseQuantParams(x, shape, this.axis);
      quantizeInt8(v as Int8Array, x, p);
      this.putLittleEndian(this.scaleAt, p.scale);
      this.putLittleEndian(this.zeroPointAt, p.zeroPoint);
    }
    return this.bytes;
  }

  /** Copies 4-byte elements to `at` (not necessarily aligned: after the int8 values), little-endian. */
  private putLittleEndian(at: number, data: Float32Array | Int32Array): void {
    this.bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    if (!this.le) toLittleEndian(this.bytes, at, data.byteLength, 4);
  }
}
