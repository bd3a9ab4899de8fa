/**
 * PackScratch: the packing buffers of the fast GEMM, conv2d and attention kernels, owned by one Kernels
 * table (createFastKernels) instead of the modules, so two tables (two networks, or a network and a
 * benchmark) never write into each other's packs. Buffers are Float64Array (see gemm-micro.ts), grow
 * only, and are created on first use: steady state allocates nothing.
 *   ab: gemmStrided's A and B panels in one array     a, b: conv2d's whole-K packs
 *   w:  the direct 3x3 conv's packed weights          edge: the micro-kernel's edge tile (2x4)
 * A kernel called without a PackScratch makes a fresh one (allocates per call; tables never do that).
 */
export class PackScratch {
  private ab = new Float64Array(0);
  private a = new Float64Array(0);
  private b = new Float64Array(0);
  private w = new Float64Array(0);
  readonly edge = new Float64Array(8);

  /** The shared A+B pack of gemmStrided, at least n elements. */
  packAB(n: number): Float64Array {
    if (this.ab.length < n) this.ab = new Float64Array(n);
    return this.ab;
  }

  /** conv2d's whole-K A pack (the weights), at least n elements. */
  packA(n: number): Float64Array {
    if (this.a.length < n) this.a = new Float64Array(n);
    return this.a;
  }

  /** conv2d's whole-K B pack (im2col writes it), at least n elements. */
  packB(n: number): Float64Array {
    if (this.b.length < n) this.b = new Float64Array(n);
    return this.b;
  }

  /** The direct 3x3 conv's packed weights, at least n elements. */
  packW(n: number): Float64Array {
    if (this.w.length < n) this.w = new Float64Array(n);
    return this.w;
  }
}
