/**
 * The `simd` Kernels table: WebAssembly SIMD128 (asm/kernels.ts, asm/rows.ts) for GEMM with its
 * epilogues, conv2d, attention, layer norm, softmax, GELU, add, ReLU and global average pooling; every
 * other entry (max and average pooling, adaptive pooling to more than 1x1, embedding, addBias, tanh,
 * logSoftmax) is the fast TypeScript kernel, which reads table memory in place.
 *
 *   gemm   C [M,N] = act(alpha op(A) op(B) + beta C + bias): A and B packed into 4-row / 8-column
 *          panels, a 4x8 v128 micro-kernel (float32 accumulation; the relaxed build: 6-row panels and a
 *          6x8 tile, asm/gemm.ts), bias, ReLU and GELU in the module.
 *          A is packed and multiplied in blocks of rows (PACK_A_FLOATS), so A's pack does not grow with
 *          M (an operand outside the memory is still copied in whole). packedB (packGemmB, made once by
 *          a layer at build) skips packing B. K = 0, and M = 1 (GEMV) with B not packed, take the fast
 *          kernel; with B packed, one row runs in the module like any other, so a row's bits never
 *          depend on how many rows share its call.
 *   conv2d out [N,O,Ho,Wo] = act(conv2d(x, w) + bias): the weights packed as A [O, C*kH*kW] in the
 *          module's panels (packConvW: once, at build, when the layer passes packedW from
 *          packConvWeights; else per call), then a shifted GEMM over each sample's stride phases
 *          (asm/conv.ts: no im2col; the GEMM's tiles; any kernel size, stride and padding). `scratch` unused.
 *   layerNorm, softmax, gelu, attention, adaptiveAvgPool2d to 1x1: simd-rows.ts.  add (act none|relu), relu: addAct/biasRelu.
 *          These run in the module only when every operand already lives in the table's memory (a copy
 *          would cost as much as the op); else the fast kernel.
 * Memory: operands that are views of the table's memory (SimdKernels.allocate: a network built on the
 * table keeps its weights, packs and arenas there, src/layers/table-memory.ts) are used in place; any
 * other operand of gemm/conv2d is copied into per-call scratch and the output copied back (counted by
 * `copies`). A call whose scratch does not fit the fixed memory runs the fast kernel instead (the memory
 * is never grown). Packs belong to the layer that asked for them: two networks on one table never share
 * one. Tolerance: float32 accumulation, within the conformance bound |out - ref| <= 1e-5 * sum |terms|
 * for K up to a few thousand (see conformance.test.ts).
 */
import { createFastKernels, type Kernels } from './tables.js';
import { checkGemmBuffers, type GemmPlan } from './gemm.js';
import { checkConvBuffers, type Conv2dPlan } from './conv2d-plan.js';
import type { Activation } from './elementwise.js';
import type { LayerNormPlan } from './layernorm.js';
import type { SoftmaxPlan } from './softmax.js';
import type { AttentionPlan } from './attention.js';
import type { AdaptivePool2dPlan } from './pool.js';
import { layerNormSimd, softmaxSimd, geluSimd, attentionSimd, adaptiveAvgPool2dSimd } from './simd-rows.js';
import { SimdInstance, EDGE_PTR, type SimdInstanceOptions } from './simd-module.js';
import { ArgumentError, ShapeError, StateError } from '../errors.js';

const NR = 8;

export interface SimdKernels extends Kernels {
  /** True when the relaxed-SIMD build (f32x4.relaxed_madd) runs. */
  readonly relaxed: boolean;
  /** n floats in the table's memory, for weights and arenas that kernels then use without copies. */
  allocate(n: number): Float32Array;
  packGemmB(b: Float32Array, p: GemmPlan): Float32Array;
  packConvWeights(w: Float32Array, p: Conv2dPlan): Float32Array;
  /** Operand copies into or out of the memory so far (debug counter: zero per call when every operand lives there). */
  readonly copies: number;
  /** Calls that ran the fast kernel because their scratch did not fit the fixed memory (the memory is never grown). */
  readonly fallbacks: number;
  /** Bytes of the table's fixed memory. */
  readonly memoryBytes: number;
}

