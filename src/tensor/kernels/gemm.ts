/**
 * sgemm: C[M,N] = act(alpha * op(A) op(B) + beta * C + bias)
 *
 * Shapes: op(A) is [M,K] (A stored [M,K], or [K,M] with transA); op(B) is [K,N] (B stored [K,N],
 * or [N,K] with transB); C is [M,N]. All row-major and contiguous.
 * bias: 'col' adds bias[n] to column n (a Linear layer: x [M,in] @ W[out,in]^T, transB, as
 * torch.nn.functional.linear); 'row' adds bias[m] to row m (a conv as W [O, C*kh*kw] @ cols).
 * beta = 0 means C is never read (garbage or NaN in C does not leak), as in BLAS.
 * Tolerance: |C - Cref| <= 1e-5 * (sum_k |a_ik||b_kj| * |alpha| + |beta c| + |bias|) elementwise
 * (a norm-relative bound: float32 products summed in float64 inside each micro tile, but K-blocks
 * are added through the float32 C).
 * Optimization: Goto-style blocking; B is packed into NR-column panels and A into MR-row panels
 * (Float64, in the caller's PackScratch: one per Kernels table), then a 2x4 register-tiled micro-kernel
 * (gemm-micro.ts). M = 1 (GEMV) takes a direct dot/axpy path without packing.
 */
import { ShapeError, ArgumentError, formatShape } from '../errors.js';
import { activateRange, checkActivation, gelu64, type Activation } from './elementwise.js';
import { gemmBlocked, KC } from './gemm-micro.js';
import { PackScratch } from './pack-scratch.js';

export type BiasMode = 'none' | 'col' | 'row';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  activation?: Activation;
  bias?: BiasMode;
}

export interface GemmPlan {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly alpha: number;
  readonly beta: number;
  readonly activation: Activation;
  readonly bias: BiasMode;
  readonly outShape: readonly [number, number];
}

/** Validates A and B (as stored) and the options once; the result drives gemm and gemmNaive. */
export function gemmPlan(aShape: readonly number[], bShape: readonly number[], opts: GemmOptions = {}): GemmPlan {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 0;
  const activation = checkActivation('gemmPlan', opts.activation ?? 'none');
  const bias = opts.bias ?? 'none';
  if (bias !== 'none' && bias !== 'col' && bias !== 'row') {
    throw new ArgumentError(`gemmPlan: unknown bias mode: got ${String(bias)}, expected none|col|row`);
  }
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) {
    throw new ArgumentError(`gemmPlan: alpha and beta must be finite: got alpha=${alpha}, beta=${beta}, expected finite numbers`);
  }
  const dims = (s: readonly number[]) => s.length === 2 && s.every((d) => Number.isInteger(d) && d >= 0);
  if (!dims(aShape) || !dims(bShape)) {
    throw new ShapeError(`gemmPlan: operands must be 2-D: got A ${formatShape(aShape)}, B ${formatShape(bShape)}, expected [rows,cols] each`);
  }
  const [M, Ka] = transA ? [aShape[1], aShape[0]] : [aShape[0], aShape[1]];
  const [Kb, N] = transB ? [bShape[1], bShape[0]] : [bShape[0], bShape[1]];
  if (Ka !== Kb) {
    throw new ShapeError(
      `gemmPlan: inner dimensions differ: got A ${formatShape(aShape)} (transA=${transA}) and B ${formatShape(bShape)} (transB=${transB}), expected op(A) [M,K] and op(B) [K,N] with the same K (${Ka} vs ${Kb})`,
    );
  }
  return { M, N, K: Ka, transA, transB, alpha, beta, activation, bias, outShape: [M, N] };
}

export function checkGemmBuffers(where: string, c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmPlan): void {
  need(where, 'A', a, p.M * p.K, p);
  need(where, 'B', b, p.K * p.N, p);
  need(where, 'C', c, p.M * p.N, p);
  if (p.bias !== 'none') {
    if (bias === null) throw new ShapeError(`${where}: bias is missing: got null, expected ${p.bias === 'col' ? p.N : p.M} values (bias='${p.bias}')`);
    need(where, 'bias', bias, p.bias === 'col' ? p.N : p.M, p);
  }
}

/** Throws unless arr holds n elements (a module function: no closure per kernel call). */
function need(where: string, name: string, arr: ArrayLike<number>, n: number, p: GemmPlan): void {
  if (arr.length < n) throw new ShapeError(`${where}: ${name} is too short: got ${arr.length} elements, expected at least ${n} (M=${p.M}, N=${p.N}, K=${p.K})`);
}

