import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { chooseQuantParams, fitQuantParams, quantizeInt8, dequantizeInt8 } from '../../../src/tensor/io/int8.js';
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

/** MinMaxObserver (affine, qint8) by its formula, element by element in flat order. */
function minMaxReference(x: Float32Array, shape: number[], axis: number | null): { scale: number[]; zeroPoint: number[] } {
  const C = axis === null ? 1 : shape[axis];
  const inner = axis === null ? x.length : shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  const lo = new Array<number>(C).fill(0);
  const hi = new Array<number>(C).fill(0);
  x.forEach((v, i) => {
    const c = Math.floor(i / inner) % C;
    lo[c] = Math.min(lo[c], v);
    hi[c] = Math.max(hi[c], v);
  });
  const scale = lo.map((l, c) => Math.max(Math.fround((hi[c] - l) / 255), 2 ** -23));
  const even = (v: number) => (Math.round(v) - v === 0.5 && Math.round(v) % 2 !== 0 ? Math.round(v) - 1 : Math.round(v));
  return { scale, zeroPoint: lo.map((l, c) => Math.min(127, Math.max(-128, -128 - even(l / scale[c])))) };
}

test('chooseQuantParams and fitQuantParams (in place) agree with the MinMaxObserver formula on every axis of 3-D shapes', () => {
  fc.assert(
    fc.property(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 })), fc.constantFrom(null, 0, 1, 2), fc.integer(), (dims, axis, seed) => {
      const shape = [...dims];
      const x = randomArray(Rng.seeded(seed), shape[0] * shape[1] * shape[2], -3, 5);
      const want = minMaxReference(x, shape, axis);
      const p = chooseQuantParams(x, shape, axis);
      assert.equal([[...p.scale], [...p.zeroPoint]], [want.scale, want.zeroPoint]);
      const y = randomArray(Rng.seeded(seed + 1), x.length, -7, 2);
      fitQuantParams(p, y); // the same arrays, refitted
      const wantY = minMaxReference(y, shape, axis);
      assert.equal([[...p.scale], [...p.zeroPoint]], [wantY.scale, wantY.zeroPoint]);
    }),
    { seed: 52, numRuns: 150 },
  );
  const p = { scale: new Float32Array(2), zeroPoint: new Int32Array(3), axis: 0, shape: [2, 2] };
  assert.throws(() => fitQuantParams(p, new Float32Array(4)), (e: unknown) => e instanceof ShapeError && /got 2 scales and 3 zero points, expected 2/.test((e as Error).message));
});

test('errors: bad axis, length mismatch, non-finite data', () => {
  assert.throws(() => chooseQuantParams(new Float32Array(6), [3, 2], 2), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => chooseQuantParams(new Float32Array(5), [3, 2]), (e: unknown) => e instanceof ShapeError);
  assert.throws(() => chooseQuantParams(Float32Array.from([NaN]), [1]), /non-finite/);
});

test.run();
