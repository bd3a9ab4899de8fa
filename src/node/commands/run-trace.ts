/**
 * Tracing, for `splitee trace`, `splitee run` and `splitee claims`: every exit's confidence and
 * prediction on every sample, with batched forward passes (the family's forwardAll, batch 64), the
 * numbers `splitee trace` writes. The final-layer baseline and the regret of a live run are computed from it.
 * The computation is the core's (src/splitee/trace-rows.ts, shared with Web Workers); here, over a TraceSource.
 *
 * The same batches on a pool of worker threads: trace-pool.ts (traceInPool). `splitee run` uses it
 * beside the live run: the wall time is max(trace, live) rather than their sum.
 */
import type { Trace } from '../../splitee/trace.js';
import { traceRows, TRACE_BATCH } from '../../splitee/trace-rows.js';
import type { LoadedModel } from '../models/load.js';
import type { TraceSource } from '../data-sources.js';

export { TRACE_BATCH, writeExit } from '../../splitee/trace-rows.js';

/** The trace of `src` (conf rounded to 6 decimals, as in the CSV): batched model.family.forwardAll. */
export function computeTrace(model: Pick<LoadedModel, 'family' | 'network'>, src: TraceSource, batch = TRACE_BATCH, onProgress?: (done: number, total: number) => void): Trace {
  return traceRows(model, src, 0, src.count, batch, onProgress);
}

/** The trace of rows [start, end) of `src`, batches of `batch` from `start`; onProgress(rows done in the range, end - start). */
export function computeTraceRows(model: Pick<LoadedModel, 'family' | 'network'>, src: TraceSource, start: number, end: number, batch = TRACE_BATCH, onProgress?: (done: number, total: number) => void): Trace {
  return traceRows(model, src, start, end, batch, onProgress);
}
