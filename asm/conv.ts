// conv2d of the `simd` kernel table (re-exported by asm/kernels.ts; see there for the module's conventions).
//
// convShifted: out [N,O,Ho,Wo] = act(conv2d(x [N,C,H,W], w [O,C,kH,kW]) + bias [O]) as a "shifted GEMM",
// with no im2col. Per sample, the zero-padded input is split into sH*sW stride phases
//   ph [sH*sW][C][Hq][Wq],  ph[(a*sW + b)][c][i][j] = xpad[c][i*sH + a][j*sW + b]
// (xpad: x with pH/pW zeros around; Hq = ceil(Hp/sH), Wq = ceil(Wp/sW), set by the caller; for stride 1
// with pW < kW, Wq = W + pW: a row's right padding is then the next row's left padding). Then tap
// k = (c, ky, kx) of output pixel (y, x) reads ph at phase (ky % sH, kx % sW), row y + ky/sH, column
// x + kx/sW: at element offs[k] + l with l = y*Wq + x. So for every tap the pixels l, l+1, ... are
// contiguous, and C' [O', Lq] = pa . B with B [k][l] = ph[offs[k] + l] runs the GEMM tile on plain v128
// loads of the phases (Lq = Ho*Wq: each row carries Wq - Wo junk columns, computed and dropped). Then
// out = act(C' + bias) on the valid columns.
//   pa   the weights in output-channel panels, K = C*kH*kW (stable: may be pre-packed): SIMD128, packA's
//        [ceil(O/4)][K][4]; relaxed, floor(O/6) panels [K][6] then the rest (O % 6 rows) in one panel
//        [K][4] (1-4 rows) or [K][6] (5 rows), zero-padded (convPanels: the 6x8 tile is ~10% faster than
//        the 4x8 under relaxed SIMD, asm/gemm.ts; 4-row tails keep 16- and 32-channel layers unpadded
//        or nearly)
//   ph   scratch, phLen floats: sH*sW*C*Hq*Wq + a tail that junk pixels read (all zeroed here: a valid
//        pixel whose row wraps reads zeros there, and junk never meets a stale denormal or NaN)
//   offs scratch, K i32 (byte offsets of each tap's first pixel in ph)
//   cb   scratch, [convRows(O)][ceil(Lq/NR)*NR] floats (full tiles only)
import { GMR, MR, NR, fma, packA } from './gemm';

/** Rows of O output channels once packed in panels (see pa above): a multiple of 4 or of 6 ... + 4 or 6. */
export function convRows(O: i32): i32 {
  if (GMR == MR) return (O + MR - 1) / MR * MR;
  const o6 = O / 6 * 6;
  const tail = O - o6;
  return o6 + (tail == 0 ? 0 : tail <= 4 ? 4 : 6);
}

/** dst [n] <- src [0, 2, 4, ...] (stride-2 columns of one input row with avail floats from src on): 4 per
 *  step from two v128 loads, never reading past the row; the tail element by element. */
