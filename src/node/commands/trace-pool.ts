/**
 * A trace on a pool of worker threads, for `splitee trace`, `splitee run` (the final-layer trace beside
 * the live run) and `splitee claims`: traceInPool starts the workers at once (../worker-pool.ts
 * runTaskPool); each loads its own copy of the model and resolves the same data source (traceBatches
 * in trace-pool-worker.ts),
 * then traces the tasks (ranges of rows) handed out one at a time to whichever worker is free. The
 * parts are merged by task index (mergeParts, src/splitee/trace-rows.ts). The tasks are computeTrace's
 * batches (rows [b*batch, (b+1)*batch)), the last `workers` of them cut in quarters where the family's
 * rows are batch-invariant (traceTasks), so the trace is byte-identical to computeTrace's whatever the
 * number of workers and whichever worker ran what.
 *
 * The caller's thread loads nothing: the source's count, the model's id and hash, the data's
 * description and the kernel table come from the first worker ready (TraceInfo). This module imports
 * no part of the engine (types only, and the core's small trace-rows.ts and task-pool.ts), so a command
 * can start the workers before its own loading.
 *
 * From dist the workers run the one-file bundle of trace-pool-worker.js (scripts/build-workers.mjs).
 */
import type { KernelsInfo, KernelsKind } from '../../tensor/kernels/kinds.js';
import type { Trace } from '../../splitee/trace.js';
import type { SourceRequest } from '../data-sources.js';
import { mergeParts, traceTasks, type RowRange } from '../../splitee/trace-rows.js';
import { runTaskPool, workerEntry } from '../worker-pool.js';
import { TRACE_BATCH } from './run-trace.js';

export { mergeParts } from '../../splitee/trace-rows.js';

export interface TraceJob {
  modelDir: string;
  req: SourceRequest;
  /** Rows per forward pass, and per task handed to a worker but for the last (default TRACE_BATCH). */
  batch?: number;
  /** The kernel table each worker builds (default 'auto'). */
  kernels?: KernelsKind;
}

/** What a worker says once loaded: about the model, the data and the table. */
export interface TraceInfo {
  /** Rows of the source. */
  count: number;
  numExits: number;
  /** The family's batchInvariant (the last batches may be cut finer). */
  batchInvariant: boolean;
  description: string;
  kernels: KernelsInfo;
  /** The model's id and sha256 (hex) of its weights. */
  id: string;
  hash: string;
}

export interface TraceResult {
  trace: Trace;
  description: string;
  /** Wall time of the trace (the workers' start-up included). */
  seconds: number;
  /** The table the workers ran. */
  kernels: KernelsInfo;
  /** Worker threads used. */
  workers: number;
  /** The model's id and weights hash, as the workers loaded it. */
  id: string;
  hash: string;
}

/**
 * The job's trace on `workers` worker threads, batches handed out as workers free up; onProgress(rows
 * done, rows) as parts arrive. Rejects with the first worker's error (the engine's class kept).
 */
export function traceInPool(job: TraceJob, workers: number, onProgress?: (done: number, total: number) => void): { result: Promise<TraceResult>; terminate(): Promise<void> } {
  const t0 = performance.now();
  const batch = job.batch ?? TRACE_BATCH;
  const entry = workerEntry(import.meta.url, 'trace-pool-worker');
  let done = 0;
  const pool = runTaskPool<TraceInfo, RowRange, Trace>(entry, job, workers, 'trace worker', {
    plan: (info) => traceTasks(info.count, batch, workers, info.batchInvariant),
    onPart: (_, part, info) => {
      done += part.numRows;
      onProgress?.(done, info.count);
    },
  });
  const result = pool.results.then(({ info, parts }) => ({
    trace: mergeParts(parts, info.numExits),
    description: info.description,
    seconds: (performance.now() - t0) / 1000,
    kernels: info.kernels,
    workers,
    id: info.id,
    hash: info.hash,
  }));
  return { result, terminate: pool.terminate };
}
