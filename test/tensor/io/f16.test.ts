import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getFloat16, setFloat16 } from '@petamoriken/float16';
import { f16BitsToNumber, f16ToF32, f32ToF16, f32ToBf16, bf16ToF32, numberToF16Bits } from '../../../src/tensor/io/f16.js';
import { Rng } from '../../../src/splitee/rng.js';

const dv = new DataView(new ArrayBuffer(2));

test('decoding all 65536 half values agrees with @petamoriken/float16', () => {
  const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const out = new Float32Array(65536);
  f16ToF32(out, bits);
  for (let h = 0; h < 65536; h++) {
    dv.setUint16(0, h, true);
    const want = getFloat16(dv, 0, true);
    if (!Object.is(out[h], want) && !(Number.isNaN(want) && Number.isNaN(out[h]))) assert.unreachable(`f16 0x${h.toString(16)}: got ${out[h]}, expected ${want}`);
    if (!Object.is(f16BitsToNumber(h), want) && !Number.isNaN(want)) assert.unreachable(`f16BitsToNumber 0x${h.toString(16)}`);
  }
});

test('encoding agrees bit-for-bit with the library: random floats, every half and its midpoints', () => {
  const rng = Rng.seeded(41);
  const xs: number[] = [0, -0, 65504, 65519.99, 65520, -65520, 1e-8, 2 ** -25, 2 ** -25 * 1.0001, 2 ** -24 * 1.5, 2 ** -24 * 2.5, Infinity, -Infinity, 1 / 3];
  for (let i = 0; i < 20000; i++) xs.push((rng.float() - 0.5) * 2 ** (rng.int(50) - 30));
  for (let h = 0; h < 0x7c00; h += 7) {
    const a = f16BitsToNumber(h);
    const b = f16BitsToNumber(h + 1);
    xs.push(a, (a + b) / 2, -(a + b) / 2);
  }
  const src = Float32Array.from(xs);
  const out = new Uint16Array(src.length);
  f32ToF16(out, src);
  for (let i = 0; i < src.length; i++) {
    setFloat16(dv, 0, src[i], true);
    const want = dv.getUint16(0, true);
    if (out[i] !== want) assert.unreachable(`${src[i]}: got 0x${out[i].toString(16)}, expected 0x${want.toString(16)}`);
  }
  assert.ok(Number.isNaN(f16BitsToNumber(numberToF16Bits(NaN))));
});

test('bf16: round to nearest even, NaN stays NaN, decode exact', () => {
  const src = Float32Array.from([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -2.5, NaN, 3e38, Infinity]);
  const b = new Uint16Array(src.length);
  f32ToBf16(b, src);
  const back = new Float32Array(src.length);
  bf16ToF32(back, b);
  assert.equal([...back.subarray(0, 4)], [1, 1, 1 + 4 * 2 ** -8, -2.5]);
  assert.ok(Number.isNaN(back[4]));
  assert.is(back[6], Infinity);
  assert.ok(Math.abs(back[5] - 3e38) / 3e38 < 2 ** -8);
});

test.run();
