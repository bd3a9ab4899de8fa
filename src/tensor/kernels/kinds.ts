/**
 * The names of the kernel tables, apart from the tables themselves: the kinds createKernels takes
 * (select.ts), parsing one from text, and what reports say about the table that ran. This module
 * imports no kernel, so a command's front end (flags, reports) loads it without the engine.
 */
import { ArgumentError } from '../errors.js';

export const KERNEL_KINDS = ['auto', 'simd', 'fast', 'reference'] as const;
export type KernelsKind = (typeof KERNEL_KINDS)[number];

/** Which table runs, for reports, `--json` and run logs: its name and whether the relaxed-SIMD build runs. */
export interface KernelsInfo {
  readonly name: string;
  readonly relaxed: boolean;
}

/** The KernelsInfo of a table (relaxed is the simd table's own flag; false for the others). */
export function kernelsInfo(k: { readonly name: string }): KernelsInfo {
  return { name: k.name, relaxed: (k as { relaxed?: unknown }).relaxed === true };
}

/** A KernelsInfo in words, e.g. 'simd (relaxed SIMD)', 'simd (SIMD128)', 'fast'. */
export function formatKernelsInfo(k: KernelsInfo): string {
  return k.name === 'simd' ? `simd (${k.relaxed ? 'relaxed SIMD' : 'SIMD128'})` : k.name;
}

/** A KernelsKind from text (a flag or a config value), or an ArgumentError naming `where`. */
export function parseKernelsKind(v: string, where: string): KernelsKind {
  if ((KERNEL_KINDS as readonly string[]).includes(v)) return v as KernelsKind;
  throw new ArgumentError(`${where}: unknown kernels: got '${v.slice(0, 40)}', expected one of ${KERNEL_KINDS.join('|')}`);
}
