import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyNormalize, normalizeSpecFromConfig, standardizeBatch, standardizeImage } from '../../src/layers/preprocess.js';
import { Rng } from '../../src/splitee/rng.js';
import { ConfigError } from '../../src/tensor/errors.js';

test('standardizeImage: hand case with biased variance', () => {
  const x = Float32Array.from([0, 1]); // mean 0.5, biased var 0.25
  const out = new Float32Array(2);
  standardizeImage(out, x, 0);
  assert.equal([...out], [-1, 1]);
  standardizeImage(out, x, 1e-5);
  const v = 0.5 / Math.sqrt(0.25 + 1e-5);
  assert.equal([...out], [Math.fround(-v), Math.fround(v)]);
  // [0,0,0,1]: mean 0.25, var (3*0.0625 + 0.5625)/4 = 0.1875
  const y = standardizeImage(new Float32Array(4), Float32Array.from([0, 0, 0, 1]), 0);
  const sd = Math.sqrt(0.1875);
  assert.equal([...y], [-0.25 / sd, -0.25 / sd, -0.25 / sd, 0.75 / sd].map(Math.fround));
});

test('standardizeImage: zero mean, unit variance, in place; constant image -> zeros', () => {
  const rng = Rng.seeded(2);
  const x = new Float32Array(784).map(() => rng.float());
  standardizeImage(x, x); // default eps 1e-5
  let s = 0, ss = 0;
  for (const v of x) {
    s += v;
    ss += v * v;
  }
  assert.ok(Math.abs(s / 784) < 1e-6);
  assert.ok(Math.abs(ss / 784 - 1) < 2e-4); // var / (var + 1e-5) with var ~ 1/12
  const c = standardizeImage(new Float32Array(784), new Float32Array(784).fill(0.7));
  assert.ok(c.every((v) => Math.abs(v) < 1e-6));
  assert.throws(() => standardizeImage(new Float32Array(3), new Float32Array(4)), /outside the buffers/);
});

test('standardizeBatch equals per-image standardization', () => {
  const rng = Rng.seeded(3);
  const x = new Float32Array(3 * 784).map(() => rng.float());
  const out = standardizeBatch(x, 784, 1e-5, new Float32Array(x.length));
  for (let b = 0; b < 3; b++) {
    const one = standardizeImage(new Float32Array(784), x.slice(b * 784, (b + 1) * 784), 1e-5);
    assert.equal([...out.subarray(b * 784, (b + 1) * 784)], [...one]);
  }
  assert.throws(() => standardizeBatch(new Float32Array(785), 784), /not whole images/);
});

test('normalize spec from the model config', () => {
  const cfg = { input: { shape: [1, 28, 28], normalize: { kind: 'per-image-standardize', eps: 1e-5, variance: 'biased' } } };
  assert.equal(normalizeSpecFromConfig(cfg), { kind: 'per-image-standardize', eps: 1e-5 });
  assert.equal(normalizeSpecFromConfig({ normalize: { kind: 'per-image-standardize' } }), { kind: 'per-image-standardize', eps: 1e-5 });
  assert.equal(normalizeSpecFromConfig({}), { kind: 'none' });
  assert.throws(() => normalizeSpecFromConfig({ normalize: { kind: 'imagenet' } }), (e: unknown) => e instanceof ConfigError && /unknown input normalization: got "imagenet"/.test((e as Error).message));
  assert.throws(() => normalizeSpecFromConfig({ normalize: { kind: 'per-image-standardize', eps: -1 } }), /invalid eps/);
  const x = Float32Array.from([0, 1, 0, 1]);
  assert.equal([...applyNormalize({ kind: 'per-image-standardize', eps: 0 }, x.slice(), 2)], [-1, 1, -1, 1]);
  assert.equal([...applyNormalize({ kind: 'none' }, x, 2, new Float32Array(4))], [0, 1, 0, 1]);
});

test.run();
