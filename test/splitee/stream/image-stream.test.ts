import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildImageStream, deriveSeed, ImageStream } from '../../../src/splitee/stream/image-stream.js';
import { distortionSettingsFromConfig } from '../../../src/splitee/stream/distortions.js';
import { ArgumentError } from '../../../src/tensor/errors.js';

// 20 images of 4x5, image i filled with pixel values (i * 10 + p) % 256
const N = 20, H = 4, W = 5;
const images = new Uint8Array(N * H * W).map((_, k) => (Math.floor(k / (H * W)) * 10 + (k % (H * W))) % 256);
const labels = Uint8Array.from({ length: N }, (_, i) => i % 10);

test('as-is, clean: pixels are uint8 / 255 as float32, labels follow the index', () => {
  const s = buildImageStream({ images, labels, height: H, width: W });
  assert.is(s.length, N);
  const all = [...s];
  assert.is(all.length, N);
  all.forEach((x, t) => {
    assert.is(x.t, t);
    assert.is(x.index, t);
    assert.is(x.epoch, 0);
    assert.is(x.label, t % 10);
    assert.is(x.distortion, 'none');
  });
  assert.is(all[3].pixels[7], Math.fround(37 / 255));
  assert.is(all[3].pixels.length, H * W);
  // no labels: -1
  assert.is(buildImageStream({ images, height: H, width: W }).sample(0).label, -1);
});

test('seeded shuffle: a permutation, the same for the same seed, another for another seed', () => {
  const order = (seed: number) => [...buildImageStream({ images, labels, height: H, width: W, order: 'shuffle', seed })].map((x) => x.index);
  const a = order(1);
  assert.equal([...a].sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));
  assert.equal(order(1), a);
  assert.not.equal(order(2), a);
  assert.not.equal(a, Array.from({ length: N }, (_, i) => i));
});

test("a sample's distortion does not depend on the order (noise from (seed, index))", () => {
  const common = { images, labels, height: H, width: W, distortion: 'gaussian-noise:3', seed: 77 };
  const asIs = buildImageStream(common);
  const shuffled = buildImageStream({ ...common, order: 'shuffle' });
  const explicit = buildImageStream({ ...common, order: [5, 3, 5] });
  const byIndex = new Map<number, number[]>();
  for (const x of asIs) byIndex.set(x.index, [...x.pixels]);
  for (const x of shuffled) assert.equal([...x.pixels], byIndex.get(x.index), `index ${x.index}`);
  for (const x of explicit) assert.equal([...x.pixels], byIndex.get(x.index));
  // the noise is real, and another seed gives other noise
  assert.not.equal(byIndex.get(0), [...buildImageStream({ ...common, distortion: 'clean' }).sample(0).pixels]);
  assert.not.equal(byIndex.get(0), [...buildImageStream({ ...common, seed: 78 }).sample(0).pixels]);
  // deterministic across instances and random access
  assert.equal([...buildImageStream(common).sample(13).pixels], byIndex.get(13));
});

test('schedule: each spec from its `from`, clean before the first phase', () => {
  const s = buildImageStream({
    images, labels, height: H, width: W,
    distortion: [{ from: 5, spec: 'brightness:1' }, { from: 10, spec: 'gaussian-noise:2' }, { from: 15, spec: 'clean' }],
  });
  const names = [...s].map((x) => x.distortion);
  assert.equal(names, [...Array(5).fill('none'), ...Array(5).fill('brightness:1'), ...Array(5).fill('gaussian-noise:2'), ...Array(5).fill('none')]);
  assert.is(s.sample(6).pixels[0], Math.fround(Math.fround(60 / 255) + 0.1));
  assert.equal(s.distortionAt(12), { name: 'gaussian-noise', severity: 2, param: 0.1 });
  const bad = (distortion: unknown, re: RegExp) =>
    assert.throws(() => buildImageStream({ images, height: H, width: W, distortion: distortion as string }), (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message));
  bad([{ from: 0, spec: 'clean' }, { from: 0, spec: 'contrast:1' }], /schedule not increasing at phase 1: got from 0 after 0/);
  bad([{ from: -1, spec: 'clean' }], /invalid schedule phase 0/);
  bad('fog:1', /unknown distortion: got 'fog'/);
  bad([{ from: 0, spec: 'contrast:9' }], /severity out of range for contrast/);
});

