/**
 * The input side of an image network: raw pixels -> the stage-0 activation.
 *
 *   uint8 [n*C*H*W] --(x * scale)--> pixels in [0,1] [n*C*H*W]   (distortions apply here)
 *                   --(config.input.normalize, per image)--> x0 [n,C,H,W]
 *
 * The normalization is src/layers/preprocess.ts (the formula tools/resnet/common.py
 * `standardize` uses: biased variance over all of an image's pixels, eps from the config).
 */
import { ShapeError, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { applyNormalize } from './preprocess.js';
import type { ImageInputSpec } from './config.js';

function imageSize(spec: ImageInputSpec): number {
  return spec.shape[0] * spec.shape[1] * spec.shape[2];
}

/**
 * pixels [n*C*H*W] in [0,1] -> x0 [n,C,H,W] normalized as the config says. Writes into `out`
 * (n*C*H*W floats; may be `pixels` itself) or a new array.
 */
export function prepareImages(spec: ImageInputSpec, pixels: Float32Array, out?: Float32Array): Tensor {
  const size = imageSize(spec);
  if (pixels.length === 0 || pixels.length % size !== 0) {
    throw new ShapeError(`prepareImages: pixels are not whole images: got ${pixels.length} values, expected a positive multiple of ${size} (${formatShape(spec.shape)} per image)`);
  }
  const n = pixels.length / size;
  const dst = out ?? new Float32Array(pixels.length);
  if (dst.length !== pixels.length) {
    throw new ShapeError(`prepareImages: out has the wrong size: got ${dst.length}, expected ${pixels.length} ([${n},${spec.shape.join(',')}])`);
  }
  applyNormalize(spec.normalize, pixels, size, dst);
  return new Tensor(dst, [n, ...spec.shape]);
}

/**
 * raw [n*C*H*W] (as stored) -> pixels in [0,1], into `out` or a new array. Divides by 1/scale
 * (255 for uint8), so a pixel is exactly uint8 / 255 rounded to float32, as ImageStream and
 * PyTorch's `x.astype(float32) / 255` make it.
 */
export function rawToPixels(spec: ImageInputSpec, raw: Uint8Array | Float32Array, out?: Float32Array): Float32Array {
  const dst = out ?? new Float32Array(raw.length);
  if (dst.length !== raw.length) throw new ShapeError(`rawToPixels: out has the wrong size: got ${dst.length}, expected ${raw.length}`);
  const inv = Math.round(1 / spec.scale) * spec.scale === 1 ? Math.round(1 / spec.scale) : 1 / spec.scale;
  for (let i = 0; i < raw.length; i++) dst[i] = raw[i] / inv;
  return dst;
}