/** C [M,N] = act(alpha op(A) op(B) + beta C + bias): float64 triple loop, the oracle. */
export function gemmNaive(c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmPlan): void {
  checkGemmBuffers('gemmNaive', c, a, b, bias, p);
  const { M, N, K, transA, transB } = p;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[transA ? k * M + i : i * K + k] * b[transB ? j * K + k : k * N + j];
      let v = p.alpha * s + (p.beta === 0 ? 0 : p.beta * c[i * N + j]);
      if (bias !== null && p.bias === 'col') v += bias[j];
      if (bias !== null && p.bias === 'row') v += bias[i];
      if (p.activation === 'relu') v = v < 0 ? 0 : v;
      else if (p.activation === 'gelu') v = gelu64(v);
      c[i * N + j] = v;
    }
  }
}

/** bias + activation over C [M,N] (after the products are in C). */
function epilogue(c: Float32Array, bias: Float32Array | null, p: GemmPlan): void {
  const { M, N } = p;
  if (bias !== null && p.bias === 'col') {
    for (let i = 0; i < M; i++) {
      const o = i * N;
      for (let j = 0; j < N; j++) c[o + j] += bias[j];
    }
  } else if (bias !== null && p.bias === 'row') {
    for (let i = 0; i < M; i++) {
      const o = i * N;
      const bi = bias[i];
      for (let j = 0; j < N; j++) c[o + j] += bi;
    }
  }
  activateRange(c, 0, M * N, p.activation);
}

/** y[j] = alpha * sum_{k in [k0,k1)} x[k] B[j,k] + bet * y[j] (bet = 0: y not read), B [N,K] row-major. */
function gemvBlock(c: Float32Array, a: Float32Array, b: Float32Array, N: number, K: number, k0: number, k1: number, alpha: number, bet: number): void {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const b0 = j * K;
    const b1 = b0 + K;
    const b2 = b1 + K;
    const b3 = b2 + K;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = k0; k < k1; k++) {
      const x = a[k];
      s0 += x * b[b0 + k];
      s1 += x * b[b1 + k];
      s2 += x * b[b2 + k];
      s3 += x * b[b3 + k];
    }
    c[j] = alpha * s0 + (bet === 0 ? 0 : bet * c[j]);
    c[j + 1] = alpha * s1 + (bet === 0 ? 0 : bet * c[j + 1]);
    c[j + 2] = alpha * s2 + (bet === 0 ? 0 : bet * c[j + 2]);
    c[j + 3] = alpha * s3 + (bet === 0 ? 0 : bet * c[j + 3]);
  }
  for (; j < N; j++) {
    const bo = j * K;
    let s = 0;
    for (let k = k0; k < k1; k++) s += a[k] * b[bo + k];
    c[j] = alpha * s + (bet === 0 ? 0 : bet * c[j]);
  }
}

/** y [N] = alpha * x [K] op(B) + beta y: the M = 1 case (a Linear layer on one sample). */
function gemv(c: Float32Array, a: Float32Array, b: Float32Array, p: GemmPlan): void {
  const { N, K, alpha, beta } = p;
  if (p.transB) {
    // B is [N,K]: one dot product per output, 4 outputs at a time to reuse x loads. Summed in K blocks
    // of KC, each block stored to C as gemmBlocked's micro-kernel does (same order, same roundings).
    for (let pc = 0; pc < K; pc += KC) {
      const end = Math.min(K, pc + KC);
      gemvBlock(c, a, b, N, K, pc, end, alpha, pc === 0 ? beta : 1);
    }
  } else {
    // B is [K,N]: y += x_k * B[k,:] (axpy over rows of B, contiguous).
    if (beta === 0) c.fill(0, 0, N);
    else if (beta !== 1) for (let j = 0; j < N; j++) c[j] *= beta;
    for (let k = 0; k < K; k++) {
      const x = alpha * a[k];
      const bo = k * N;
      for (let j = 0; j < N; j++) c[j] += x * b[bo + j];
    }
  }
}

/** C [M,N] = act(alpha op(A) op(B) + beta C + bias): the fast path; packs in s (a fresh one when omitted). */
export function gemm(c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmPlan, s?: PackScratch): void {
  checkGemmBuffers('gemm', c, a, b, bias, p);
  const { M, N, K } = p;
  if (M === 0 || N === 0) return;
  if (K === 0) {
    // op(A) op(B) is all zeros: only beta C, bias and the activation remain.
    if (p.beta === 0) c.fill(0, 0, M * N);
    else for (let i = 0; i < M * N; i++) c[i] *= p.beta;
  } else if (M === 1 && !p.transA) {
    gemv(c, a, b, p);
  } else {
    gemmBlocked(c, a, b, M, N, K, p.transA, p.transB, p.alpha, p.beta, s ?? new PackScratch());
  }
  if (p.bias !== 'none' || p.activation !== 'none') epilogue(c, bias, p);
}