test('settings from a model config reach the stream', () => {
  const settings = distortionSettingsFromConfig({ distortions: { brightness: { severities: [0.25], deployment: 1 } } });
  const s = buildImageStream({ images, height: H, width: W, distortion: 'brightness:deploy', settings });
  assert.is(s.sample(0).pixels[0], Math.fround(0.25));
});

test('batch equals the samples, and reuses a buffer', () => {
  const s = buildImageStream({ images, labels, height: H, width: W, order: 'shuffle', seed: 3, distortion: 'occlusion:1' });
  const b = s.batch(4, 6);
  assert.is(b.pixels.length, 6 * H * W);
  for (let k = 0; k < 6; k++) {
    const x = s.sample(4 + k);
    assert.is(b.indices[k], x.index);
    assert.is(b.labels[k], x.label);
    assert.equal([...b.pixels.subarray(k * H * W, (k + 1) * H * W)], [...x.pixels]);
  }
  const out = new Float32Array(6 * H * W);
  assert.is(s.batch(4, 6, out).pixels, out);
  assert.throws(() => s.batch(18, 5), /range out of the stream/);
  assert.throws(() => s.batch(0, 2, new Float32Array(3)), /out has the wrong size/);
});

test('length beyond one pass: further epochs, reshuffled, with fresh noise', () => {
  const s = buildImageStream({ images, labels, height: H, width: W, order: 'shuffle', seed: 5, length: 50, distortion: 'gaussian-noise:1' });
  const xs = [...s];
  assert.is(xs.length, 50);
  const e0 = xs.slice(0, 20).map((x) => x.index);
  const e1 = xs.slice(20, 40).map((x) => x.index);
  assert.equal([...e1].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));
  assert.not.equal(e1, e0);
  assert.is(xs[45].epoch, 2);
  const first = xs.find((x) => x.index === 0 && x.epoch === 0)!;
  const second = xs.find((x) => x.index === 0 && x.epoch === 1)!;
  assert.not.equal([...first.pixels], [...second.pixels]);
  // random access backwards recomputes an older epoch's permutation
  assert.is(s.indexAt(3), xs[3].index);
});

test('option errors are clear', () => {
  const err = (opts: object, re: RegExp) => assert.throws(() => new ImageStream({ images, height: H, width: W, ...opts }), re);
  err({ order: [0, 20] }, /order index out of range at 1: got 20, expected an integer in \[0,20\)/);
  err({ order: 'random' }, /unknown order/);
  err({ count: 21 }, /invalid count: got 21, expected an integer in \[1,20\]/);
  err({ labels: new Uint8Array(3) }, /fewer labels than images: got 3 labels/);
  err({ seed: 0.5 }, /seed is not an integer/);
  err({ width: 3 }, /not whole 4x3 images/);
  assert.throws(() => buildImageStream({ images, height: H, width: W }).sample(20), /time step out of range: got 20, expected an integer in \[0,20\)/);
});

test('deriveSeed: no collisions over 200,000 (seed, index) pairs, and order of parts matters', () => {
  const seen = new Set<number>();
  for (let seed = 0; seed < 4; seed++) for (let i = 0; i < 50000; i++) seen.add(deriveSeed(seed, i, 0));
  assert.ok(seen.size >= 199990, `distinct ${seen.size}`); // 32-bit birthday bound: ~5 expected collisions
  assert.is.not(deriveSeed(1, 2), deriveSeed(2, 1));
  assert.is.not(deriveSeed(1, 2 ** 32), deriveSeed(1, 0));
});

test.run();
