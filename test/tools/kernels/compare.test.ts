// simd against fast on the first 256 images of the shipped Fashion-MNIST sample: the same argmax at
// every exit of every image (the full test set's figures: README, "Kernels and cores").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareKernels } from '../../../tools/kernels/compare.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';

test('compareKernels: simd and fast agree on every exit of 256 sample images; so does their accuracy', () => {
  const r = compareKernels(fmnistModelDir().dir, { data: 'fashion-mnist:sample', labels: undefined, distortion: undefined, seed: 0, limit: 256 }, 'simd', 'fast');
  assert.is(r.samples, 256);
  assert.is(r.a.kernels.name, 'simd');
  assert.is(r.b.kernels.name, 'fast');
  assert.equal(r.disagreementsPerExit, new Array(r.a.accuracy.length).fill(0));
  assert.equal(r.a.accuracy, r.b.accuracy);
  assert.ok(r.maxConfDiff <= 1e-4, `max conf diff ${r.maxConfDiff}`);
  assert.ok(r.a.accuracy[r.a.accuracy.length - 1] > 0.8); // a trained model, not noise
});

test('compareKernels: fast against itself: no disagreement, no difference (the comparison can see zero)', () => {
  const r = compareKernels(fmnistModelDir().dir, { data: 'fashion-mnist:sample', labels: undefined, distortion: undefined, seed: 0, limit: 8 }, 'fast', 'fast');
  assert.is(r.maxConfDiff, 0);
  assert.ok(r.disagreementsPerExit.every((d) => d === 0));
});

test.run();
