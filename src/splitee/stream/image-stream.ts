/**
 * A seeded, deterministic stream of (optionally distorted) images for SplitEE experiments.
 *
 * Given uint8 images [count, H, W] and labels, the stream at time t = 0..length-1 yields
 *   {t, index, epoch, pixels: Float32Array [H*W] in [0,1], label, distortion}
 * where index = order_epoch[t mod count], epoch = floor(t / count), pixels = distortion(images[index] / 255).
 *
 * Determinism and independence (the contract):
 * - order 'as-is' visits 0..count-1 every epoch; 'shuffle' draws epoch e's permutation from
 *   Rng.seeded(deriveSeed(seed, ORDER_SALT, e)); an explicit array of indices is used as given (then repeated).
 * - the random numbers of a sample's distortion (noise, occlusion patch) come from
 *   Rng.seeded(deriveSeed(seed, index, epoch)): they depend on the seed, the image and the epoch only,
 *   never on the order or on t, so the same image gets the same noise whether the stream is shuffled or
 *   not (and whichever phase of a schedule it falls in: common random numbers across distortions).
 *   A later epoch (length > count) gives the same image fresh noise.
 * - a schedule [{from: 0, spec: 'clean'}, {from: 1000, spec: 'gaussian-noise:2'}] applies each spec from
 *   its `from` (a time step t) until the next phase; t before the first phase is clean.
 *
 * Pure core: no Node API. Sample pixels are fresh arrays (keep them freely) unless an `out` is passed.
 */
import { ArgumentError, ShapeError, describeValue } from '../../tensor/errors.js';
import { Rng } from '../rng.js';
import { CLEAN_DISTORTION, DEFAULT_DISTORTION_SETTINGS, Distorter, formatDistortion, parseDistortion, type Distortion, type DistortionSettings } from './distortions.js';

export interface DistortionPhase {
  /** First time step t of this phase. */
  from: number;
  spec: string | Distortion;
}

export type StreamOrder = 'as-is' | 'shuffle' | ArrayLike<number>;

export interface ImageStreamOptions {
  /** Row-major uint8 pixels [count * height * width]. */
  images: Uint8Array;
  /** Class index per image; omitted: every sample's label is -1. */
  labels?: ArrayLike<number> | null;
  height: number;
  width: number;
  /** Images used: the first `count` (default: all). */
  count?: number;
  order?: StreamOrder;
  /** One spec ('gaussian-noise:2', 'clean', ...) or a schedule over time. Default 'clean'. */
  distortion?: string | Distortion | readonly DistortionPhase[];
  /** Integer seed (default 0). */
  seed?: number;
  /** Number of samples (default: one pass over the images; more: repeated epochs). */
  length?: number;
  /** Severity tables / deployment severities, e.g. distortionSettingsFromConfig(modelConfig). */
  settings?: DistortionSettings;
}

export interface StreamSample {
  t: number;
  index: number;
  epoch: number;
  pixels: Float32Array;
  /** The image's class, or -1 if the stream has no labels. */
  label: number;
  /** The distortion applied, as 'NAME:S' or 'none'. */
  distortion: string;
}

export interface StreamBatch {
  /** [n * H * W] float pixels in [0,1], distorted. */
  pixels: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
}

/** Salt of the order permutation's seed (distinct from any image index, which is >= 0). */
export const ORDER_SALT = -1;

