/**
 * 2-D pooling over NCHW: max, average, global average and adaptive average.
 *
 *   maxPool2d:  out[n,c,y,x] = max over the window (padding counts as -Infinity), as nn.MaxPool2d
 *   avgPool2d:  out[n,c,y,x] = sum over the window / (kH*kW)  (padding counts as 0 and is counted,
 *               nn.AvgPool2d's default count_include_pad=True; ceil_mode is not supported)
 *   globalAvgPool2d: out[n,c] = mean over H*W   (adaptive_avg_pool2d(x, 1) flattened)
 *   adaptiveAvgPool2d: window y = [floor(y*H/Ho), ceil((y+1)*H/Ho)), same along W, as
 *               torch.nn.AdaptiveAvgPool2d (the ResNet exit heads use it).
 *
 * Shapes: x [N,C,H,W], out [N,C,Ho,Wo] (globalAvgPool2d: out [N,C]). Row-major, contiguous.
 * Tolerance: max is exact; averages rel 1e-6 (sums in float64 in both versions).
 * Optimization: none; these are memory-bound single passes. The naive versions are the same loops
 * written without any hoisting, kept separate as the conformance oracle.
 */
import { ShapeError, ArgumentError, formatShape, describeValue } from '../errors.js';

export interface Pool2dOptions {
  kernel: number | readonly [number, number];
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

export interface Pool2dPlan {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly kH: number;
  readonly kW: number;
  readonly sH: number;
  readonly sW: number;
  readonly pH: number;
  readonly pW: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly outShape: readonly number[];
}

function pair(name: string, v: number | readonly [number, number], min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ArgumentError(`pool2dPlan: invalid ${name}: got ${describeValue(v)}, expected an integer >= ${min} or a pair of them`);
  }
  return p;
}

