/**
 * Image data (the 'images' resolver of ../data-sources.ts, for trace, run and claims): resolves --data / --labels / --distortion / --seed / --limit into
 * a TraceSource for an image network (uint8 IDX images -> ImageStream (as-is order, distortion
 * seeded per image) -> the network's input normalization).
 *
 *   --data fashion-mnist:sample   the 2,000 images shipped in the model folder (stream/t2k-*.gz)
 *   --data fashion-mnist:heldout  1,000 clean test images disjoint from the stream (test 9000..9999,
 *                                 heldout/h1k-*.gz, written by tools/resnet/heldout.py): alpha auto's data
 *   --data fashion-mnist:test     Debian's t10k files     --data fashion-mnist:train   the 60k training set
 *   --data FILE [--labels FILE]   any IDX image file of the model's input size (gz or raw)
 *
 * --distortion is one spec or a drifting schedule, 'clean>gaussian-noise:2>gaussian-blur:3' (equal
 * segments over the --samples stream) or with starts 'clean>gaussian-noise:2@500>...' (schedule.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, FormatError, formatShape } from '../../tensor/errors.js';
import { buildImageStream } from '../../splitee/stream/image-stream.js';
import { DISTORTION_NAMES, distortionSettingsFromConfig, parseDistortion, type Distortion, type DistortionSettings } from '../../splitee/stream/distortions.js';
import { formatSchedule, parseSchedule } from '../../splitee/stream/schedule.js';
import type { ResNetModel } from '../../layers/resnet.js';
import { RESNET_FAMILY } from '../../layers/families/resnet.js';
import { loadFashionMnist, packageRoot, readIdxImages, readIdxLabels, type ImageSet } from '../datasets/fashion-mnist.js';
import type { SourceRequest, TraceSource } from './source.js';

/** The image family's named data sets (src/layers/families/resnet.ts), the default first. */
export const FASHION_MNIST_SOURCES = RESNET_FAMILY.data.sources;

function loadImages(net: ResNetModel, modelDir: string, req: SourceRequest): { set: Omit<ImageSet, 'labels'> & { labels: ArrayLike<number> | null }; name: string } {
  const data = req.data ?? FASHION_MNIST_SOURCES[0];
  const [C, H, W] = net.config.input.shape;
  if (data.startsWith('fashion-mnist:')) {
    if (req.labels !== undefined) throw new ArgumentError(`trace: --labels goes with --data FILE: got --labels with ${data}, expected no --labels (the data set has its own)`);
    if (data === 'fashion-mnist:sample') {
      const dir = join(modelDir, 'stream');
      return { set: loadFashionMnist({ images: join(dir, 't2k-images-idx3-ubyte.gz'), labels: join(dir, 't2k-labels-idx1-ubyte.gz') }), name: data };
    }
    if (data === 'fashion-mnist:heldout') {
      // The model folder's own copy, else the one shipped with the package (the images do not depend on the weights).
      const own = join(modelDir, 'heldout');
      const dir = existsSync(join(own, 'h1k-images-idx3-ubyte.gz')) ? own : join(packageRoot(), 'weights', 'fmnist-resnet', 'heldout');
      return { set: loadFashionMnist({ images: join(dir, 'h1k-images-idx3-ubyte.gz'), labels: join(dir, 'h1k-labels-idx1-ubyte.gz') }), name: data };
    }
    if (data === 'fashion-mnist:test' || data === 'fashion-mnist:train') return { set: loadFashionMnist({ split: data === 'fashion-mnist:test' ? 'test' : 'train' }), name: data };
    throw new ArgumentError(`trace: unknown data set: got '${data}', expected one of ${FASHION_MNIST_SOURCES.join(', ')} or an IDX file`);
  }
  if (C !== 1) throw new FormatError(`trace: IDX images are single-channel: got a model input of ${formatShape(net.config.input.shape)}, expected [1,H,W]`);
  const img = readIdxImages(data, { height: H, width: W });
  let labels: ArrayLike<number> | null = null;
  if (req.labels !== undefined) {
    labels = readIdxLabels(req.labels, net.numClasses);
    if (labels.length !== img.count) throw new FormatError(`trace: image and label counts disagree: got ${img.count} images in ${data} and ${labels.length} labels in ${req.labels}, expected equal counts`);
  }
  return { set: { ...img, labels, paths: { images: data, labels: req.labels ?? '' } }, name: data };
}

/**
 * parseDistortion for a distortion the user named (--distortion, claims --streams): 'NAME:deploy'
 * for a distortion without a deployment severity in the model's config says so, and which severities
 * and deployment severities the config does have.
 */
function parseDistortionOf(spec: string, settings: DistortionSettings, modelDir: string): Distortion {
  const m = /^(.+):(deploy|deployment)$/.exec(spec.trim());
  const name = DISTORTION_NAMES.find((n) => n === m?.[1]);
  if (name !== undefined && settings.deployment[name] === undefined) {
    const table = settings.tables[name];
    const have = DISTORTION_NAMES.filter((n) => settings.deployment[n] !== undefined);
    const config = modelDir === '' ? "the model's config.json" : join(modelDir, 'config.json');
    throw new ArgumentError(
      `distortion: no deployment severity for ${name} in ${config}: got '${spec}', expected ${name}:S with S in 1..${table.length} (${name} ${table.join(', ')}); hint: ` +
        (have.length > 0 ? `NAME:deploy works for ${have.map((n) => `${n} (${settings.deployment[n]})`).join(', ')}` : 'this config names no deployment severity'),
    );
  }
  return parseDistortion(spec, settings);
}

/** A TraceSource over images for `net`; config is the model's parsed config.json (severity tables). */
export function resolveImageSource(net: ResNetModel, config: unknown, req: SourceRequest, modelDir = ''): TraceSource {
  const { set, name } = loadImages(net, modelDir, req);
  const [, H, W] = net.config.input.shape;
  if (set.height !== H || set.width !== W) {
    throw new FormatError(`trace: images do not fit the model: got ${set.height}x${set.width} images, expected ${H}x${W} (${formatShape(net.config.input.shape)})`);
  }
  const count = Math.min(req.limit ?? set.count, set.count);
  const settings = distortionSettingsFromConfig(config);
  // one distortion, or a drifting schedule 'clean>gaussian-noise:2>...' (schedule.ts)
  const segs = parseSchedule(req.distortion ?? 'clean', count, (one) => parseDistortionOf(one, settings, modelDir));
  const distortion = segs.map((x) => ({ from: x.from, spec: x.spec }));
  const stream = buildImageStream({ images: set.images, labels: set.labels, height: H, width: W, count: set.count, order: 'as-is', distortion, seed: req.seed, length: count, settings });
  const labels = new Int32Array(count).fill(-1);
  if (set.labels !== null) for (let i = 0; i < count; i++) labels[i] = set.labels[i];
  const ppi = H * W;
  let buf = new Float32Array(0);
  const dname = formatSchedule(segs);
  return {
    description: `${name}${dname === 'none' ? '' : ` (${dname}, seed ${req.seed})`}`,
    count,
    labels,
    batch(t0: number, n: number) {
      if (buf.length < n * ppi) buf = new Float32Array(n * ppi);
      const px = buf.subarray(0, n * ppi);
      stream.batch(t0, n, px);
      return net.prepareInput(px, px);
    },
  };
}
