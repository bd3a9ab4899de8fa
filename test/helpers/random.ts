// Seeded random data for kernel tests (never Math.random: every failure must replay).
import { Rng } from '../../src/splitee/rng.js';

export function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.float();
  return a;
}

/** Sizes worth testing around tile edges: 1, primes, and non-multiples of 4, 8, 16, 64, 256. */
export const EDGE_SIZES = [1, 2, 3, 5, 7, 13, 17, 31, 37, 63, 65, 129, 257] as const;
