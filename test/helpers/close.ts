// expectClose: elementwise |actual - expected| <= atol + rtol * scale, where scale is |expected|
// or a caller-given per-element magnitude (a norm-relative bound, e.g. sum_k |a_ik||b_kj| for gemm).
// NaN and +-Infinity never pass as "close": they pass only where expected holds the identical value
// (the opposite of tfjs areClose, which lets NaN through).
export interface CloseOptions {
  atol?: number;
  rtol?: number;
  where?: string;
  /** Per-element magnitude replacing |expected| in the relative term. */
  scale?: ArrayLike<number>;
  /** Mismatches listed in the message (default 5). */
  show?: number;
}

/** null when close, otherwise the failure report. */
export function closeReport(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}): string | null {
  const { atol = 0, rtol = 1e-5, where = 'expectClose', scale, show = 5 } = opts;
  if (actual.length !== expected.length) return `${where}: lengths differ: got ${actual.length}, expected ${expected.length}`;
  if (scale !== undefined && scale.length !== expected.length) return `${where}: scale length ${scale.length} != ${expected.length}`;
  let bad = 0;
  let maxDiff = 0;
  let maxAt = -1;
  const first: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    let diff: number;
    if (!Number.isFinite(a) || !Number.isFinite(e)) {
      ok = Object.is(a, e) || (a === e); // identical non-finite values (NaN with NaN, Inf with Inf; 0 with -0 never reaches here)
      diff = ok ? 0 : Infinity;
    } else {
      diff = Math.abs(a - e);
      ok = diff <= atol + rtol * (scale === undefined ? Math.abs(e) : scale[i]);
    }
    if (diff > maxDiff || (maxAt < 0 && !ok)) {
      maxDiff = diff;
      maxAt = i;
    }
    if (!ok) {
      bad++;
      if (first.length < show) first.push(`  [${i}] actual ${a}, expected ${e}, diff ${diff}`);
    }
  }
  if (bad === 0) return null;
  return `${where}: ${bad} of ${expected.length} elements differ (atol ${atol}, rtol ${rtol}); max abs diff ${maxDiff} at index ${maxAt}\n${first.join('\n')}`;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}): void {
  const report = closeReport(actual, expected, opts);
  if (report !== null) throw new Error(report);
}
