/**
 * Computing a trace (trace.ts) from a model: every exit's confidence (max softmax, rounded to 6 decimals
 * as in the CSV) and prediction on every row, with batched forward passes of the family's forwardAll.
 * Every runtime computes it here: one thread (traceRows), Node's worker threads (src/node/commands/
 * trace-pool.ts) and Web Workers (web-trace.ts), whose parts, one per batch, mergeParts puts back in
 * order. A batch is rows [start + b*batch, ...) whoever runs it, so the bytes never depend on the pool.
 */
import { StateError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelFamily } from '../layers/family.js';
import type { MultiExitNetwork } from '../layers/network.js';
import type { Trace } from './trace.js';

/** Rows per forward pass of a trace, by default. */
export const TRACE_BATCH = 64;

/** A model as a trace needs it: the network and its family's batched forward pass. */
export interface TraceModel {
  readonly network: MultiExitNetwork;
  readonly family: Pick<ModelFamily, 'forwardAll'>;
}

/** Rows a model runs over: `batch` gives rows [t0, t0+n) as the stage-0 input. */
export interface RowSource {
  readonly count: number;
  /** [count], -1 where unknown. */
  readonly labels: Int32Array;
  /** The stage-0 input [n, ...activationShape(0)] of rows t0..t0+n-1. */
  batch(t0: number, n: number): Tensor;
  /** Text models: the attention mask [n, T] of the same rows (undefined: no padding). */
  mask?(t0: number, n: number): Float32Array | undefined;
}

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

/** The trace of rows [start, end) of `src`, batches of `batch` from `start`; onProgress(rows done in the range, end - start). */
export function traceRows(model: TraceModel, src: RowSource, start: number, end: number, batch = TRACE_BATCH, onProgress?: (done: number, total: number) => void): Trace {
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

/** The parts' traces (part i: batch i) as one trace of `numExits` exits. */
export function mergeParts(parts: readonly Trace[], numExits: number): Trace {
  const L = numExits;
  const N = parts.reduce((a, t) => a + t.numRows, 0);
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  const label = new Int32Array(N);
  let r = 0;
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i] as Trace | undefined;
    if (t === undefined) throw new StateError(`mergeParts: part ${i} of ${parts.length} is missing: got none, expected a trace`);
    if (t.numExits !== L) throw new StateError(`mergeParts: exits differ in part ${i}: got ${t.numExits}, expected ${L}`);
    conf.set(t.conf, r * L);
    pred.set(t.pred, r * L);
    label.set(t.label, r);
    r += t.numRows;
  }
  return { numExits: L, numRows: N, conf, pred, label };
}
