/**
 * A pool of node:worker_threads workers for batch work (the traces of `splitee trace`, `run` and
 * `claims`): the caller splits its work into chunks (chunkRanges), runInWorkers starts one worker per
 * chunk on a worker module and resolves with the chunks' results in chunk order; the worker module
 * answers with serveWorkerTask. Under tsx (src/*.ts) a worker registers tsx's loader itself (a worker
 * does not inherit the --import hooks); from dist it loads the .js.
 *
 * Buffers: a worker transfers its result's buffers only as its very last act (serveWorkerTask posts
 * and returns; the task keeps nothing), so the engine never detaches a buffer it still uses; the
 * receiver copies the chunks into its own arrays.
 *
 * Messages from a worker: { kind: 'progress', done } | { kind: 'done', result } | { kind: 'error', ... }.
 */
import { parentPort, workerData, Worker } from 'node:worker_threads';
import { ArgumentError, ConfigError, FormatError, ShapeError, SpliteeError, StateError, ValueError, type ErrorCode } from '../tensor/errors.js';
import { IoError } from './datasets/idx-file.js';

export type PoolMessage<R> = { kind: 'progress'; done: number } | { kind: 'done'; result: R } | { kind: 'error'; name: string; code: string; message: string };

/**
 * [start, end) ranges splitting n items into at most k contiguous chunks, each a whole number of
 * blocks of `block` items (the last may end short at n), as even as the blocks allow; in order.
 */
export function chunkRanges(n: number, k: number, block: number): Array<[number, number]> {
  for (const [name, v, min] of [['n', n, 0], ['k', k, 1], ['block', block, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new ArgumentError(`chunkRanges: invalid ${name}: got ${v}, expected an integer >= ${min}`);
  }
  const blocks = Math.ceil(n / block);
  const parts = Math.max(1, Math.min(k, blocks));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < parts; i++) {
    const b0 = Math.floor((i * blocks) / parts);
    const b1 = Math.floor(((i + 1) * blocks) / parts);
    out.push([Math.min(n, b0 * block), Math.min(n, b1 * block)]);
  }
  return out;
}

/** Starts a worker on `entry` (.ts under tsx, .js from dist) with `data` as its workerData. */
export function startWorker(entry: URL, data: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`, { eval: true, workerData: data });
}

export interface PoolRun<R> {
  /** The chunks' results in the order of `datas`; rejects with the first worker's error. */
  readonly results: Promise<R[]>;
  /** Stops every worker (a no-op for those done). */
  terminate(): Promise<void>;
}

/** The engine's error classes by code, to rebuild a worker's error in the receiving thread. */
const ERROR_CLASSES: Readonly<Partial<Record<ErrorCode, new (message: string) => SpliteeError>>> = {
  E_SHAPE: ShapeError,
  E_VALUE: ValueError,
  E_FORMAT: FormatError,
  E_CONFIG: ConfigError,
  E_ARGUMENT: ArgumentError,
  E_STATE: StateError,
  E_IO: IoError,
};

/** The error a worker's 'error' message stands for (the engine's own errors keep their class). */
function workerError(m: Extract<PoolMessage<unknown>, { kind: 'error' }>, where: string): Error {
  const message = `${where}: ${m.message}`;
  const cls = Object.hasOwn(ERROR_CLASSES, m.code) ? ERROR_CLASSES[m.code as ErrorCode] : undefined;
  if (cls !== undefined) return new cls(message);
  return m.code.startsWith('E_') && m.code !== 'E_INTERNAL' ? new SpliteeError(m.code as ErrorCode, message) : new Error(`${where}: ${m.name}: ${m.message}`);
}

/**
 * One worker on `entry` per element of `datas`, all started at once; onProgress(i, done) relays chunk
 * i's progress messages. The first failure rejects `results` and terminates the other workers.
 */
export function runInWorkers<R>(entry: URL, datas: readonly unknown[], where: string, onProgress?: (chunk: number, done: number) => void): PoolRun<R> {
  const workers = datas.map((d) => startWorker(entry, d));
  const terminate = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
  const one = (w: Worker, i: number): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      let settled = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        f();
      };
      w.on('message', (m: PoolMessage<R>) => {
        if (m.kind === 'progress') onProgress?.(i, m.done);
        else if (m.kind === 'done') settle(() => resolve(m.result));
        else settle(() => reject(workerError(m, where)));
      });
      w.on('error', (e) => settle(() => reject(e)));
      w.on('exit', (code) => settle(() => reject(new StateError(`${where}: worker ${i + 1} of ${datas.length} exited early: got exit code ${code}, expected its result`))));
    });
  const results = Promise.all(workers.map(one)).catch(async (e: unknown) => {
    await terminate();
    throw e;
  });
  return { results, terminate };
}

/**
 * The body of a worker module: runs task(workerData, progress) and posts its result, transferring
 * `transfer` (buffers of the result only) as the thread's last act; an error is posted as a message.
 */
export function serveWorkerTask<D, R>(where: string, task: (data: D, progress: (done: number) => void) => { result: R; transfer: ArrayBuffer[] }): void {
  const port = parentPort;
  if (port === null) throw new StateError(`${where}: not a worker thread: got no parentPort, expected to be started by runInWorkers`);
  const post = (m: PoolMessage<R>, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  try {
    const { result, transfer } = task(workerData as D, (done) => post({ kind: 'progress', done }));
    post({ kind: 'done', result }, transfer);
  } catch (e) {
    const err = e as Error;
    post({ kind: 'error', name: err?.name ?? 'Error', code: e instanceof SpliteeError ? e.code : 'E_INTERNAL', message: err?.message ?? String(e) });
  }
}
