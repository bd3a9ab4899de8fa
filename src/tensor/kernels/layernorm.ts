/**
 * Layer norm over the last axis:
 *   out[r,j] = (x[r,j] - mean_r) / sqrt(var_r + eps) * gamma[j] + beta[j]
 * with the biased variance var_r = mean_j (x[r,j] - mean_r)^2, as torch.nn.LayerNorm
 * (eps is 1e-12 in BERT, 1e-5 by default in PyTorch: it is a plan parameter, never implied).
 *
 * Shapes: x [rows, cols] (leading axes flattened), gamma [cols], beta [cols], out [rows, cols];
 * out may alias x. Tolerance: rel 1e-5 of |gamma| (two-pass mean/variance in float64 in both
 * versions, so no catastrophic cancellation). Optimization: two passes over each row, no temporaries.
 */
import { ShapeError, ArgumentError, formatShape } from '../errors.js';
import { needElements } from './need.js';

export interface LayerNormPlan {
  readonly rows: number;
  readonly cols: number;
  readonly eps: number;
}

export function layerNormPlan(xShape: readonly number[], gammaShape: readonly number[], eps: number): LayerNormPlan {
  const cols = xShape[xShape.length - 1];
  if (xShape.length === 0 || gammaShape.length !== 1 || gammaShape[0] !== cols || cols === 0) {
    throw new ShapeError(`layerNormPlan: weight does not match the last axis: got x ${formatShape(xShape)}, weight ${formatShape(gammaShape)}, expected weight [${cols ?? '?'}] with a non-empty last axis`);
  }
  if (!(eps > 0) || !Number.isFinite(eps)) throw new ArgumentError(`layerNormPlan: invalid eps: got ${eps}, expected a finite positive number`);
  let rows = 1;
  for (let i = 0; i < xShape.length - 1; i++) rows *= xShape[i];
  return { rows, cols, eps };
}

function check(where: string, out: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, p: LayerNormPlan): void {
  needElements(where, 'x', x, p.rows * p.cols);
  needElements(where, 'out', out, p.rows * p.cols);
  needElements(where, 'gamma', gamma, p.cols);
  needElements(where, 'beta', beta, p.cols);
}

/** out [rows, cols] = layer_norm(x [rows, cols]; gamma [cols], beta [cols], eps) */
export function layerNorm(out: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, p: LayerNormPlan): void {
  check('layerNorm', out, x, gamma, beta, p);
  const { rows, cols, eps } = p;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j];
    const mean = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[o + j] - mean;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / cols + eps);
    for (let j = 0; j < cols; j++) out[o + j] = (x[o + j] - mean) * inv * gamma[j] + beta[j];
  }
}

/** float64 reference: the row copied into a Float64Array, then the textbook formula. */
export function layerNormNaive(out: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, p: LayerNormPlan): void {
  check('layerNormNaive', out, x, gamma, beta, p);
  const { rows, cols, eps } = p;
  const row = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) row[j] = x[r * cols + j];
    const mean = row.reduce((a, b) => a + b, 0) / cols;
    const variance = row.reduce((a, b) => a + (b - mean) * (b - mean), 0) / cols;
    for (let j = 0; j < cols; j++) out[r * cols + j] = ((row[j] - mean) / Math.sqrt(variance + eps)) * gamma[j] + beta[j];
  }
}