function nchw(where: string, xShape: readonly number[]): [number, number, number, number] {
  if (xShape.length !== 4 || !xShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${where}: input must be 4-D: got ${formatShape(xShape)}, expected [N,C,H,W]`);
  }
  return [xShape[0], xShape[1], xShape[2], xShape[3]];
}

export function pool2dPlan(xShape: readonly number[], opts: Pool2dOptions): Pool2dPlan {
  const [N, C, H, W] = nchw('pool2dPlan', xShape);
  const [kH, kW] = pair('kernel', opts.kernel, 1);
  const [sH, sW] = pair('stride', opts.stride ?? opts.kernel, 1);
  const [pH, pW] = pair('padding', opts.padding ?? 0, 0);
  if (2 * pH > kH || 2 * pW > kW) {
    throw new ArgumentError(`pool2dPlan: padding larger than half the kernel: got padding [${pH},${pW}], kernel [${kH},${kW}], expected padding <= kernel/2 (as PyTorch)`);
  }
  if (H + 2 * pH < kH || W + 2 * pW < kW) {
    throw new ShapeError(`pool2dPlan: kernel larger than the padded input: got input ${formatShape(xShape)}, kernel [${kH},${kW}], padding [${pH},${pW}], expected kernel <= input + 2*padding`);
  }
  const Ho = Math.floor((H + 2 * pH - kH) / sH) + 1;
  const Wo = Math.floor((W + 2 * pW - kW) / sW) + 1;
  return { N, C, H, W, kH, kW, sH, sW, pH, pW, Ho, Wo, outShape: [N, C, Ho, Wo] };
}

export interface AdaptivePool2dPlan {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly outShape: readonly number[];
}

export function adaptiveAvgPool2dPlan(xShape: readonly number[], outHW: number | readonly [number, number]): AdaptivePool2dPlan {
  const [N, C, H, W] = nchw('adaptiveAvgPool2dPlan', xShape);
  const [Ho, Wo] = typeof outHW === 'number' ? [outHW, outHW] : [outHW[0], outHW[1]];
  if (![Ho, Wo].every((d) => Number.isInteger(d) && d >= 1) || H === 0 || W === 0) {
    throw new ShapeError(`adaptiveAvgPool2dPlan: invalid output size: got input ${formatShape(xShape)}, output [${Ho},${Wo}], expected positive output sizes and a non-empty input`);
  }
  return { N, C, H, W, Ho, Wo, outShape: [N, C, Ho, Wo] };
}

function need(where: string, name: string, arr: ArrayLike<number>, n: number): void {
  if (arr.length < n) throw new ShapeError(`${where}: ${name} is too short: got ${arr.length} elements, expected at least ${n}`);
}

/** out [N,C,Ho,Wo] = max pooling of x [N,C,H,W] */
export function maxPool2d(out: Float32Array, x: Float32Array, p: Pool2dPlan): void {
  pool(out, x, p, true, 'maxPool2d');
}

/** out [N,C,Ho,Wo] = average pooling of x [N,C,H,W] (count_include_pad) */
export function avgPool2d(out: Float32Array, x: Float32Array, p: Pool2dPlan): void {
  pool(out, x, p, false, 'avgPool2d');
}

function pool(out: Float32Array, x: Float32Array, p: Pool2dPlan, isMax: boolean, where: string): void {
  const { N, C, H, W, kH, kW, sH, sW, pH, pW, Ho, Wo } = p;
  need(where, 'x', x, N * C * H * W);
  need(where, 'out', out, N * C * Ho * Wo);
  const area = kH * kW;
  for (let nc = 0; nc < N * C; nc++) {
    const xo = nc * H * W;
    const oo = nc * Ho * Wo;
    for (let y = 0; y < Ho; y++) {
      const y0 = Math.max(0, y * sH - pH);
      const y1 = Math.min(H, y * sH - pH + kH);
      for (let xq = 0; xq < Wo; xq++) {
        const x0 = Math.max(0, xq * sW - pW);
        const x1 = Math.min(W, xq * sW - pW + kW);
        let acc = isMax ? -Infinity : 0;
        for (let i = y0; i < y1; i++) {
          const r = xo + i * W;
          for (let j = x0; j < x1; j++) {
            const v = x[r + j];
            // `!(v <= acc)` also takes NaN, so a NaN in the window propagates as in PyTorch.
            if (isMax) acc = !(v <= acc) ? v : acc;
            else acc += v;
          }
        }
        out[oo + y * Wo + xq] = isMax ? acc : acc / area;
      }
    }
  }
}

/** out [N,C,Ho,Wo] = max/avg pooling, written as the plainest loop over the padded window. */
export function pool2dNaive(out: Float32Array, x: Float32Array, p: Pool2dPlan, kind: 'max' | 'avg'): void {
  const { N, C, H, W, kH, kW, sH, sW, pH, pW, Ho, Wo } = p;
  need('pool2dNaive', 'x', x, N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < Ho; y++)
        for (let xq = 0; xq < Wo; xq++) {
          let m = -Infinity;
          let s = 0;
          for (let i = 0; i < kH; i++)
            for (let j = 0; j < kW; j++) {
              const iy = y * sH - pH + i;
              const ix = xq * sW - pW + j;
              const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
              const v = inside ? x[((n * C + c) * H + iy) * W + ix] : kind === 'max' ? -Infinity : 0;
              m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v);
              s += v;
            }
          out[((n * C + c) * Ho + y) * Wo + xq] = kind === 'max' ? m : s / (kH * kW);
        }
}

/** out [N,C] = mean of x [N,C,H,W] over H*W */
export function globalAvgPool2d(out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan): void {
  const { N, C, H, W } = p;
  const hw = H * W;
  need('globalAvgPool2d', 'x', x, N * C * hw);
  need('globalAvgPool2d', 'out', out, N * C);
  for (let nc = 0; nc < N * C; nc++) {
    let s = 0;
    const o = nc * hw;
    for (let i = 0; i < hw; i++) s += x[o + i];
    out[nc] = s / hw;
  }
}

/** out [N,C,Ho,Wo] = adaptive average pooling of x [N,C,H,W] (PyTorch's window rule) */
export function adaptiveAvgPool2d(out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan): void {
  const { N, C, H, W, Ho, Wo } = p;
  need('adaptiveAvgPool2d', 'x', x, N * C * H * W);
  need('adaptiveAvgPool2d', 'out', out, N * C * Ho * Wo);
  for (let nc = 0; nc < N * C; nc++) {
    const xo = nc * H * W;
    for (let y = 0; y < Ho; y++) {
      const y0 = Math.floor((y * H) / Ho);
      const y1 = Math.ceil(((y + 1) * H) / Ho);
      for (let xq = 0; xq < Wo; xq++) {
        const x0 = Math.floor((xq * W) / Wo);
        const x1 = Math.ceil(((xq + 1) * W) / Wo);
        let s = 0;
        for (let i = y0; i < y1; i++) for (let j = x0; j < x1; j++) s += x[xo + i * W + j];
        out[(nc * Ho + y) * Wo + xq] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
}

/** Reference for adaptive/global average pooling: windows recomputed per element from the rule. */
export function adaptiveAvgPool2dNaive(out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan): void {
  const { N, C, H, W, Ho, Wo } = p;
  need('adaptiveAvgPool2dNaive', 'x', x, N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < Ho; y++)
        for (let xq = 0; xq < Wo; xq++) {
          let s = 0;
          let cnt = 0;
          for (let i = 0; i < H; i++)
            for (let j = 0; j < W; j++) {
              const inY = i >= Math.floor((y * H) / Ho) && i < Math.ceil(((y + 1) * H) / Ho);
              const inX = j >= Math.floor((xq * W) / Wo) && j < Math.ceil(((xq + 1) * W) / Wo);
              if (inY && inX) {
                s += x[((n * C + c) * H + i) * W + j];
                cnt++;
              }
            }
          out[((n * C + c) * Ho + y) * Wo + xq] = s / cnt;
        }
}

export function globalAvgPool2dNaive(out: Float32Array, x: Float32Array, p: AdaptivePool2dPlan): void {
  adaptiveAvgPool2dNaive(out, x, { ...p, Ho: 1, Wo: 1, outShape: [p.N, p.C, 1, 1] });
}

/** The plan of globalAvgPool2d: adaptive pooling to 1x1, its output seen as [N,C]. */
export function globalAvgPool2dPlan(xShape: readonly number[]): AdaptivePool2dPlan {
  const p = adaptiveAvgPool2dPlan(xShape, 1);
  return { ...p, outShape: [p.N, p.C] };
}
