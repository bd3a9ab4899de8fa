/**
 * Elementwise kernels: ReLU, GELU, tanh, (residual) add, add-bias.
 *
 *   relu(x) = max(x, 0)            (NaN stays NaN, as torch.relu)
 *   gelu(x) = x/2 * (1 + erf(x/sqrt 2)) = x/2 * erfc(-x/sqrt 2)
 *             the erf form, torch.nn.functional.gelu(approximate='none'), which BERT uses
 *             (not GPT-2's tanh approximation)
 *   tanh(x), add(a, b) (+ fused activation, for ResNet's relu(out + identity)),
 *   addBias(x, bias): x [rows, cols] + bias [cols] broadcast over rows.
 *
 * Layout: flat Float32Arrays of n elements; `out` may alias an input (in-place is allowed).
 * Tolerance: rel 1e-6 against the float64 references, except GELU:
 *   |gelu(x) - gelu64(x)| <= 1e-7 |gelu64(x)| + 3.5e-8 |x|.
 *   erfFast (below) has absolute error <= 6.5e-8, so GELU's error is absolute, <= 3.3e-8 |x|: about
 *   3e-8 relative for x >= 0, <= 1.2e-7 relative on [-1, 0), and in the negative tail (x < -3, where
 *   gelu(x) is below 0.005 in size) only the absolute bound holds (the output is 0 below x = -5.64).
 *   PyTorch's own float32 CPU gelu, 0.5 x (1 + erf(x / sqrt 2)) in float32 (its AVX2 erf is
 *   Abramowitz-Stegun 7.1.26, absolute error 1.5e-7), is less accurate: measured over [-12, 12] (torch
 *   1.13 on this machine) its error reaches 2.3e-7 |x|, and 5% relative on [-5, -3].
 * Optimization: one tight loop per op. GELU uses a rational erf with no exp (Eigen's
 * generic_fast_erf_float, also XLA's and TVM's), about 7 ns per element against 34 ns for the
 * Numerical Recipes erfc it replaced, whose Math.exp (a call into V8's C library) took ~25 ns of those.
 * Clamps are ternaries, not Math.min/max (one of each cost ~3 ns per element here, V8 keeping their
 * NaN and -0 rules). The reference versions evaluate in float64 with an erf accurate to ~1e-15.
 */
import { ShapeError, ArgumentError, formatShape } from '../errors.js';

export type Activation = 'none' | 'relu' | 'gelu';

const ACTIVATIONS: readonly Activation[] = ['none', 'relu', 'gelu'];

export function checkActivation(where: string, act: unknown): Activation {
  if (!ACTIVATIONS.includes(act as Activation)) {
    throw new ArgumentError(`${where}: unknown activation: got ${String(act)}, expected one of ${ACTIVATIONS.join('|')}`);
  }
  return act as Activation;
}

/**
 * erf(x) for every x, absolute error <= 6.5e-8: x P(x^2) / Q(x^2) with x clamped to [-4, 4] (Eigen's
 * generic_fast_erf_float, fitted for float32), the result clamped to [-1, 1] (in float64 the fit
 * reaches 1 + 4.9e-8 at 4, which would turn 1 + erf(x) negative). NaN stays NaN.
 */