@inline function gather2(dst: usize, src: usize, n: i32, avail: i32): void {
  let j = 0;
  for (; j + 4 <= n && 2 * j + 8 <= avail; j += 4) {
    const s = src + <usize>(2 * j) * 4;
    v128.store(dst + <usize>j * 4, i32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
  }
  for (; j < n; j++) store<f32>(dst + <usize>j * 4, load<f32>(src + <usize>(2 * j) * 4));
}

/** One input row src [W] split by column parity into two phase rows: even columns to dE, odd ones to dO,
 *  8 columns per step (two v128 loads, two shuffles), the tail element by element. */
@inline function split2(dE: usize, dO: usize, src: usize, W: i32): void {
  let k = 0;
  for (; k + 8 <= W; k += 8) {
    const v0 = v128.load(src + <usize>k * 4);
    const v1 = v128.load(src + <usize>k * 4, 16);
    v128.store(dE + <usize>(k >> 1) * 4, i32x4.shuffle(v0, v1, 0, 2, 4, 6));
    v128.store(dO + <usize>(k >> 1) * 4, i32x4.shuffle(v0, v1, 1, 3, 5, 7));
  }
  for (; k < W; k++) store<f32>(((k & 1) != 0 ? dO : dE) + <usize>(k >> 1) * 4, load<f32>(src + <usize>k * 4));
}

/** phases() for sW = 2 and kW >= 2 (both column phases read): each input row is read once and split. */
function phases2(ph: usize, x: usize, C: i32, H: i32, W: i32, kH: i32, sH: i32, pH: i32, pW: i32, Hq: i32, Wq: i32): void {
  const plane = Hq * Wq;
  // input column ix lands in column phase (ix + pW) & 1 at j = (ix + pW) >> 1: even ix from jE on, odd from jO
  const jE = pW >> 1;
  const jO = (pW + 1) >> 1;
  for (let a = 0; a < min(sH, kH); a++) {
    const baseE = ph + <usize>((a * 2 + (pW & 1)) * C * plane) * 4;
    const baseO = ph + <usize>((a * 2 + ((pW + 1) & 1)) * C * plane) * 4;
    for (let c = 0; c < C; c++) {
      const xc = x + <usize>(c * H * W) * 4;
      for (let i = 0; i < Hq; i++) {
        const iy = i * sH + a - pH;
        if (iy < 0 || iy >= H) continue;
        const row = <usize>(c * plane + i * Wq) * 4;
        split2(baseE + row + <usize>jE * 4, baseO + row + <usize>jO * 4, xc + <usize>(iy * W) * 4, W);
      }
    }
  }
}

/** pa <- conv weights w [O,K] in convShifted's panels (see pa in the header; convRows(O) * K floats). */
export function packConvW(pa: usize, w: usize, O: i32, K: i32): void {
  const o6 = GMR == MR ? 0 : O / 6 * 6;
  if (o6 > 0) packA(pa, w, K, o6, K, false, 6);
  const tailRows = GMR == MR ? MR : convRows(O) - o6; // the rest in 4-row panels (SIMD128) or one 4- or 6-row panel
  if (O > o6) packA(pa + <usize>(o6 * K) * 4, w + <usize>(o6 * K) * 4, K, O - o6, K, false, tailRows);
}

/** The stride phases of one zero-padded sample (see the header). */
function phases(ph: usize, phLen: i32, x: usize, C: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, Hq: i32, Wq: i32): void {
  const plane = Hq * Wq;
  // phase (a, b) is read by a tap only when a < kH and b < kW (a 1x1 stride-2 conv reads phase (0, 0) alone):
  // zero the phases up to the last one read and the junk pixels' overrun after it (kW + NR floats)
  const used = (min(sH, kH) - 1) * sW + min(sW, kW);
  memory.fill(ph, 0, <usize>min(phLen, used * C * plane + kW + NR) * 4);
  if (sW == 2 && kW >= 2) {
    phases2(ph, x, C, H, W, kH, sH, pH, pW, Hq, Wq);
    return;
  }
  for (let a = 0; a < min(sH, kH); a++) {
    for (let b = 0; b < min(sW, kW); b++) {
      const base = ph + <usize>((a * sW + b) * C * plane) * 4;
      // input column ix = j*sW + b - pW for j in [j0, j1): the first and past-last j inside [0, W)
      const j0 = max(0, (pW - b + sW - 1) / sW);
      const j1 = min(Wq, (W + pW - b + sW - 1) / sW);
      if (j1 <= j0) continue;
      for (let c = 0; c < C; c++) {
        const xc = x + <usize>(c * H * W) * 4;
        const pc = base + <usize>(c * plane) * 4;
        for (let i = 0; i < Hq; i++) {
          const iy = i * sH + a - pH;
          if (iy < 0 || iy >= H) continue;
          const src = xc + <usize>(iy * W + j0 * sW + b - pW) * 4;
          const dst = pc + <usize>(i * Wq + j0) * 4;
          if (sW == 1) memory.copy(dst, src, <usize>(j1 - j0) * 4);
          else if (sW == 2) gather2(dst, src, j1 - j0, W - (j0 * sW + b - pW));
          else for (let j = 0; j < j1 - j0; j++) store<f32>(dst + <usize>j * 4, load<f32>(src + <usize>(j * sW) * 4));
        }
      }
    }
  }
}

/** offs [K] <- byte offset in ph of tap (c, ky, kx)'s pixel 0. */
function tapOffsets(offs: usize, C: i32, kH: i32, kW: i32, sH: i32, sW: i32, Hq: i32, Wq: i32): void {
  const plane = Hq * Wq;
  let k = 0;
  for (let c = 0; c < C; c++) {
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        const phase = (ky % sH) * sW + kx % sW;
        store<i32>(offs + <usize>k * 4, ((phase * C + c) * plane + (ky / sH) * Wq + kx / sW) * 4);
        k++;
      }
    }
  }
}

