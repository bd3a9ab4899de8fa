/**
 * What the multi-exit networks (bert.ts, resnet.ts) share around their stages: the checks of a stage or
 * exit index and of a from..to range, and the memory of a forward pass.
 *
 * StageArenas: stage outputs alternate between two activation arenas (a stage never writes over its
 * input), logits go to a third, temporaries to a scratch arena the model resets on every call.
 */
import { Arena } from '../tensor/arena.js';
import { ArgumentError } from '../tensor/errors.js';

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
  readonly scratch = new Arena();
  readonly logits = new Arena();
  private readonly acts: [Arena, Arena] = [new Arena(), new Arena()];
  /** The last buffer each activation arena handed out (to tell which one holds a given input). */
  private readonly lastAct: [Float32Array | null, Float32Array | null] = [null, null];

  /** ArrayBuffers ever allocated by these arenas (constant in steady state). */
  get allocations(): number {
    return this.scratch.allocations + this.acts[0].allocations + this.acts[1].allocations + this.logits.allocations;
  }

  /** A fresh activation of n elements, in the activation arena that does not hold `input`. */
  takeAfter(input: Float32Array, n: number): Float32Array {
    const slot = this.slotOf(input) === 0 ? 1 : 0;
    const arena = this.acts[slot];
    arena.reset();
    const a = arena.take(n);
    this.lastAct[slot] = a;
    return a;
  }

  /** Which activation arena holds `a` (-1: neither, e.g. a caller's input). */
  private slotOf(a: Float32Array): -1 | 0 | 1 {
    if (this.lastAct[0]?.buffer === a.buffer) return 0;
    if (this.lastAct[1]?.buffer === a.buffer) return 1;
    return -1;
  }
}
