/**
 * What the multi-exit networks (bert.ts, resnet.ts) share around their stages: the checks of a stage or
 * exit index and of a from..to range, and the memory of a forward pass.
 *
 * StageArenas: stage outputs alternate between two activation arenas (a stage never writes over its
 * input), logits go to a third, temporaries to a scratch arena the model resets on every call. On a
 * table with its own memory (simd) every arena lives there, and `adopt` copies a caller's input that
 * lives elsewhere into a fifth (once per forward, at the network's boundary), so no kernel copies.
 */
import type { Arena } from '../tensor/arena.js';
import { ArgumentError } from '../tensor/errors.js';
import type { Kernels } from '../tensor/kernels/index.js';
import { tableArena } from './table-memory.js';

/** Throws unless v is an integer in [min, numStages]. */
export function checkStageIndex(where: string, what: string, v: number, min: number, numStages: number): void {
  if (!Number.isInteger(v) || v < min || v > numStages) {
    throw new ArgumentError(`${where}: ${what} out of range: got ${v}, expected an integer in [${min},${numStages}]`);
  }
}

/** Throws unless 0 <= from <= to <= numStages (integers), as runStages requires. */
export function checkStageRange(from: number, to: number, numStages: number): void {
  checkStageIndex('runStages', 'from', from, 0, numStages);
  checkStageIndex('runStages', 'to', to, 0, numStages);
  if (from > to) throw new ArgumentError(`runStages: stages run forward only: got from ${from} > to ${to}, expected 0 <= from <= to <= ${numStages}`);
}

export class StageArenas {
  readonly scratch: Arena;
  readonly logits: Arena;
  private readonly acts: [Arena, Arena];
  private readonly inputs: Arena;
  /** A view of the table's memory (null: the table has none), to tell whether an array lives there. */
  private readonly probe: Float32Array | null;

  constructor(kernels: Kernels) {
    this.scratch = tableArena(kernels);
    this.logits = tableArena(kernels);
    this.acts = [tableArena(kernels), tableArena(kernels)];
    this.inputs = tableArena(kernels);
    this.probe = kernels.allocate === undefined ? null : kernels.allocate(0);
  }

  /** Chunks ever allocated by these arenas (constant in steady state). */
  get allocations(): number {
    return this.scratch.allocations + this.acts[0].allocations + this.acts[1].allocations + this.logits.allocations + this.inputs.allocations;
  }

  /** Rewinds the input arena (at the start of a forward, before its adopt calls). */
  resetInputs(): void {
    this.inputs.reset();
  }

  /** a itself when kernels read it in place (no table memory, or a already there), else a copy in the table's memory. */
  adopt(a: Float32Array): Float32Array {
    if (this.probe === null || a.buffer === this.probe.buffer) return a;
    const v = this.inputs.take(a.length);
    v.set(a);
    return v;
  }

  /** A fresh activation of n elements, in the activation arena that does not hold `input`. */
  takeAfter(input: Float32Array, n: number): Float32Array {
    const slot = this.slotOf(input) === 0 ? 1 : 0;
    const arena = this.acts[slot];
    arena.reset();
    return arena.take(n);
  }

  /** Which activation arena holds `a` (-1: neither, e.g. a caller's input). */
  private slotOf(a: Float32Array): -1 | 0 | 1 {
    if (this.acts[0].holds(a)) return 0;
    if (this.acts[1].holds(a)) return 1;
    return -1;
  }
}
