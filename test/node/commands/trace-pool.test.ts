// traceInPool: the trace on 1, 2 and 3 worker threads (tasks handed out as workers free up, more
// tasks than workers, the last batches cut finer: the tiny ResNet is batch-invariant) is byte-identical
// to computeTrace in this thread; progress reaches every row; a worker's failure rejects with its engine
// class; mergeParts keeps the task order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ArgumentError, StateError } from '../../../src/tensor/errors.js';
import { encodeIdx } from '../../../src/tensor/io/idx.js';
import { formatTrace } from '../../../src/splitee/trace.js';
import { loadModel } from '../../../src/node/models/load.js';
import { IoError } from '../../../src/node/datasets/idx-file.js';
import { computeTrace } from '../../../src/node/commands/run-trace.js';
import { resolveSource } from '../../../src/node/data-sources.js';
import { mergeParts, traceInPool } from '../../../src/node/commands/trace-pool.js';
import { traceTasks } from '../../../src/splitee/trace-rows.js';
import { traceBatches } from '../../../src/node/commands/trace-pool-worker.js';
import { tmpRoot, writeTinyModel } from '../../helpers/tiny-model-dir.js';

const root = tmpRoot('splitee-trace-pool-');
const modelDir = writeTinyModel(root, 'tiny');
const n = 23; // prime: the last batch of 4 ends short
const pixels = new Uint8Array(n * 64).map((_, i) => (i * 89 + (i >> 6) * 13) % 256);
const imgs = join(root, 'imgs.idx.gz');
const labs = join(root, 'labs.idx');
writeFileSync(imgs, gzipSync(encodeIdx([n, 8, 8], pixels)));
writeFileSync(labs, encodeIdx([n], new Uint8Array(n).map((_, i) => i % 3)));
const req = { data: imgs, labels: labs, distortion: 'gaussian-noise:2', seed: 5, limit: undefined };

const bytes = (a: Float64Array | Int32Array): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

for (const kernels of ['fast', 'auto'] as const) {
  test(`traceInPool (${kernels}): 1, 2 and 3 workers, 6 batches (the last 2 or 3 in pieces of 1 row): the bytes of computeTrace in one thread; progress to every row`, async () => {
    const model = loadModel(modelDir, { kernels });
    const one = computeTrace(model, resolveSource(model, req), 4);
    for (const workers of [1, 2, 3]) {
      const progress: number[] = [];
      const r = await traceInPool({ modelDir, req, batch: 4, kernels }, workers, (done, total) => {
        assert.is(total, n);
        progress.push(done);
      }).result;
      assert.is(r.workers, workers);
      assert.is(r.kernels.name, model.kernels.name);
      assert.is(r.id, model.id);
      assert.is(r.hash, model.hash);
      assert.is(r.trace.numRows, n);
      assert.equal(bytes(r.trace.conf), bytes(one.conf), `conf, ${workers} workers`);
      assert.equal(bytes(r.trace.pred), bytes(one.pred), `pred, ${workers} workers`);
      assert.equal(Array.from(r.trace.label), Array.from(one.label));
      assert.is(formatTrace(r.trace), formatTrace(one));
      // rows done, one step per task (6 batches of up to 4 rows on 1 worker; on 2 and 3 the last 2 or 3 batches in rows)
      assert.is(progress.length, [6, 4 + 7, 3 + 11][workers - 1], `progress steps, ${workers} workers`);
      assert.ok(progress.every((d, i) => d > (progress[i - 1] ?? 0) && d - (progress[i - 1] ?? 0) <= 4), `progress ${progress}`);
      assert.is(progress[progress.length - 1], n);
    }
  });
}

test('traceInPool: a worker that fails rejects with its message and its engine class (no model: IoError; bad data: ArgumentError)', async () => {
  const fails = async (job: Parameters<typeof traceInPool>[0], cls: new (...a: never[]) => Error, re: RegExp): Promise<void> => {
    try {
      await traceInPool(job, 2).result;
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, cls);
      assert.match((e as Error).message, re);
    }
  };
  await fails({ modelDir: join(root, 'none'), req, kernels: 'fast' }, IoError, /^trace worker: loadModel: cannot read .*config\.json/);
  await fails({ modelDir, req: { ...req, data: 'fashion-mnist:nope', labels: undefined }, kernels: 'fast' }, ArgumentError, /^trace worker: trace: unknown data set: got 'fashion-mnist:nope'/);
});

