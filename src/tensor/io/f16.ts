/**
 * IEEE 754 binary16 (F16) and bfloat16 (BF16) codecs, bit-exact.
 *
 * Encoding rounds to nearest, ties to even (as PyTorch's .half() / .bfloat16()); values beyond the
 * F16 range become +-Infinity, tiny values become subnormals or signed zero, NaN stays NaN.
 * Arrays: f16 and bf16 values travel as Uint16Array bit patterns (safetensors F16/BF16 payloads).
 * Written by hand (no dependency in the core) and tested bit-for-bit against @petamoriken/float16
 * over all 65536 half values and random floats.
 */
import { ShapeError } from '../errors.js';

let f16Table: Float32Array | null = null;

/** The float value of one F16 bit pattern. */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** F16 bits of a float32 value given by its bit pattern (round to nearest even). */
function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const a = x & 0x7fffffff;
  if (a >= 0x7f800000) return sign | (a > 0x7f800000 ? 0x7e00 | ((a >>> 13) & 0x3ff) : 0x7c00);
  if (a >= 0x477ff000) return sign | 0x7c00; // >= 65520 rounds to Infinity
  if (a < 0x38800000) {
    // Below 2^-14: a subnormal half, unit 2^-24. value = m * 2^(e-150), so q = m >> (126 - e).
    if (a <= 0x33000000) return sign; // <= 2^-25 rounds (ties to even) to zero
    const e = a >>> 23;
    const m = (a & 0x7fffff) | 0x800000;
    const shift = 126 - e;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q);
  }
  // Normal: rebias the exponent (127 -> 15) and round off 13 mantissa bits; a carry may ripple into
  // the exponent, which is the correct result (up to 0x7bff = 65504).
  const h = (a - 0x38000000) >>> 13;
  const rem = a & 0x1fff;
  return sign | (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1) ? h + 1 : h);
}

function u32View(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function check(where: string, outLen: number, srcLen: number): void {
  if (outLen < srcLen) throw new ShapeError(`${where}: out is too short: got ${outLen} elements, expected at least ${srcLen}`);
}

/** out [n] (F16 bits) <- src [n] (float32) */
export function f32ToF16(out: Uint16Array, src: Float32Array): void {
  f32BitsToF16Array(out, u32View(src));
}

/** out [n] (F16 bits) <- bits [n] (float32 bit patterns: u32View of the source; no view made per call). */
export function f32BitsToF16Array(out: Uint16Array, bits: Uint32Array): void {
  check('f32ToF16', out.length, bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]);
}

/** out [n] (float32) <- src [n] (F16 bits) */
export function f16ToF32(out: Float32Array, src: Uint16Array): void {
  check('f16ToF32', out.length, src.length);
  if (f16Table === null) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToNumber(h);
  }
  const t = f16Table;
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
}

/** F16 bits of a number (first rounded to float32, then to half: exact for float32 inputs). */
export function numberToF16Bits(x: number): number {
  const f = new Float32Array([x]);
  return f32BitsToF16(u32View(f)[0]);
}

/** out [n] (BF16 bits) <- src [n] (float32), round to nearest even; NaN -> quiet NaN. */
export function f32ToBf16(out: Uint16Array, src: Float32Array): void {
  check('f32ToBf16', out.length, src.length);
  const bits = u32View(src);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i];
    if ((x & 0x7fffffff) > 0x7f800000) out[i] = ((x >>> 16) & 0x8000) | 0x7fc0;
    else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
}

/** out [n] (float32) <- src [n] (BF16 bits): the bits become the high half of a float32. */
export function bf16ToF32(out: Float32Array, src: Uint16Array): void {
  check('bf16ToF32', out.length, src.length);
  const bits = u32View(out);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
}
