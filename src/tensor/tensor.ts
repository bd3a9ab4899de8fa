/**
 * Tensor: a Float32Array seen through a shape, strides (in elements) and an offset.
 *
 * Views (reshape of a contiguous tensor, slicing along the first axis, transpose) share the buffer;
 * nothing here copies unless its name says so (`contiguous`, `clone`). Kernels take contiguous
 * row-major tensors; a layer calls `contiguous()` at its boundary if it was handed a strided view.
 *
 * Interop: `fromNdarrayLike` / `toNdarrayLike` speak the `{data, shape, stride, offset}` shape of
 * scijs/ndarray without importing it (ndarray generates code at run time; the core must not).
 */
import { ShapeError, formatShape } from './errors.js';

/** The structural type of a scijs ndarray (and of anything else laid out the same way). */
export interface NdarrayLike {
  data: Float32Array;
  shape: number[];
  stride: number[];
  offset: number;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]; // indexed: no iterator per call on a hot path
  return n;
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

function checkShape(where: string, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${where}: invalid dimension: got ${formatShape(shape)}, expected non-negative integers`);
    }
  }
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** flat()'s view, made on the first call (a tensor never changes its view; private: not enumerable). */
  #flat: Float32Array | null = null;

  /** Wraps `data` without copying. Throws if any index the view can reach falls outside `data`. */
  constructor(data: Float32Array, shape: readonly number[], strides?: readonly number[], offset = 0) {
    checkShape('Tensor', shape);
    const st = strides ?? rowMajorStrides(shape);
    if (st.length !== shape.length) {
      throw new ShapeError(`Tensor: strides rank does not match shape rank: got strides ${formatShape(st)}, expected ${shape.length} strides for shape ${formatShape(shape)}`);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new ShapeError(`Tensor: invalid offset: got ${offset}, expected a non-negative integer`);
    }
    if (sizeOf(shape) > 0) {
      let lo = offset;
      let hi = offset;
      for (let i = 0; i < shape.length; i++) {
        const reach = (shape[i] - 1) * st[i];
        if (reach < 0) lo += reach;
        else hi += reach;
      }
      if (lo < 0 || hi >= data.length) {
        throw new ShapeError(`Tensor: view reaches outside its buffer: got shape ${formatShape(shape)}, strides ${formatShape(st)}, offset ${offset} over ${data.length} elements, expected every index in [0,${data.length})`);
      }
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...st]);
    this.offset = offset;
  }

  static zeros(shape: readonly number[]): Tensor {
    checkShape('Tensor.zeros', shape);
    return new Tensor(new Float32Array(sizeOf(shape)), shape);
  }

  /** Wraps a flat row-major buffer; its length must equal the shape's size. */
  static from(data: Float32Array | ArrayLike<number>, shape: readonly number[]): Tensor {
    checkShape('Tensor.from', shape);
    const buf = data instanceof Float32Array ? data : Float32Array.from(data);
    if (buf.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor.from: data length does not match shape: got ${buf.length} elements, expected ${sizeOf(shape)} for ${formatShape(shape)}`);
    }
    return new Tensor(buf, shape);
  }

  static fromNdarrayLike(a: NdarrayLike): Tensor {
    if (!(a.data instanceof Float32Array)) {
      throw new ShapeError(`Tensor.fromNdarrayLike: data is not a Float32Array: got ${Object.prototype.toString.call(a.data)}, expected [object Float32Array]`);
    }
    return new Tensor(a.data, a.shape, a.stride, a.offset);
  }

  toNdarrayLike(): NdarrayLike {
    return { data: this.data, shape: [...this.shape], stride: [...this.strides], offset: this.offset };
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  isContiguous(): boolean {
    const rm = rowMajorStrides(this.shape);
    for (let i = 0; i < rm.length; i++) if (this.shape[i] > 1 && this.strides[i] !== rm[i]) return false;
    return true;
  }

  /** The flat elements of a contiguous tensor, as a subarray (no copy): made on the first call, the
   *  same array afterwards (`data` itself when the tensor covers all of it). */
  flat(): Float32Array {
    const f = this.#flat;
    if (f !== null) return f;
    if (!this.isContiguous()) {
      throw new ShapeError(`Tensor.flat: tensor is not contiguous: got strides ${formatShape(this.strides)} for shape ${formatShape(this.shape)}, expected row-major; call contiguous() first`);
    }
    const n = this.size;
    return (this.#flat = this.offset === 0 && n === this.data.length ? this.data : this.data.subarray(this.offset, this.offset + n));
  }

  /** Zero-copy reshape of a contiguous tensor; one dimension may be -1. */
  reshape(shape: readonly number[]): Tensor {
    const wanted = [...shape];
    const free = wanted.indexOf(-1);
    if (free >= 0) {
      const known = sizeOf(wanted.filter((_, i) => i !== free));
      if (known === 0 || this.size % known !== 0) {
        throw new ShapeError(`Tensor.reshape: cannot infer -1: got ${formatShape(this.shape)} -> ${formatShape(shape)}, expected the other dimensions to divide ${this.size}`);
      }
      wanted[free] = this.size / known;
    }
    checkShape('Tensor.reshape', wanted);
    if (sizeOf(wanted) !== this.size) {
      throw new ShapeError(`Tensor.reshape: sizes differ: got ${formatShape(this.shape)} (${this.size} elements) -> ${formatShape(shape)} (${sizeOf(wanted)} elements), expected equal sizes`);
    }
    if (!this.isContiguous()) {
      throw new ShapeError(`Tensor.reshape: tensor is not contiguous: got strides ${formatShape(this.strides)} for shape ${formatShape(this.shape)}, expected row-major; call contiguous() first`);
    }
    return new Tensor(this.data, wanted, undefined, this.offset);
  }

  /** Zero-copy view of rows [start, end) along axis 0. */
  slice0(start: number, end: number): Tensor {
    const n = this.shape[0];
    if (this.rank === 0 || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
      throw new ShapeError(`Tensor.slice0: invalid range: got [${start},${end}) on shape ${formatShape(this.shape)}, expected 0 <= start <= end <= ${n ?? 0}`);
    }
    const shape = [end - start, ...this.shape.slice(1)];
    return new Tensor(this.data, shape, this.strides, this.offset + start * this.strides[0]);
  }

  /** Zero-copy view with axes a and b swapped. */
  transpose(a: number, b: number): Tensor {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= this.rank || b >= this.rank) {
      throw new ShapeError(`Tensor.transpose: axis out of range: got (${a},${b}) on shape ${formatShape(this.shape)}, expected axes in [0,${this.rank})`);
    }
    const shape = [...this.shape];
    const strides = [...this.strides];
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
    return new Tensor(this.data, shape, strides, this.offset);
  }

  /** Returns this tensor if it is contiguous, otherwise a row-major copy. */
  contiguous(): Tensor {
    return this.isContiguous() ? this : this.clone();
  }

  /** A row-major copy with its own buffer. */
  clone(): Tensor {
    const out = new Float32Array(this.size);
    const rank = this.rank;
    const idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < out.length; i++) {
      let p = this.offset;
      for (let d = 0; d < rank; d++) p += idx[d] * this.strides[d];
      out[i] = this.data[p];
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d] < this.shape[d]) break;
        idx[d] = 0;
      }
    }
    return new Tensor(out, this.shape);
  }

  /** Element at a multi-index (for tests and tools, not for hot loops). */
  get(...index: number[]): number {
    if (index.length !== this.rank) {
      throw new ShapeError(`Tensor.get: wrong number of indices: got ${index.length}, expected ${this.rank} for shape ${formatShape(this.shape)}`);
    }
    let p = this.offset;
    for (let d = 0; d < index.length; d++) {
      const i = index[d];
      if (!Number.isInteger(i) || i < 0 || i >= this.shape[d]) {
        throw new ShapeError(`Tensor.get: index out of range on axis ${d}: got ${i}, expected an integer in [0,${this.shape[d]})`);
      }
      p += i * this.strides[d];
    }
    return this.data[p];
  }
}

/** Throws a ShapeError naming both shapes unless they are equal. */
export function assertSameShape(where: string, a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ShapeError(`${where}: shapes differ: got ${formatShape(a)}, expected ${formatShape(b)}`);
  }
}