export function erfFast(x: number): number {
  const c = x < -4 ? -4 : x > 4 ? 4 : x;
  const c2 = c * c;
  let p = c2 * -2.72614225801306e-10 + 2.77068142495902e-8;
  p = c2 * p - 2.10102402082508e-6;
  p = c2 * p - 5.69250639462346e-5;
  p = c2 * p - 7.34990630326855e-4;
  p = c2 * p - 2.95459980854025e-3;
  p = c2 * p - 1.60960333262415e-2;
  let q = c2 * -1.45660718464996e-5 - 2.13374055278905e-4;
  q = c2 * q - 1.68282697438203e-3;
  q = c2 * q - 7.37332916720468e-3;
  q = c2 * q - 1.42647390514189e-2;
  const r = (c * p) / q;
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/** GELU (erf form) with erfFast: |error| <= 3.3e-8 |x| (see the header). */
export function geluScalar(x: number): number {
  return 0.5 * x * (1 + erfFast(x * Math.SQRT1_2));
}

/** erfc(z) to ~1e-14 relative: Taylor series of erf below 1.5, continued fraction (Laplace) above. */
export function erfc64(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < 0) return 2 - erfc64(-z);
  if (z < 1.5) {
    // erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1)); terms stay below e^2.25 (no cancellation).
    let term = z;
    let sum = z;
    const z2 = z * z;
    for (let n = 1; n < 200; n++) {
      term *= -z2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), evaluated backwards.
  let f = z;
  for (let k = 200; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

export function gelu64(x: number): number {
  return 0.5 * x * erfc64(-x * Math.SQRT1_2);
}

/** Applies an activation to one value (epilogues of gemm/conv use this outside their inner loops). */
export function activate(act: Activation, v: number): number {
  if (act === 'relu') return v < 0 ? 0 : v;
  if (act === 'gelu') return geluScalar(v);
  return v;
}

function activate64(act: Activation, v: number): number {
  if (act === 'relu') return v < 0 ? 0 : v;
  if (act === 'gelu') return gelu64(v);
  return v;
}

/** Applies `act` in place to out[start, end). */
export function activateRange(out: Float32Array, start: number, end: number, act: Activation): void {
  if (act === 'relu') {
    for (let i = start; i < end; i++) if (out[i] < 0) out[i] = 0;
  } else if (act === 'gelu') {
    for (let i = start; i < end; i++) out[i] = geluScalar(out[i]);
  }
}

function checkLen(where: string, name: string, arr: ArrayLike<number>, need: number): void {
  if (arr.length < need) {
    throw new ShapeError(`${where}: ${name} is too short: got ${arr.length} elements, expected at least ${need}`);
  }
}

/** Validates that two shapes are equal (residual add) and returns their size. */
export function binaryPlan(where: string, a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ShapeError(`${where}: shapes differ: got ${formatShape(a)} and ${formatShape(b)}, expected equal shapes`);
  }
  let n = 1;
  for (const d of a) n *= d;
  return n;
}

export interface BiasPlan {
  rows: number;
  cols: number;
}

/** x [..., cols] + bias [cols]: bias must match the last axis. */
export function biasPlan(where: string, xShape: readonly number[], biasShape: readonly number[]): BiasPlan {
  const cols = xShape[xShape.length - 1];
  if (xShape.length === 0 || biasShape.length !== 1 || biasShape[0] !== cols) {
    throw new ShapeError(`${where}: bias does not match the last axis: got x ${formatShape(xShape)}, bias ${formatShape(biasShape)}, expected bias [${cols ?? '?'}]`);
  }
  let rows = 1;
  for (let i = 0; i < xShape.length - 1; i++) rows *= xShape[i];
  return { rows, cols };
}

// ---- fast versions -------------------------------------------------------------------------

/** out [n] = relu(x [n]) */
export function relu(out: Float32Array, x: Float32Array, n: number): void {
  checkLen('relu', 'x', x, n);
  checkLen('relu', 'out', out, n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v < 0 ? 0 : v;
  }
}

/** out [n] = gelu(x [n]) (erf form) */
export function gelu(out: Float32Array, x: Float32Array, n: number): void {
  checkLen('gelu', 'x', x, n);
  checkLen('gelu', 'out', out, n);
  for (let i = 0; i < n; i++) out[i] = geluScalar(x[i]);
}

/** out [n] = tanh(x [n]) */
export function tanh(out: Float32Array, x: Float32Array, n: number): void {
  checkLen('tanh', 'x', x, n);
  checkLen('tanh', 'out', out, n);
  for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
}

/** out [n] = act(a [n] + b [n]) */
export function add(out: Float32Array, a: Float32Array, b: Float32Array, n: number, act: Activation = 'none'): void {
  checkLen('add', 'a', a, n);
  checkLen('add', 'b', b, n);
  checkLen('add', 'out', out, n);
  if (act === 'relu') {
    for (let i = 0; i < n; i++) {
      const v = a[i] + b[i];
      out[i] = v < 0 ? 0 : v;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
    activateRange(out, 0, n, act);
  }
}

/** out [rows, cols] = act(x [rows, cols] + bias [cols]) */
export function addBias(out: Float32Array, x: Float32Array, bias: Float32Array, rows: number, cols: number, act: Activation = 'none'): void {
  checkLen('addBias', 'x', x, rows * cols);
  checkLen('addBias', 'bias', bias, cols);
  checkLen('addBias', 'out', out, rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[o + c] = x[o + c] + bias[c];
  }
  activateRange(out, 0, rows * cols, act);
}

// ---- float64 references --------------------------------------------------------------------

export function reluNaive(out: Float32Array, x: Float32Array, n: number): void {
  checkLen('reluNaive', 'x', x, n);
  for (let i = 0; i < n; i++) out[i] = activate64('relu', x[i]);
}

export function geluNaive(out: Float32Array, x: Float32Array, n: number): void {
  checkLen('geluNaive', 'x', x, n);
  for (let i = 0; i < n; i++) out[i] = gelu64(x[i]);
}

export function tanhNaive(out: Float32Array, x: Float32Array, n: number): void {
  checkLen('tanhNaive', 'x', x, n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    // tanh = (e^2v - 1)/(e^2v + 1), written with expm1 so that small v keeps full precision.
    const e = Math.expm1(-2 * Math.abs(v));
    out[i] = Math.abs(v) > 20 ? Math.sign(v) : (Math.sign(v) * -e) / (2 + e);
  }
}

export function addNaive(out: Float32Array, a: Float32Array, b: Float32Array, n: number, act: Activation = 'none'): void {
  checkLen('addNaive', 'a', a, n);
  checkLen('addNaive', 'b', b, n);
  for (let i = 0; i < n; i++) out[i] = activate64(act, a[i] + b[i]);
}

export function addBiasNaive(out: Float32Array, x: Float32Array, bias: Float32Array, rows: number, cols: number, act: Activation = 'none'): void {
  checkLen('addBiasNaive', 'x', x, rows * cols);
  checkLen('addBiasNaive', 'bias', bias, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = activate64(act, x[r * cols + c] + bias[c]);
}