function copyOut(s: SimdInstance, dst: Float32Array, at: number, n: number): void {
  if (dst.buffer === s.buffer) return;
  dst.set(s.heap.subarray(at >> 2, (at >> 2) + n));
  s.copies++;
}

/** Floats of op(B) [K,N] packed in NR-column panels, and of A [M,K] in mr-row panels. */
const packBSize = (N: number, K: number) => Math.ceil(N / NR) * NR * K;
const packASize = (M: number, K: number, mr: number) => Math.ceil(M / mr) * mr * K;

/** Floats of A's pack per block of rows (1 MiB): a GEMM's scratch stays bounded however many rows it has. */
const PACK_A_FLOATS = 1 << 18;

/** Rows of A packed at a time: as many whole mr-row panels as fit PACK_A_FLOATS, at least one panel. */
function rowsPerPack(K: number, mr: number): number {
  return Math.max(1, Math.floor(PACK_A_FLOATS / (K * mr))) * mr;
}

/** Byte offset of a pack made by this table for the plan (packGemmB / packConvWeights), or -1 when none was given. */
function packAt(s: SimdInstance, where: string, packed: Float32Array | null | undefined, n: number): number {
  if (packed === null || packed === undefined) return -1;
  if (!s.owns(packed) || packed.length !== n) {
    throw new ArgumentError(`${where}: packed weights do not fit the plan: got ${packed.length} floats${s.owns(packed) ? '' : ' outside this table'}, expected ${n} made by this table's pack function for the same plan`);
  }
  return packed.byteOffset;
}

/** A persistent pack of n floats, written by fill(pack, operand) with the operand placed in scratch (a build-time copy). */
function makePack(s: SimdInstance, where: string, n: number, src: Float32Array, srcLen: number, fill: (at: number, from: number) => void): Float32Array {
  const pack = s.allocate(n);
  s.begin();
  const from = s.place(src, srcLen);
  if (!s.fits) throw new StateError(`${where}: memory is full: got ${srcLen} floats to pack with too little scratch left, expected room for them; build the table with a larger memoryBytes (simdMemoryFor)`);
  fill(pack.byteOffset, from);
  return pack;
}

function packGemmB(s: SimdInstance, b: Float32Array, p: GemmPlan): Float32Array {
  const { N, K } = p;
  if (b.length < K * N) throw new ShapeError(`simd.packGemmB: B is too short: got ${b.length} elements, expected at least ${K * N} (N=${N}, K=${K})`);
  return makePack(s, 'simd.packGemmB', packBSize(N, K), b, K * N, (at, from) => s.exports.packB(at, from, p.transB ? K : N, N, K, p.transB ? 1 : 0));
}

function packConvWeights(s: SimdInstance, w: Float32Array, p: Conv2dPlan): Float32Array {
  const K = p.C * p.kH * p.kW;
  if (w.length < p.O * K) throw new ShapeError(`simd.packConvWeights: weight is too short: got ${w.length} elements, expected at least ${p.O * K} ([${p.O},${p.C},${p.kH},${p.kW}])`);
  return makePack(s, 'simd.packConvWeights', s.exports.convRows(p.O) * K, w, p.O * K, (at, from) => s.exports.packConvW(at, from, p.O, K));
}

