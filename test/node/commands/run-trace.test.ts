// computeTraceRows: rows [start, end) in batches from start are those rows of computeTrace (batches on
// the same boundaries), with progress per batch; the worker pool's tests are in trace-pool.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../../src/tensor/io/idx.js';
import { loadModel } from '../../../src/node/models/load.js';
import { computeTrace, computeTraceRows } from '../../../src/node/commands/run-trace.js';
import { resolveSource } from '../../../src/node/data-sources.js';
import { tmpRoot, writeTinyModel } from '../../helpers/tiny-model-dir.js';

const root = tmpRoot('splitee-run-trace-');
const modelDir = writeTinyModel(root, 'tiny');
const n = 23;
const imgs = join(root, 'imgs.idx.gz');
writeFileSync(imgs, gzipSync(encodeIdx([n, 8, 8], new Uint8Array(n * 64).map((_, i) => (i * 89 + (i >> 6) * 13) % 256))));

test('computeTraceRows: rows [8, 20) in batches of 4 are rows 8..19 of computeTrace; progress per batch; label -1 without labels', () => {
  const model = loadModel(modelDir, { kernels: 'fast' });
  const src = resolveSource(model, { data: imgs, labels: undefined, distortion: undefined, seed: 0, limit: undefined });
  const all = computeTrace(model, src, 4);
  const progress: Array<[number, number]> = [];
  const part = computeTraceRows(model, src, 8, 20, 4, (d, t) => progress.push([d, t]));
  const L = all.numExits;
  assert.is(part.numRows, 12);
  assert.equal(Array.from(part.conf), Array.from(all.conf.subarray(8 * L, 20 * L)));
  assert.equal(Array.from(part.pred), Array.from(all.pred.subarray(8 * L, 20 * L)));
  assert.equal(Array.from(part.label), new Array(12).fill(-1));
  assert.equal(progress, [[4, 12], [8, 12], [12, 12]]);
});

test.run();
