/**
 * Choosing a Kernels table by name: createKernels('auto' | 'simd' | 'fast' | 'reference').
 * 'auto' takes a new simd table where WebAssembly SIMD validates and compiles here, else fast (no
 * WebAssembly, a page whose CSP lacks 'wasm-unsafe-eval', a runtime without SIMD). The returned
 * table's `name` says which one runs ('simd', 'fast' or 'reference'), for reports and logs.
 * Each call to 'simd'/'auto' builds a table with its own fixed memory (no state shared between tables).
 * The kinds' names, parsing and report wording: kinds.ts.
 */
import { ArgumentError } from '../errors.js';
import { createFastKernels, referenceKernels, type Kernels } from './tables.js';
import { createSimdKernels } from './simd.js';
import { simdValidates, type SimdInstanceOptions } from './simd-module.js';
import { KERNEL_KINDS, type KernelsKind } from './kinds.js';

export type CreateKernelsOptions = SimdInstanceOptions;

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
