/**
 * Fashion-MNIST (and any IDX image set of the same layout): uint8 images [N,H,W] + labels [N].
 *
 * Sources:
 * - explicit files: `{images, labels}` (gz or raw IDX);
 * - Debian's `dataset-fashion-mnist`: `{split: 'train' | 'test'}` reads
 *   /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz;
 * - the shipped stream sample: `{sample: true}` reads
 *   weights/fmnist-resnet/stream/t2k-{images-idx3,labels-idx1}-ubyte.gz (the first 2,000 test images),
 *   found relative to the package root, so it works without the Debian package (CI, npm installs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError, ValueError, formatShape, describeValue } from '../../tensor/errors.js';
import { IoError, readIdxFile } from './idx-file.js';

export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** The shipped sample, relative to the package root. */
export const FASHION_MNIST_SAMPLE_DIR = 'weights/fmnist-resnet/stream';
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export interface ImageSet {
  /** Row-major uint8 pixels, [count * height * width]. */
  images: Uint8Array;
  /** Class indices, [count]. */
  labels: Uint8Array | Int32Array;
  count: number;
  height: number;
  width: number;
  /** The files read. */
  paths: { images: string; labels: string };
}

export interface ImageFile {
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export type FashionMnistSource =
  | { images: string; labels: string }
  | { split: 'train' | 'test'; dir?: string }
  | { sample: true; root?: string };

export interface ImageCheck {
  /** Required height and width; omitted = any. */
  height?: number;
  width?: number;
}

/** Reads an IDX image file: u8, [N,H,W] (or [N,1,H,W]). */
export function readIdxImages(path: string, check: ImageCheck = {}): ImageFile {
  const where = `readIdxImages(${path})`;
  const a = readIdxFile(path);
  if (a.dtype !== 'u8') throw new FormatError(`${where}: images have the wrong dtype: got ${a.dtype}, expected u8`);
  let dims = a.dims;
  if (dims.length === 4 && dims[1] === 1) dims = [dims[0], dims[2], dims[3]];
  if (dims.length !== 3) {
    throw new FormatError(`${where}: images have the wrong rank: got ${formatShape(a.dims)}, expected [N,H,W] (IDX type 0x0803)`);
  }
  const [count, height, width] = dims;
  if ((check.height !== undefined && height !== check.height) || (check.width !== undefined && width !== check.width)) {
    throw new FormatError(`${where}: images have the wrong size: got ${formatShape(dims)}, expected [N,${check.height ?? 'H'},${check.width ?? 'W'}]`);
  }
  return { images: a.data as Uint8Array, count, height, width };
}

/** Reads an IDX label file: u8 or i32, [N], every value in [0, numClasses). */
export function readIdxLabels(path: string, numClasses = 10): Uint8Array | Int32Array {
  const where = `readIdxLabels(${path})`;
  const a = readIdxFile(path);
  if (a.dtype !== 'u8' && a.dtype !== 'i32') throw new FormatError(`${where}: labels have the wrong dtype: got ${a.dtype}, expected u8 or i32`);
  if (a.dims.length !== 1) throw new FormatError(`${where}: labels have the wrong rank: got ${formatShape(a.dims)}, expected [N] (IDX type 0x0801)`);
  const labels = a.data as Uint8Array | Int32Array;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v < 0 || v >= numClasses) {
      throw new ValueError(`${where}: label out of range at index ${i}: got ${v}, expected an integer in [0,${numClasses})`);
    }
  }
  return labels;
}

/** Reads an image file and its label file and checks that they agree. */
export function loadIdxImageSet(images: string, labels: string, opts: ImageCheck & { numClasses?: number } = {}): ImageSet {
  const img = readIdxImages(images, opts);
  const lab = readIdxLabels(labels, opts.numClasses ?? 10);
  if (lab.length !== img.count) {
    throw new FormatError(`loadIdxImageSet(${images}, ${labels}): image and label counts disagree: got ${img.count} images and ${lab.length} labels, expected equal counts`);
  }
  return { ...img, labels: lab, paths: { images, labels } };
}

let cachedRoot: string | undefined;

/** The directory of splitee's package.json (found by walking up from this file, in src/ or dist/src/). */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'splitee') return (cachedRoot = dir);
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new IoError(`packageRoot: splitee's package.json not found: got none above ${fileURLToPath(import.meta.url)}, expected one`);
    dir = up;
  }
}

/** The two paths a source names, without reading them. */
export function fashionMnistPaths(src: FashionMnistSource): { images: string; labels: string } {
  if ('images' in src) return { images: src.images, labels: src.labels };
  if ('split' in src) {
    const prefix = src.split === 'train' ? 'train' : 't10k';
    const dir = src.dir ?? DEBIAN_FASHION_MNIST_DIR;
    return { images: join(dir, `${prefix}-images-idx3-ubyte.gz`), labels: join(dir, `${prefix}-labels-idx1-ubyte.gz`) };
  }
  const dir = resolve(src.root ?? packageRoot(), FASHION_MNIST_SAMPLE_DIR);
  return { images: join(dir, 't2k-images-idx3-ubyte.gz'), labels: join(dir, 't2k-labels-idx1-ubyte.gz') };
}

/**
 * Loads Fashion-MNIST: 28x28 uint8 images, labels in [0,10).
 * Missing Debian files give an IoError with the install hint; a missing sample says so.
 */
export function loadFashionMnist(src: FashionMnistSource): ImageSet {
  if (src === null || typeof src !== 'object' || !('images' in src || 'split' in src || 'sample' in src)) {
    throw new ValueError(`loadFashionMnist: invalid source: got ${describeValue(src)}, expected {images, labels} | {split: 'train'|'test'} | {sample: true}`);
  }
  if ('split' in src && src.split !== 'train' && src.split !== 'test') {
    throw new ValueError(`loadFashionMnist: unknown split: got '${String(src.split)}', expected 'train' or 'test'`);
  }
  const paths = fashionMnistPaths(src);
  for (const p of [paths.images, paths.labels]) {
    if (existsSync(p)) continue;
    if ('split' in src) {
      throw new IoError(
        `loadFashionMnist: Fashion-MNIST ${src.split} file missing: got no ${p}, expected Debian's dataset-fashion-mnist files` +
          `; hint: apt-get install dataset-fashion-mnist, or use the shipped sample ({sample: true}, ${FASHION_MNIST_SAMPLE_DIR})`,
      );
    }
    if ('sample' in src) {
      throw new IoError(`loadFashionMnist: shipped stream sample missing: got no ${p}, expected the sample written by tools/resnet/export.py; hint: re-create it (weights/fmnist-resnet/README) or use {split: 'test'}`);
    }
    throw new IoError(`loadFashionMnist: file missing: got no ${p}, expected an IDX file (gz or raw)`);
  }
  return loadIdxImageSet(paths.images, paths.labels, { height: 28, width: 28, numClasses: 10 });
}
