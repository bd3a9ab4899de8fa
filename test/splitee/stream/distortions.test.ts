import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  DISTORTION_NAMES,
  SEVERITY_TABLES,
  Distorter,
  distort,
  distortionSettingsFromConfig,
  formatDistortion,
  gaussianKernel,
  parseDistortion,
} from '../../../src/splitee/stream/distortions.js';
import { Rng } from '../../../src/splitee/rng.js';
import { ArgumentError, ConfigError } from '../../../src/tensor/errors.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what = '') => {
  assert.is(a.length, b.length, `${what} length`);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol)) assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]} (tol ${tol})`);
  }
};

test('severity tables: the exact published values', () => {
  assert.equal([...SEVERITY_TABLES['gaussian-noise']], [0.05, 0.1, 0.15, 0.2, 0.3]);
  assert.equal([...SEVERITY_TABLES['gaussian-blur']], [0.5, 0.75, 1.0, 1.25, 1.5]);
  assert.equal([...SEVERITY_TABLES.contrast], [0.7, 0.5, 0.3, 0.2, 0.1]);
  assert.equal([...SEVERITY_TABLES.brightness], [0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.equal([...SEVERITY_TABLES.rotation], [5, 10, 15, 20, 30]);
  assert.equal([...SEVERITY_TABLES.occlusion], [4, 6, 8, 10, 12]);
  assert.ok(Object.isFrozen(SEVERITY_TABLES) && Object.isFrozen(SEVERITY_TABLES.contrast));
});

test('parseDistortion: specs, clean, and clear errors', () => {
  assert.equal(parseDistortion('gaussian-noise:2'), { name: 'gaussian-noise', severity: 2, param: 0.1 });
  assert.equal(parseDistortion(' contrast:5 '), { name: 'contrast', severity: 5, param: 0.1 });
  assert.equal(parseDistortion('none'), { name: 'none' });
  assert.equal(parseDistortion('clean'), { name: 'none' });
  for (const name of DISTORTION_NAMES) assert.is(formatDistortion(parseDistortion(`${name}:3`)), `${name}:3`);
  assert.is(formatDistortion(parseDistortion('clean')), 'none');
  const argErr = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message);
  assert.throws(() => parseDistortion('fog:1'), argErr(/unknown distortion: got 'fog', expected one of none, clean, gaussian-noise/));
  assert.throws(() => parseDistortion('gaussian-noise:0'), argErr(/severity out of range for gaussian-noise: got '0', expected an integer in 1\.\.5/));
  assert.throws(() => parseDistortion('gaussian-noise:6'), argErr(/got '6'/));
  assert.throws(() => parseDistortion('gaussian-noise:1.5'), argErr(/got '1\.5'/));
  assert.throws(() => parseDistortion('gaussian-noise:'), argErr(/severity out of range/));
  assert.throws(() => parseDistortion('brightness'), argErr(/missing severity: got 'brightness', expected 'brightness:S'/));
  assert.throws(() => parseDistortion('brightness:deploy'), argErr(/no deployment severity for brightness/));
});

test('settings from a model config (the export.py form), defaults for the rest', () => {
  const cfg = {
    distortions: {
      'gaussian-noise': { severities: [0.02, 0.04, 0.06], deployment: 2, final_exit_accuracy: [0.9, 0.88, 0.85] },
      brightness: [0.05, 0.1, 0.15, 0.2, 0.25],
    },
  };
  const s = distortionSettingsFromConfig(cfg);
  assert.equal([...s.tables['gaussian-noise']], [0.02, 0.04, 0.06]);
  assert.equal([...s.tables.brightness], [0.05, 0.1, 0.15, 0.2, 0.25]);
  assert.is(s.tables.contrast, SEVERITY_TABLES.contrast);
  assert.equal(s.deployment, { 'gaussian-noise': 2 });
  assert.equal(parseDistortion('gaussian-noise:deploy', s), { name: 'gaussian-noise', severity: 2, param: 0.04 });
  assert.equal(parseDistortion('gaussian-noise:3', s).name, 'gaussian-noise');
  assert.throws(() => parseDistortion('gaussian-noise:4', s), /expected an integer in 1\.\.3/);
  // no "distortions": the defaults
  assert.is(distortionSettingsFromConfig({ id: 'x' }).tables, SEVERITY_TABLES);
  const cfgErr = (re: RegExp) => (e: unknown) => e instanceof ConfigError && re.test((e as Error).message);
  assert.throws(() => distortionSettingsFromConfig({ distortions: { fog: [1] } }), cfgErr(/unknown distortion in config: got 'fog'/));
  assert.throws(() => distortionSettingsFromConfig({ distortions: { contrast: [] } }), cfgErr(/no severity table/));
  assert.throws(() => distortionSettingsFromConfig({ distortions: { contrast: ['a'] } }), cfgErr(/not a finite number/));
  assert.throws(() => distortionSettingsFromConfig({ distortions: { 'gaussian-blur': [0] } }), cfgErr(/sigma out of range: got 0, expected > 0/));
  assert.throws(() => distortionSettingsFromConfig({ distortions: { contrast: { severities: [0.5], deployment: 2 } } }), cfgErr(/deployment out of range: got 2, expected an integer in \[1,1\]/));
});

test('gaussianKernel: radius ceil(3 sigma), normalized, hand-computed weights', () => {
  const k = gaussianKernel(1);
  assert.is(k.length, 7);
  const z = 1 + 2 * Math.exp(-0.5) + 2 * Math.exp(-2) + 2 * Math.exp(-4.5);
  close(k, [Math.exp(-4.5), Math.exp(-2), Math.exp(-0.5), 1, Math.exp(-0.5), Math.exp(-2), Math.exp(-4.5)].map((w) => w / z), 1e-7, 'k');
  assert.is(gaussianKernel(0.5).length, 5); // r = ceil(1.5) = 2
  assert.is(gaussianKernel(0.75).length, 7); // r = ceil(2.25) = 3
  assert.is(gaussianKernel(1.5).length, 11); // r = ceil(4.5) = 5
  let s = 0;
  for (const w of gaussianKernel(1.25)) s += w;
  assert.ok(Math.abs(s - 1) < 1e-6);
});

test('blur of a delta is the outer product of the normalized kernel', () => {
  const H = 15, W = 15;
  const rng = Rng.seeded(1);
  for (const s of [1, 3, 5]) {
    const x = new Float32Array(H * W);
    x[7 * W + 7] = 1;
    const d = new Distorter(`gaussian-blur:${s}`, H, W);
    d.apply(x, rng);
    const k = gaussianKernel(SEVERITY_TABLES['gaussian-blur'][s - 1]);
    const r = (k.length - 1) / 2;
    const expected = new Float32Array(H * W);
    for (let y = -r; y <= r; y++) for (let xx = -r; xx <= r; xx++) expected[(7 + y) * W + 7 + xx] = k[y + r] * k[xx + r];
    close(x, expected, 1e-7, `blur:${s}`);
  }
});

test('blur clamps edges (replicate padding): a corner delta, by hand', () => {
  const H = 9, W = 9;
  const x = new Float32Array(H * W);
  x[0] = 1;
  const out = new Float32Array(H * W);
  new Distorter('gaussian-blur:1', H, W).apply(x, Rng.seeded(0), out); // sigma 0.5, radius 2
  const k = gaussianKernel(0.5); // k[0..4] for d = -2..2
  const edge = k[0] + k[1] + k[2]; // taps at -2,-1,0 all read pixel 0
  const next = k[0] + k[1]; // at x=1: taps -2,-1 read pixel 0
  close([out[0], out[1], out[W], out[W + 1], out[2]], [edge * edge, next * edge, edge * next, next * next, k[0] * edge], 1e-7, 'corner');
  assert.is(x[0], 1, 'source untouched when out is given');
  // a constant image stays constant
  const c = new Float32Array(H * W).fill(0.3);
  new Distorter('gaussian-blur:5', H, W).apply(c, Rng.seeded(0));
  close(c, new Float32Array(H * W).fill(0.3), 1e-6, 'constant');
});

test('contrast: hand case, preserves the mean, never needs clipping', () => {
  const x = Float32Array.from([0, 1]);
  distort(x, 'contrast:2', Rng.seeded(0), { height: 1, width: 2 }); // f = 0.5, m = 0.5
  assert.equal([...x], [0.25, 0.75]);
  const rng = Rng.seeded(7);
  const img = new Float32Array(28 * 28).map(() => rng.float());
  let m0 = 0;
  for (const v of img) m0 += v;
  for (let s = 1; s <= 5; s++) {
    const out = distort(img, `contrast:${s}`, rng, { height: 28, width: 28, out: new Float32Array(784) });
    let m1 = 0;
    for (const v of out) m1 += v;
    assert.ok(Math.abs(m1 / 784 - m0 / 784) < 1e-6, `mean preserved at s${s}`);
    const f = SEVERITY_TABLES.contrast[s - 1];
    assert.ok(Math.abs(out[10] - (m0 / 784 + f * (img[10] - m0 / 784))) < 1e-6);
  }
});

test('brightness adds b then clips', () => {
  const x = Float32Array.from([0, 0.2, 0.95]);
  distort(x, 'brightness:1', Rng.seeded(0), { height: 1, width: 3 });
  close(x, [0.1, 0.3, 1], 1e-7);
});

test('gaussian noise: statistics over 40,000 pixels (seed 123)', () => {
  const n = 200 * 200;
  const x = new Float32Array(n).fill(0.5);
  distort(x, 'gaussian-noise:2', Rng.seeded(123), { height: 200, width: 200 }); // sigma 0.1: clipping needs 5 sigma
  let s = 0, ss = 0;
  for (const v of x) {
    s += v - 0.5;
    ss += (v - 0.5) ** 2;
  }
  const mean = s / n;
  const sd = Math.sqrt(ss / n - mean * mean);
  // standard error of the mean 0.1/200 = 0.0005: tolerance 4 SE; of the sd ~0.1/sqrt(2n) = 0.00035: tolerance 0.002
  assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.1) < 0.002, `sd ${sd}`);
});

test('clipping: strong noise on black and white images stays in [0,1]', () => {
  const x = new Float32Array(10000);
  distort(x, 'gaussian-noise:5', Rng.seeded(5), { height: 100, width: 100 });
  let zeros = 0;
  for (const v of x) {
    assert.ok(v >= 0 && v <= 1);
    if (v === 0) zeros++;
  }
  assert.ok(Math.abs(zeros / 10000 - 0.5) < 0.03, `about half the pixels clip to 0: ${zeros}`);
  const w = new Float32Array(100).fill(1);
  distort(w, 'brightness:5', Rng.seeded(5), { height: 10, width: 10 });
  assert.ok(w.every((v) => v === 1));
});

test('determinism: same seed, same result; another seed differs', () => {
  const run = (seed: number, spec: string) => distort(new Float32Array(784).fill(0.5), spec, Rng.seeded(seed), { height: 28, width: 28 });
  for (const spec of ['gaussian-noise:3', 'occlusion:3']) {
    assert.equal([...run(9, spec)], [...run(9, spec)]);
    assert.not.equal([...run(9, spec)], [...run(10, spec)]);
  }
});

test('rotation: counter-clockwise about the center, bilinear, zero fill', () => {
  const settings = distortionSettingsFromConfig({ distortions: { rotation: [90, 180, 45] } });
  // 3x3 with one lit pixel at the middle of the right column: 90 deg CCW moves it to the top middle
  const x = new Float32Array(9);
  x[1 * 3 + 2] = 1;
  const out = new Float32Array(9);
  new Distorter('rotation:1', 3, 3, settings).apply(x, Rng.seeded(0), out);
  close(out, [0, 1, 0, 0, 0, 0, 0, 0, 0], 1e-9, 'rot90');
  // 180 deg on an even size (center between pixels) is the point reflection
  const y = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
  new Distorter('rotation:2', 2, 2, settings).apply(y, Rng.seeded(0));
  close(y, [0.4, 0.3, 0.2, 0.1], 1e-7, 'rot180 in place');
  // 45 deg on 3x3 of ones: the center stays 1, corners read outside partially
  const ones = new Float32Array(9).fill(1);
  new Distorter('rotation:3', 3, 3, settings).apply(ones, Rng.seeded(0));
  assert.ok(Math.abs(ones[4] - 1) < 1e-9);
  // corner (0,0): dx=dy=-1 -> source (1, 1-sqrt2) = (x=1, y=-0.414): bilinear of rows -1 (zero) and 0
  const fy = 1 - Math.SQRT2 - Math.floor(1 - Math.SQRT2);
  assert.ok(Math.abs(ones[0] - fy) < 1e-6, `corner ${ones[0]} vs ${fy}`);
  // default tables: 5 degrees keeps most of an image and stays in [0,1]
  const rng = Rng.seeded(3);
  const img = new Float32Array(784).map(() => rng.float());
  const r = distort(img, 'rotation:1', rng, { height: 28, width: 28, out: new Float32Array(784) });
  assert.ok(r.every((v) => v >= 0 && v <= 1));
  assert.ok(Math.abs(r[14 * 28 + 14] - img[14 * 28 + 14]) < 0.2);
});

test('occlusion: one square of zeros of the table side, seeded position', () => {
  for (let s = 1; s <= 5; s++) {
    const side = SEVERITY_TABLES.occlusion[s - 1];
    const x = new Float32Array(784).fill(1);
    distort(x, `occlusion:${s}`, Rng.seeded(s), { height: 28, width: 28 });
    const zeros: number[] = [];
    x.forEach((v, i) => v === 0 && zeros.push(i));
    assert.is(zeros.length, side * side);
    const y0 = Math.floor(zeros[0] / 28), x0 = zeros[0] % 28;
    for (let dy = 0; dy < side; dy++) for (let dx = 0; dx < side; dx++) assert.is(x[(y0 + dy) * 28 + x0 + dx], 0);
  }
  // a side larger than the image covers it all
  const small = new Float32Array(9).fill(1);
  distort(small, 'occlusion:5', Rng.seeded(0), { height: 3, width: 3 });
  assert.ok(small.every((v) => v === 0));
});

test('in place, into out, and batched at offsets agree', () => {
  const rng0 = Rng.seeded(11);
  const batch = new Float32Array(3 * 784).map(() => rng0.float());
  for (const spec of ['none', 'gaussian-noise:1', 'gaussian-blur:3', 'contrast:1', 'brightness:2', 'rotation:4', 'occlusion:2']) {
    const d = new Distorter(spec, 28, 28);
    const out = new Float32Array(batch.length);
    d.applyBatch(batch, 3, Rng.seeded(1), out);
    const inPlace = batch.slice();
    d.applyBatch(inPlace, 3, Rng.seeded(1));
    assert.equal([...inPlace], [...out], spec);
    const rng = Rng.seeded(1);
    for (let b = 0; b < 3; b++) {
      const one = batch.slice(b * 784, (b + 1) * 784);
      d.apply(one, rng);
      assert.equal([...one], [...out.subarray(b * 784, (b + 1) * 784)], `${spec} image ${b}`);
    }
  }
  assert.throws(() => new Distorter('contrast:1', 28, 28).apply(new Float32Array(700), Rng.seeded(0)), /outside the buffers/);
  assert.throws(() => new Distorter('gaussian-noise:1', 2, 2).apply(new Float32Array(4), null), /gaussian-noise:1 needs random numbers: got rng null/);
  const det = Float32Array.from([0, 1, 0, 1]);
  new Distorter('contrast:2', 2, 2).apply(det, null); // deterministic distortions take no rng
  assert.equal([...det], [0.25, 0.75, 0.25, 0.75]);
});

test('property: every distortion of any [0,1] image stays in [0,1], no NaN', () => {
  const specs = DISTORTION_NAMES.flatMap((n) => [1, 2, 3, 4, 5].map((s) => `${n}:${s}`)).concat('none');
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom(...specs),
      fc.integer(),
      (h, w, spec, seed) => {
        const rng = Rng.seeded(seed);
        const x = new Float32Array(h * w).map(() => (rng.float() < 0.3 ? Math.round(rng.float()) : rng.float()));
        distort(x, spec, rng, { height: h, width: w });
        return x.every((v) => v >= 0 && v <= 1);
      },
    ),
    { seed: 424242, numRuns: 500 },
  );
});

test.run();
