// A serveTasks worker for test/node/worker-pool.test.ts (runTaskPool): info { count }, task t -> { t, square, index };
// data.failAt: the task that throws a ValueError; data.setupFails: set-up throws a FormatError;
// data.exitAt: the task at which the thread exits with code 3; data.hold (shared by the workers): the first task
// waits (up to 10 s) until two others are done (so the first of them was posted: a worker posts a part before
// it gets its next task): with 2 workers or more, parts arrive out of index order.
import { threadId } from 'node:worker_threads';
import { FormatError, ValueError } from '../../src/tensor/errors.js';
import { serveTasks } from '../../src/node/worker-pool.js';

export interface TaskWorkerData {
  count: number;
  failAt?: number;
  exitAt?: number;
  setupFails?: boolean;
  hold?: SharedArrayBuffer;
}

serveTasks<TaskWorkerData, { count: number }, number, { t: number; square: number; index: number; thread: number }>('task-worker', (data) => {
  if (data.setupFails === true) throw new FormatError(`task-worker: set-up fails: got setupFails, expected none`);
  return {
    info: { count: data.count },
    run: (t, index) => {
      if (t === data.failAt) throw new ValueError(`task-worker: task ${t} fails: got failAt ${t}, expected another task`);
      if (t === data.exitAt) process.exit(3);
      if (data.hold !== undefined) {
        const done = new Int32Array(data.hold);
        const until = performance.now() + 10_000;
        for (let v = Atomics.load(done, 0); index === 0 && v < 2 && performance.now() < until; v = Atomics.load(done, 0)) Atomics.wait(done, 0, v, until - performance.now());
        if (index !== 0) {
          Atomics.add(done, 0, 1);
          Atomics.notify(done, 0);
        }
      }
      return { t, square: t * t, index, thread: threadId };
    },
  };
});
