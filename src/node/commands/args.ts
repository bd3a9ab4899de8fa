/**
 * Numeric command-line flags, shared by the commands: a bad value throws
 * `--NAME: invalid value: got 'V', expected EXPECTED` (an ArgumentError); an absent one gives the default.
 */
import { ArgumentError } from '../../tensor/errors.js';

/**
 * A decimal number: optional sign, digits with an optional fraction (or a bare fraction), optional
 * exponent. Not Number()'s wider syntax: hex / octal / binary (0x10, 0o7, 0b1), 'Infinity', '' and
 * numeric separators are refused, so a flag means what it reads as in decimal.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The number of flag `--name` (value v), or dflt when absent; `check` says which numbers are valid.
 * v must be a decimal number (DECIMAL; surrounding whitespace ignored) that is finite (not '1e400'),
 * whatever `check` says.
 */
export function num(v: string | undefined, name: string, dflt: number, check: (x: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (v === undefined) return dflt;
  const t = v.trim();
  const x = DECIMAL.test(t) ? Number(t) : NaN;
  if (!(Number.isFinite(x) && check(x))) throw new ArgumentError(`--${name}: invalid value: got '${v}', expected ${expected}`);
  return x;
}

/** An integer flag >= min. */
export function int(v: string | undefined, name: string, dflt: number, min: number): number {
  return num(v, name, dflt, (x) => Number.isInteger(x) && x >= min, `an integer >= ${min}`);
}

export const nonNeg = (x: number): boolean => Number.isFinite(x) && x >= 0;
export const pos = (x: number): boolean => Number.isFinite(x) && x > 0;
