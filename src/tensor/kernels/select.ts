/**
 * Choosing a Kernels table by name: createKernels('auto' | 'simd' | 'fast' | 'reference').
 * 'auto' takes a new simd table where WebAssembly SIMD validates and compiles here, else fast (no
 * WebAssembly, a page whose CSP lacks 'wasm-unsafe-eval', a runtime without SIMD). The returned
 * table's `name` says which one runs ('simd', 'fast' or 'reference'), for reports and logs.
 * Each call to 'simd'/'auto' builds a table with its own fixed memory (no state shared between tables).
 */
import { ArgumentError } from '../errors.js';
import { createFastKernels, referenceKernels, type Kernels } from './tables.js';
import { createSimdKernels } from './simd.js';
import { simdValidates, type SimdInstanceOptions } from './simd-module.js';

export const KERNEL_KINDS = ['auto', 'simd', 'fast', 'reference'] as const;
export type KernelsKind = (typeof KERNEL_KINDS)[number];
export type CreateKernelsOptions = SimdInstanceOptions;

/** Which table runs, for reports, `--json` and run logs: its name and whether the relaxed-SIMD build runs. */
export interface KernelsInfo {
  readonly name: string;
  readonly relaxed: boolean;
}

/** The KernelsInfo of a table (relaxed is the simd table's own flag; false for the others). */
export function kernelsInfo(k: Kernels): KernelsInfo {
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

export function createKernels(kind: KernelsKind = 'auto', opts: CreateKernelsOptions = {}): Kernels {
  switch (kind) {
    case 'fast':
      return createFastKernels();
    case 'reference':
      return referenceKernels;
    case 'simd':
      return createSimdKernels(opts);
    case 'auto':
      if (opts.module === undefined && !simdValidates(false)) return createFastKernels();
      try {
        return createSimdKernels(opts);
      } catch {
        // Compiling was refused (CSP without 'wasm-unsafe-eval') or the memory could not be reserved.
        return createFastKernels();
      }
    default:
      throw new ArgumentError(`createKernels: unknown kernels: got ${String(kind).slice(0, 40)}, expected one of ${KERNEL_KINDS.join('|')}`);
  }
}