function mix32(h: number, v: number): number {
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * A 32-bit seed derived from integers (MurmurHash3's mixing): deriveSeed(seed, index, epoch) seeds a
 * sample's distortion Rng. Integers beyond 32 bits contribute both halves.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x5eed1e55 | 0;
  for (const p of parts) {
    if (!Number.isInteger(p)) throw new ArgumentError(`deriveSeed: part is not an integer: got ${p}, expected integers`);
    h = mix32(h, p | 0);
    h = mix32(h, Math.floor(p / 4294967296) | 0);
  }
  return fmix32(h ^ (parts.length * 8));
}

interface Phase {
  from: number;
  distortion: Distortion;
  name: string;
  distorter: Distorter;
}

export class ImageStream implements Iterable<StreamSample> {
  readonly length: number;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly pixelsPerImage: number;
  readonly seed: number;
  private readonly images: Uint8Array;
  private readonly labels: ArrayLike<number> | null;
  private readonly order: 'as-is' | 'shuffle' | Int32Array;
  private readonly phases: Phase[];
  private permEpoch = -1;
  private perm: Int32Array | null = null;

  constructor(opts: ImageStreamOptions) {
    const where = 'ImageStream';
    const { images, height, width } = opts;
    if (!(images instanceof Uint8Array)) throw new ArgumentError(`${where}: images are not uint8: got ${Object.prototype.toString.call(images)}, expected a Uint8Array`);
    if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
      throw new ShapeError(`${where}: invalid image size: got ${height}x${width}, expected positive integers`);
    }
    const ppi = height * width;
    if (images.length % ppi !== 0) throw new ShapeError(`${where}: images are not whole ${height}x${width} images: got ${images.length} bytes, expected a multiple of ${ppi}`);
    const available = images.length / ppi;
    const count = opts.count ?? available;
    if (!Number.isInteger(count) || count <= 0 || count > available) {
      throw new ArgumentError(`${where}: invalid count: got ${count}, expected an integer in [1,${available}]`);
    }
    const labels = opts.labels ?? null;
    if (labels !== null && labels.length < count) {
      throw new ShapeError(`${where}: fewer labels than images: got ${labels.length} labels, expected at least ${count}`);
    }
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed)) throw new ArgumentError(`${where}: seed is not an integer: got ${seed}, expected an integer`);
    let order: 'as-is' | 'shuffle' | Int32Array;
    const o = opts.order ?? 'as-is';
    if (o === 'as-is' || o === 'shuffle') order = o;
    else if (typeof o === 'object' && o !== null && typeof o.length === 'number') {
      order = Int32Array.from(o);
      if (order.length === 0) throw new ArgumentError(`${where}: empty order: got 0 indices, expected at least one`);
      for (let i = 0; i < order.length; i++) {
        if (order[i] !== o[i] || order[i] < 0 || order[i] >= count) {
          throw new ArgumentError(`${where}: order index out of range at ${i}: got ${o[i]}, expected an integer in [0,${count})`);
        }
      }
    } else throw new ArgumentError(`${where}: unknown order: got ${describeValue(o)}, expected 'as-is', 'shuffle' or an array of indices`);
    const epochLen = order instanceof Int32Array ? order.length : count;
    const length = opts.length ?? epochLen;
    if (!Number.isInteger(length) || length < 0) throw new ArgumentError(`${where}: invalid length: got ${length}, expected a non-negative integer`);

    const settings = opts.settings ?? DEFAULT_DISTORTION_SETTINGS;
    const spec = opts.distortion ?? CLEAN_DISTORTION;
    const list: readonly DistortionPhase[] = typeof spec === 'string' || !Array.isArray(spec) ? [{ from: 0, spec: spec as string | Distortion }] : spec;
    const phases: Phase[] = [];
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p === null || typeof p !== 'object' || !Number.isInteger(p.from) || p.from < 0) {
        throw new ArgumentError(`${where}: invalid schedule phase ${i}: got ${describeValue(p)}, expected {from: integer >= 0, spec}`);
      }
      if (i > 0 && p.from <= list[i - 1].from) {
        throw new ArgumentError(`${where}: schedule not increasing at phase ${i}: got from ${p.from} after ${list[i - 1].from}, expected strictly increasing 'from'`);
      }
      const d = typeof p.spec === 'string' ? parseDistortion(p.spec, settings) : p.spec;
      phases.push({ from: p.from, distortion: d, name: formatDistortion(d), distorter: new Distorter(d, height, width, settings) });
    }
    if (phases.length === 0 || phases[0].from > 0) {
      phases.unshift({ from: 0, distortion: CLEAN_DISTORTION, name: 'none', distorter: new Distorter(CLEAN_DISTORTION, height, width) });
    }

    this.images = images;
    this.labels = labels;
    this.height = height;
    this.width = width;
    this.pixelsPerImage = ppi;
    this.count = count;
    this.seed = seed;
    this.order = order;
    this.length = length;
    this.phases = phases;
  }

  private epochLength(): number {
    return this.order instanceof Int32Array ? this.order.length : this.count;
  }

  private checkT(where: string, t: number): void {
    if (!Number.isInteger(t) || t < 0 || t >= this.length) {
      throw new ArgumentError(`ImageStream.${where}: time step out of range: got ${t}, expected an integer in [0,${this.length})`);
    }
  }

  /** The epoch of time step t (0 for the first pass). */
  epochAt(t: number): number {
    return Math.floor(t / this.epochLength());
  }

  /** The image index at time step t. */
  indexAt(t: number): number {
    this.checkT('indexAt', t);
    const el = this.epochLength();
    const e = Math.floor(t / el);
    const i = t - e * el;
    if (this.order === 'as-is') return i;
    if (this.order instanceof Int32Array) return this.order[i];
    if (this.permEpoch !== e) {
      const p = this.perm ?? new Int32Array(this.count);
      for (let k = 0; k < p.length; k++) p[k] = k;
      const rng = Rng.seeded(deriveSeed(this.seed, ORDER_SALT, e));
      for (let k = p.length - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        const tmp = p[k];
        p[k] = p[j];
        p[j] = tmp;
      }
      this.perm = p;
      this.permEpoch = e;
    }
    return this.perm![i];
  }

  private phaseAt(t: number): Phase {
    const ph = this.phases;
    let k = ph.length - 1;
    while (k > 0 && ph[k].from > t) k--;
    return ph[k];
  }

  /** The distortion in force at time step t. */
  distortionAt(t: number): Distortion {
    return this.phaseAt(t).distortion;
  }

  /** The Rng of one sample's distortion: depends on (seed, index, epoch) only. */
  sampleRng(index: number, epoch: number): Rng {
    return Rng.seeded(deriveSeed(this.seed, index, epoch));
  }

  /** Writes image `index` as floats (uint8 / 255, rounded to float32) at out[offset..]. */
  private load(index: number, out: Float32Array, offset: number): void {
    const n = this.pixelsPerImage;
    const src = index * n;
    for (let i = 0; i < n; i++) out[offset + i] = this.images[src + i] / 255;
  }

  private fill(t: number, out: Float32Array, offset: number): { index: number; epoch: number; phase: Phase } {
    const index = this.indexAt(t);
    const epoch = this.epochAt(t);
    const phase = this.phaseAt(t);
    this.load(index, out, offset);
    const rng = phase.distorter.random ? this.sampleRng(index, epoch) : null;
    phase.distorter.apply(out, rng, out, offset, offset);
    return { index, epoch, phase };
  }

  /** The sample at time step t (random access). `out` (H*W floats) is reused if given. */
  sample(t: number, out?: Float32Array): StreamSample {
    this.checkT('sample', t);
    const pixels = out ?? new Float32Array(this.pixelsPerImage);
    if (pixels.length !== this.pixelsPerImage) {
      throw new ShapeError(`ImageStream.sample: out has the wrong size: got ${pixels.length}, expected ${this.pixelsPerImage} (${this.height}x${this.width})`);
    }
    const { index, epoch, phase } = this.fill(t, pixels, 0);
    return { t, index, epoch, pixels, label: this.labels === null ? -1 : this.labels[index], distortion: phase.name };
  }

  /**
   * Samples t0 .. t0+n-1 as one batch (for tracing): pixels [n*H*W] in [0,1], distorted, exactly the
   * pixels sample(t) gives. `out` is reused if given (n*H*W floats).
   */
  batch(t0: number, n: number, out?: Float32Array): StreamBatch {
    if (!Number.isInteger(n) || n < 0 || !Number.isInteger(t0) || t0 < 0 || t0 + n > this.length) {
      throw new ArgumentError(`ImageStream.batch: range out of the stream: got t ${t0}..${t0 + n - 1}, expected inside [0,${this.length})`);
    }
    const ppi = this.pixelsPerImage;
    const pixels = out ?? new Float32Array(n * ppi);
    if (pixels.length !== n * ppi) throw new ShapeError(`ImageStream.batch: out has the wrong size: got ${pixels.length}, expected ${n * ppi} (${n}x${this.height}x${this.width})`);
    const labels = new Int32Array(n);
    const indices = new Int32Array(n);
    for (let b = 0; b < n; b++) {
      const { index } = this.fill(t0 + b, pixels, b * ppi);
      indices[b] = index;
      labels[b] = this.labels === null ? -1 : this.labels[index];
    }
    return { pixels, labels, indices };
  }

  *[Symbol.iterator](): Iterator<StreamSample> {
    for (let t = 0; t < this.length; t++) yield this.sample(t);
  }
}

/** Builds a stream; see ImageStream for the determinism contract. */
export function buildImageStream(opts: ImageStreamOptions): ImageStream {
  return new ImageStream(opts);
}
