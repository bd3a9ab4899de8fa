// Minimal types for ndarray-ops (no @types package exists), covering what the oracle tests use.
declare module 'ndarray-ops' {
  import type { NdArray } from 'ndarray';
  type A = NdArray;
  const ops: {
    add(out: A, a: A, b: A): A;
    maxs(out: A, a: A, s: number): A;
    maxseq(out: A, s: number): A;
    assign(out: A, a: A): A;
    subseq(out: A, s: number): A;
    divseq(out: A, s: number): A;
    expeq(out: A): A;
    sum(a: A): number;
    sup(a: A): number;
  };
  export default ops;
}