function gemmSimd(s: SimdInstance, fb: Kernels, c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmPlan, packedB?: Float32Array | null): void {
  checkGemmBuffers('simd.gemm', c, a, b, bias, p);
  const { M, N, K } = p;
  if (M === 0 || N === 0) return;
  const packed = packAt(s, 'simd.gemm', packedB, packBSize(N, K));
  // A single row against unpacked B: packing B would cost as much as the product. With B packed at build
  // (Linear), one row runs here like any other, so a row's bits do not depend on the batch it came in.
  if (K === 0 || (M === 1 && !p.transA && packed < 0)) return fb.gemm(c, a, b, bias, p);
  s.begin();
  const aP = s.place(a, M * K);
  const bP = packed >= 0 ? 0 : s.place(b, K * N);
  const cP = s.place(c, M * N, p.beta !== 0);
  const biasP = bias !== null && p.bias !== 'none' ? s.place(bias, p.bias === 'col' ? N : M) : 0;
  const rows = Math.min(M, rowsPerPack(K, s.gemmMR));
  const pa = s.take(packASize(rows, K, s.gemmMR));
  const pb = packed >= 0 ? packed : s.take(packBSize(N, K));
  if (s.overflowed()) return fb.gemm(c, a, b, bias, p);
  const e = s.exports;
  if (packed < 0) e.packB(pb, bP, p.transB ? K : N, N, K, p.transB ? 1 : 0);
  // A in blocks of `rows` rows (all of it when it packs within PACK_A_FLOATS): a row's bits do not depend
  // on the rows beside it (conformance), so the blocks give the bytes one pack would, in bounded scratch.
  for (let r0 = 0; r0 < M; r0 += rows) {
    const m = Math.min(rows, M - r0);
    e.packA(pa, p.transA ? aP + 4 * r0 : aP + 4 * r0 * K, p.transA ? M : K, m, K, p.transA ? 1 : 0, s.gemmMR);
    e.gemmPacked(cP + 4 * r0 * N, N, pa, pb, m, N, K, p.alpha, p.beta, EDGE_PTR);
  }
  const mode = p.bias === 'col' ? 1 : p.bias === 'row' ? 2 : 0;
  if (mode !== 0 || p.activation === 'relu') e.biasRelu(cP, N, M, N, biasP, mode, p.activation === 'relu' ? 1 : 0);
  if (p.activation === 'gelu') e.gelu(cP, cP, M * N);
  copyOut(s, c, cP, M * N);
}

/**
 * Scratch of asm/conv.ts convShifted for one sample: the sH*sW stride phases of the padded input, each
 * [C][Hq][Wq], plus the junk pixels' overrun (< kW + NR floats), and the GEMM output [rows][ldc] (rows =
 * the module's convRows(O): the weight panels' rows).
 * Stride 1 with pW < kW shares a row's right padding with the next row's left one (Wq = W + pW: fewer
 * junk columns, 1 per row for a 3x3 conv with padding 1).
 */
function shiftedLayout(p: Conv2dPlan, rows: number): { Hq: number; Wq: number; phFloats: number; cbFloats: number } {
  const Hq = Math.ceil((p.H + 2 * p.pH) / p.sH);
  const Wq = p.sW === 1 && p.pW < p.kW ? p.W + p.pW : Math.ceil((p.W + 2 * p.pW) / p.sW);
  const ldc = Math.ceil((p.Ho * Wq) / NR) * NR;
  return { Hq, Wq, phFloats: p.sH * p.sW * p.C * Hq * Wq + p.kW + NR, cbFloats: rows * ldc };
}

