/** The worker thread of computeSweepInPool (sweep.ts): replays its cells of the sweep and posts the rows back. */
import { serveWorkerTask } from '../worker-pool.js';
import { readTrace } from './replay.js';
import { computeCells, type SweepChunkJob } from './sweep.js';

serveWorkerTask<SweepChunkJob, ReturnType<typeof computeCells>>('sweep-worker', (job, progress) => {
  let runs = 0;
  const rows = computeCells(readTrace(job.traceFile), job.cells, job.base, () => progress(++runs));
  return { result: rows, transfer: [] }; // posted as a copy
});