test('traceBatches: a task is rows [start, end) of computeTrace; a task outside the rows or over a batch is a StateError', () => {
  const model = loadModel(modelDir, { kernels: 'fast' });
  const one = computeTrace(model, resolveSource(model, req), 4);
  const { info, run } = traceBatches({ modelDir, req, batch: 4, kernels: 'fast' });
  assert.equal(info, { count: n, numExits: one.numExits, batchInvariant: true, description: info.description, kernels: { name: 'fast', relaxed: false }, id: model.id, hash: model.hash });
  const L = one.numExits;
  const last = run({ start: 20, end: 23 });
  assert.is(last.numRows, 3);
  assert.equal(Array.from(last.conf), Array.from(one.conf.subarray(20 * L)));
  assert.equal(Array.from(last.label), Array.from(one.label.subarray(20)));
  const row = run({ start: 9, end: 10 });
  assert.equal(Array.from(row.conf), Array.from(one.conf.subarray(9 * L, 10 * L)));
  for (const [start, end] of [[23, 24], [-1, 2], [5, 5], [0, 5], [1.5, 3]]) {
    assert.throws(() => run({ start, end }), (e: unknown) => e instanceof StateError && /^traceBatches: task out of range: got rows \[/.test((e as Error).message), `[${start}, ${end})`);
  }
});

test('traceTasks: batches of `batch` from row 0; with several workers and batch-invariant rows the last `workers` batches in quarters; every row once, in order', () => {
  const ranges = (count: number, batch: number, workers: number, inv: boolean): string => traceTasks(count, batch, workers, inv).map((r) => `${r.start}-${r.end}`).join(' ');
  assert.is(ranges(10, 4, 2, false), '0-4 4-8 8-10');
  assert.is(ranges(10, 4, 1, true), '0-4 4-8 8-10');
  assert.is(ranges(10, 4, 2, true), '0-4 4-5 5-6 6-7 7-8 8-9 9-10');
  assert.is(ranges(2000, 64, 2, true).split(' ').slice(-6).join(' '), '1856-1920 1920-1936 1936-1952 1952-1968 1968-1984 1984-2000');
  assert.is(ranges(3, 64, 8, true), '0-3', 'fewer rows than a piece');
  assert.is(ranges(13, 4, 8, true), '0-1 1-2 2-3 3-4 4-5 5-6 6-7 7-8 8-9 9-10 10-11 11-12 12-13', 'fewer batches than workers: pieces from row 0');
  assert.equal(traceTasks(0, 4, 2, true), []);
  for (let count = 1; count <= 40; count++) {
    for (const batch of [1, 3, 4, 64]) {
      for (const workers of [1, 2, 3]) {
        const t = traceTasks(count, batch, workers, true);
        assert.ok(t.every((r, i) => r.start === (t[i - 1]?.end ?? 0) && r.end > r.start && r.end - r.start <= batch), `${count}/${batch}/${workers}`);
        assert.is(t[t.length - 1].end, count);
      }
    }
  }
});

test('mergeParts: parts in batch order; no parts is an empty trace; a missing part or exits that differ are StateErrors', () => {
  const t = (rows: number[], L = 1) => ({ numExits: L, numRows: rows.length, conf: Float64Array.from(rows, (r) => r / 10), pred: Int32Array.from(rows), label: Int32Array.from(rows) });
  const m = mergeParts([t([0, 1]), t([2]), t([3, 4, 5])], 1);
  assert.equal(Array.from(m.pred), [0, 1, 2, 3, 4, 5]);
  assert.equal(Array.from(m.conf), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.equal(mergeParts([], 3), { numExits: 3, numRows: 0, conf: new Float64Array(0), pred: new Int32Array(0), label: new Int32Array(0) });
  assert.throws(() => mergeParts([t([0]), t([1], 2)], 1), (e: unknown) => e instanceof StateError && /exits differ in part 1/.test((e as Error).message));
  const holey = [t([0])];
  holey[2] = t([2]);
  assert.throws(() => mergeParts(holey, 1), (e: unknown) => e instanceof StateError && /part 1 of 3 is missing/.test((e as Error).message));
});

test.run();
