import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../../src/tensor/io/idx.js';
import { parseSafetensors, tensorAsFloat32 } from '../../../src/tensor/io/safetensors.js';
import { FormatError, SpliteeError, ValueError } from '../../../src/tensor/errors.js';
import { IoError, readIdxFile } from '../../../src/node/datasets/idx-file.js';
import {
  DEBIAN_FASHION_MNIST_DIR,
  fashionMnistPaths,
  loadFashionMnist,
  loadIdxImageSet,
  packageRoot,
  readIdxImages,
} from '../../../src/node/datasets/fashion-mnist.js';
import { buildImageStream } from '../../../src/splitee/stream/image-stream.js';
import { normalizeSpecFromConfig, standardizeBatch } from '../../../src/layers/preprocess.js';

const dir = mkdtempSync(join(tmpdir(), 'splitee-fmnist-'));
const file = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
// a 5-image 28x28 fixture
const n = 5;
const pixels = new Uint8Array(n * 784).map((_, i) => (i * 31) % 256);
const imgRaw = file('img.idx', encodeIdx([n, 28, 28], pixels));
const imgGz = file('img.idx.gz', gzipSync(encodeIdx([n, 28, 28], pixels)));
const labGz = file('lab.gz', gzipSync(encodeIdx([n], Uint8Array.from([0, 9, 3, 3, 1]))));

const isErr = (cls: Function, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message);

test('readIdxFile: gz and raw give the same array (detected by magic, not name)', () => {
  const a = readIdxFile(imgRaw);
  const b = readIdxFile(imgGz);
  assert.equal(a.dims, [5, 28, 28]);
  assert.equal(b.dims, a.dims);
  assert.equal([...b.data], [...pixels]);
  const gzNamedRaw = file('looks-raw.idx', gzipSync(encodeIdx([2], Uint8Array.from([1, 2]))));
  assert.equal([...readIdxFile(gzNamedRaw).data], [1, 2]);
});

test('readIdxFile: errors name the path', () => {
  const missing = join(dir, 'nope.gz');
  assert.throws(() => readIdxFile(missing), (e: unknown) => e instanceof IoError && (e as SpliteeError).code === 'E_IO' && e.message.includes(missing) && /ENOENT/.test(e.message));
  const full = gzipSync(encodeIdx([3], Uint8Array.from([1, 2, 3])));
  const cut = file('cut.gz', full.subarray(0, full.length - 6));
  assert.throws(() => readIdxFile(cut), isErr(FormatError, new RegExp(`readIdxFile\\(${cut.replace(/[.\\/]/g, '\\$&')}\\): corrupt gzip data`)));
  const bad = file('bad.idx', Uint8Array.from([0, 1, 8, 1, 0, 0, 0, 0]));
  assert.throws(() => readIdxFile(bad), isErr(FormatError, /bad\.idx\): wrong IDX magic/));
  const trunc = file('trunc.idx.gz', gzipSync(encodeIdx([4], Uint8Array.from([1, 2, 3, 4])).subarray(0, 10)));
  assert.throws(() => readIdxFile(trunc), isErr(FormatError, /trunc\.idx\.gz\): IDX data truncated/));
});

test('loadFashionMnist from explicit files: 28x28, labels checked against images', () => {
  const s = loadFashionMnist({ images: imgGz, labels: labGz });
  assert.is(s.count, 5);
  assert.is(s.height, 28);
  assert.is(s.width, 28);
  assert.equal([...s.labels], [0, 9, 3, 3, 1]);
  assert.is(s.images.length, 5 * 784);
  const lab4 = file('lab4.gz', gzipSync(encodeIdx([4], Uint8Array.from([0, 1, 2, 3]))));
  assert.throws(() => loadFashionMnist({ images: imgGz, labels: lab4 }), isErr(FormatError, /image and label counts disagree: got 5 images and 4 labels/));
  const lab10 = file('lab10.gz', gzipSync(encodeIdx([5], Uint8Array.from([0, 1, 10, 3, 4]))));
  assert.throws(() => loadFashionMnist({ images: imgGz, labels: lab10 }), isErr(ValueError, /label out of range at index 2: got 10, expected an integer in \[0,10\)/));
  const small = file('small.gz', gzipSync(encodeIdx([5, 27, 28], new Uint8Array(5 * 27 * 28))));
  assert.throws(() => loadFashionMnist({ images: small, labels: labGz }), isErr(FormatError, /wrong size: got \[5,27,28\], expected \[N,28,28\]/));
  assert.throws(() => loadFashionMnist({ images: labGz, labels: labGz }), isErr(FormatError, /wrong rank: got \[5\], expected \[N,H,W\]/));
  const f32 = file('f32.idx', encodeIdx([1, 2, 2], new Float32Array(4)));
  assert.throws(() => readIdxImages(f32), isErr(FormatError, /wrong dtype: got f32, expected u8/));
  // generic H x W, i32 labels
  const hw = file('hw.idx', encodeIdx([2, 3, 4], new Uint8Array(24)));
  const li = file('li.idx', encodeIdx([2], Int32Array.from([1, 2])));
  const g = loadIdxImageSet(hw, li, { numClasses: 3 });
  assert.equal([g.count, g.height, g.width], [2, 3, 4]);
  assert.ok(g.labels instanceof Int32Array);
});

