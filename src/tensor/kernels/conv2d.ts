/**
 * conv2d: out[n,o,y,x] = act(bias[o] + sum_{c,i,j} w[o,c,i,j] * in[n, c, y*sH - pH + i, x*sW - pW + j])
 * (zero padding outside the input).
 *
 * Shapes: x [N,C,H,W] (NCHW), w [O,C,kH,kW] (OIHW, as PyTorch stores Conv2d.weight), bias [O] or
 * null, out [N,O,Ho,Wo] with Ho = floor((H + 2pH - kH)/sH) + 1 (same for W). Row-major, contiguous.
 * Matches torch.nn.functional.conv2d(x, w, b, stride, padding) with dilation 1 and groups 1;
 * batch norm is folded into w and bias at load time (batchnorm-fold.ts). Tolerance: the gemm bound,
 * |out - ref| <= 1e-5 * sum |w||x| over the receptive field.
 * Optimization: 3x3 stride-1 convs (any padding) take the direct kernel of conv2d-direct.ts (no
 * im2col; `scratch` holds one zero-padded sample). Every other shape (1x1, strided, other kernel
 * sizes) packs the weights once per call into the gemm micro-kernel's A panels; for each sample,
 * im2col writes the receptive fields straight into the packed-B layout (the table's PackScratch
 * B pack; no separate im2col matrix), the 2x4 micro-kernel runs, then bias and activation.
 * There is no fallback to the naive loop.
 */
import { ShapeError } from '../errors.js';
import { activateRange, gelu64 } from './elementwise.js';
import { packWholeA, gemmPacked, NR } from './gemm-micro.js';
import { conv3x3Direct } from './conv2d-direct.js';
import { checkConvBuffers, directApplies, type Conv2dPlan } from './conv2d-plan.js';
import { PackScratch } from './pack-scratch.js';

export { conv2dPlan, checkConvBuffers, type Conv2dOptions, type Conv2dPlan } from './conv2d-plan.js';

/** out [N,O,Ho,Wo] = conv2d(x [N,C,H,W], w [O,C,kH,kW], bias [O]): float64 loop nest, the oracle. */
export function conv2dNaive(out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan): void {
  checkConvBuffers('conv2dNaive', out, x, w, bias, p);
  const { N, C, H, W, O, kH, kW, sH, sW, pH, pW, Ho, Wo } = p;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let y = 0; y < Ho; y++) {
        for (let xo = 0; xo < Wo; xo++) {
          let s = p.hasBias && bias !== null ? bias[o] : 0;
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < kH; i++) {
              const iy = y * sH - pH + i;
              if (iy < 0 || iy >= H) continue;
              for (let j = 0; j < kW; j++) {
                const ix = xo * sW - pW + j;
                if (ix < 0 || ix >= W) continue;
                s += w[((o * C + c) * kH + i) * kW + j] * x[((n * C + c) * H + iy) * W + ix];
              }
            }
          }
          if (p.activation === 'relu') s = s < 0 ? 0 : s;
          else if (p.activation === 'gelu') s = gelu64(s);
          out[((n * O + o) * Ho + y) * Wo + xo] = s;
        }
      }
    }
  }
}

/**
 * pb [ceil(L/NR)][K][NR] <- the receptive fields of one sample x[xOff..] [C,H,W], written straight into
 * the micro-kernel's packed-B layout (column l = output pixel, row k = (c, i, j)); zeros in the
 * padding and in the unused columns of the last panel.
 */
function im2colPacked(pb: Float64Array, x: Float32Array, xOff: number, p: Conv2dPlan): void {
  const { C, H, W, kH, kW, sH, sW, pH, pW, Ho, Wo } = p;
  const L = Ho * Wo;
  const K = C * kH * kW;
  const KN = K * NR;
  const tail = L % NR;
  if (tail !== 0) {
    const base = Math.floor(L / NR) * KN;
    for (let k = 0; k < K; k++) for (let r = tail; r < NR; r++) pb[base + k * NR + r] = 0;
  }
  let kOff = 0;
  for (let c = 0; c < C; c++) {
    const cOff = xOff + c * H * W;
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++, kOff += NR) {
        // Valid output columns for this kernel tap: 0 <= xo*sW - pW + j < W.
        const x0 = Math.min(Wo, Math.max(0, Math.ceil((pW - j) / sW)));
        const x1 = Math.max(x0, Math.min(Wo, Math.floor((W - 1 + pW - j) / sW) + 1));
        for (let y = 0; y < Ho; y++) {
          const l0 = y * Wo;
          const iy = y * sH - pH + i;
          const inside = iy >= 0 && iy < H;
          const hi = inside ? x1 : 0;
          const lo = inside ? x0 : 0;
          let xo = 0;
          for (; xo < lo; xo++) pb[((l0 + xo) >>> 2) * KN + kOff + ((l0 + xo) & 3)] = 0;
          const src = cOff + iy * W - pW + j;
          for (; xo < hi; xo++) pb[((l0 + xo) >>> 2) * KN + kOff + ((l0 + xo) & 3)] = x[src + xo * sW];
          for (; xo < Wo; xo++) pb[((l0 + xo) >>> 2) * KN + kOff + ((l0 + xo) & 3)] = 0;
        }
      }
    }
  }
}

/** out [N,O,Ho,Wo] = conv2d(x [N,C,H,W], w [O,C,kH,kW], bias [O]); scratch [p.scratchSize]. */
export function conv2d(out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dPlan, scratch: Float32Array | null, packs: PackScratch = new PackScratch()): void {
  checkConvBuffers('conv2d', out, x, w, bias, p);
  if (p.scratchSize > 0 && (scratch === null || scratch.length < p.scratchSize)) {
    throw new ShapeError(`conv2d: scratch is too short: got ${scratch === null ? 'null' : scratch.length}, expected at least ${p.scratchSize} (plan.scratchSize)`);
  }
  const { N, C, H, W, O, kH, kW, Ho, Wo } = p;
  const L = Ho * Wo;
  const K = C * kH * kW;
  if (L === 0 || O === 0) return;
  if (scratch !== null && directApplies(p)) {
    conv3x3Direct(out, x, w, p.hasBias ? bias : null, p, scratch, packs);
    return;
  }
  const inSize = C * H * W;
  const outSize = O * L;
  const b = p.hasBias ? bias : null;
  if (K === 0) out.fill(0, 0, N * outSize);
  // The weights are packed once per call (they are the same for every sample).
  const pa = K === 0 ? null : packWholeA(w, O, K, packs);
  const pb = K === 0 ? null : packs.packB(Math.ceil(L / NR) * NR * K);
  for (let n = 0; n < N; n++) {
    const o0 = n * outSize;
    if (pa !== null && pb !== null) {
      im2colPacked(pb, x, n * inSize, p);
      gemmPacked(out, o0, pa, pb, O, L, K, packs.edge);
    }
    if (b !== null) {
      for (let o = 0; o < O; o++) {
        const bo = b[o];
        const s = o0 + o * L;
        for (let l = 0; l < L; l++) out[s + l] += bo;
      }
    }
    activateRange(out, o0, o0 + outSize, p.activation);
  }
}
