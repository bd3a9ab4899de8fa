/**
 * Batch norm folded into the preceding conv at load time (inference only):
 *   y = gamma * (conv(x, w) + b - mean) / sqrt(var + eps) + beta
 *     = conv(x, w * s) + (b - mean) * s + beta,     s[o] = gamma[o] / sqrt(var[o] + eps)
 *
 * Shapes: w [O, ...] (OIHW for a conv, [O, in] for a linear), b [O] or null (treated as 0), and the
 * BatchNorm2d buffers gamma (weight), beta (bias), running_mean, running_var, each [O]; eps is
 * BatchNorm2d.eps (1e-5 by default). Computed in float64, rounded once to float32.
 * Returns new arrays: this runs once per model load, never per sample.
 */
import { ShapeError, ArgumentError, formatShape } from '../errors.js';

export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  var: Float32Array;
  eps: number;
}

export function foldBatchNorm(w: Float32Array, wShape: readonly number[], b: Float32Array | null, bn: BatchNormParams): { weight: Float32Array; bias: Float32Array } {
  const O = wShape[0];
  let size = 1;
  for (const d of wShape) size *= d;
  if (wShape.length === 0 || w.length !== size) {
    throw new ShapeError(`foldBatchNorm: weight length does not match its shape: got ${w.length} elements for ${formatShape(wShape)}, expected ${size}`);
  }
  for (const [name, arr] of [['gamma', bn.gamma], ['beta', bn.beta], ['mean', bn.mean], ['var', bn.var], ['bias', b]] as const) {
    if (arr !== null && arr.length !== O) {
      throw new ShapeError(`foldBatchNorm: ${name} does not match the output channels: got ${arr.length} values, expected ${O} for weight ${formatShape(wShape)}`);
    }
  }
  if (!(bn.eps >= 0) || !Number.isFinite(bn.eps)) throw new ArgumentError(`foldBatchNorm: invalid eps: got ${bn.eps}, expected a finite non-negative number`);
  const per = O === 0 ? 0 : size / O;
  const weight = new Float32Array(size);
  const bias = new Float32Array(O);
  for (let o = 0; o < O; o++) {
    const s = bn.gamma[o] / Math.sqrt(bn.var[o] + bn.eps);
    for (let i = 0; i < per; i++) weight[o * per + i] = w[o * per + i] * s;
    bias[o] = ((b === null ? 0 : b[o]) - bn.mean[o]) * s + bn.beta[o];
  }
  return { weight, bias };
}