test('missing Debian package: the error says how to install it or use the sample', () => {
  const gone = join(dir, 'no-such-dir');
  assert.throws(
    () => loadFashionMnist({ split: 'test', dir: gone }),
    (e: unknown) => e instanceof IoError && /t10k-images-idx3-ubyte\.gz/.test(e.message) && /hint: apt-get install dataset-fashion-mnist, or use the shipped sample/.test(e.message),
  );
  assert.throws(() => loadFashionMnist({ sample: true, root: gone }), isErr(IoError, /shipped stream sample missing: got no .*t2k-images-idx3-ubyte\.gz/));
  assert.throws(() => loadFashionMnist({ split: 'val' as 'test' }), isErr(ValueError, /unknown split: got 'val'/));
  assert.equal(fashionMnistPaths({ split: 'train' }), {
    images: `${DEBIAN_FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`,
    labels: `${DEBIAN_FASHION_MNIST_DIR}/train-labels-idx1-ubyte.gz`,
  });
  assert.ok(existsSync(join(packageRoot(), 'package.json')));
});

// The shipped sample (weights/fmnist-resnet/stream, written by tools/resnet/export.py) is part of the
// package. The Debian package is never required: compared only if present.
const sampleDir = join(packageRoot(), 'weights/fmnist-resnet/stream');
test('the shipped stream sample: 2,000 test images, and equal to the first 2,000 of the Debian test set', () => {
  const s = loadFashionMnist({ sample: true });
  assert.is(s.count, 2000);
  assert.equal([s.height, s.width], [28, 28]);
  const hist = new Array(10).fill(0);
  for (const l of s.labels) hist[l]++;
  assert.ok(hist.every((c) => c > 100), `every class present: ${hist}`);
  const stream = buildImageStream({ images: s.images, labels: s.labels, height: 28, width: 28, distortion: 'gaussian-blur:2', order: 'shuffle', seed: 1 });
  const x = stream.sample(0);
  assert.ok(x.pixels.every((v) => v >= 0 && v <= 1));
  if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    console.log(`\n  (skipped the Debian comparison: ${DEBIAN_FASHION_MNIST_DIR} missing)`);
    return;
  }
  const t = loadFashionMnist({ split: 'test' });
  assert.is(t.count, 10000);
  assert.ok(t.images.subarray(0, 2000 * 784).every((v, i) => v === s.images[i]));
  assert.ok(t.labels.subarray(0, 2000).every((v, i) => v === s.labels[i]));
  const th = new Array(10).fill(0);
  for (const l of t.labels) th[l]++;
  assert.equal(th, new Array(10).fill(1000)); // Fashion-MNIST's test set is balanced
});

// Cross-check with PyTorch (tools/resnet/common.py `distort` / `standardize`) on the golden inputs of the
// exported model: the deterministic distortions (blur, contrast, brightness) must agree to float rounding;
// noise draws differ by construction (another RNG), so it is checked only for staying in [0,1].
const modelDir = join(packageRoot(), 'weights/fmnist-resnet');
test('distortions and standardization equal PyTorch on the golden inputs', () => {
  const { tensors, metadata: meta } = parseSafetensors(new Uint8Array(readFileSync(join(modelDir, 'golden.safetensors'))));
  const raw = tensorAsFloat32(tensors.get('input_raw')!);
  const input = tensorAsFloat32(tensors.get('input')!);
  const eps = normalizeSpecFromConfig(JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')));
  assert.is(eps.kind, 'per-image-standardize');
  const std = standardizeBatch(raw, 784, eps.kind === 'per-image-standardize' ? eps.eps : 0, new Float32Array(raw.length));
  assert.ok(std.every((v, i) => Math.abs(v - input[i]) <= 1e-5), 'standardize(input_raw) = input');
  const s = loadFashionMnist({ sample: true });
  let row = 0;
  let checked = 0;
  for (const part of (meta.samples ?? '').split(';')) {
    const m = /test\[(\d+):(\d+)\]\s+(\S+)/.exec(part.trim());
    assert.ok(m, `golden metadata sample description: '${part}'`);
    const [lo, hi, spec] = [Number(m![1]), Number(m![2]), m![3]];
    const stream = buildImageStream({ images: s.images, height: 28, width: 28, order: Array.from({ length: hi - lo }, (_, k) => lo + k), distortion: spec });
    const ours = stream.batch(0, hi - lo).pixels;
    const theirs = raw.subarray(row * 784, (row + hi - lo) * 784);
    if (spec.startsWith('gaussian-noise')) assert.ok(theirs.every((v) => v >= 0 && v <= 1));
    else {
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
      assert.ok(worst <= 1e-6, `${spec}: max |TS - PyTorch| = ${worst}`);
      checked++;
    }
    row += hi - lo;
  }
  assert.is(row * 784, raw.length);
  assert.ok(checked >= 2);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
