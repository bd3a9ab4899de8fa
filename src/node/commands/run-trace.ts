/**
 * The stream's full trace for `splitee run` (and `splitee claims`): every exit's confidence and
 * prediction on every sample, with batched forward passes (forwardAll, batch 64), the same numbers
 * `splitee trace` writes. The final-layer baseline and the regret of a live run are computed from it.
 *
 * traceInWorker runs computeTrace in a node:worker_threads worker that loads its own copy of the
 * model and resolves the same data source, so the trace and the live run use both cores and the
 * wall time is max(trace, live) rather than their sum. Under tsx (src/*.ts) the worker registers
 * tsx's loader itself (a worker does not inherit the --import hooks); from dist it loads the .js.
 */
import { Worker } from 'node:worker_threads';
import { ArgumentError, SpliteeError, StateError, type ErrorCode } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Trace } from '../../splitee/trace.js';
import { ResNetModel } from '../../layers/resnet.js';
import { BertModel } from '../../layers/bert.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { DATA_SOURCES, writeExit, type SourceRequest, type TraceSource } from './trace.js';

export const TRACE_BATCH = 64;

/** The data source of `req` for `model` (DATA_SOURCES, per architecture). */
export function resolveSource(model: LoadedModel, req: SourceRequest, where = 'run'): TraceSource {
  const resolve = DATA_SOURCES[model.architecture];
  if (resolve === undefined) throw new ArgumentError(`${where}: no data sources for architecture ${model.architecture}: expected one of ${Object.keys(DATA_SOURCES).join(', ')}`);
  return resolve(model, req);
}

/** Every exit's logits for a batch (ResNet and BERT have a batched forwardAll; others stage by stage). */
function forwardAll(model: LoadedModel, x: Tensor, mask: Float32Array | undefined): Tensor[] {
  const net = model.network;
  if (net instanceof ResNetModel) return net.forwardAll(x);
  if (net instanceof BertModel) return net.forwardAll(x, mask);
  const res: Tensor[] = [];
  let h = x;
  for (let k = 1; k <= net.numStages; k++) {
    h = net.runStages(k - 1, k, h, mask);
    res.push(net.exitLogits(k, h, mask).clone());
  }
  return res;
}

/** The trace of `src` (conf rounded to 6 decimals, as in the CSV). */
export function computeTrace(model: LoadedModel, src: TraceSource, batch = TRACE_BATCH, onProgress?: (done: number, total: number) => void): Trace {
  const L = model.network.numStages;
  const N = src.count;
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  for (let r = 0; r < N; r += batch) {
    const n = Math.min(batch, N - r);
    const logits = forwardAll(model, src.batch(r, n), src.mask?.(r, n));
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
