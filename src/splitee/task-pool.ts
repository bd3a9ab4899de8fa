/**
 * A pool of workers for batch work, whatever the runtime: the dynamic hand-out, the parts merged by
 * task index and the errors carried across threads. A runtime gives a PoolWorker per worker (Node's
 * worker_threads in src/node/worker-pool.ts; a Web Worker, browsers, Deno and Bun, in web-pool.ts) and,
 * inside the worker, a PoolPort; this module imports neither.
 *
 * Protocol. The receiving thread sends each worker { kind: 'setup', data } first; the worker runs its
 * set-up (load a model, read data) and says { kind: 'ready', info }; the first info plans the tasks; a
 * ready worker is sent { kind: 'task', index, task } and asks for the next by answering { kind: 'part',
 * index, result }; when none is left it is sent { kind: 'stop' }. Parts are kept by task index, so the
 * result does not depend on which worker ran what, or when. A worker's error is posted as { kind:
 * 'error', name, code, message } and rebuilt in the receiving thread with the engine's class for its code.
 *
 * Buffers: nothing is transferred, either way (messages are copied by the structured clone); the
 * engine never hands its own buffers away, a receiver owns its copy.
 */
import { ArgumentError, ConfigError, FormatError, ShapeError, SpliteeError, StateError, ValueError, type ErrorCode } from '../tensor/errors.js';

/** One worker as the pool drives it (an adapter over the runtime's worker). */
export interface PoolWorker {
  /** Posts a message (a copy: nothing is transferred). */
  post(message: unknown): void;
  /** Registers the handlers, once: messages, an uncaught error, and the worker's exit where the runtime reports it. */
  listen(on: { message(m: unknown): void; error(e: unknown): void; exit?(code: number): void }): void;
  terminate(): Promise<unknown> | void;
}

/** A worker's side of the channel (an adapter over the runtime's port or global scope). */
export interface PoolPort {
  post(message: unknown): void;
  listen(onMessage: (m: unknown) => void): void;
  /** Ends the worker's side: no more messages (the worker may then exit). */
  close(): void;
}

/** A worker's error, as posted to the receiving thread. */
export type ErrorMessage = { kind: 'error'; name: string; code: string; message: string };
/** What the receiving thread sends a worker. */
export type TaskOrder<T> = { kind: 'setup'; data: unknown } | { kind: 'task'; index: number; task: T } | { kind: 'stop' };
/** What a worker sends: once ready, then one part per task. */
export type TaskReply<I, R> = { kind: 'ready'; info: I } | { kind: 'part'; index: number; result: R } | ErrorMessage;
/** An error class by code, to rebuild a worker's error (the engine's own below; a runtime adds its own, e.g. Node's IoError). */
export type ErrorClasses = Readonly<Partial<Record<ErrorCode, new (message: string) => SpliteeError>>>;

/** The engine's error classes by code. */
const ENGINE_ERRORS: ErrorClasses = {
  E_SHAPE: ShapeError,
  E_VALUE: ValueError,
  E_FORMAT: FormatError,
  E_CONFIG: ConfigError,
  E_ARGUMENT: ArgumentError,
  E_STATE: StateError,
};

/** The message that carries a thrown value to the receiving thread (workerError rebuilds it). */
export function errorMessage(e: unknown): ErrorMessage {
  const err = e as Error | undefined;
  return { kind: 'error', name: err?.name ?? 'Error', code: e instanceof SpliteeError ? e.code : 'E_INTERNAL', message: err?.message ?? String(e) };
}

/** The error a worker's 'error' message stands for, prefixed with `where` (the engine's own errors keep their class). */
export function workerError(m: ErrorMessage, where: string, classes: ErrorClasses = {}): Error {
  const message = `${where}: ${m.message}`;
  const code = m.code as ErrorCode;
  const cls = Object.hasOwn(classes, code) ? classes[code] : Object.hasOwn(ENGINE_ERRORS, code) ? ENGINE_ERRORS[code] : undefined;
  if (cls !== undefined) return new cls(message);
  return m.code.startsWith('E_') && m.code !== 'E_INTERNAL' ? new SpliteeError(code, message) : new Error(`${where}: ${m.name}: ${m.message}`);
}

