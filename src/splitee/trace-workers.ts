/**
 * The trace of a batch of inputs (every exit's confidence and prediction on every row, trace-rows.ts)
 * in one thread or over N Web Workers (browsers, Deno, Bun), with the same bytes either way:
 *
 *   traceInputs(model, rows)                    one thread, on a model built here
 *   traceInWebWorkers(parts, rows, { workers, spawn })
 *                                               N workers, each building its own copy of the model from
 *                                               `parts` (config + weights bytes, copied to each) and
 *                                               tracing the batches handed to it (task-pool.ts)
 *   serveTraceWorker()                          the body of the worker module `spawn` starts:
 *                                               `import { serveTraceWorker } from 'splitee'; serveTraceWorker();`
 *
 * The receiving thread cuts the rows into tasks (traceTasks: batches of `batch`, rows [b*batch, ...), as
 * traceInputs does, the last ones cut finer for a batch-invariant family) and sends each task its rows
 * (a copy: nothing is transferred), so a worker holds only the model and the rows it runs; the parts
 * are merged by task index.
 */
import { ArgumentError, ShapeError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { createKernels, simdMemoryFor } from '../tensor/kernels/index.js';
import { kernelsInfo, type KernelsInfo, type KernelsKind } from '../tensor/kernels/kinds.js';
import { buildModel, type ModelParts } from '../layers/build-model.js';
import type { Trace } from './trace.js';
import { mergeParts, traceRows, traceTasks, TRACE_BATCH, type RowRange, type RowSource, type TraceModel } from './trace-rows.js';
import { runTaskPool, serveTasks, type PoolPort } from './task-pool.js';
import { webPoolPort, webPoolWorker, type WebWorkerLike } from './web-pool.js';

/** The rows to trace: the stage-0 inputs [count, ...], a text model's attention mask [count, T], the labels. */
export interface InputRows {
  readonly inputs: Tensor;
  readonly mask?: Float32Array;
  /** [count] class indices (default -1: unlabelled). */
  readonly labels?: Int32Array;
}

/** What each worker builds its model from (buildModel's parts) and on which kernel table (default 'auto'). */
export interface WorkerModelParts extends Pick<ModelParts, 'config' | 'weights' | 'name'> {
  readonly kernels?: KernelsKind;
  /** The most rows per forward pass: sizes a simd table's memory (simdMemoryFor; default its own). traceInWebWorkers sets its batch. */
  readonly rows?: number;
}

/** One batch as sent to a worker: its rows [n, ...] and mask, copies. */
interface BatchTask {
  data: Float32Array;
  shape: number[];
  mask?: Float32Array;
}

/** What a worker says once built. */
interface WorkerInfo {
  numExits: number;
  /** The family's batchInvariant (the last batches may be cut finer). */
  batchInvariant: boolean;
  kernels: KernelsInfo;
  hash: string;
}

export interface WebTraceOptions {
  /** Web Workers to start (>= 1). */
  workers: number;
  /** Starts worker i on a module that calls serveTraceWorker(), e.g. () => new Worker(new URL('./trace-worker.js', import.meta.url), { type: 'module' }). */
  spawn(i: number): WebWorkerLike;
  /** Rows per forward pass and per task (default TRACE_BATCH, 64). */
  batch?: number;
  /** Called as batches come back: rows done, rows in all. */
  onProgress?(done: number, total: number): void;
}

export interface WebTraceResult {
  trace: Trace;
  /** The table the workers ran, and the sha256 of the weights they built. */
  kernels: KernelsInfo;
  hash: string;
}

/** `rows` as a RowSource: batch(t0, n) is a copy of rows t0..t0+n-1 (the same values whoever asks). */
function rowSource(rows: InputRows): RowSource {
  const x = rows.inputs;
  const count = x.shape[0] ?? 0;
  const size = count === 0 ? 0 : x.size / count;
  const tail = x.shape.slice(1);
  const flat = x.flat();
  const T = rows.mask === undefined || count === 0 ? 0 : rows.mask.length / count;
  if (x.shape.length < 2) throw new ShapeError(`traceInputs: inputs have no row axis: got shape [${x.shape.join(', ')}], expected [count, ...input shape]`);
  if (rows.labels !== undefined && rows.labels.length !== count) throw new ShapeError(`traceInputs: labels do not match the rows: got ${rows.labels.length}, expected ${count}`);
  if (rows.mask !== undefined && !Number.isInteger(T)) throw new ShapeError(`traceInputs: the mask does not split into rows: got ${rows.mask.length} values, expected a multiple of ${count}`);
  const mask = rows.mask;
  return {
    count,
    labels: rows.labels ?? new Int32Array(count).fill(-1),
    batch: (t0, n) => Tensor.from(flat.slice(t0 * size, (t0 + n) * size), [n, ...tail]),
    mask: mask === undefined ? undefined : (t0, n) => mask.slice(t0 * T, (t0 + n) * T),
  };
}

function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError(`traceInputs: invalid batch: got ${batch}, expected an integer >= 1`);
}

