import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { chooseQuantParams, quantizeInt8, dequantizeInt8 } from '../../../src/tensor/io/int8.js';
import { ShapeError, ArgumentError } from '../../../src/tensor/errors.js';
import { Rng } from '../../../src/splitee/rng.js';
import { randomArray } from '../../helpers/random.js';

test('property: |x - deq(q(x))| <= scale/2 (+ 1e-6 relative float32 slack), per tensor and per channel', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(null, 0, 1), fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.integer(), (C, L, axis, center, spread, seed) => {
      const x = randomArray(Rng.seeded(seed), C * L, center - spread, center + spread);
      const p = chooseQuantParams(x, [C, L], axis);
      const q = new Int8Array(x.length);
      const back = new Float32Array(x.length);
      quantizeInt8(q, x, p);
      dequantizeInt8(back, q, p);
      const inner = axis === 1 ? 1 : L;
      const channels = axis === null ? 1 : axis === 0 ? C : L;
      for (let i = 0; i < x.length; i++) {
        const s = p.scale[Math.floor(i / inner) % channels];
        const err = Math.abs(x[i] - back[i]);
        if (err > s / 2 + 1e-6 * (Math.abs(x[i]) + s)) assert.unreachable(`x=${x[i]} back=${back[i]} scale=${s}`);
      }
    }),
    { seed: 51, numRuns: 200 },
  );
});

test('zero is exact; all-zero channels get scale eps (2^-23, as MinMaxObserver); round half to even', () => {
  const x = Float32Array.from([0, 0, -1, 0, 2, 0.5]);
  const p = chooseQuantParams(x, [3, 2], 0);
  assert.is(p.scale[0], 2 ** -23);
  const q = new Int8Array(6);
  const back = new Float32Array(6);
  quantizeInt8(q, x, p);
  dequantizeInt8(back, q, p);
  assert.is(back[0], 0);
  assert.is(back[3], 0);
  const half = { scale: Float32Array.from([1]), zeroPoint: Int32Array.from([0]), axis: null, shape: [4] };
  quantizeInt8(q.subarray(0, 4), Float32Array.from([0.5, 1.5, 2.5, -0.5]), half);
  assert.equal([...q.subarray(0, 4)], [0, 2, 2, 0]);
});

test('errors: bad axis, length mismatch, non-finite data', () => {
  assert.throws(() => chooseQuantParams(new Float32Array(6), [3, 2], 2), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => chooseQuantParams(new Float32Array(5), [3, 2]), (e: unknown) => e instanceof ShapeError);
  assert.throws(() => chooseQuantParams(Float32Array.from([NaN]), [1]), /non-finite/);
});

test.run();
