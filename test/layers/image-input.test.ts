import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError } from '../../src/tensor/errors.js';
import { prepareImages, rawToPixels } from '../../src/layers/image-input.js';
import type { ImageInputSpec } from '../../src/layers/config.js';

const spec: ImageInputSpec = { shape: [1, 2, 2], dtype: 'uint8', scale: 1 / 255, normalize: { kind: 'per-image-standardize', eps: 0 } };

test('rawToPixels is uint8 / 255 exactly (float32-rounded division, as PyTorch and ImageStream)', () => {
  const raw = new Uint8Array(256).map((_, i) => i);
  const px = rawToPixels(spec, raw);
  for (let i = 0; i < 256; i++) assert.is(px[i], Math.fround(i / 255));
});

test('prepareImages standardizes each [1,2,2] image: [0,0,2,2] -> [-1,-1,1,1]', () => {
  const t = prepareImages(spec, new Float32Array([0, 0, 2, 2, 1, 3, 1, 3]));
  assert.equal(t.shape, [2, 1, 2, 2]);
  assert.equal(Array.from(t.flat()), [-1, -1, 1, 1, -1, 1, -1, 1]);
  const none = prepareImages({ ...spec, normalize: { kind: 'none' } }, new Float32Array([0.5, 0, 0, 1]));
  assert.equal(Array.from(none.flat()), [0.5, 0, 0, 1]);
  assert.throws(() => prepareImages(spec, new Float32Array(6)), (e: unknown) => e instanceof ShapeError);
});

test.run();
