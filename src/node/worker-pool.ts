/**
 * Pools of node:worker_threads workers for batch work. Two shapes:
 *
 * - Static chunks (sweep): the caller splits its work (chunkRanges); runInWorkers starts one worker
 *   per chunk and resolves with the chunks' results in chunk order; the worker module answers with
 *   serveWorkerTask. Messages from a worker: { kind: 'progress', done } | { kind: 'done', result } | error.
 * - Dynamic hand-out (traces): runTaskPool starts the workers at once; each does its own set-up
 *   (serveTasks' setup: load a model, read data) and says { kind: 'ready', info }; the first info
 *   plans the tasks; a ready worker is sent { kind: 'task', index, task } and asks for the next by
 *   answering { kind: 'part', index, result }; when none is left it is sent { kind: 'stop' }. Parts
 *   are kept by task index, so the result does not depend on which worker ran what, or when.
 *
 * Either way a worker's error is posted as { kind: 'error', name, code, message } and rebuilt in the
 * receiving thread with the engine's class for its code (workerError). Under tsx (src/*.ts) a worker
 * registers tsx's loader itself (a worker does not inherit the --import hooks); from dist it loads the .js.
 *
 * Buffers: serveWorkerTask transfers its result's buffers only as the thread's very last act (the task
 * keeps nothing); serveTasks never transfers (parts are posted as copies: a worker keeps running).
 */
import { parentPort, workerData, Worker } from 'node:worker_threads';
import { ArgumentError, ConfigError, FormatError, ShapeError, SpliteeError, StateError, ValueError, type ErrorCode } from '../tensor/errors.js';
import { IoError } from './datasets/idx-file.js';

/** A worker's error, as posted to the receiving thread. */
export type ErrorMessage = { kind: 'error'; name: string; code: string; message: string };
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
function workerError(m: ErrorMessage, where: string): Error {
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
    post(errorMessage(e));
  }
}

/** The message that carries a thrown value to the receiving thread (workerError rebuilds it). */
function errorMessage(e: unknown): ErrorMessage {
  const err = e as Error;
  return { kind: 'error', name: err?.name ?? 'Error', code: e instanceof SpliteeError ? e.code : 'E_INTERNAL', message: err?.message ?? String(e) };
}

/** What the receiving thread sends a serveTasks worker. */
export type TaskOrder<T> = { kind: 'task'; index: number; task: T } | { kind: 'stop' };
/** What a serveTasks worker sends: once ready, then one part per task. */
export type TaskReply<I, R> = { kind: 'ready'; info: I } | { kind: 'part'; index: number; result: R } | ErrorMessage;

export interface TaskPoolOptions<I, T, R> {
  /** The tasks, planned from the first ready worker's info (the workers are expected to agree). */
  plan(info: I): readonly T[];
  /** Called as each part arrives (in any order), with the planning info. */
  onPart?(index: number, result: R, info: I): void;
}

export interface TaskPoolRun<I, R> {
  /** The planning info and every task's result, by task index; rejects with the first failure. */
  readonly results: Promise<{ info: I; parts: R[] }>;
  /** Stops every worker (a no-op for those done). */
  terminate(): Promise<void>;
}

/**
 * `workers` workers on `entry` (a serveTasks module), all given `data` and started at once; tasks are
 * handed out one at a time, in index order, to whichever worker is ready for one. Settles once every
 * part is in, or on the first failure (a worker's error, a worker that exits early, plan or onPart
 * throwing); then the workers still running are terminated.
 */
export function runTaskPool<I, T, R>(entry: URL, data: unknown, workers: number, where: string, opts: TaskPoolOptions<I, T, R>): TaskPoolRun<I, R> {
  if (!Number.isInteger(workers) || workers < 1) throw new ArgumentError(`runTaskPool: invalid workers: got ${workers}, expected an integer >= 1`);
  const ws = Array.from({ length: workers }, () => startWorker(entry, data));
  const terminate = async (): Promise<void> => {
    await Promise.all(ws.map((w) => w.terminate()));
  };
  const results = new Promise<{ info: I; parts: R[] }>((resolve, reject) => {
    let settled = false;
    let planned: { info: I; tasks: readonly T[] } | undefined;
    const parts: R[] = [];
    let next = 0;
    let received = 0;
    const stopped = new Set<Worker>();
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      void terminate().finally(f);
    };
    const done = (): void => finish(() => resolve({ info: (planned as { info: I }).info, parts }));
    const give = (w: Worker, tasks: readonly T[]): void => {
      if (next < tasks.length) {
        w.postMessage({ kind: 'task', index: next, task: tasks[next] } satisfies TaskOrder<T>);
        next++;
      } else {
        stopped.add(w);
        w.postMessage({ kind: 'stop' } satisfies TaskOrder<T>);
      }
    };
    const onMessage = (w: Worker, m: TaskReply<I, R>): void => {
      if (m.kind === 'error') return finish(() => reject(workerError(m, where)));
      if (m.kind === 'ready') {
        if (planned === undefined) planned = { info: m.info, tasks: opts.plan(m.info) };
        if (planned.tasks.length === 0) return done();
      } else if (planned !== undefined) {
        parts[m.index] = m.result;
        received++;
        opts.onPart?.(m.index, m.result, planned.info);
        if (received === planned.tasks.length) return done();
      }
      give(w, planned?.tasks ?? []);
    };
    ws.forEach((w, i) => {
      w.on('message', (m: TaskReply<I, R>) => {
        if (settled) return;
        try {
          onMessage(w, m);
        } catch (e) {
          finish(() => reject(e));
        }
      });
      w.on('error', (e) => finish(() => reject(e)));
      w.on('exit', (code) => {
        if (!stopped.has(w)) finish(() => reject(new StateError(`${where}: worker ${i + 1} of ${workers} exited early: got exit code ${code}, expected its parts`)));
      });
    });
  });
  return { results, terminate };
}

/**
 * The body of a runTaskPool worker module: setup(workerData) once (load what every task needs), post
 * its info, then run each task sent and post its part (a copy; nothing is transferred) until told to
 * stop. An error in setup or in a task is posted as a message; the receiving thread then terminates us.
 */
export function serveTasks<D, I, T, R>(where: string, setup: (data: D) => { info: I; run(task: T, index: number): R }): void {
  const port = parentPort;
  if (port === null) throw new StateError(`${where}: not a worker thread: got no parentPort, expected to be started by runTaskPool`);
  const post = (m: TaskReply<I, R>): void => port.postMessage(m);
  let job: { info: I; run(task: T, index: number): R };
  try {
    job = setup(workerData as D);
  } catch (e) {
    post(errorMessage(e));
    return;
  }
  port.on('message', (m: TaskOrder<T>) => {
    if (m.kind === 'stop') return port.close();
    try {
      post({ kind: 'part', index: m.index, result: job.run(m.task, m.index) });
    } catch (e) {
      post(errorMessage(e));
    }
  });
  post({ kind: 'ready', info: job.info });
}
