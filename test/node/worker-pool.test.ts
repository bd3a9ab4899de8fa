// The worker pools: chunking (chunkRanges; runInWorkers runs in test/node/commands/sweep.test.ts) and the
// dynamic hand-out (runTaskPool + serveTasks, on test/helpers/task-worker.ts; traces: test/node/commands/trace-pool.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ArgumentError, FormatError, StateError, ValueError } from '../../src/tensor/errors.js';
import { chunkRanges, runTaskPool } from '../../src/node/worker-pool.js';
import type { TaskWorkerData } from '../helpers/task-worker.js';

test('chunkRanges: contiguous cover of [0, n) in at most k chunks of whole blocks, as even as the blocks allow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 100 }), (n, k, block) => {
      const r = chunkRanges(n, k, block);
      const blocks = Math.ceil(n / block);
      assert.is(r.length, Math.max(1, Math.min(k, blocks)));
      assert.is(r[0][0], 0);
      assert.is(r[r.length - 1][1], n);
      for (let i = 0; i < r.length; i++) {
        const [s, e] = r[i];
        assert.ok(s % block === 0 && s <= e, `chunk ${i}: [${s}, ${e})`);
        if (i > 0) assert.is(s, r[i - 1][1]);
        if (n > 0) assert.ok(e > s, `empty chunk ${i} of n ${n}`);
      }
      const sizes = r.map(([s, e]) => Math.ceil((e - s) / block));
      if (n > 0) assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `uneven: ${sizes}`);
    }),
    { seed: 1313, numRuns: 500 },
  );
});

test('chunkRanges: 2,000 rows, 2 workers, batch 64: 16 batches each (the second ends short)', () => {
  assert.equal(chunkRanges(2000, 2, 64), [[0, 1024], [1024, 2000]]);
  assert.equal(chunkRanges(0, 4, 64), [[0, 0]]);
});

test('chunkRanges: bad arguments are ArgumentErrors', () => {
  for (const [n, k, b] of [[-1, 1, 1], [1, 0, 1], [1, 1, 0], [1.5, 1, 1]]) {
    assert.throws(() => chunkRanges(n, k, b), (e: unknown) => e instanceof ArgumentError && /^chunkRanges: invalid/.test((e as Error).message));
  }
});

// runTaskPool + serveTasks (dynamic hand-out) on test/helpers/task-worker.ts.
const taskWorker = new URL('../helpers/task-worker.ts', import.meta.url);
const squares = (data: TaskWorkerData, workers: number, onPart?: (i: number) => void) =>
  runTaskPool<{ count: number }, number, { t: number; square: number; index: number; thread: number }>(taskWorker, data, workers, 'task worker', {
    plan: (info) => Array.from({ length: info.count }, (_, i) => 100 + i),
    onPart: (i) => onPart?.(i),
  }).results;

async function rejectsWith(p: Promise<unknown>, cls: new (...a: never[]) => Error, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, cls);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected ${cls.name}`);
}

test('runTaskPool: more tasks than workers; every part by its task index, whichever worker ran it; onPart once per task', async () => {
  for (const workers of [1, 2, 3]) {
    const seen: number[] = [];
    const { info, parts } = await squares({ count: 25, hold: workers > 1 ? new SharedArrayBuffer(4) : undefined }, workers, (i) => seen.push(i));
    if (workers > 1) assert.is.not(seen[0], 0, 'the first part to arrive is not task 0');
    assert.equal(info, { count: 25 });
    assert.equal(parts.map((p) => p.t), Array.from({ length: 25 }, (_, i) => 100 + i));
    assert.equal(parts.map((p) => p.square), Array.from({ length: 25 }, (_, i) => (100 + i) ** 2));
    assert.equal(parts.map((p) => p.index), Array.from({ length: 25 }, (_, i) => i));
    assert.equal([...seen].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i));
    assert.ok(new Set(parts.map((p) => p.thread)).size <= workers);
  }
});

test('runTaskPool: no tasks resolves with no parts; plan throwing rejects with its error', async () => {
  assert.equal((await squares({ count: 0 }, 2)).parts, []);
  const bad = runTaskPool(taskWorker, { count: 3 }, 2, 'task worker', {
    plan: () => {
      throw new ArgumentError('plan: no: got 3, expected none');
    },
  }).results;
  await rejectsWith(bad, ArgumentError, /^plan: no/);
});

test('runTaskPool: a worker failing mid-way rejects with its message and its engine class; a failed set-up too; an exit is a StateError', async () => {
  await rejectsWith(squares({ count: 25, failAt: 110 }, 2), ValueError, /^task worker: task-worker: task 110 fails: got failAt 110/);
  await rejectsWith(squares({ count: 5, setupFails: true }, 2), FormatError, /^task worker: task-worker: set-up fails/);
  await rejectsWith(squares({ count: 25, exitAt: 107 }, 2), StateError, /^task worker: worker [12] of 2 exited early: got exit code 3, expected its parts/);
  assert.throws(() => runTaskPool(taskWorker, { count: 1 }, 0, 'w', { plan: () => [] }), (e: unknown) => e instanceof ArgumentError && /^runTaskPool: invalid workers: got 0/.test((e as Error).message));
});

test.run();
