/**
 * Computing a trace (trace.ts) from a model: every exit's confidence (max softmax, rounded to 6 decimals
 * as in the CSV) and prediction on every row, with batched forward passes of the family's forwardAll.
 * Every runtime computes it here: one thread (traceRows), Node's worker threads (src/node/commands/
 * trace-pool.ts) and Web Workers (trace-workers.ts), whose parts, one per task, mergeParts puts back in
 * order. A task is a range of rows that traceTasks fixes from the row count, the batch, the number of
 * workers and the family (never from who runs it or when), so the bytes never depend on the pool.
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

/** Rows [start, end) traced as one task of a pool. */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The tasks of a pooled trace of `count` rows: batches of `batch` rows, rows [b*batch, ...), as
 * traceRows runs them. With several workers and a family whose rows are batch-invariant
 * (ModelFamily.batchInvariant: a row's outputs never depend on the other rows of its forward pass), the
 * last `workers` batches are cut into pieces of ceil(batch / 4) rows: the workers then finish within
 * about a quarter batch of each other, where whole batches leave one idle for up to a batch while the
 * other ends (on 2 workers, ~0.4 of a batch on average). The bytes are the same either way.
 */
export function traceTasks(count: number, batch: number, workers: number, batchInvariant: boolean): RowRange[] {
  const tasks: RowRange[] = [];
  const batches = Math.ceil(count / batch);
  const fineFrom = batchInvariant && workers > 1 ? Math.max(0, batches - workers) * batch : count;
  const piece = Math.ceil(batch / 4);
  for (let start = 0; start < count; ) {
    const end = Math.min(count, start + (start < fineFrom ? batch : piece));
    tasks.push({ start, end });
    start = end;
  }
  return tasks;
}

/** The parts' traces (part i: task i) as one trace of `numExits` exits. */
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
