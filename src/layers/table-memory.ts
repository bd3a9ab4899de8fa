/**
 * Layers and a kernel table's own memory. A table with `allocate` (simd: one fixed WebAssembly memory)
 * wants every operand it reads or writes in that memory, or it copies it in on every call. So, when
 * a network is built on such a table:
 *   - its weights are copied there once, at build (`inTable`);
 *   - its arenas (activations, logits, temporaries) take their chunks there (`tableArena`).
 * A table without `allocate` (fast, reference) gets the arrays as they are and plain arenas.
 * The memory is fixed when the table is created: a network too big for it fails here, at build or at
 * its first forward of a larger batch, with the table's StateError ("memory is full"), never by growing.
 */
import { Arena } from '../tensor/arena.js';
import type { Kernels } from '../tensor/kernels/index.js';

/** a, or a copy of it in the table's memory when the table has one. */
export function inTable(kernels: Kernels, a: Float32Array): Float32Array {
  if (kernels.allocate === undefined) return a;
  const v = kernels.allocate(a.length);
  v.set(a);
  return v;
}

/** An Arena whose chunks come from the table's memory when it has one. */
export function tableArena(kernels: Kernels): Arena {
  const alloc = kernels.allocate;
  return alloc === undefined ? new Arena() : new Arena(undefined, (n) => alloc(n));
}

