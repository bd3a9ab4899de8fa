/**
 * Softmax and log-softmax over the last axis.
 *
 *   softmax(x)_j    = exp(x_j - m) / sum_k exp(x_k - m)           m = max_k x_k (numerically stable)
 *   logSoftmax(x)_j = x_j - m - log(sum_k exp(x_k - m))
 *
 * Shapes: x [rows, cols] (any leading axes flattened into rows), out the same; out may alias x.
 * Matches torch.softmax / torch.log_softmax(dim=-1). A row containing +Infinity or NaN gives NaN
 * (as PyTorch); a row of -Infinity gives NaN too (0/0), also as PyTorch.
 * Tolerance: rel 1e-6 (sums in float64). Optimization: one exp per element; the fast version keeps
 * the exponentials in `out` instead of a float64 temporary.
 */
import { ShapeError, formatShape } from '../errors.js';

export interface SoftmaxPlan {
  readonly rows: number;
  readonly cols: number;
}

export function softmaxPlan(xShape: readonly number[]): SoftmaxPlan {
  if (xShape.length === 0 || !xShape.every((d) => Number.isInteger(d) && d >= 0) || xShape[xShape.length - 1] === 0) {
    throw new ShapeError(`softmaxPlan: invalid shape: got ${formatShape(xShape)}, expected at least one axis and a non-empty last axis`);
  }
  const cols = xShape[xShape.length - 1];
  let rows = 1;
  for (let i = 0; i < xShape.length - 1; i++) rows *= xShape[i];
  return { rows, cols };
}

function need(where: string, name: string, arr: ArrayLike<number>, n: number): void {
  if (arr.length < n) throw new ShapeError(`${where}: ${name} is too short: got ${arr.length} elements, expected at least ${n}`);
}

function rowMax(x: Float32Array, o: number, cols: number): number {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = x[o + j];
    if (!(v <= m)) m = v; // NaN wins, so it propagates
  }
  return m;
}

/** out [rows, cols] = softmax(x [rows, cols]) over cols */
export function softmax(out: Float32Array, x: Float32Array, p: SoftmaxPlan): void {
  const { rows, cols } = p;
  need('softmax', 'x', x, rows * cols);
  need('softmax', 'out', out, rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const m = rowMax(x, o, cols);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[o + j] - m);
      out[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < cols; j++) out[o + j] *= inv;
  }
}

/** out [rows, cols] = log_softmax(x [rows, cols]) over cols */
export function logSoftmax(out: Float32Array, x: Float32Array, p: SoftmaxPlan): void {
  const { rows, cols } = p;
  need('logSoftmax', 'x', x, rows * cols);
  need('logSoftmax', 'out', out, rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const m = rowMax(x, o, cols);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[o + j] - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < cols; j++) out[o + j] = x[o + j] - lse;
  }
}

/** float64 reference of softmax (log = false) or log-softmax (log = true). */
export function softmaxNaive(out: Float32Array, x: Float32Array, p: SoftmaxPlan, log = false): void {
  const { rows, cols } = p;
  need('softmaxNaive', 'x', x, rows * cols);
  const e = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Number.isNaN(x[r * cols + j]) || Number.isNaN(m) ? NaN : Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      e[j] = Math.exp(x[r * cols + j] - m);
      s += e[j];
    }
    for (let j = 0; j < cols; j++) out[r * cols + j] = log ? x[r * cols + j] - m - Math.log(s) : e[j] / s;
  }
}
