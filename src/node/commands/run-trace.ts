/**
 * Tracing, for `splitee trace`, `splitee run` and `splitee claims`: every exit's confidence and
 * prediction on every sample, with batched forward passes (the family's forwardAll, batch 64), the
 * numbers `splitee trace` writes. The final-layer baseline and the regret of a live run are computed from it.
 *
 * traceInWorker runs computeTrace in a node:worker_threads worker that loads its own copy of the
 * model and resolves the same data source, so the trace and the live run use both cores and the
 * wall time is max(trace, live) rather than their sum. Under tsx (src/*.ts) the worker registers
 * tsx's loader itself (a worker does not inherit the --import hooks); from dist it loads the .js.
 */
import { Worker } from 'node:worker_threads';
import { SpliteeError, StateError, type ErrorCode } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Trace } from '../../splitee/trace.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { resolveSource, type SourceRequest, type TraceSource } from '../data-sources.js';

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
  const L = model.network.numStages;
  const N = src.count;
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  for (let r = 0; r < N; r += batch) {
    const n = Math.min(batch, N - r);
    const logits = model.family.forwardAll(model.network, src.batch(r, n), src.mask?.(r, n));
    for (let k = 1; k <= L; k++) writeExit(conf, pred, logits[k - 1], k, L, r);
    onProgress?.(r + n, N);
  }
  return { numExits: L, numRows: N, conf, pred, label: Int32Array.from(src.labels) };
}

export interface TraceJob {
  modelDir: string;
  req: SourceRequest;
  batch?: number;
}

export interface TraceResult {
  trace: Trace;
  description: string;
  seconds: number;
}

/** Messages from the worker. */
export type WorkerMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; numExits: number; numRows: number; conf: Float64Array; pred: Int32Array; label: Int32Array; description: string; seconds: number }
  | { kind: 'error'; name: string; code: string; message: string };

/** Runs the job in this thread (the worker's body; also a fallback). */
export function runTraceJob(job: TraceJob, onProgress?: (done: number, total: number) => void): TraceResult {
  const t0 = performance.now();
  const model = loadModel(job.modelDir);
  const src = resolveSource(model, job.req);
  const trace = computeTrace(model, src, job.batch ?? TRACE_BATCH, onProgress);
  return { trace, description: src.description, seconds: (performance.now() - t0) / 1000 };
}

/** Runs the job in a worker thread; resolves with the trace, rejects with the worker's error. */
export function traceInWorker(job: TraceJob, onProgress?: (done: number, total: number) => void): { result: Promise<TraceResult>; terminate(): Promise<number> } {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const entry = new URL(`./run-trace-worker.${ts ? 'ts' : 'js'}`, here);
  const worker = ts
    ? new Worker(`import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(entry.href)});`, { eval: true, workerData: job })
    : new Worker(entry, { workerData: job });
  const result = new Promise<TraceResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onProgress?.(m.done, m.total);
      else if (m.kind === 'done') {
        settled = true;
        resolve({ trace: { numExits: m.numExits, numRows: m.numRows, conf: m.conf, pred: m.pred, label: m.label }, description: m.description, seconds: m.seconds });
      } else {
        settled = true;
        reject(m.code.startsWith('E_') && m.code !== 'E_INTERNAL' ? new SpliteeError(m.code as ErrorCode, `trace worker: ${m.message}`) : new Error(`trace worker: ${m.name}: ${m.message}`));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new StateError(`trace worker: exited early: got exit code ${code}, expected a trace`));
    });
  });
  return { result, terminate: () => worker.terminate() };
}
