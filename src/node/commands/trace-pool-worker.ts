/**
 * The worker thread of traceInPool (trace-pool.ts): traceBatches loads the job's model and data once,
 * then traces each batch it is handed (../worker-pool.ts serveTasks, in a worker thread only: the
 * tests import traceBatches in the main thread).
 */
import { isMainThread } from 'node:worker_threads';
import { StateError } from '../../tensor/errors.js';
import { kernelsInfo } from '../../tensor/kernels/index.js';
import type { Trace } from '../../splitee/trace.js';
import type { RowRange } from '../../splitee/trace-rows.js';
import { loadModel } from '../models/load.js';
import { resolveSource } from '../data-sources.js';
import { serveTasks } from '../worker-pool.js';
import { computeTraceRows, TRACE_BATCH } from './run-trace.js';
import type { TraceInfo, TraceJob } from './trace-pool.js';

/** A worker's set-up: loads the job's model and source; run(task) traces rows [task.start, task.end) in one forward pass. */
export function traceBatches(job: TraceJob): { info: TraceInfo; run(task: RowRange): Trace } {
  const batch = job.batch ?? TRACE_BATCH;
  const model = loadModel(job.modelDir, { kernels: job.kernels ?? 'auto', rows: batch });
  const src = resolveSource(model, job.req);
  const info: TraceInfo = { count: src.count, numExits: model.network.numStages, batchInvariant: model.family.batchInvariant === true, description: src.description, kernels: kernelsInfo(model.kernels), id: model.id, hash: model.hash };
  const run = ({ start, end }: RowRange): Trace => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= src.count && end - start <= batch)) {
      throw new StateError(`traceBatches: task out of range: got rows [${start}, ${end}), expected 0 <= start < end <= ${src.count}, at most ${batch} rows (${src.description})`);
    }
    return computeTraceRows(model, src, start, end, batch);
  };
  return { info, run };
}

if (!isMainThread) serveTasks<TraceJob, TraceInfo, RowRange, Trace>('trace-pool-worker', traceBatches);
