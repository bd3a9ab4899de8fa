/**
 * The TypeScript Kernels tables and the Kernels interface (see index.ts for the conventions):
 *   referenceKernels: float64-accumulating loop nests, obviously correct and slow (the oracle).
 *   fastKernels:      the optimized versions (blocked GEMM, im2col conv, ...).
 * The `simd` table (simd.ts) starts from fastKernels and replaces the entries it covers.
 */
import * as ew from './elementwise.js';
import { gemm, gemmNaive, type GemmPlan } from './gemm.js';
import { conv2d, conv2dNaive, type Conv2dPlan } from './conv2d.js';
import * as pool from './pool.js';
import { softmax, logSoftmax, softmaxNaive, type SoftmaxPlan } from './softmax.js';
import { layerNorm, layerNormNaive, type LayerNormPlan } from './layernorm.js';
import { embedding, embeddingNaive, type EmbeddingPlan } from './embedding.js';
import { attention, attentionNaive, type AttentionPlan } from './attention.js';
import type { Activation } from './elementwise.js';
import { PackScratch } from './pack-scratch.js';
import type { Pool2dPlan, AdaptivePool2dPlan } from './pool.js';

export interface Kernels {
  readonly name: string;
  /** c [M,N] = act(alpha op(a) op(b) + beta c + bias); packedB: packGemmB(b, plan) of this table, or omitted */
  gemm(c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmPlan, packedB?: Float32Array | null): void;
  /** out [N,O,Ho,Wo] = act(conv2d(x [N,C,H,W], w [O,C,kH,kW]) + bias [O]); scratch [p.scratchSize]; packedW: packConvWeights(w, plan) */
  conv2d(out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan, scratch: Float32Array | null, packedW?: Float32Array | null): void;
  /**
   * Tables with a memory of their own (simd): n floats in it, valid as long as the table. Layers put their
   * weights there and Arenas their chunks, so kernels read them in place (see src/layers/table-memory.ts).
   */
  allocate?(n: number): Float32Array;
  /** Tables that pack weights: op(b) of plan p (any M) packed once into the table's layout, for gemm's packedB.
   *  The caller (a layer) keeps it: one pack per weight, never shared between layers or networks. */
  packGemmB?(b: Float32Array, p: GemmPlan): Float32Array;
  /** Tables that pack weights: conv weights w [O,C,kH,kW] of plan p (any N) packed once, for conv2d's packedW. */
  packConvWeights?(w: Float32Array, p: Conv2dPlan): Float32Array;
  relu(out: Float32Array, x: Float32Array, n: number): void;
  gelu(out: Float32Array, x: Float32Array, n: number): void;
  tanh(out: Float32Array, x: Float32Array, n: number): void;
  /** out [n] = act(a [n] + b [n]) (residual add) */
  add(out: Float32Array, a: Float32Array, b: Float32Array, n: number, act?: Activation): void;
  /** out [rows, cols] = act(x [rows, cols] + bias [cols]) */
  addBias(out: Float32Array, x: Float32Array, bias: Float32Array, rows: number, cols: number, act?: Activation): void;
  maxPool2d(out: Float32Array, x: Float32Array, p: Pool2dPlan): void;
  avgPool2d(out: Float32Array, x: Float32Array, p: Pool2dPlan): void;
  adaptiveAvgPool2d(out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan): void;
  /** out [N,C] = mean of x [N,C,H,W] over H,W; p from globalAvgPool2dPlan */
  globalAvgPool2d(out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan): void;
  softmax(out: Float32Array, x: Float32Array, p: SoftmaxPlan): void;
  logSoftmax(out: Float32Array, x: Float32Array, p: SoftmaxPlan): void;
  layerNorm(out: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, p: LayerNormPlan): void;
  /** out [count, D] = table [V, D] rows at ids [count] */
  embedding(out: Float32Array, table: Float32Array, ids: Float32Array | Int32Array, p: EmbeddingPlan): void;
  /** out [B,Tq,H] = multi-head attention(q, k, v, mask [B,Tk] | null); scratch [p.scratchSize] */
  attention(out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan, scratch: Float32Array): void;
}

export const referenceKernels: Kernels = Object.freeze({
  name: 'reference',
  gemm: gemmNaive,
  conv2d: (out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan) => conv2dNaive(out, x, w, bias, p),
  relu: ew.reluNaive,
  gelu: ew.geluNaive,
  tanh: ew.tanhNaive,
  add: ew.addNaive,
  addBias: ew.addBiasNaive,
  maxPool2d: (out: Float32Array, x: Float32Array, p: Pool2dPlan) => pool.pool2dNaive(out, x, p, 'max'),
  avgPool2d: (out: Float32Array, x: Float32Array, p: Pool2dPlan) => pool.pool2dNaive(out, x, p, 'avg'),
  adaptiveAvgPool2d: pool.adaptiveAvgPool2dNaive,
  globalAvgPool2d: pool.globalAvgPool2dNaive,
  softmax: (out: Float32Array, x: Float32Array, p: SoftmaxPlan) => softmaxNaive(out, x, p, false),
  logSoftmax: (out: Float32Array, x: Float32Array, p: SoftmaxPlan) => softmaxNaive(out, x, p, true),
  layerNorm: layerNormNaive,
  embedding: embeddingNaive,
  attention: (out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan) => attentionNaive(out, q, k, v, mask, p),
});

/** A fast table with its own PackScratch: tables built by separate calls never share pack buffers. */
export function createFastKernels(): Kernels {
  const packs = new PackScratch();
  return Object.freeze({
    name: 'fast',
    gemm: (c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmPlan) => gemm(c, a, b, bias, p, packs),
    conv2d: (out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan, scratch: Float32Array | null) => conv2d(out, x, w, bias, p, scratch, packs),
    relu: ew.relu,
    gelu: ew.gelu,
    tanh: ew.tanh,
    add: ew.add,
    addBias: ew.addBias,
    maxPool2d: pool.maxPool2d,
    avgPool2d: pool.avgPool2d,
    adaptiveAvgPool2d: pool.adaptiveAvgPool2d,
    globalAvgPool2d: pool.globalAvgPool2d,
    softmax,
    logSoftmax,
    layerNorm,
    embedding,
    attention: (out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, p: AttentionPlan, scratch: Float32Array) => attention(out, q, k, v, mask, p, scratch, packs),
  });
}

/** The default fast table (its PackScratch is created empty and grows on first use). */
export const fastKernels: Kernels = createFastKernels();