function conv2dSimd(s: SimdInstance, fb: Kernels, out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan, scratch: Float32Array | null, packedW?: Float32Array | null): void {
  checkConvBuffers('simd.conv2d', out, x, w, bias, p);
  const { N, C, H, W, O, kH, kW, Ho, Wo } = p;
  const L = Ho * Wo;
  const K = C * kH * kW;
  if (L === 0 || O === 0 || N === 0) return;
  if (K === 0) return fb.conv2d(out, x, w, bias, p, scratch);
  const rows = s.exports.convRows(O);
  const packed = packAt(s, 'simd.conv2d', packedW, rows * K);
  s.begin();
  const inSize = C * H * W;
  const outSize = O * L;
  const xP = s.place(x, N * inSize);
  const wP = packed >= 0 ? 0 : s.place(w, O * K);
  const oP = s.place(out, N * outSize, false);
  const bP = p.hasBias && bias !== null ? s.place(bias, O) : 0;
  const pa = packed >= 0 ? packed : s.take(rows * K);
  const q = shiftedLayout(p, rows);
  const ph = s.take(q.phFloats);
  const offs = s.take(K);
  const cb = s.take(q.cbFloats);
  if (s.overflowed()) return fb.conv2d(out, x, w, bias, p, scratch);
  const e = s.exports;
  if (packed < 0) e.packConvW(pa, wP, O, K);
  const relu = p.activation === 'relu' ? 1 : 0;
  e.convShifted(oP, xP, pa, bP, p.hasBias ? 2 : 0, relu, N, C, H, W, O, kH, kW, p.sH, p.sW, p.pH, p.pW, Ho, Wo, q.Hq, q.Wq, ph, q.phFloats, offs, cb);
  if (p.activation === 'gelu') e.gelu(oP, oP, N * outSize);
  copyOut(s, out, oP, N * outSize);
}

function addSimd(s: SimdInstance, fb: Kernels, out: Float32Array, a: Float32Array, b: Float32Array, n: number, act: Activation = 'none'): void {
  if (act === 'gelu' || !s.owns(out) || !s.owns(a) || !s.owns(b) || out.length < n || a.length < n || b.length < n) return fb.add(out, a, b, n, act);
  s.exports.addAct(out.byteOffset, a.byteOffset, b.byteOffset, n, act === 'relu' ? 1 : 0);
}

function reluSimd(s: SimdInstance, fb: Kernels, out: Float32Array, x: Float32Array, n: number): void {
  if (!s.owns(out) || !s.owns(x) || out.length < n || x.length < n) return fb.relu(out, x, n);
  if (out.byteOffset !== x.byteOffset) out.set(x.subarray(0, n));
  s.exports.biasRelu(out.byteOffset, n, 1, n, 0, 0, 1);
}

/** A new `simd` table over its own fixed memory (sync: the module is ~3 KB, under every runtime's sync-compile limit). */
export function createSimdKernels(opts: SimdInstanceOptions = {}): SimdKernels {
  const s = new SimdInstance(opts);
  const fb = createFastKernels();
  return Object.freeze({
    ...fb,
    name: 'simd',
    relaxed: s.relaxed,
    memoryBytes: s.byteLength,
    get copies() {
      return s.copies;
    },
    get fallbacks() {
      return s.fallbacks;
    },
    allocate: (n: number) => s.allocate(n),
    packGemmB: (b: Float32Array, p: GemmPlan) => packGemmB(s, b, p),
    packConvWeights: (w: Float32Array, p: Conv2dPlan) => packConvWeights(s, w, p),
    gemm: (c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmPlan, packedB?: Float32Array | null) => gemmSimd(s, fb, c, a, b, bias, p, packedB),
    conv2d: (out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan, scratch: Float32Array | null, packedW?: Float32Array | null) => conv2dSimd(s, fb, out, x, w, bias, p, scratch, packedW),
    add: (out: Float32Array, a: Float32Array, b: Float32Array, n: number, act?: Activation) => addSimd(s, fb, out, a, b, n, act),
    relu: (out: Float32Array, x: Float32Array, n: number) => reluSimd(s, fb, out, x, n),
    gelu: (out: Float32Array, x: Float32Array, n: number) => geluSimd(s, fb, out, x, n),
    softmax: (out: Float32Array, x: Float32Array, p: SoftmaxPlan) => softmaxSimd(s, fb, out, x, p),
    layerNorm: (out: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, p: LayerNormPlan) => layerNormSimd(s, fb, out, x, gamma, beta, p),
    attention: (out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan, scratch: Float32Array) => attentionSimd(s, fb, out, q, k, v, mask, p, scratch),
    adaptiveAvgPool2d: (out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan) => adaptiveAvgPool2dSimd(s, fb, out, x, p),
  });
}
