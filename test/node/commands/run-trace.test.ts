// traceInPool: the trace split over 1, 2 and 3 worker threads is byte-identical to computeTrace in
// this thread; a worker's failure rejects with its error; mergeTraces keeps the row order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { StateError } from '../../../src/tensor/errors.js';
import { encodeIdx } from '../../../src/tensor/io/idx.js';
import { formatTrace } from '../../../src/splitee/trace.js';
import { loadModel } from '../../../src/node/models/load.js';
import { computeTrace, mergeTraces, resolveSource, traceInPool } from '../../../src/node/commands/run-trace.js';
import { tmpRoot, writeTinyModel } from '../../helpers/tiny-model-dir.js';

const root = tmpRoot('splitee-run-trace-');
const modelDir = writeTinyModel(root, 'tiny');
const n = 23; // prime: chunks of batch 4 end short
const pixels = new Uint8Array(n * 64).map((_, i) => (i * 89 + (i >> 6) * 13) % 256);
const imgs = join(root, 'imgs.idx.gz');
const labs = join(root, 'labs.idx');
writeFileSync(imgs, gzipSync(encodeIdx([n, 8, 8], pixels)));
writeFileSync(labs, encodeIdx([n], new Uint8Array(n).map((_, i) => i % 3)));
const req = { data: imgs, labels: labs, distortion: 'gaussian-noise:2', seed: 5, limit: undefined };

const bytes = (a: Float64Array | Int32Array): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

for (const kernels of ['fast', 'auto'] as const) {
  test(`traceInPool (${kernels}): 1, 2 and 3 workers give the bytes of computeTrace in one thread`, async () => {
    const model = loadModel(modelDir, { kernels });
    const one = computeTrace(model, resolveSource(model, req), 4);
    for (const workers of [1, 2, 3]) {
      const progress: number[] = [];
      const r = await traceInPool({ modelDir, req, batch: 4, kernels }, n, workers, (done, total) => {
        assert.is(total, n);
        progress.push(done);
      }).result;
      assert.is(r.workers, workers);
      assert.is(r.kernels.name, model.kernels.name);
      assert.is(r.trace.numRows, n);
      assert.equal(bytes(r.trace.conf), bytes(one.conf), `conf, ${workers} workers`);
      assert.equal(bytes(r.trace.pred), bytes(one.pred), `pred, ${workers} workers`);
      assert.equal(Array.from(r.trace.label), Array.from(one.label));
      assert.is(formatTrace(r.trace), formatTrace(one));
      assert.is(progress[progress.length - 1], n);
    }
  });
}

test('traceInPool: a worker that fails rejects with its error (rows past the source: a StateError)', async () => {
  try {
    await traceInPool({ modelDir, req, batch: 4, kernels: 'fast' }, n + 8, 2).result;
    assert.unreachable('accepted');
  } catch (e) {
    assert.ok(e instanceof StateError, String(e));
    assert.match((e as Error).message, /^trace worker: runTraceChunk: rows out of range: got \[16, 31\)/);
  }
});

test('mergeTraces: chunks in order; exits that differ are a StateError', () => {
  const t = (rows: number[], L = 1) => ({ numExits: L, numRows: rows.length, conf: Float64Array.from(rows, (r) => r / 10), pred: Int32Array.from(rows), label: Int32Array.from(rows) });
  const m = mergeTraces([t([0, 1]), t([2]), t([3, 4, 5])]);
  assert.equal(Array.from(m.pred), [0, 1, 2, 3, 4, 5]);
  assert.equal(Array.from(m.conf), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.throws(() => mergeTraces([t([0]), t([1], 2)]), (e: unknown) => e instanceof StateError);
});

test.run();
