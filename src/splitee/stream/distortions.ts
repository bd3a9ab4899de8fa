/**
 * Deployment distortions of a sample stream (the I-SplitEE kind): applied to one float image
 * x [H,W] in [0,1] (after uint8 / 255, before the network's normalization), the result clipped to [0,1].
 *
 * EXACT definitions (tools/resnet/common.py `distort` implements the same formulas in PyTorch to
 * measure accuracy; keep both in step). s = severity 1..5, p_s = SEVERITY_TABLES[name][s-1]:
 *
 * - gaussian-noise:s  y = x + p_s * z, z ~ N(0,1) per pixel, drawn row-major with Rng.normal().
 * - gaussian-blur:s   separable Gaussian of sigma p_s: radius r = ceil(3 sigma), weights
 *                     w_d = exp(-d^2 / (2 sigma^2)) for d = -r..r, normalized to sum 1 (computed in
 *                     float64, rounded to float32 as PyTorch's kernel is); edge pixels clamped
 *                     (replicate padding); horizontal pass (along a row) first, then vertical.
 * - contrast:s        y = m + p_s * (x - m), m = the mean of the image's pixels.
 * - brightness:s      y = x + p_s.
 * - rotation:s        counter-clockwise (as displayed, row 0 on top) by p_s degrees about the center
 *                     c = ((W-1)/2, (H-1)/2), bilinear, zero fill: output pixel (row y, col x) reads
 *                     the source at sx = cx + cos(a)(x-cx) - sin(a)(y-cy), sy = cy + sin(a)(x-cx) + cos(a)(y-cy);
 *                     a neighbour outside the image contributes 0. For a square image this equals
 *                     torch grid_sample(x, affine_grid([[cos,-sin,0],[sin,cos,0]], align_corners=True),
 *                     mode='bilinear', padding_mode='zeros', align_corners=True).
 * - occlusion:s       a square of side p_s pixels (clamped to min(H,W)) set to 0; its top-left corner
 *                     is (rng.int(H-side+1), rng.int(W-side+1)) (row drawn first).
 * - none / clean      y = x (clipped).
 * Then every distortion clips to [0,1].
 *
 * Severity tables (distortion-spec.ts): SEVERITY_TABLES holds the defaults in one place; a model's config.json may override
 * them under "distortions" (see distortionSettingsFromConfig), which also carries each distortion's
 * deployment severity ("NAME:deploy" in a spec).
 *
 * Pure and allocation-free per image: a Distorter owns the kernel and one scratch image, created once
 * per (distortion, H, W); apply works in place or into an out buffer, at any offset.
 */
import { ArgumentError, ShapeError } from '../../tensor/errors.js';
import type { Rng } from '../rng.js';
import { DEFAULT_DISTORTION_SETTINGS, formatDistortion, parseDistortion, type Distortion, type DistortionSettings } from './distortion-spec.js';

export * from './distortion-spec.js';

/** Normalized 1-D Gaussian, radius ceil(3 sigma), computed in float64 and rounded to float32. */
export function gaussianKernel(sigma: number): Float32Array {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new ArgumentError(`gaussianKernel: invalid sigma: got ${sigma}, expected a finite number > 0`);
  const r = Math.ceil(3 * sigma);
  const w = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let d = -r; d <= r; d++) {
    w[d + r] = Math.exp(-(d * d) / (2 * sigma * sigma));
    sum += w[d + r];
  }
  const k = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) k[i] = w[i] / sum;
  return k;
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * Applies one distortion to images of size H x W. Holds the blur kernel and a scratch image, so
 * applying it allocates nothing. Not reentrant (one scratch): use one Distorter per thread of work.
 */
export class Distorter {
  readonly distortion: Distortion;
  readonly height: number;
  readonly width: number;
  private readonly kernel: Float32Array | null;
  private readonly scratch: Float32Array;

