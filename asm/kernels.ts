// AssemblyScript source of the `simd` kernel table's WebAssembly module (built by scripts/build-wasm.mjs,
// not by tsc: v128 intrinsics are AssemblyScript builtins). Every pointer is a byte offset into the one
// imported memory, chosen by the TypeScript side (src/tensor/kernels/simd.ts); this module has no heap,
// no globals and no static data, so one instance per memory is all its state.
// The kernels live in asm/gemm.ts (packing, the GEMM tile, bias + ReLU), asm/conv.ts (conv2d); the
// module's exports are the ones listed here.
export { packA, packB, gemmPacked, biasRelu, tile6 } from './gemm'; // tile6: exported to stay out of line (asm/gemm.ts)
import { GMR } from './gemm';

/** Rows per A panel of gemmPacked in this build (4 SIMD128, 6 relaxed): packA's mr for GEMM operands. */
export function gemmPanelRows(): i32 {
  return GMR;
}
export { im2colPacked, convShifted, convRows, packConvW, tileShifted6 } from './conv'; // tileShifted6: exported to stay out of line

/** out [n] = act(a [n] + b [n]), relu when relu. */
export function addAct(out: usize, a: usize, b: usize, n: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    let v = f32x4.add(v128.load(a + o), v128.load(b + o));
    if (relu) v = f32x4.max(v, zero);
    v128.store(out + o, v);
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    let v = load<f32>(a + o) + load<f32>(b + o);
    if (relu && v < 0) v = 0;
    store<f32>(out + o, v);
  }
}

export { layerNorm, softmax, gelu, rowMeans } from './rows'; // the row kernels (asm/rows.ts)
