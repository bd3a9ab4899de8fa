// The core pool (src/splitee/task-pool.ts) without threads: each "worker" is serveTasks on one end of a
// MessageChannel (structured-clone copies, as between threads), the pool on the other. Tasks handed out
// to whichever worker is ready, parts kept by task index, set-up data sent to each, errors rebuilt with
// their class, an early exit a StateError, every worker terminated once settled, no buffer transferred.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, FormatError, SpliteeError, StateError, ValueError } from '../../src/tensor/errors.js';
import { errorMessage, runTaskPool, serveTasks, workerError, type PoolWorker, type TaskJob } from '../../src/splitee/task-pool.js';

interface Data {
  delays: number[];
  failAt?: number;
  setupFails?: boolean;
}
type Part = { t: number; square: number; worker: number; buf: Float32Array };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A worker over a MessageChannel: serveTasks(setup) on port2; the pool drives port1. terminated counts terminate() calls. */
function channelWorker<D, I, T, R>(setup: (data: D) => TaskJob<I, T, R> | Promise<TaskJob<I, T, R>>, terminated: { n: number }): PoolWorker {
  const { port1, port2 } = new MessageChannel();
  serveTasks({ post: (m) => port2.postMessage(m), listen: (f) => port2.on('message', f), close: () => port2.close() }, setup);
  return {
    post: (m) => port1.postMessage(m),
    listen: (on) => port1.on('message', on.message),
    terminate: () => {
      terminated.n++;
      port1.close();
      port2.close();
    },
  };
}

/** The squares of 100..100+count-1 on `workers` channel workers; worker w sleeps delays[w] ms per task and keeps its buffers. */
function squares(data: Data, count: number, workers: number, terminated = { n: 0 }, seen: number[] = []) {
  const kept: Float32Array[] = [];
  const setupOf = (w: number) => async (d: Data): Promise<TaskJob<{ count: number }, number, Part>> => {
    await sleep(1);
    if (d.setupFails === true) throw new FormatError('squares: set-up fails: got setupFails, expected none');
    return {
      info: { count },
      run: async (t) => {
        if (t === d.failAt) throw new ValueError(`squares: task ${t} fails: got failAt ${t}, expected another task`);
        await sleep(d.delays[w]); // the worker is not ready for another task meanwhile
        const buf = new Float32Array([t]);
        kept.push(buf);
        return { t, square: t * t, worker: w, buf };
      },
    };
  };
  const run = runTaskPool<{ count: number }, number, Part>((w) => channelWorker(setupOf(w), terminated), data, workers, 'squares', {
    plan: (info) => Array.from({ length: info.count }, (_, i) => 100 + i),
    onPart: (i) => seen.push(i),
  });
  return { results: run.results, kept };
}

test('runTaskPool: every part by its task index whichever worker ran it; onPart once per task; all workers used', async () => {
  for (const workers of [1, 2, 3]) {
    const seen: number[] = [];
    const terminated = { n: 0 };
    const { results, kept } = squares({ delays: [12, 1, 4] }, 20, workers, terminated, seen);
    const { info, parts } = await results;
    assert.equal(info, { count: 20 });
    assert.equal(parts.map((p) => p.square), Array.from({ length: 20 }, (_, i) => (100 + i) ** 2));
    assert.equal([...seen].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
    assert.is(new Set(parts.map((p) => p.worker)).size, workers, `${workers} workers all got tasks`);
    if (workers > 1) assert.ok(parts.filter((p) => p.worker === 1).length > parts.filter((p) => p.worker === 0).length, 'the faster worker took more tasks');
    assert.is(terminated.n, workers, 'every worker terminated once settled');
    assert.ok(kept.length === 20 && kept.every((b, i) => b.byteLength === 4 && b[0] >= 100), 'the workers kept their buffers (nothing transferred)');
    assert.ok(parts.every((p) => !kept.includes(p.buf)), 'parts are copies');
  }
});

test('runTaskPool: no tasks resolves with no parts; invalid workers and a throwing plan are ArgumentErrors', async () => {
  assert.equal((await squares({ delays: [0, 0] }, 0, 2).results).parts, []);
  const bad = runTaskPool((w) => channelWorker(() => ({ info: 1, run: () => 0 }), { n: 0 }), null, 2, 'w', {
    plan: () => {
      throw new ArgumentError('plan: no: got 1, expected none');
    },
  }).results;
  await rejects(bad, ArgumentError, /^plan: no/);
  assert.throws(() => runTaskPool(() => channelWorker(() => ({ info: 1, run: () => 0 }), { n: 0 }), null, 0, 'w', { plan: () => [] }), (e: unknown) => e instanceof ArgumentError && /^runTaskPool: invalid workers: got 0/.test((e as Error).message));
});

async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, cls);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected ${cls.name}`);
}

test('runTaskPool: a failing task or set-up rejects with its message and engine class; an early exit is a StateError', async () => {
  await rejects(squares({ delays: [0, 0], failAt: 107 }, 20, 2).results, ValueError, /^squares: squares: task 107 fails: got failAt 107/);
  await rejects(squares({ delays: [0, 0], setupFails: true }, 5, 2).results, FormatError, /^squares: squares: set-up fails/);
  const exits: PoolWorker = { post: () => undefined, listen: (on) => setTimeout(() => on.exit?.(3), 1), terminate: () => undefined };
  await rejects(runTaskPool(() => exits, null, 2, 'w', { plan: () => [1] }).results, StateError, /^w: worker [12] of 2 exited early: got exit code 3, expected its parts/);
});

test('workerError: engine codes keep their class, a runtime adds its own, other E_ codes are SpliteeErrors, anything else an Error', () => {
  class IoLike extends SpliteeError {
    constructor(m: string) {
      super('E_IO', m);
    }
  }
  const io = errorMessage(new IoLike('cannot read x'));
  assert.equal(io, { kind: 'error', name: 'IoLike', code: 'E_IO', message: 'cannot read x' });
  assert.instance(workerError(io, 'w', { E_IO: IoLike }), IoLike);
  const plain = workerError(io, 'w');
  assert.ok(plain instanceof SpliteeError && !(plain instanceof IoLike) && plain.code === 'E_IO' && plain.message === 'w: cannot read x');
  assert.instance(workerError(errorMessage(new ShapeLike()), 'w'), Error);
  assert.is(workerError(errorMessage(new TypeError('boom')), 'w').message, 'w: TypeError: boom');
  assert.is(workerError(errorMessage('a string'), 'w').message, 'w: Error: a string');
});

class ShapeLike extends Error {}

test.run();
