/**
 * Tracing, for `splitee trace`, `splitee run` and `splitee claims`: every exit's confidence and
 * prediction on every sample, with batched forward passes (the family's forwardAll, batch 64), the
 * numbers `splitee trace` writes. The final-layer baseline and the regret of a live run are computed from it.
 *
 * traceInPool splits the rows into chunks of whole batches and traces each in a node:worker_threads
 * worker (../worker-pool.ts) that loads its own copy of the model and resolves the same data source;
 * the chunks are merged in order, so the trace is byte-identical to computeTrace's in one thread
 * (every batch is the same batch). `splitee run` uses it beside the live run: the wall time is
 * max(trace, live) rather than their sum.
 */
import { StateError } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { kernelsInfo, type KernelsInfo, type KernelsKind } from '../../tensor/kernels/index.js';
import type { Trace } from '../../splitee/trace.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { resolveSource, type SourceRequest, type TraceSource } from '../data-sources.js';
import { chunkRanges, runInWorkers } from '../worker-pool.js';

export { resolveSource } from '../data-sources.js';

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

export interface TraceJob {
  modelDir: string;
  req: SourceRequest;
  batch?: number;
  /** The kernel table each worker builds (default 'auto'). */
  kernels?: KernelsKind;
}

/** One worker's part of a TraceJob: rows [start, end). */
export interface TraceChunkJob extends TraceJob {
  start: number;
  end: number;
}

/** What a trace worker posts back. */
export interface TraceChunk {
  trace: Trace;
  description: string;
  kernels: KernelsInfo;
}

export interface TraceResult {
  trace: Trace;
  description: string;
  /** Wall time of the trace. */
  seconds: number;
  /** The table the workers ran. */
  kernels: KernelsInfo;
  /** Worker threads used. */
  workers: number;
}

/** Rows [job.start, job.end) of the job's trace, in this thread (a trace worker's body). */
export function runTraceChunk(job: TraceChunkJob, onProgress?: (done: number, total: number) => void): TraceChunk {
  const model = loadModel(job.modelDir, { kernels: job.kernels ?? 'auto' });
  const src = resolveSource(model, job.req);
  if (job.end > src.count) throw new StateError(`runTraceChunk: rows out of range: got [${job.start}, ${job.end}), expected rows within the ${src.count} samples of ${src.description}`);
  const trace = computeTraceRows(model, src, job.start, job.end, job.batch ?? TRACE_BATCH, onProgress);
  return { trace, description: src.description, kernels: kernelsInfo(model.kernels) };
}

/** The chunks' traces (rows in order) as one trace. */
export function mergeTraces(parts: readonly Trace[]): Trace {
  const L = parts[0].numExits;
  const N = parts.reduce((a, t) => a + t.numRows, 0);
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  const label = new Int32Array(N);
  let r = 0;
  for (const t of parts) {
    if (t.numExits !== L) throw new StateError(`mergeTraces: exits differ between chunks: got ${t.numExits}, expected ${L}`);
    conf.set(t.conf, r * L);
    pred.set(t.pred, r * L);
    label.set(t.label, r);
    r += t.numRows;
  }
  return { numExits: L, numRows: N, conf, pred, label };
}

/**
 * The job's trace over `count` rows (the source's count, known to the caller) on `workers` worker
 * threads, each a contiguous chunk of whole batches; onProgress(rows done, count).
 */
export function traceInPool(job: TraceJob, count: number, workers: number, onProgress?: (done: number, total: number) => void): { result: Promise<TraceResult>; terminate(): Promise<void> } {
  const t0 = performance.now();
  const ranges = chunkRanges(count, workers, job.batch ?? TRACE_BATCH);
  const done = new Array<number>(ranges.length).fill(0);
  const here = import.meta.url;
  const entry = new URL(`./run-trace-worker.${here.endsWith('.ts') ? 'ts' : 'js'}`, here);
  const datas: TraceChunkJob[] = ranges.map(([start, end]) => ({ ...job, start, end }));
  const pool = runInWorkers<TraceChunk>(entry, datas, 'trace worker', (i, d) => {
    done[i] = d;
    onProgress?.(done.reduce((a, b) => a + b, 0), count);
  });
  const result = pool.results.then((chunks) => ({
    trace: mergeTraces(chunks.map((c) => c.trace)),
    description: chunks[0].description,
    seconds: (performance.now() - t0) / 1000,
    kernels: chunks[0].kernels,
    workers: ranges.length,
  }));
  return { result, terminate: pool.terminate };
}
