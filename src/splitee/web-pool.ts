/**
 * The core pool (task-pool.ts) over Web Workers: browsers, Deno and Bun (`new Worker(url, { type:
 * 'module' })`). webPoolWorker adapts a Worker on the receiving side, webPoolPort the worker's own global
 * scope (postMessage, message events, close). Only the members used are typed here (no DOM lib), and
 * nothing is transferred: every message is a structured-clone copy.
 */
import { StateError } from '../tensor/errors.js';
import type { PoolPort, PoolWorker } from './task-pool.js';

/** A message or error event, as much of it as the pool reads. */
export interface WebWorkerEvent {
  readonly data?: unknown;
  /** An ErrorEvent's message (an uncaught error in the worker, or a script that failed to load). */
  readonly message?: string;
}

/** What the pool needs of a Web Worker (browsers, Deno, Bun). */
export interface WebWorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (ev: WebWorkerEvent) => void): void;
  terminate(): void;
}

/** What the pool needs of a Web Worker's global scope (`self` inside the worker). */
export interface WebWorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (ev: WebWorkerEvent) => void): void;
  /** Absent in Bun 1.4's worker scope: the receiving side terminates the worker anyway. */
  close?(): void;
}

/** A Web Worker as the pool's PoolWorker: its uncaught errors, and messages that cannot be read, reject the pool. */
export function webPoolWorker(w: WebWorkerLike, where = 'web worker'): PoolWorker {
  return {
    post: (m) => w.postMessage(m),
    listen: (on) => {
      w.addEventListener('message', (ev) => on.message(ev.data));
      w.addEventListener('error', (ev) => on.error(new StateError(`${where}: uncaught error in the worker: got '${ev.message ?? 'no message (did its script load?)'}', expected messages only`)));
      w.addEventListener('messageerror', () => on.error(new StateError(`${where}: a message could not be deserialized: got a messageerror, expected structured-clone data`)));
    },
    terminate: () => w.terminate(),
  };
}

/** This Web Worker's global scope (default globalThis) as the pool's PoolPort. */
export function webPoolPort(scope: WebWorkerScope = globalThis as unknown as WebWorkerScope): PoolPort {
  if (typeof scope.postMessage !== 'function' || typeof scope.addEventListener !== 'function') {
    throw new StateError(`webPoolPort: not a worker scope: got no postMessage/addEventListener, expected to run inside a Web Worker`);
  }
  return {
    post: (m) => scope.postMessage(m),
    listen: (f) => scope.addEventListener('message', (ev) => f(ev.data)),
    close: () => scope.close?.(),
  };
}
