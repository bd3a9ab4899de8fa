/**
 * Numeric command-line flags, shared by the commands: a bad value throws
 * `--NAME: invalid value: got 'V', expected EXPECTED` (an ArgumentError); an absent one gives the default.
 */
import { ArgumentError } from '../../tensor/errors.js';

/** The number of flag `--name` (value v), or dflt when absent; `check` says which numbers are valid. */
export function num(v: string | undefined, name: string, dflt: number, check: (x: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (v === undefined) return dflt;
  const x = v.trim() === '' ? NaN : Number(v);
  if (!check(x)) throw new ArgumentError(`--${name}: invalid value: got '${v}', expected ${expected}`);
  return x;
}

/** An integer flag >= min. */
export function int(v: string | undefined, name: string, dflt: number, min: number): number {
  return num(v, name, dflt, (x) => Number.isInteger(x) && x >= min, `an integer >= ${min}`);
}

export const nonNeg = (x: number): boolean => Number.isFinite(x) && x >= 0;
export const pos = (x: number): boolean => Number.isFinite(x) && x > 0;
