// Row kernels of the `simd` table's WebAssembly module (AssemblyScript; re-exported by asm/kernels.ts,
// built with it by scripts/build-wasm.mjs): layer norm, softmax (attention's masked form included),
// GELU and row means (global average pooling). Pointers are byte offsets into the one imported memory;
// no heap, no globals, no static data.
// Each matches its fast TypeScript kernel's formula and tolerance (src/tensor/kernels/*.ts):
//   layerNorm  out[r,j] = (x[r,j] - mean_r) / sqrt(var_r + eps) * gamma[j] + beta[j]; mean, variance and
//              the affine map in float64 (f64x2 lanes), as layernorm.ts; out may alias x.
//   softmax    out[r,j] = e^(y_j - m) / sum_k e^(y_k - m), y = x (+ (1 - mask[j]) * MASK_MIN when masked,
//              HF BERT's additive mask), m = the row max (NaN wins); e^ by a float32 Cephes polynomial
//              (relative error ~2e-7, clamped below at -87.3: e^-87.3 = 1.2e-38 instead of a subnormal),
//              the row sum in float64 lanes; out may alias x. Rows of +Infinity or all -Infinity give
//              NaN, as torch.softmax does.
//   gelu       out = x/2 (1 + erf(x / sqrt 2)) with erfFast's rational fit (Eigen's generic_fast_erf_float)
//              evaluated in float64 lanes in the TypeScript order: the same values as elementwise.ts geluScalar.
//   rowMeans   out[r] = (sum_j x[r,j]) / cols, summed in float64 (four float64x2 partial sums, then the
//              tail), as pool.ts adaptiveAvgPool2d sums a 1x1 output's window in float64: the float32
//              results agree but for the rare sum whose float64 rounding differs in the order.

const MASK_MIN: f32 = -3.4028234663852886e38;
const SQRT1_2: f64 = 0.7071067811865476;

/** The low and high float32 pairs of v as float64x2. */
@inline function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}
/** Two float64x2 back to one float32x4. */
@inline function narrow(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** out [rows, cols] = layer_norm(x [rows, cols]; gamma [cols], beta [cols], eps). */
export function layerNorm(out: usize, x: usize, gamma: usize, beta: usize, rows: i32, cols: i32, eps: f64): void {
  const n4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>(r * cols) * 4;
    const or = out + <usize>(r * cols) * 4;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let j = 0;
    for (; j < n4; j += 4) {
      const v = v128.load(xr + <usize>j * 4);
      a0 = f64x2.add(a0, lo(v));
      a1 = f64x2.add(a1, hi(v));
    }
    let s = hsum(f64x2.add(a0, a1));
    for (; j < cols; j++) s += <f64>load<f32>(xr + <usize>j * 4);
    const mean = s / <f64>cols;
    const vm = f64x2.splat(mean);
    a0 = f64x2.splat(0);
    a1 = f64x2.splat(0);
    for (j = 0; j < n4; j += 4) {
      const v = v128.load(xr + <usize>j * 4);
      const d0 = f64x2.sub(lo(v), vm);
      const d1 = f64x2.sub(hi(v), vm);
      a0 = f64x2.add(a0, f64x2.mul(d0, d0));
      a1 = f64x2.add(a1, f64x2.mul(d1, d1));
    }
    let q = hsum(f64x2.add(a0, a1));
    for (; j < cols; j++) {
      const d = <f64>load<f32>(xr + <usize>j * 4) - mean;
      q += d * d;
    }
    const inv = 1 / Math.sqrt(q / <f64>cols + eps);
    const vi = f64x2.splat(inv);
    for (j = 0; j < n4; j += 4) {
      const o = <usize>j * 4;
      const v = v128.load(xr + o);
      const g = v128.load(gamma + o);
      const b = v128.load(beta + o);
      const y0 = f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(lo(v), vm), vi), lo(g)), lo(b));
      const y1 = f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(hi(v), vm), vi), hi(g)), hi(b));
      v128.store(or + o, narrow(y0, y1));
    }
    for (; j < cols; j++) {
      const o = <usize>j * 4;
      store<f32>(or + o, <f32>((<f64>load<f32>(xr + o) - mean) * inv * <f64>load<f32>(gamma + o) + <f64>load<f32>(beta + o)));
    }
  }
}

/** e^y for y <= 0 in each lane (Cephes expf: y = n ln2 + r, a degree-6 polynomial in r, 2^n through the exponent bits). */
@inline function expNeg(y: v128): v128 {
  const x = f32x4.min(f32x4.max(y, f32x4.splat(-87.33654)), f32x4.splat(0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.4426950408889634)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const e = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, e);
}

@inline function expNeg1(y: f32): f32 {
  return f32x4.extract_lane(expNeg(f32x4.splat(y)), 0);
}

/**
 * out [rows, cols] = softmax over cols of x [rows, cols] (+ (1 - mask[j]) * MASK_MIN when masked: mask
 * [cols] of 1/0, the same for every row, as one batch item's keys in attention); out may alias x.
 */
