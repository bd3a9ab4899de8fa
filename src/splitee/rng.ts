/**
 * Rng: the one seeded random source of the project, injected wherever randomness is needed
 * (random and Thompson policies, shuffles, distortion noise). Never global; its state serializes
 * to JSON so a restored policy continues the exact same random sequence.
 *
 * Backed by pure-rand's xoroshiro128+ (fast, 128-bit state, no code generation).
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { ArgumentError, FormatError, describeValue } from '../tensor/errors.js';

export interface RngState {
  kind: 'xoroshiro128plus';
  state: number[];
  /** A cached second normal deviate of the Box-Muller pair, or null. */
  spareNormal: number | null;
}

/** A bounded description of an untrusted RNG state for an error message (never serialized whole). */
function rngStateShown(s: unknown): string {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return describeValue(s);
  const r = s as Record<string, unknown>;
  return `{kind: ${describeValue(r.kind)}, state: ${describeValue(r.state)}}`;
}

export class Rng {
  private gen: JumpableRandomGenerator;
  private spare: number | null = null;

  private constructor(gen: JumpableRandomGenerator) {
    this.gen = gen;
  }

  static seeded(seed: number): Rng {
    if (!Number.isInteger(seed)) throw new ArgumentError(`Rng.seeded: seed is not an integer: got ${seed}, expected an integer`);
    // seed | 0 keeps 32 bits: beyond them two seeds would silently give the same stream
    if (seed < -0x80000000 || seed > 0xffffffff) throw new ArgumentError(`Rng.seeded: seed out of range: got ${seed}, expected an integer in [-2^31, 2^32)`);
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /**
   * Rebuilds a generator from snapshot(). Each state word is a 32-bit word: snapshot() writes it
   * signed (int32), and its unsigned reading (uint32) is accepted too, so the range is [-2^31, 2^32);
   * anything else (a fraction, a wider integer whose high bits the generator would silently drop)
   * is a FormatError naming the word. All four words 0 is the one state xoroshiro never leaves
   * (it would draw 0 forever; normal() would never return), so it is corrupt too.
   */
  static restore(s: RngState): Rng {
    if (s === null || typeof s !== 'object' || s.kind !== 'xoroshiro128plus' || !Array.isArray(s.state) || s.state.length !== 4 || !s.state.every(Number.isInteger)) {
      throw new FormatError(`Rng.restore: invalid state: got ${rngStateShown(s)}, expected {kind:'xoroshiro128plus', state:[4 integers], spareNormal}`);
    }
    s.state.forEach((w, i) => {
      if (w < -0x80000000 || w > 0xffffffff) {
        throw new FormatError(`Rng.restore: state word ${i} does not fit in 32 bits: got ${w}, expected an integer in [-2^31, 2^32)`);
      }
    });
    if (s.state.every((w) => w === 0)) throw new FormatError(`Rng.restore: degenerate state: got state [0,0,0,0], expected at least one non-zero word (xoroshiro128+ never reaches all zeros)`);
    const spare = s.spareNormal;
    if (!(spare === null || (typeof spare === 'number' && Number.isFinite(spare)))) {
      throw new FormatError(`Rng.restore: invalid spareNormal: got ${describeValue(spare)}, expected null or a finite number`);
    }
    // | 0: the signed reading snapshot() writes, so restore(x).snapshot() is canonical
    const rng = new Rng(xoroshiro128plusFromState(s.state.map((w) => w | 0)));
    rng.spare = spare;
    return rng;
  }

  snapshot(): RngState {
    return { kind: 'xoroshiro128plus', state: [...this.gen.getState()], spareNormal: this.spare };
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new ArgumentError(`Rng.int: invalid bound: got ${n}, expected a positive integer`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal deviate (Box-Muller, the second value of each pair cached). */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns its argument. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}
