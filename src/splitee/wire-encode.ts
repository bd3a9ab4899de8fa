/**
 * The device's half of the wire format (wire.ts has the format and the decoder): a resume request
 * body, encoded into a buffer laid out once per split.
 *
 * A body's safetensors header depends on the model, the split, the encoding and the activation's
 * shape, never on its values; int8's scale and zero point are tensors of a fixed shape [C]. So a
 * ResumeBody writes the header once per shape (a text model's sequence length varies: the runner lays out
 * a new body when it changes) and each sample's values in place: an offloaded round encodes
 * without allocating (int8 too: its per-channel scale and zero point are refitted into the body's own arrays).
 * encodeResumeRequest is a ResumeBody used once, so both give the same bytes.
 *
 * Ownership: write() returns the body's own bytes, valid until the next write(). A transport must be
 * done with them when its resume() settles (transport.ts). One that transfers the bytes' buffer (a fetch
 * implementation may; Node 20's global fetch did not, checked with a 100 KB body) leaves it empty: the
 * next write() lays the body out again.
 */
import { ArgumentError, ShapeError, ValueError, describeValue, formatShape } from '../tensor/errors.js';
import { sizeOf, type Tensor } from '../tensor/tensor.js';
import { layoutSafetensors, type TensorSpec } from '../tensor/io/safetensors.js';
import { isLittleEndian, toLittleEndian } from '../tensor/io/endian.js';
import { f32BitsToF16Array } from '../tensor/io/f16.js';
import { fitQuantParams, quantizeInt8, type QuantParams } from '../tensor/io/int8.js';
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
  /** Elements of the activation. */
  private readonly size: number;
  private readonly header: ResumeHeader;
  private readonly axis: number;
  private readonly where: string;
  private readonly le = isLittleEndian();
  private bytes: Uint8Array;
  /** The activation's values inside `bytes`, in the encoding's dtype (8-byte aligned: first tensor by name). */
  private values: Float32Array | Uint16Array | Int8Array;
  private scaleAt = 0;
  private zeroPointAt = 0;
  /** f16: the bit-pattern view of the last activation array written (the runner writes the same one). */
  private lastSource: Float32Array | null = null;
  private lastBits: Uint32Array | null = null;
  /** int8: this sample's scale and zero point per channel, and their bytes (copied into the body). */
  private readonly quant: QuantParams | null;
  private readonly quantBytes: [Uint8Array, Uint8Array] | null;

  /** shape: the activation's, [1, ...activationShape(split)]; `where` names the caller in errors. */
  constructor(header: ResumeHeader, shape: readonly number[], where = 'ResumeBody') {
    this.where = where;
    if (typeof header.modelHash !== 'string' || !HASH_RE.test(header.modelHash)) throw new ArgumentError(`${where}: invalid model hash: got ${describeValue(header.modelHash)}, expected 64 lowercase hex digits (sha256)`);
    if (!Number.isInteger(header.split) || header.split < 0) throw new ArgumentError(`${where}: invalid split: got ${header.split}, expected an integer >= 0`);
    if (!ENCODINGS.includes(header.encoding)) throw new ArgumentError(`${where}: unknown encoding: got ${describeValue(header.encoding)}, expected one of ${ENCODINGS.join('|')}`);
    if (shape.length === 0) throw new ArgumentError(`${where}: activation has no axes: got ${formatShape(shape)}, expected [1, ...activationShape(split)]`);
    this.header = { ...header };
    this.shape = [...shape];
    this.size = sizeOf(shape);
    this.axis = header.quantAxis ?? (shape.length >= 2 ? 1 : 0);
    [this.bytes, this.values] = this.layout();
    if (header.encoding === 'int8') {
      const C = shape[this.axis];
      this.quant = { scale: new Float32Array(C), zeroPoint: new Int32Array(C), axis: this.axis, shape: this.shape };
      this.quantBytes = [new Uint8Array(this.quant.scale.buffer), new Uint8Array(this.quant.zeroPoint.buffer)];
    } else {
      this.quant = null;
      this.quantBytes = null;
    }
  }

  /** Whether an activation of `shape` can be written into this body (its shape exactly). */
  fits(shape: readonly number[]): boolean {
    const own = this.shape;
    if (shape.length !== own.length) return false;
    for (let i = 0; i < own.length; i++) if (shape[i] !== own[i]) return false;
    return true;
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
    const n = this.size;
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
    const got = activation.shape;
    if (!this.fits(got)) throw new ShapeError(`${w}: activation shape: got ${formatShape(got)}, expected ${formatShape(this.shape)}`);
    const x = activation.flat();
    if (x.length !== this.size) throw new ShapeError(`${w}: activation has ${x.length} values for ${formatShape(got)}, expected ${this.size}; was its buffer detached?`);
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
      if (this.lastSource !== x || this.lastBits === null) {
        this.lastSource = x;
        this.lastBits = new Uint32Array(x.buffer, x.byteOffset, x.length); // x's bit patterns
      }
      f32BitsToF16Array(h, this.lastBits);
      for (let i = 0; i < h.length; i++) {
        if ((h[i] & 0x7c00) === 0x7c00) throw new ValueError(`${w}: activation value outside the f16 range at index ${i}: got ${x[i]}, expected |x| < 65520; use encoding f32`);
      }
      if (!this.le) toLittleEndian(this.bytes, h.byteOffset - this.bytes.byteOffset, h.byteLength, 2);
    } else {
      const p = this.quant!;
      fitQuantParams(p, x);
      quantizeInt8(v as Int8Array, x, p);
      const [scaleBytes, zeroPointBytes] = this.quantBytes!;
      this.putLittleEndian(this.scaleAt, scaleBytes);
      this.putLittleEndian(this.zeroPointAt, zeroPointBytes);
    }
    return this.bytes;
  }

  /** Copies 4-byte elements' bytes to `at` (not necessarily aligned: after the int8 values), little-endian. */
  private putLittleEndian(at: number, raw: Uint8Array): void {
    this.bytes.set(raw, at);
    if (!this.le) toLittleEndian(this.bytes, at, raw.length, 4);
  }
}

/**
 * The request bodies of a live run: one ResumeBody per split, laid out on the first offload there and
 * again when the activation's shape changes (a text model's sequence length varies per sample).
 */
export class RequestBodies {
  private readonly bodies: (ResumeBody | null)[] = [];

  /** header: the run's model, encoding and quant axis; splits 0..numStages. */
  constructor(private readonly header: Omit<ResumeHeader, 'split'>, numStages: number) {
    for (let k = 0; k <= numStages; k++) this.bodies.push(null);
  }

  /** The body of `split` with `activation` written in: its own bytes, valid until the next write there. */
  write(split: number, activation: Tensor): Uint8Array {
    let body = this.bodies[split];
    if (body === null || !body.fits(activation.shape)) body = this.bodies[split] = new ResumeBody({ ...this.header, split }, activation.shape);
    return body.write(activation);
  }
}
