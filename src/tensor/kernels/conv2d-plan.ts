/**
 * The conv2d plan (shapes, options, validation) shared by the fast kernel (conv2d.ts), its direct 3x3
 * path (conv2d-direct.ts) and the simd table: kept apart so those files import it without a cycle.
 * See conv2d.ts for the operation and its tolerance.
 */
import { ShapeError, ArgumentError, formatShape, describeValue } from '../errors.js';
import { checkActivation, type Activation } from './elementwise.js';
import type { GemmPlan } from './gemm.js';

/** Extra scratch elements after the padded sample (the widest tile reads NR + 2 <= 9 past a row start). */
export const DIRECT_SLACK = 16;

/** Float32 elements of scratch the direct path needs: one zero-padded sample. */
export function directScratchSize(C: number, H: number, W: number, pH: number, pW: number): number {
  return C * (H + 2 * pH) * (W + 2 * pW) + DIRECT_SLACK;
}

/** True when conv2d takes the direct path for this plan. */
export function directApplies(p: Conv2dPlan): boolean {
  return p.kH === 3 && p.kW === 3 && p.sH === 1 && p.sW === 1;
}

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  activation?: Activation;
  bias?: boolean;
}

export interface Conv2dPlan {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly kH: number;
  readonly kW: number;
  readonly sH: number;
  readonly sW: number;
  readonly pH: number;
  readonly pW: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly activation: Activation;
  readonly hasBias: boolean;
  readonly outShape: readonly [number, number, number, number];
  /** Float32 elements of scratch the fast conv2d needs: one zero-padded sample for a 3x3 stride-1 conv, else 0. */
  readonly scratchSize: number;
  /** The per-sample product it computes, W [O, C*kH*kW] @ cols [C*kH*kW, Ho*Wo], as a gemm plan. */
  readonly gemm: GemmPlan;
}

function pair(where: string, name: string, v: number | readonly [number, number], min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ArgumentError(`${where}: invalid ${name}: got ${describeValue(v)}, expected an integer >= ${min} or a pair of them`);
  }
  return p;
}

export function conv2dPlan(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): Conv2dPlan {
  const where = 'conv2dPlan';
  const [sH, sW] = pair(where, 'stride', opts.stride ?? 1, 1);
  const [pH, pW] = pair(where, 'padding', opts.padding ?? 0, 0);
  const activation = checkActivation(where, opts.activation ?? 'none');
  const ok = (s: readonly number[]) => s.length === 4 && s.every((d) => Number.isInteger(d) && d >= 0);
  if (!ok(xShape) || !ok(wShape)) {
    throw new ShapeError(`${where}: input and weight must be 4-D: got input ${formatShape(xShape)}, weight ${formatShape(wShape)}, expected NCHW and OIHW`);
  }
  const [N, C, H, W] = xShape;
  const [O, Cw, kH, kW] = wShape;
  if (C !== Cw) {
    throw new ShapeError(`${where}: input has ${C} channels but weight expects ${Cw}: got input ${formatShape(xShape)}, weight ${formatShape(wShape)} (OIHW), expected equal channel counts`);
  }
  if (kH === 0 || kW === 0 || H + 2 * pH < kH || W + 2 * pW < kW) {
    throw new ShapeError(`${where}: kernel larger than the padded input: got input ${formatShape(xShape)}, weight ${formatShape(wShape)}, padding [${pH},${pW}], expected kH <= H + 2pH and kW <= W + 2pW`);
  }
  const Ho = Math.floor((H + 2 * pH - kH) / sH) + 1;
  const Wo = Math.floor((W + 2 * pW - kW) / sW) + 1;
  const Kc = C * kH * kW;
  const gemmPlan: GemmPlan = { M: O, N: Ho * Wo, K: Kc, transA: false, transB: false, alpha: 1, beta: 0, activation, bias: opts.bias === false ? 'none' : 'row', outShape: [O, Ho * Wo] };
  return {
    N, C, H, W, O, kH, kW, sH, sW, pH, pW, Ho, Wo, activation,
    hasBias: opts.bias !== false,
    outShape: [N, O, Ho, Wo],
    scratchSize: kH === 3 && kW === 3 && sH === 1 && sW === 1 ? directScratchSize(C, H, W, pH, pW) : 0,
    gemm: gemmPlan,
  };
}

export function checkConvBuffers(where: string, out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan): void {
  need(where, 'input', x, p.N * p.C * p.H * p.W, p);
  need(where, 'weight', w, p.O * p.C * p.kH * p.kW, p);
  need(where, 'out', out, p.N * p.O * p.Ho * p.Wo, p);
  if (p.hasBias) need(where, 'bias', bias, p.O, p);
}

/** Throws unless arr holds n elements (a module function: no closure per kernel call). */
function need(where: string, name: string, arr: ArrayLike<number> | null, n: number, p: Conv2dPlan): void {
  if (arr === null || arr.length < n) {
    throw new ShapeError(`${where}: ${name} is too short: got ${arr === null ? 'null' : `${arr.length} elements`}, expected at least ${n} for input [${p.N},${p.C},${p.H},${p.W}], weight [${p.O},${p.C},${p.kH},${p.kW}]`);
  }
}

