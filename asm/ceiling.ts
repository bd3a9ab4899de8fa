// Bench-only ceiling probe (not part of the kernel table): built by scripts/build-wasm.mjs into
// bench/tensor/ceiling-{simd,relaxed}.wasm with the kernels' own flags, and timed by
// bench/tensor/simd.bench.ts in the same process as the kernels, so their GFLOP/s can be read as a
// fraction of what this host gives today (its clock has moved 2x between days).
//   peak    register-only: relaxed build, 12 independent f32x4.relaxed_madd chains (the host's 128-bit
//           FMA rate: 8 flops per madd); SIMD128, 6 f32x4.mul chains + 6 f32x4.add chains (counted as
//           4 flops per op). No loads. 12 (relaxed) or 12 (SIMD128) vector ops per iteration.
//   tileL1  the GEMM's own tile (asm/gemm.ts: 4x8 SIMD128, 6x8 relaxed) over kc steps of panels that
//           stay in L1, reps times: the kernel's inner loop with no cache miss and no packing
//           (16 * rows() flops per step).
import { GMR, MR, NR, tile, tile6 } from './gemm';
export { tile6 }; // out of line, as in the kernel module (asm/gemm.ts)

/** Rows of the GEMM tile in this build. */
export function rows(): i32 {
  return GMR;
}

/** n iterations of the register-only chains; s (= 1) and u (= 0) at src, the chains' seeds after them. */
export function peak(out: usize, src: usize, n: i32): void {
  const s = v128.load(src), u = v128.load(src, 16);
  let c0 = v128.load(src, 32), c1 = v128.load(src, 48), c2 = v128.load(src, 64), c3 = v128.load(src, 80);
  let c4 = v128.load(src, 96), c5 = v128.load(src, 112), c6 = v128.load(src, 128), c7 = v128.load(src, 144);
  let c8 = v128.load(src, 160), c9 = v128.load(src, 176), ca = v128.load(src, 192), cb = v128.load(src, 208);
  for (let i = 0; i < n; i++) {
    if (ASC_FEATURE_RELAXED_SIMD) {
      c0 = f32x4.relaxed_madd(c0, s, u); c1 = f32x4.relaxed_madd(c1, s, u); c2 = f32x4.relaxed_madd(c2, s, u);
      c3 = f32x4.relaxed_madd(c3, s, u); c4 = f32x4.relaxed_madd(c4, s, u); c5 = f32x4.relaxed_madd(c5, s, u);
      c6 = f32x4.relaxed_madd(c6, s, u); c7 = f32x4.relaxed_madd(c7, s, u); c8 = f32x4.relaxed_madd(c8, s, u);
      c9 = f32x4.relaxed_madd(c9, s, u); ca = f32x4.relaxed_madd(ca, s, u); cb = f32x4.relaxed_madd(cb, s, u);
    } else {
      c0 = f32x4.mul(c0, s); c1 = f32x4.mul(c1, s); c2 = f32x4.mul(c2, s);
      c3 = f32x4.mul(c3, s); c4 = f32x4.mul(c4, s); c5 = f32x4.mul(c5, s);
      c6 = f32x4.add(c6, u); c7 = f32x4.add(c7, u); c8 = f32x4.add(c8, u);
      c9 = f32x4.add(c9, u); ca = f32x4.add(ca, u); cb = f32x4.add(cb, u);
    }
  }
  const l = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(c4, c5));
  const r = f32x4.add(f32x4.add(f32x4.add(c6, c7), f32x4.add(c8, c9)), f32x4.add(ca, cb));
  v128.store(out, f32x4.add(l, r));
}

/** reps times the GEMM tile over kc steps of pa [kc][GMR] and pb [kc][NR] (L1-resident), into c [GMR][NR]. */
export function tileL1(c: usize, pa: usize, pb: usize, kc: i32, reps: i32, edge: usize): void {
  for (let r = 0; r < reps; r++) {
    if (GMR == MR) tile(c, NR, pa, pb, kc, MR, NR, 1, 0, edge);
    else tile6(edge, pa, pb, kc);
  }
}