  constructor(distortion: Distortion | string, height: number, width: number, settings: DistortionSettings = DEFAULT_DISTORTION_SETTINGS) {
    if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
      throw new ShapeError(`Distorter: invalid image size: got ${height}x${width}, expected positive integers`);
    }
    this.distortion = typeof distortion === 'string' ? parseDistortion(distortion, settings) : distortion;
    this.height = height;
    this.width = width;
    this.kernel = this.distortion.name === 'gaussian-blur' ? gaussianKernel(this.distortion.param) : null;
    const needsScratch = this.distortion.name === 'gaussian-blur' || this.distortion.name === 'rotation';
    this.scratch = new Float32Array(needsScratch ? height * width : 0);
  }

  /** Whether the distortion consumes random numbers (noise, occlusion). */
  get random(): boolean {
    return this.distortion.name === 'gaussian-noise' || this.distortion.name === 'occlusion';
  }

  /**
   * Distorts the image at src[srcOffset .. +H*W) into dst[dstOffset .. +H*W) (dst defaults to src:
   * in place; the two ranges must be identical or disjoint). `rng` is used by noise and occlusion only
   * (it may be null for the others).
   */
  apply(src: Float32Array, rng: Rng | null, dst: Float32Array = src, srcOffset = 0, dstOffset = srcOffset): void {
    const n = this.height * this.width;
    if (rng === null && this.random) {
      throw new ArgumentError(`Distorter.apply: ${formatDistortion(this.distortion)} needs random numbers: got rng null, expected an Rng`);
    }
    if (srcOffset < 0 || dstOffset < 0 || srcOffset + n > src.length || dstOffset + n > dst.length) {
      throw new ShapeError(`Distorter.apply: image range outside the buffers: got src ${srcOffset}+${n} of ${src.length}, dst ${dstOffset}+${n} of ${dst.length}, expected ranges inside`);
    }
    const d = this.distortion;
    const so = srcOffset;
    const doff = dstOffset;
    switch (d.name) {
      case 'none':
        for (let i = 0; i < n; i++) dst[doff + i] = clip01(src[so + i]);
        return;
      case 'gaussian-noise': {
        const s = d.param;
        for (let i = 0; i < n; i++) dst[doff + i] = clip01(src[so + i] + s * rng!.normal());
        return;
      }
      case 'brightness': {
        const b = d.param;
        for (let i = 0; i < n; i++) dst[doff + i] = clip01(src[so + i] + b);
        return;
      }
      case 'contrast': {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += src[so + i];
        const m = sum / n;
        const f = d.param;
        for (let i = 0; i < n; i++) dst[doff + i] = clip01(m + f * (src[so + i] - m));
        return;
      }
      case 'gaussian-blur':
        this.blur(src, so, dst, doff);
        return;
      case 'rotation':
        this.rotate(src, so, dst, doff, d.param);
        return;
      case 'occlusion': {
        const H = this.height;
        const W = this.width;
        const side = Math.min(d.param, H, W);
        if (src !== dst || so !== doff) for (let i = 0; i < n; i++) dst[doff + i] = clip01(src[so + i]);
        else for (let i = 0; i < n; i++) dst[doff + i] = clip01(dst[doff + i]);
        const y0 = rng!.int(H - side + 1);
        const x0 = rng!.int(W - side + 1);
        for (let y = y0; y < y0 + side; y++) dst.fill(0, doff + y * W + x0, doff + y * W + x0 + side);
        return;
      }
    }
  }

  /** Distorts `count` consecutive images of src into dst (default: in place), in order, with one rng. */
  applyBatch(src: Float32Array, count: number, rng: Rng | null, dst: Float32Array = src): void {
    const n = this.height * this.width;
    if (!Number.isInteger(count) || count < 0 || count * n > src.length || count * n > dst.length) {
      throw new ShapeError(`Distorter.applyBatch: batch does not fit the buffers: got ${count} images of ${n} pixels over ${src.length} (src) and ${dst.length} (dst) elements, expected count*H*W elements in each`);
    }
    for (let b = 0; b < count; b++) this.apply(src, rng, dst, b * n, b * n);
  }

  private blur(src: Float32Array, so: number, dst: Float32Array, doff: number): void {
    const H = this.height;
    const W = this.width;
    const k = this.kernel!;
    const r = (k.length - 1) >> 1;
    const tmp = this.scratch;
    // horizontal: src -> tmp
    for (let y = 0; y < H; y++) {
      const row = so + y * W;
      for (let x = 0; x < W; x++) {
        let acc = 0;
        for (let j = -r; j <= r; j++) {
          let xx = x + j;
          xx = xx < 0 ? 0 : xx >= W ? W - 1 : xx;
          acc += k[j + r] * src[row + xx];
        }
        tmp[y * W + x] = acc;
      }
    }
    // vertical: tmp -> dst
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let acc = 0;
        for (let j = -r; j <= r; j++) {
          let yy = y + j;
          yy = yy < 0 ? 0 : yy >= H ? H - 1 : yy;
          acc += k[j + r] * tmp[yy * W + x];
        }
        dst[doff + y * W + x] = clip01(acc);
      }
    }
  }

  private rotate(src: Float32Array, so: number, dst: Float32Array, doff: number, degrees: number): void {
    const H = this.height;
    const W = this.width;
    const n = H * W;
    const s = this.scratch;
    for (let i = 0; i < n; i++) s[i] = src[so + i]; // the source survives an in-place call
    const a = (degrees * Math.PI) / 180;
    const cos = Math.cos(a);
    const sin = Math.sin(a);
    const cx = (W - 1) / 2;
    const cy = (H - 1) / 2;
    for (let y = 0; y < H; y++) {
      const dy = y - cy;
      for (let x = 0; x < W; x++) {
        const dx = x - cx;
        const sx = cx + cos * dx - sin * dy;
        const sy = cy + sin * dx + cos * dy;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        let v = 0;
        if (y0 >= 0 && y0 < H) {
          if (x0 >= 0 && x0 < W) v += (1 - fx) * (1 - fy) * s[y0 * W + x0];
          if (x0 + 1 >= 0 && x0 + 1 < W) v += fx * (1 - fy) * s[y0 * W + x0 + 1];
        }
        if (y0 + 1 >= 0 && y0 + 1 < H) {
          if (x0 >= 0 && x0 < W) v += (1 - fx) * fy * s[(y0 + 1) * W + x0];
          if (x0 + 1 >= 0 && x0 + 1 < W) v += fx * fy * s[(y0 + 1) * W + x0 + 1];
        }
        dst[doff + y * W + x] = clip01(v);
      }
    }
  }
}

/**
 * One-off convenience: distorts one image [H,W] (or `count` images) of x into `out` (default: in place).
 * Builds a Distorter per call; in a loop, build one Distorter and reuse it.
 */
export function distort(
  x: Float32Array,
  spec: Distortion | string,
  rng: Rng,
  opts: { height: number; width: number; out?: Float32Array; settings?: DistortionSettings },
): Float32Array {
  const out = opts.out ?? x;
  const d = new Distorter(spec, opts.height, opts.width, opts.settings);
  const n = opts.height * opts.width;
  if (x.length % n !== 0 || out.length !== x.length) {
    throw new ShapeError(`distort: buffer sizes do not match the image size: got ${x.length} (x) and ${out.length} (out) elements, expected the same multiple of ${opts.height}x${opts.width}`);
  }
  d.applyBatch(x, x.length / n, rng, out);
  return out;
}