/** The trace of `rows` on `model` in this thread, batches of `batch` (the bytes traceInWebWorkers gives). */
export function traceInputs(model: TraceModel, rows: InputRows, batch = TRACE_BATCH): Trace {
  checkBatch(batch);
  const src = rowSource(rows);
  return traceRows(model, src, 0, src.count, batch);
}

/**
 * The trace of `rows` over opts.workers Web Workers, each building the model from `parts`; resolves
 * with the bytes traceInputs gives in one thread. Rejects with the first worker's error (the engine's
 * class kept); terminate() stops the workers early.
 */
export function traceInWebWorkers(parts: WorkerModelParts, rows: InputRows, opts: WebTraceOptions): { result: Promise<WebTraceResult>; terminate(): Promise<void> } {
  const batch = opts.batch ?? TRACE_BATCH;
  checkBatch(batch);
  const src = rowSource(rows);
  const task = ({ start, end }: RowRange): BatchTask => {
    const x = src.batch(start, end - start);
    return { data: x.flat(), shape: [...x.shape], mask: src.mask?.(start, end - start) };
  };
  let done = 0;
  const pool = runTaskPool<WorkerInfo, BatchTask, Trace>((i) => webPoolWorker(opts.spawn(i), 'trace worker'), { ...parts, rows: parts.rows ?? batch }, opts.workers, 'trace worker', {
    plan: (info) => traceTasks(src.count, batch, opts.workers, info.batchInvariant).map(task),
    onPart: (_, part) => {
      done += part.numRows;
      opts.onProgress?.(done, src.count);
    },
  });
  const result = pool.results.then(({ info, parts: ps }) => {
    const merged = mergeParts(ps, info.numExits);
    return { trace: { ...merged, label: src.labels.slice() }, kernels: info.kernels, hash: info.hash };
  });
  return { result, terminate: pool.terminate };
}

/** A worker's set-up: builds the model from the parts; run(task) traces the batch it is sent. */
export function traceWorkerJob(parts: WorkerModelParts): { info: WorkerInfo; run(task: BatchTask): Trace } {
  const kernels = createKernels(parts.kernels ?? 'auto', { memoryBytes: simdMemoryFor(parts.weights.byteLength, parts.rows) });
  const model = buildModel({ config: parts.config, weights: parts.weights, name: parts.name }, { kernels, where: 'trace worker' });
  const info: WorkerInfo = { numExits: model.network.numStages, batchInvariant: model.family.batchInvariant === true, kernels: kernelsInfo(model.kernels), hash: model.hash };
  const run = (task: BatchTask): Trace => {
    const n = task.shape[0];
    const one: RowSource = { count: n, labels: new Int32Array(n).fill(-1), batch: () => new Tensor(task.data, task.shape), mask: task.mask === undefined ? undefined : () => task.mask };
    return traceRows(model, one, 0, n, n);
  };
  return { info, run };
}

/** The body of a trace worker module (Web Worker by default; a runtime may pass its own port). */
export function serveTraceWorker(port: PoolPort = webPoolPort()): void {
  serveTasks<WorkerModelParts, WorkerInfo, BatchTask, Trace>(port, traceWorkerJob);
}
