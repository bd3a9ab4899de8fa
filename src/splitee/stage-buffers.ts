/**
 * The live runner's activation buffers: one per stage boundary s = 0..L, allocated once at the
 * largest shape [1, ...activationShape(s)], so a round copies each stage's output into memory it owns
 * (the network's arena may be reused by its next call) without allocating. The tensor view over a
 * buffer is made again only when the shape changes (a shorter text sequence).
 *
 * Shape legend: x [1, ...activationShape(s)] (a sequence axis may be shorter); copies handle any strides.
 */
import { Tensor, sizeOf } from '../tensor/tensor.js';
import type { MultiExitNetwork } from '../layers/network.js';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies the elements of `x` in row-major order into dst[0..size); no allocation (idx: rank scratch). */
export function copyInto(dst: Float32Array, x: Tensor, idx: Int32Array): void {
  const { data, shape, strides, offset } = x;
  const rank = shape.length;
  const n = sizeOf(shape);
  let contiguous = true;
  let st = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (shape[d] > 1 && strides[d] !== st) {
      contiguous = false;
      break;
    }
    st *= shape[d];
  }
  if (contiguous) {
    for (let i = 0; i < n; i++) dst[i] = data[offset + i];
    return;
  }
  idx.fill(0, 0, rank);
  for (let i = 0; i < n; i++) {
    let p = offset;
    for (let d = 0; d < rank; d++) p += idx[d] * strides[d];
    dst[i] = data[p];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

export class StageBuffers {
  private readonly data: Float32Array[] = [];
  private readonly views: (Tensor | null)[] = [];
  private idx = new Int32Array(8);

  constructor(net: MultiExitNetwork) {
    for (let s = 0; s <= net.numStages; s++) {
      this.data.push(new Float32Array(sizeOf(net.activationShape(s))));
      this.views.push(null);
    }
  }

  /** Scratch for copyInto over a tensor of `rank` axes. */
  scratch(rank: number): Int32Array {
    if (this.idx.length < rank) this.idx = new Int32Array(rank);
    return this.idx;
  }

  /** Copies `x` into boundary s's buffer and returns the runner-owned tensor over it. */
  hold(s: number, x: Tensor): Tensor {
    const n = sizeOf(x.shape);
    let buf = this.data[s];
    if (n > buf.length) {
      buf = this.data[s] = new Float32Array(n); // only for a network whose shapes exceed activationShape
      this.views[s] = null;
    }
    copyInto(buf, x, this.scratch(x.shape.length));
    let v = this.views[s];
    if (v === null || !sameShape(v.shape, x.shape)) v = this.views[s] = new Tensor(buf.subarray(0, n), x.shape);
    return v;
  }
}