export interface TaskPoolOptions<I, T, R> {
  /** The tasks, planned from the first ready worker's info (the workers are expected to agree). */
  plan(info: I): readonly T[];
  /** Called as each part arrives (in any order), with the planning info. */
  onPart?(index: number, result: R, info: I): void;
  /** Error classes beyond the engine's, by code (Node: IoError). */
  errors?: ErrorClasses;
}

export interface TaskPoolRun<I, R> {
  /** The planning info and every task's result, by task index; rejects with the first failure. */
  readonly results: Promise<{ info: I; parts: R[] }>;
  /** Stops every worker (a no-op for those done). */
  terminate(): Promise<void>;
}

/**
 * `workers` workers from spawn(i), all sent `data` at once; tasks are handed out one at a time, in
 * index order, to whichever worker is ready for one. Settles once every part is in, or on the first
 * failure (a worker's error, a worker that exits early, plan or onPart throwing), once every worker
 * is terminated.
 */
export function runTaskPool<I, T, R>(spawn: (i: number) => PoolWorker, data: unknown, workers: number, where: string, opts: TaskPoolOptions<I, T, R>): TaskPoolRun<I, R> {
  if (!Number.isInteger(workers) || workers < 1) throw new ArgumentError(`runTaskPool: invalid workers: got ${workers}, expected an integer >= 1`);
  const ws = Array.from({ length: workers }, (_, i) => spawn(i));
  const terminate = async (): Promise<void> => {
    await Promise.all(ws.map((w) => w.terminate()));
  };
  const results = new Promise<{ info: I; parts: R[] }>((resolve, reject) => {
    let settled = false;
    let planned: { info: I; tasks: readonly T[] } | undefined;
    const parts: R[] = [];
    let next = 0;
    let received = 0;
    const stopped = new Set<PoolWorker>();
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      // settle once every worker is stopped (a worker tearing down beside the caller's next work slows it)
      terminate().then(f, f);
    };
    const done = (): void => finish(() => resolve({ info: (planned as { info: I }).info, parts }));
    const fail = (e: unknown): void => finish(() => reject(e));
    const give = (w: PoolWorker, tasks: readonly T[]): void => {
      if (next < tasks.length) {
        w.post({ kind: 'task', index: next, task: tasks[next] } satisfies TaskOrder<T>);
        next++;
      } else {
        stopped.add(w);
        w.post({ kind: 'stop' } satisfies TaskOrder<T>);
      }
    };
    const onMessage = (w: PoolWorker, m: TaskReply<I, R>): void => {
      if (m.kind === 'error') return fail(workerError(m, where, opts.errors));
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
      w.listen({
        message: (m) => {
          if (settled) return;
          try {
            onMessage(w, m as TaskReply<I, R>);
          } catch (e) {
            fail(e);
          }
        },
        error: fail,
        exit: (code) => {
          if (!stopped.has(w)) fail(new StateError(`${where}: worker ${i + 1} of ${workers} exited early: got exit code ${code}, expected its parts`));
        },
      });
      w.post({ kind: 'setup', data } satisfies TaskOrder<T>);
    });
  });
  return { results, terminate };
}

/** What a worker's set-up gives: the info for planning, and the task runner. */
export interface TaskJob<I, T, R> {
  info: I;
  /** The task's result (or a promise of it: the worker waits for it before its next task). */
  run(task: T, index: number): R | Promise<R>;
}

/**
 * The body of a pool worker: on the setup message, setup(data) once (it may return a promise), post
 * its info, then run each task sent (sync or async) and post its part (a copy; nothing is transferred) until told to
 * stop. An error in setup or in a task is posted as a message; the receiving thread then terminates us.
 */
export function serveTasks<D, I, T, R>(port: PoolPort, setup: (data: D) => TaskJob<I, T, R> | Promise<TaskJob<I, T, R>>): void {
  let job: Promise<TaskJob<I, T, R>> | null = null;
  const post = (m: TaskReply<I, R>): void => port.post(m);
  port.listen((msg) => {
    const m = msg as TaskOrder<T>;
    if (m.kind === 'setup') {
      job = (async () => setup(m.data as D))();
      job.then((j) => post({ kind: 'ready', info: j.info }), (e: unknown) => post(errorMessage(e)));
      return;
    }
    if (m.kind === 'stop') return port.close();
    void job?.then((j) => j.run(m.task, m.index)).then(
      (result) => post({ kind: 'part', index: m.index, result }),
      (e: unknown) => post(errorMessage(e)),
    );
  });
}
