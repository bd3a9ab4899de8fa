/**
 * TensorViews: the Tensor objects a network hands out over its arena memory (runStages and exitLogits
 * results), made once and handed out again, so a steady-state forward allocates no Tensor.
 *
 *   const views = new TensorViews();                   // one per network (never shared between networks)
 *   return views.of(arena.take(n * size), n, shape);   // [n, ...shape] over the whole view
 *
 * A Tensor is found by its data (an Arena returns the same view object for a repeated take, see
 * arena.ts) and its shape; a miss makes a new Tensor and remembers it, at most `capacity` of them (the
 * oldest replaced first). Returning the same Tensor for the same memory changes nothing for a caller: the
 * memory was already overwritten by the next forward; the validity rules of the network stay the same.
 *
 * Shape legend: data [lead * prod(rest)], the result [lead, ...rest].
 */
import { ArgumentError } from './errors.js';
import { Tensor } from './tensor.js';

export class TensorViews {
  private readonly views: Tensor[] = [];
  private next = 0;

  constructor(private readonly capacity = 64) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new ArgumentError(`TensorViews: invalid capacity: got ${capacity}, expected a positive integer`);
  }

  /** A contiguous Tensor [lead, ...rest] over all of `data`; `rest` is read, not kept. */
  of(data: Float32Array, lead: number, rest: readonly number[]): Tensor {
    const views = this.views;
    for (let i = 0; i < views.length; i++) {
      const v = views[i];
      if (v.data === data && v.shape[0] === lead && sameTail(v.shape, rest)) return v;
    }
    const t = new Tensor(data, [lead, ...rest]);
    if (views.length < this.capacity) views.push(t);
    else {
      views[this.next] = t;
      this.next = (this.next + 1) % this.capacity;
    }
    return t;
  }
}

/** shape[1..] equals rest. */
function sameTail(shape: readonly number[], rest: readonly number[]): boolean {
  if (shape.length !== rest.length + 1) return false;
  for (let i = 0; i < rest.length; i++) if (shape[i + 1] !== rest[i]) return false;
  return true;
}
