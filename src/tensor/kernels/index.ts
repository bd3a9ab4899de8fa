/**
 * The Kernels table: the narrow set of operations layers call. Layers receive a table and never
 * import a kernel directly, so swapping an implementation (a WebAssembly GEMM, say) is a one-entry
 * change, and the same conformance suite runs over every table.
 *
 *   referenceKernels: float64-accumulating loop nests, obviously correct and slow (the oracle).
 *   fastKernels:      the optimized versions (blocked GEMM, im2col conv, ...).
 *   simd:             WebAssembly SIMD128 GEMM, conv2d, attention, layer norm, softmax, GELU over fast
 *                     (createSimdKernels, simd.ts), with a fixed memory of its own (`allocate`) where
 *                     networks keep weights, packs (`packGemmB`, `packConvWeights`) and arenas;
 *                     createKernels('auto' | 'simd' | 'fast' | 'reference') picks one (select.ts).
 *
 * Conventions: out first, then inputs, weights, then the plan from the family's `...Plan()`
 * (validated once per layer); flat row-major Float32Arrays; `scratch` arguments take
 * plan.scratchSize elements (from an Arena). Elementwise kernels take the element count and allow
 * out to alias an input.
 */
export { referenceKernels, fastKernels, createFastKernels, type Kernels } from './tables.js';
export { createSimdKernels, type SimdKernels } from './simd.js';
export { createKernels, type CreateKernelsOptions } from './select.js';
export { kernelsInfo, formatKernelsInfo, parseKernelsKind, KERNEL_KINDS, type KernelsKind, type KernelsInfo } from './kinds.js';
export { simdValidates, simdMemoryFor, DEFAULT_SIMD_MEMORY, type SimdInstanceOptions } from './simd-module.js';
export { gemmPlan, gemmNaive, gemm, type GemmPlan, type GemmOptions, type BiasMode } from './gemm.js';
export { conv2dPlan, conv2dNaive, conv2d, type Conv2dPlan, type Conv2dOptions } from './conv2d.js';
export { pool2dPlan, adaptiveAvgPool2dPlan, globalAvgPool2dPlan, type Pool2dPlan, type Pool2dOptions, type AdaptivePool2dPlan } from './pool.js';
export { softmaxPlan, type SoftmaxPlan } from './softmax.js';
export { layerNormPlan, type LayerNormPlan } from './layernorm.js';
export { embeddingPlan, type EmbeddingPlan } from './embedding.js';
export { attentionPlan, MASK_MIN, type AttentionPlan } from './attention.js';
export { foldBatchNorm, type BatchNormParams } from './batchnorm-fold.js';
export { binaryPlan, biasPlan, geluScalar, gelu64, erfc64, type Activation, type BiasPlan } from './elementwise.js';