/** cb [MR rows, NR cols] (row stride ldc floats) = pa panel . B over K taps, B pixel 0 at xb. */
@inline function tileShifted(cb: usize, ldc: i32, pa: usize, xb: usize, offs: usize, K: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const pb = xb + <usize>load<i32>(offs);
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    pa += 16;
    offs += 4;
  }
  const row = <usize>ldc * 4;
  v128.store(cb, c00); v128.store(cb, c01, 16); cb += row;
  v128.store(cb, c10); v128.store(cb, c11, 16); cb += row;
  v128.store(cb, c20); v128.store(cb, c21, 16); cb += row;
  v128.store(cb, c30); v128.store(cb, c31, 16);
}

/** The relaxed build's 6-row tileShifted: cb [6 rows, NR cols] = pa panel [K][6] . B. Out of line (exported,
 *  as tile6 in asm/gemm.ts: V8 unrolls an inlined copy and spills it). */
export function tileShifted6(cb: usize, ldc: i32, pa: usize, xb: usize, offs: usize, K: i32): void {
  if (GMR != 6) return; // unused in the SIMD128 build: no code there
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const pb = xb + <usize>load<i32>(offs);
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    a = v128.load32_splat(pa, 16);
    c40 = fma(a, b0, c40); c41 = fma(a, b1, c41);
    a = v128.load32_splat(pa, 20);
    c50 = fma(a, b0, c50); c51 = fma(a, b1, c51);
    pa += 24;
    offs += 4;
  }
  const row = <usize>ldc * 4;
  v128.store(cb, c00); v128.store(cb, c01, 16); cb += row;
  v128.store(cb, c10); v128.store(cb, c11, 16); cb += row;
  v128.store(cb, c20); v128.store(cb, c21, 16); cb += row;
  v128.store(cb, c30); v128.store(cb, c31, 16); cb += row;
  v128.store(cb, c40); v128.store(cb, c41, 16); cb += row;
  v128.store(cb, c50); v128.store(cb, c51, 16);
}

/** out [O,Ho,Wo] = act(cb [O, ldc] junk columns dropped + bias (mode 2: per row, 0: none)). */
function storeValid(out: usize, cb: usize, ldc: i32, O: i32, Ho: i32, Wo: i32, Wq: i32, bias: usize, mode: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  for (let o = 0; o < O; o++) {
    const bo: f32 = mode == 2 ? load<f32>(bias + <usize>o * 4) : 0;
    const vb = f32x4.splat(bo);
    for (let y = 0; y < Ho; y++) {
      const src = cb + <usize>(o * ldc + y * Wq) * 4;
      const dst = out + <usize>((o * Ho + y) * Wo) * 4;
      let x = 0;
      for (; x + 4 <= Wo; x += 4) {
        let v = f32x4.add(v128.load(src + <usize>x * 4), vb);
        if (relu) v = f32x4.max(v, zero);
        v128.store(dst + <usize>x * 4, v);
      }
      for (; x < Wo; x++) {
        let v = load<f32>(src + <usize>x * 4) + bo;
        if (relu && v < 0) v = 0;
        store<f32>(dst + <usize>x * 4, v);
      }
    }
  }
}

