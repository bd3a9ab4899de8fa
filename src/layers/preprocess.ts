/**
 * Network input preprocessing. The fmnist-resnet model takes per-image standardized images:
 *
 *     x' = (x - mean(x)) / sqrt(var(x) + eps),   var biased (divided by the pixel count),
 *
 * over all the image's pixels, x = uint8 / 255 after any distortion. This is
 * tools/resnet/common.py `standardize` (eps 1e-5 by default; the model's config.json says
 * {"input": {"normalize": {"kind": "per-image-standardize", "eps": ...}}}).
 * Mean and variance are accumulated in float64 (two passes), the result stored as float32.
 */
import { ConfigError, ShapeError, describeValue } from '../tensor/errors.js';

export const DEFAULT_STANDARDIZE_EPS = 1e-5;

/**
 * Standardizes one image: out = (x - mean) / sqrt(var + eps). out may be x (in place).
 * With offsets and size it works on one image inside larger buffers. Returns out.
 */
export function standardizeImage(
  out: Float32Array,
  x: Float32Array,
  eps = DEFAULT_STANDARDIZE_EPS,
  size = x.length,
  xOffset = 0,
  outOffset = xOffset,
): Float32Array {
  if (size <= 0 || xOffset < 0 || outOffset < 0 || xOffset + size > x.length || outOffset + size > out.length) {
    throw new ShapeError(`standardizeImage: image range outside the buffers: got x ${xOffset}+${size} of ${x.length}, out ${outOffset}+${size} of ${out.length}, expected a non-empty range inside each`);
  }
  let sum = 0;
  for (let i = 0; i < size; i++) sum += x[xOffset + i];
  const m = sum / size;
  let ss = 0;
  for (let i = 0; i < size; i++) {
    const d = x[xOffset + i] - m;
    ss += d * d;
  }
  const inv = 1 / Math.sqrt(ss / size + eps);
  for (let i = 0; i < size; i++) out[outOffset + i] = (x[xOffset + i] - m) * inv;
  return out;
}

/** Standardizes each of the x.length / imageSize images of x into out (default: in place). */
export function standardizeBatch(x: Float32Array, imageSize: number, eps = DEFAULT_STANDARDIZE_EPS, out: Float32Array = x): Float32Array {
  if (!Number.isInteger(imageSize) || imageSize <= 0 || x.length % imageSize !== 0 || out.length !== x.length) {
    throw new ShapeError(`standardizeBatch: buffers are not whole images: got ${x.length} (x) and ${out.length} (out) elements, image size ${imageSize}, expected equal multiples of the image size`);
  }
  for (let o = 0; o < x.length; o += imageSize) standardizeImage(out, x, eps, imageSize, o, o);
  return out;
}

export type NormalizeSpec = { kind: 'per-image-standardize'; eps: number } | { kind: 'none' };

/**
 * The input normalization of a model config: config.input.normalize (as tools/resnet/export.py
 * writes it) or config.normalize. Absent: none. An unknown kind is a ConfigError.
 */
export function normalizeSpecFromConfig(config: unknown): NormalizeSpec {
  const c = (config ?? {}) as { input?: { normalize?: unknown }; normalize?: unknown };
  const n = c.input?.normalize ?? c.normalize;
  if (n === undefined || n === null) return { kind: 'none' };
  const k = (n as { kind?: unknown }).kind;
  if (k === 'none') return { kind: 'none' };
  if (k !== 'per-image-standardize') {
    throw new ConfigError(`normalizeSpecFromConfig: unknown input normalization: got ${describeValue(k)}, expected 'per-image-standardize' or 'none'`);
  }
  const eps = (n as { eps?: unknown }).eps ?? DEFAULT_STANDARDIZE_EPS;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new ConfigError(`normalizeSpecFromConfig: invalid eps: got ${describeValue(eps)}, expected a finite number >= 0`);
  }
  return { kind: 'per-image-standardize', eps };
}

/** Applies a NormalizeSpec to a batch of images (imageSize pixels each) into out (default: in place). */
export function applyNormalize(spec: NormalizeSpec, x: Float32Array, imageSize: number, out: Float32Array = x): Float32Array {
  if (spec.kind === 'per-image-standardize') return standardizeBatch(x, imageSize, spec.eps, out);
  if (out.length !== x.length) throw new ShapeError(`applyNormalize: out has the wrong size: got ${out.length}, expected ${x.length}`);
  if (out !== x) out.set(x);
  return out;
}
