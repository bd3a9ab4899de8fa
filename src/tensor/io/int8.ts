/**
 * Affine int8 quantization, per tensor or per channel (as torch.quantize_per_tensor /
 * quantize_per_channel with torch.qint8):
 *   q = clamp(round_half_even(x / scale) + zeroPoint, -128, 127),   x' = (q - zeroPoint) * scale
 * Parameters come from the min/max of the data with 0 always representable (PyTorch's
 * MinMaxObserver, affine): lo = min(min x, 0), hi = max(max x, 0), scale = (hi - lo) / 255,
 * zeroPoint = clamp(-128 - round(lo / scale), -128, 127); scale is at least float32 eps (2^-23),
 * as MinMaxObserver clamps it, so an all-zero or denormal-range channel stays well defined.
 * Error bound for x inside [lo, hi]: |x - x'| <= scale / 2 (plus float32 rounding of x').
 *
 * Shapes: x [...shape] flat row-major; `axis` picks the channel axis (null: one scale for all).
 * Element i belongs to channel floor(i / inner) % C, with inner = product of dims after the axis.
 */
import { ShapeError, ArgumentError, formatShape } from '../errors.js';
import { sizeOf } from '../tensor.js';

export interface QuantParams {
  /** One per channel (length 1 when axis is null), stored as float32 as PyTorch does. */
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  readonly axis: number | null;
  readonly shape: readonly number[];
}

const QMIN = -128;
const QMAX = 127;
const FLT_EPS = 2 ** -23;

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Elements per channel step of a layout: the product of the dims after `axis` (all of them for null). */
function innerOf(where: string, shape: readonly number[], axis: number | null): number {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${where}: invalid shape: got ${formatShape(shape)}, expected non-negative integers`);
  }
  if (axis !== null && (!Number.isInteger(axis) || axis < 0 || axis >= shape.length)) {
    throw new ArgumentError(`${where}: channel axis out of range: got ${axis} for shape ${formatShape(shape)}, expected an integer in [0,${shape.length}) or null`);
  }
  let inner = 1;
  for (let i = axis === null ? 0 : axis + 1; i < shape.length; i++) inner *= shape[i];
  return inner;
}

/** Scale and zero point per channel from the min/max of x [...shape]. */
export function chooseQuantParams(x: Float32Array, shape: readonly number[], axis: number | null = null): QuantParams {
  innerOf('chooseQuantParams', shape, axis); // validates the layout before shape[axis] is read
  const channels = axis === null ? 1 : shape[axis];
  const p: QuantParams = { scale: new Float32Array(channels), zeroPoint: new Int32Array(channels), axis, shape: [...shape] };
  fitQuantParams(p, x);
  return p;
}

/**
 * chooseQuantParams into p.scale and p.zeroPoint (no allocation: an encoder that quantizes one
 * activation shape again and again keeps one QuantParams). p.shape and p.axis give the layout.
 */
export function fitQuantParams(p: QuantParams, x: Float32Array): void {
  const where = 'chooseQuantParams';
  const inner = checkBuffers(where, x, null, p);
  const size = x.length;
  const channels = p.scale.length;
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(x[i])) throw new ArgumentError(`${where}: non-finite value at index ${i}: got ${x[i]}, expected finite values`);
  }
  const step = channels * inner; // one outer index: every channel's `inner` elements in turn
  for (let c = 0; c < channels; c++) {
    let lo = 0;
    let hi = 0;
    for (let o = c * inner; o < size; o += step) {
      for (let i = o; i < o + inner; i++) {
        const v = x[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const sc = Math.max(Math.fround((hi - lo) / (QMAX - QMIN)), FLT_EPS);
    p.scale[c] = sc;
    p.zeroPoint[c] = Math.min(QMAX, Math.max(QMIN, QMIN - roundHalfEven(lo / p.scale[c])));
  }
}

/** Checks a (and b, unless null) against p's shape and p's parameters against its channels; returns innerOf. */
function checkBuffers(where: string, a: ArrayLike<number>, b: ArrayLike<number> | null, p: QuantParams): number {
  const inner = innerOf(where, p.shape, p.axis);
  const size = sizeOf(p.shape);
  const channels = p.axis === null ? 1 : p.shape[p.axis];
  if (a.length !== size || (b !== null && b.length !== size)) {
    throw new ShapeError(`${where}: data length does not match shape: got ${a.length}${b === null ? '' : ` and ${b.length}`} elements, expected ${size} for ${formatShape(p.shape)}`);
  }
  if (p.scale.length !== channels || p.zeroPoint.length !== channels) {
    throw new ShapeError(`${where}: parameters do not match the channels: got ${p.scale.length} scales and ${p.zeroPoint.length} zero points, expected ${channels}`);
  }
  return inner;
}

/** out [...shape] (int8) = quantize(x [...shape]) */
export function quantizeInt8(out: Int8Array, x: Float32Array, p: QuantParams): void {
  const inner = checkBuffers('quantizeInt8', out, x, p);
  const channels = p.scale.length;
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const q = roundHalfEven(x[i] / p.scale[c]) + p.zeroPoint[c];
    out[i] = q < QMIN ? QMIN : q > QMAX ? QMAX : q; // NaN -> 0 through the Int8Array store
  }
}

/** out [...shape] (float32) = dequantize(q [...shape]) */
export function dequantizeInt8(out: Float32Array, q: Int8Array, p: QuantParams): void {
  const inner = checkBuffers('dequantizeInt8', out, q, p);
  const channels = p.scale.length;
  for (let i = 0; i < q.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = (q[i] - p.zeroPoint[c]) * p.scale[c];
  }
}
