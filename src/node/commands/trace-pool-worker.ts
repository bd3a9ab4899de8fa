/**
 * The worker thread of traceInPool (trace-pool.ts): traceBatches loads the job's model and data once,
 * then traces each batch it is handed (../worker-pool.ts serveTasks, in a worker thread only: the
 * tests import traceBatches in the main thread).
 */
import { isMainThread } from 'node:worker_threads';
import { StateError } from '../../tensor/errors.js';
import { kernelsInfo } from '../../tensor/kernels/index.js';
import type { Trace } from '../../splitee/trace.js';
import { loadModel } from '../models/load.js';
import { resolveSource } from '../data-sources.js';
import { serveTasks } from '../worker-pool.js';
import { computeTraceRows, TRACE_BATCH } from './run-trace.js';
import type { TraceInfo, TraceJob } from './trace-pool.js';

/** A worker's set-up: loads the job's model and source; run(b) traces batch b (rows [b*batch, ...)). */
export function traceBatches(job: TraceJob): { info: TraceInfo; run(b: number): Trace } {
  const model = loadModel(job.modelDir, { kernels: job.kernels ?? 'auto' });
  const src = resolveSource(model, job.req);
  const batch = job.batch ?? TRACE_BATCH;
  const info: TraceInfo = { count: src.count, numExits: model.network.numStages, description: src.description, kernels: kernelsInfo(model.kernels), id: model.id, hash: model.hash };
  const run = (b: number): Trace => {
    const start = b * batch;
    if (!Number.isInteger(b) || b < 0 || start >= src.count) throw new StateError(`traceBatches: batch out of range: got ${b}, expected 0..${Math.ceil(src.count / batch) - 1} (${src.count} samples of ${src.description}, batches of ${batch})`);
    return computeTraceRows(model, src, start, Math.min(src.count, start + batch), batch);
  };
  return { info, run };
}

if (!isMainThread) serveTasks<TraceJob, TraceInfo, number, Trace>('trace-pool-worker', traceBatches);
