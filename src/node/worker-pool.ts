/**
 * Pools of node:worker_threads workers for batch work. Two shapes:
 *
 * - Static chunks (sweep): the caller splits its work (chunkRanges); runInWorkers starts one worker
 *   per chunk and resolves with the chunks' results in chunk order; the worker module answers with
 *   serveWorkerTask. Messages from a worker: { kind: 'progress', done } | { kind: 'done', result } | error.
 * - Dynamic hand-out (traces): runTaskPool and serveTasks are the core's (src/splitee/task-pool.ts: the
 *   hand-out, the parts by task index, the errors; the same code drives Web Workers) over node:worker_threads
 *   (nodePoolWorker, nodePoolPort).
 *
 * Either way a worker's error is posted as { kind: 'error', name, code, message } and rebuilt in the
 * receiving thread with the engine's class for its code (workerError; IoError added here). Under tsx
 * (src/*.ts) a worker registers tsx's loader itself (a worker does not inherit the --import hooks); from
 * dist it loads the .js, or the one-file bundle of it the build makes (workerEntry).
 *
 * Buffers: serveWorkerTask transfers its result's buffers only as the thread's very last act (the task
 * keeps nothing); serveTasks never transfers (parts are posted as copies: a worker keeps running).
 */
import { existsSync } from 'node:fs';
import { parentPort, workerData, Worker } from 'node:worker_threads';
import { ArgumentError, StateError } from '../tensor/errors.js';
import * as core from '../splitee/task-pool.js';
import { errorMessage, workerError, type ErrorClasses, type ErrorMessage, type PoolPort, type PoolWorker, type TaskJob, type TaskPoolOptions, type TaskPoolRun } from '../splitee/task-pool.js';
import { IoError } from './datasets/idx-file.js';

export type { ErrorMessage, TaskOrder, TaskReply, TaskPoolOptions, TaskPoolRun } from '../splitee/task-pool.js';
export type PoolMessage<R> = { kind: 'progress'; done: number } | { kind: 'done'; result: R } | ErrorMessage;

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

/**
 * The module of a pool's worker `name` beside the module at `here` (its import.meta.url): name.ts under
 * tsx; from dist, name.bundle.js where the build made it (scripts/build-workers.mjs: one file, imported in
 * a fraction of the time its ~80 modules take), else name.js.
 */
export function workerEntry(here: string, name: string): URL {
  if (here.endsWith('.ts')) return new URL(`./${name}.ts`, here);
  const bundle = new URL(`./${name}.bundle.js`, here);
  return existsSync(bundle) ? bundle : new URL(`./${name}.js`, here);
}

/** Starts a worker on `entry` (.ts under tsx, .js from dist) with `data` as its workerData. */
export function startWorker(entry: URL, data?: unknown): Worker {
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

/** Node's own error classes beyond the engine's, to rebuild a worker's error. */
const NODE_ERRORS: ErrorClasses = { E_IO: IoError };

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
        else settle(() => reject(workerError(m, where, NODE_ERRORS)));
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
    post(errorMessage(e));
  }
}

/** A node:worker_threads Worker as the core pool's PoolWorker. */
export function nodePoolWorker(w: Worker): PoolWorker {
  return {
    post: (m) => w.postMessage(m),
    listen: (on) => {
      w.on('message', on.message);
      w.on('error', on.error);
      w.on('exit', (code) => on.exit?.(code));
    },
    terminate: () => w.terminate(),
  };
}

/** This worker thread's parentPort as the core pool's PoolPort. */
export function nodePoolPort(where: string): PoolPort {
  const port = parentPort;
  if (port === null) throw new StateError(`${where}: not a worker thread: got no parentPort, expected to be started by runTaskPool`);
  return { post: (m) => port.postMessage(m), listen: (f) => port.on('message', f), close: () => port.close() };
}

/**
 * The core's runTaskPool (src/splitee/task-pool.ts) on `workers` worker threads running `entry` (a
 * serveTasks module), each sent `data` at once; Node's IoError is rebuilt as such.
 */
export function runTaskPool<I, T, R>(entry: URL, data: unknown, workers: number, where: string, opts: TaskPoolOptions<I, T, R>): TaskPoolRun<I, R> {
  return core.runTaskPool((): PoolWorker => nodePoolWorker(startWorker(entry)), data, workers, where, { ...opts, errors: { ...NODE_ERRORS, ...opts.errors } });
}

/** The body of a runTaskPool worker module: the core's serveTasks on this thread's parentPort. */
export function serveTasks<D, I, T, R>(where: string, setup: (data: D) => TaskJob<I, T, R> | Promise<TaskJob<I, T, R>>): void {
  core.serveTasks(nodePoolPort(where), setup);
}