/** The im2col path (kept for callers of the first layout):
 * pb [ceil(L/NR)][K][NR] <- the receptive fields of one sample x [C,H,W] (K = C*kH*kW rows, L = Ho*Wo
 * columns), written straight in the packed-B layout; zeros in the padding and the last panel's tail. */
export function im2colPacked(pb: usize, x: usize, C: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, Ho: i32, Wo: i32): void {
  const L = Ho * Wo;
  const K = C * kH * kW;
  const tail = L % NR;
  if (tail != 0) {
    const base = pb + <usize>((L - tail) * K) * 4;
    for (let k = 0; k < K; k++) for (let r = tail; r < NR; r++) store<f32>(base + <usize>(k * NR + r) * 4, 0);
  }
  let k = 0;
  for (let c = 0; c < C; c++) {
    const xc = x + <usize>(c * H * W) * 4;
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        const kOff = pb + <usize>(k * NR) * 4;
        for (let y = 0; y < Ho; y++) {
          const iy = y * sH - pH + i;
          const inside = iy >= 0 && iy < H;
          const xr = xc + <usize>(iy * W) * 4;
          let l = y * Wo;
          for (let xo = 0; xo < Wo; xo++, l++) {
            const ix = xo * sW - pW + j;
            let v: f32 = 0;
            if (inside && ix >= 0 && ix < W) v = load<f32>(xr + <usize>ix * 4);
            store<f32>(kOff + <usize>(((l >> 3) * K) * NR + (l & 7)) * 4, v);
          }
        }
        k++;
      }
    }
  }
}

/** The whole conv2d over N samples (see the header; bias mode 2 = per output channel, 0 = none). */
export function convShifted(
  out: usize, x: usize, pa: usize, bias: usize, mode: i32, relu: bool,
  N: i32, C: i32, H: i32, W: i32, O: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, Ho: i32, Wo: i32,
  Hq: i32, Wq: i32, ph: usize, phLen: i32, offs: usize, cb: usize,
): void {
  const K = C * kH * kW;
  const Lq = Ho * Wq;
  const ldc = (Lq + NR - 1) / NR * NR;
  tapOffsets(offs, C, kH, kW, sH, sW, Hq, Wq);
  for (let n = 0; n < N; n++) {
    phases(ph, phLen, x + <usize>(n * C * H * W) * 4, C, H, W, kH, kW, sH, sW, pH, pW, Hq, Wq);
    for (let l0 = 0; l0 < Lq; l0 += NR) {
      const xb = ph + <usize>l0 * 4;
      let o0 = 0;
      if (GMR == 6) {
        for (; o0 + 6 <= O; o0 += 6) tileShifted6(cb + <usize>(o0 * ldc + l0) * 4, ldc, pa + <usize>(o0 * K) * 4, xb, offs, K);
        if (O - o0 == 5) tileShifted6(cb + <usize>(o0 * ldc + l0) * 4, ldc, pa + <usize>(o0 * K) * 4, xb, offs, K);
        else if (o0 < O) tileShifted(cb + <usize>(o0 * ldc + l0) * 4, ldc, pa + <usize>(o0 * K) * 4, xb, offs, K);
      } else {
        for (; o0 < O; o0 += MR) tileShifted(cb + <usize>(o0 * ldc + l0) * 4, ldc, pa + <usize>(o0 * K) * 4, xb, offs, K);
      }
    }
    storeValid(out + <usize>(n * O * Ho * Wo) * 4, cb, ldc, O, Ho, Wo, Wq, bias, mode, relu);
  }
}