export function softmax(out: usize, x: usize, rows: i32, cols: i32, mask: usize, masked: bool): void {
  const n4 = cols & ~3;
  const vmin = f32x4.splat(MASK_MIN);
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>(r * cols) * 4;
    const or = out + <usize>(r * cols) * 4;
    let j = 0;
    let vmax = f32x4.splat(-Infinity);
    for (; j < n4; j += 4) {
      const o = <usize>j * 4;
      let v = v128.load(xr + o);
      if (masked) {
        v = f32x4.add(v, f32x4.mul(f32x4.sub(one, v128.load(mask + o)), vmin));
        v128.store(or + o, v);
      }
      vmax = f32x4.max(vmax, v);
    }
    let m = f32x4.extract_lane(f32x4.max(vmax, v128.shuffle<f32>(vmax, vmax, 2, 3, 0, 1)), 0);
    m = max2(m, f32x4.extract_lane(f32x4.max(vmax, v128.shuffle<f32>(vmax, vmax, 2, 3, 0, 1)), 1));
    for (; j < cols; j++) {
      const o = <usize>j * 4;
      let v = load<f32>(xr + o);
      if (masked) {
        v += (1 - load<f32>(mask + o)) * MASK_MIN;
        store<f32>(or + o, v);
      }
      m = max2(m, v);
    }
    const src = masked ? or : xr;
    const vm = f32x4.splat(m);
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    for (j = 0; j < n4; j += 4) {
      const o = <usize>j * 4;
      const e = expNeg(f32x4.sub(v128.load(src + o), vm));
      v128.store(or + o, e);
      s0 = f64x2.add(s0, lo(e));
      s1 = f64x2.add(s1, hi(e));
    }
    let s = hsum(f64x2.add(s0, s1));
    for (; j < cols; j++) {
      const o = <usize>j * 4;
      const e = expNeg1(load<f32>(src + o) - m);
      store<f32>(or + o, e);
      s += <f64>e;
    }
    const inv = <f32>(1 / s);
    const vi = f32x4.splat(inv);
    for (j = 0; j < n4; j += 4) v128.store(or + <usize>j * 4, f32x4.mul(v128.load(or + <usize>j * 4), vi));
    for (; j < cols; j++) store<f32>(or + <usize>j * 4, load<f32>(or + <usize>j * 4) * inv);
  }
}

/** The larger of a and b, NaN winning (as the TypeScript kernels' `!(v <= m)`). */
@inline function max2(m: f32, v: f32): f32 {
  return v <= m ? m : v != v || m != m ? NaN : v;
}

/** gelu of two float64 lanes, in elementwise.ts geluScalar's order of operations. */
@inline function gelu2(x: v128): v128 {
  const c = f64x2.min(f64x2.max(f64x2.mul(x, f64x2.splat(SQRT1_2)), f64x2.splat(-4)), f64x2.splat(4));
  const c2 = f64x2.mul(c, c);
  let p = f64x2.add(f64x2.mul(c2, f64x2.splat(-2.72614225801306e-10)), f64x2.splat(2.77068142495902e-8));
  p = f64x2.sub(f64x2.mul(c2, p), f64x2.splat(2.10102402082508e-6));
  p = f64x2.sub(f64x2.mul(c2, p), f64x2.splat(5.69250639462346e-5));
  p = f64x2.sub(f64x2.mul(c2, p), f64x2.splat(7.34990630326855e-4));
  p = f64x2.sub(f64x2.mul(c2, p), f64x2.splat(2.95459980854025e-3));
  p = f64x2.sub(f64x2.mul(c2, p), f64x2.splat(1.60960333262415e-2));
  let q = f64x2.sub(f64x2.mul(c2, f64x2.splat(-1.45660718464996e-5)), f64x2.splat(2.13374055278905e-4));
  q = f64x2.sub(f64x2.mul(c2, q), f64x2.splat(1.68282697438203e-3));
  q = f64x2.sub(f64x2.mul(c2, q), f64x2.splat(7.37332916720468e-3));
  q = f64x2.sub(f64x2.mul(c2, q), f64x2.splat(1.42647390514189e-2));
  const r = f64x2.min(f64x2.max(f64x2.div(f64x2.mul(c, p), q), f64x2.splat(-1)), f64x2.splat(1));
  return f64x2.mul(f64x2.mul(f64x2.splat(0.5), x), f64x2.add(f64x2.splat(1), r));
}

/** out [n] = gelu(x [n]) (erf form); out may alias x. */
export function gelu(out: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    v128.store(out + <usize>i * 4, narrow(gelu2(lo(v)), gelu2(hi(v))));
  }
  for (; i < n; i++) {
    const v = f64x2.splat(<f64>load<f32>(x + <usize>i * 4));
    store<f32>(out + <usize>i * 4, <f32>f64x2.extract_lane(gelu2(v), 0));
  }
}

/** out [rows] = the mean of each row of x [rows, cols] (global average pooling of [N*C, H*W]). */
export function rowMeans(out: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * <usize>cols * 4;
    let a = f64x2.splat(0);
    let b = f64x2.splat(0);
    let c = f64x2.splat(0);
    let d = f64x2.splat(0);
    let j = 0;
    for (; j + 8 <= cols; j += 8) {
      const v = v128.load(row + <usize>j * 4);
      const w = v128.load(row + <usize>j * 4 + 16);
      a = f64x2.add(a, lo(v));
      b = f64x2.add(b, hi(v));
      c = f64x2.add(c, lo(w));
      d = f64x2.add(d, hi(w));
    }
    let s = hsum(f64x2.add(f64x2.add(a, b), f64x2.add(c, d)));
    for (; j < cols; j++) s += <f64>load<f32>(row + <usize>j * 4);
    store<f32>(out + <usize>r * 4, <f32>(s / <f64>cols));
  }
}
