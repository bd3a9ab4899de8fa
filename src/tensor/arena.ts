/**
 * Arena: scratch memory for a forward pass without per-sample allocation.
 *
 *   const arena = new Arena();
 *   arena.reset();                        // at the start of every forward
 *   const h = arena.take(n);              // Float32Array view of n elements (stale contents)
 *   const t = arena.tensor([N, C, H, W]); // a Tensor over arena memory
 *
 * Memory comes from a list of chunks. A take that does not fit in the current chunk moves to the
 * next chunk, allocating one (at least double the previous) only when none is left. reset() rewinds
 * to the first chunk, so a second forward that takes the same sizes in the same order allocates
 * nothing: `allocations` (the count of chunks ever created) stays constant.
 * Views stay valid until the next reset(); mark()/release() rewind inside a forward, for
 * temporaries of one layer (marks nest; reset() closes them all). Nothing is freed until the Arena itself is dropped.
 * `alloc` (optional): where chunks come from, e.g. a kernel table's fixed memory (Kernels.allocate),
 * so kernels read and write arena views in place; default new Float32Array.
 * The view objects are reused too: the i-th take after a reset() returns the same Float32Array as an
 * earlier i-th take (one of the last VIEW_WAYS) when it covers the same elements (same chunk, offset,
 * size), so a repeated forward allocates no view either (at most MAX_VIEWS takes per reset are remembered).
 */
import { ArgumentError, StateError, describeValue } from './errors.js';
import { Tensor, sizeOf } from './tensor.js';

const MIN_CHUNK = 1 << 16;
/** Takes per reset() whose views are remembered (an arena used without reset() stops caching there). */
const MAX_VIEWS = 4096;
/** Views remembered per take rank: a take whose size changes from one forward to the next (an activation
 *  arena reset by every stage, a text model's sequence length) still finds its view among the last few. */
const VIEW_WAYS = 16;

export class Arena {
  private chunks: Float32Array[] = [];
  private chunk = 0;
  private used = 0;
  private allocs = 0;
  /** The view of each take since the last reset(), by take order (see the header). */
  private readonly views: (Float32Array | null)[] = [];
  private taken = 0;
  /** Open marks' positions, [chunk, used] per depth (grows only when marks nest deeper than ever). */
  private readonly marks: number[] = [];
  private depth = 0;

  /** minChunk: elements of the first chunk (later chunks double); alloc: makes a chunk of n elements. */
  constructor(
    private readonly minChunk = MIN_CHUNK,
    private readonly alloc: (n: number) => Float32Array = (n) => new Float32Array(n),
  ) {
    if (!Number.isInteger(minChunk) || minChunk < 1) throw new ArgumentError(`Arena: invalid minChunk: got ${minChunk}, expected a positive integer`);
  }

  /** True when a starts inside one of this arena's chunks (arenas on one table memory share a buffer). */
  holds(a: Float32Array): boolean {
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i]; // indexed: no iterator per call (slotOf asks on every stage)
      if (c.buffer === a.buffer && a.byteOffset >= c.byteOffset && a.byteOffset < c.byteOffset + c.byteLength) return true;
    }
    return false;
  }

  /** Number of chunks this arena has allocated since it was created (each a new ArrayBuffer unless `alloc` carves it from a table memory). */
  get allocations(): number {
    return this.allocs;
  }

  /** Total elements held across chunks. */
  get capacity(): number {
    let n = 0;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  /** A view of n float32 elements; contents are whatever the last user left (not zeroed). */
  take(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`Arena.take: invalid size: got ${n}, expected a non-negative integer`);
    while (this.chunk < this.chunks.length) {
      const c = this.chunks[this.chunk];
      if (this.used + n <= c.length) {
        const view = this.view(c, this.used, n);
        this.used += n;
        return view;
      }
      this.chunk++;
      this.used = 0;
    }
    const last = this.chunks.length > 0 ? this.chunks[this.chunks.length - 1].length : 0;
    const c = this.alloc(Math.max(n, this.minChunk, 2 * last));
    this.allocs++;
    this.chunks.push(c);
    this.used = n;
    return this.view(c, 0, n);
  }

  /** c[at, at + n) as a view remembered for this take's rank since reset(), or a new one (remembered first). */
  private view(c: Float32Array, at: number, n: number): Float32Array {
    const i = this.taken++;
    if (i >= MAX_VIEWS) return c.subarray(at, at + n);
    const views = this.views;
    const base = i * VIEW_WAYS;
    if (base >= views.length) for (let j = 0; j < VIEW_WAYS; j++) views.push(null);
    const byteOffset = c.byteOffset + 4 * at;
    for (let j = base; j < base + VIEW_WAYS; j++) {
      const v = views[j];
      if (v === null) break;
      if (v.buffer === c.buffer && v.byteOffset === byteOffset && v.length === n) return v;
    }
    const w = c.subarray(at, at + n);
    for (let j = base + VIEW_WAYS - 1; j > base; j--) views[j] = views[j - 1];
    views[base] = w;
    return w;
  }

  /** take(n) filled with zeros. */
  takeZeroed(n: number): Float32Array {
    return this.take(n).fill(0);
  }

  /** A contiguous Tensor of the given shape over arena memory (not zeroed). */
  tensor(shape: readonly number[]): Tensor {
    return new Tensor(this.take(sizeOf(shape)), shape);
  }

  /** Rewinds to the start: every view handed out so far may be overwritten by later takes. */
  reset(): void {
    this.chunk = 0;
    this.used = 0;
    this.taken = 0;
    this.depth = 0;
  }

  /**
   * Opens a mark: a position to release() back to (temporaries of one layer). Marks nest; the returned
   * handle is the mark's depth, a small integer (a packed chunk/offset position was a double, which V8
   * boxed on every call it did not inline: hundreds of bytes per ResNet round).
   */
  mark(): number {
    const i = this.depth * 2;
    this.marks[i] = this.chunk;
    this.marks[i + 1] = this.used;
    return ++this.depth;
  }

  /** Rewinds to an open mark's position and closes it and every mark opened after it. */
  release(mark: number): void {
    if (!Number.isInteger(mark) || mark < 1 || mark > this.depth) {
      throw new StateError(`Arena.release: mark is not open: got ${describeValue(mark)}, expected an open mark in [1, ${this.depth}]; a mark closes when it or an earlier one is released, and at reset()`);
    }
    const i = (mark - 1) * 2;
    this.chunk = this.marks[i];
    this.used = this.marks[i + 1];
    this.depth = mark - 1;
  }
}
