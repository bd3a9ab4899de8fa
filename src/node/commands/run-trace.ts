/**
 * Tracing, for `splitee trace`, `splitee run` and `splitee claims`: every exit's confidence and
 * prediction on every sample, with batched forward passes (the family's forwardAll, batch 64), the
 * numbers `splitee trace` writes. The final-layer baseline and the regret of a live run are computed from it.
 *
 * The same batches on a pool of worker threads: trace-pool.ts (traceInPool). `splitee run` uses it
 * beside the live run: the wall time is max(trace, live) rather than their sum.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Trace } from '../../splitee/trace.js';
import type { LoadedModel } from '../models/load.js';
import type { TraceSource } from '../data-sources.js';

export const TRACE_BATCH = 64;

/** conf[r*L + k-1], pred[...] of exit k for rows r0.. from logits [n, K] (max softmax, first argmax). */
export function writeExit(conf: Float64Array, pred: Int32Array, logits: Tensor, k: number, L: number, r0: number): void {
  const [n, K] = logits.shape;
  const x = logits.flat();
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let m = -Infinity;
    let arg = 0;
    for (let j = 0; j < K; j++) {
      if (x[o + j] > m) {
        m = x[o + j];
        arg = j;
      }
    }
    let s = 0;
    for (let j = 0; j < K; j++) s += Math.exp(x[o + j] - m);
    const c = 1 / s; // softmax at the argmax: exp(0) / sum
    conf[(r0 + i) * L + k - 1] = Math.round(c * 1e6) / 1e6;
    pred[(r0 + i) * L + k - 1] = arg;
  }
}

/** The trace of `src` (conf rounded to 6 decimals, as in the CSV): batched model.family.forwardAll. */
export function computeTrace(model: Pick<LoadedModel, 'family' | 'network'>, src: TraceSource, batch = TRACE_BATCH, onProgress?: (done: number, total: number) => void): Trace {
  return computeTraceRows(model, src, 0, src.count, batch, onProgress);
}

/** The trace of rows [start, end) of `src`, batches of `batch` from `start`; onProgress(rows done in the range, end - start). */
export function computeTraceRows(model: Pick<LoadedModel, 'family' | 'network'>, src: TraceSource, start: number, end: number, batch = TRACE_BATCH, onProgress?: (done: number, total: number) => void): Trace {
  const L = model.network.numStages;
  const N = end - start;
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  for (let r = 0; r < N; r += batch) {
    const n = Math.min(batch, N - r);
    const logits = model.family.forwardAll(model.network, src.batch(start + r, n), src.mask?.(start + r, n));
    for (let k = 1; k <= L; k++) writeExit(conf, pred, logits[k - 1], k, L, r);
    onProgress?.(r + n, N);
  }
  return { numExits: L, numRows: N, conf, pred, label: src.labels.slice(start, end) };
}
