// scripts/build-workers.mjs: each worker module becomes one file that imports no other module of ours
// (only node: built-ins) and evaluates in a worker thread, and the trace worker's bundle, run by the pool, traces what computeTrace does
// in this thread, byte for byte; workerEntry takes a bundle where there is one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Worker } from 'node:worker_threads';
// @ts-expect-error: a plain .mjs build script without types
import { buildWorkers, WORKER_MODULES } from '../../scripts/build-workers.mjs';
import { encodeIdx } from '../../src/tensor/io/idx.js';
import { formatTrace, type Trace } from '../../src/splitee/trace.js';
import { mergeParts, traceTasks, type RowRange } from '../../src/splitee/trace-rows.js';
import { loadModel } from '../../src/node/models/load.js';
import { resolveSource } from '../../src/node/data-sources.js';
import { computeTrace } from '../../src/node/commands/run-trace.js';
import { runTaskPool, workerEntry } from '../../src/node/worker-pool.js';
import type { TraceInfo } from '../../src/node/commands/trace-pool.js';
import { tmpRoot, writeTinyModel } from '../helpers/tiny-model-dir.js';

const root = tmpRoot('splitee-build-workers-');
const modelDir = writeTinyModel(root, 'tiny');
const n = 19;
const imgs = join(root, 'imgs.idx.gz');
writeFileSync(imgs, gzipSync(encodeIdx([n, 8, 8], new Uint8Array(n * 64).map((_, i) => (i * 37) % 256))));
const req = { data: imgs, labels: undefined, distortion: undefined, seed: 0, limit: undefined };
let bundles: string[] = [];

test.before(async () => {
  bundles = (await buildWorkers(join(root, 'dist'))) as string[];
});
test.after(() => rmSync(root, { recursive: true, force: true }));

test('one file per worker module, importing nothing but node: built-ins', () => {
  assert.equal(bundles.map((b) => b.split('/').pop()), (WORKER_MODULES as string[]).map((m) => `${m}.bundle.js`));
  for (const b of bundles) {
    const imports = [...readFileSync(b, 'utf8').matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    assert.ok(imports.length > 0 && imports.every((s) => s.startsWith('node:')), `${b}: ${imports.join(', ')}`);
  }
});

test('every bundle evaluates in a worker thread (its CommonJS dependencies find require)', async () => {
  for (const b of bundles) {
    const w = new Worker(`await import(${JSON.stringify(pathToFileURL(b).href)}); (await import('node:worker_threads')).parentPort.postMessage('loaded');`, { eval: true });
    try {
      const got = await new Promise((ok, fail) => {
        w.on('message', (m) => m === 'loaded' && ok(m));
        w.on('error', fail);
      });
      assert.is(got, 'loaded', b);
    } finally {
      await w.terminate();
    }
  }
});

test('the bundled trace worker on 2 threads: the bytes of computeTrace in this thread', async () => {
  const entry = pathToFileURL(bundles[0]);
  assert.match(entry.href, /trace-pool-worker\.bundle\.js$/);
  const { info, parts } = await runTaskPool<TraceInfo, RowRange, Trace>(entry, { modelDir, req, batch: 4, kernels: 'auto' }, 2, 'trace worker', {
    plan: (i) => traceTasks(i.count, 4, 2, i.batchInvariant),
  }).results;
  const model = loadModel(modelDir, { kernels: 'auto' });
  assert.is(info.kernels.name, model.kernels.name);
  assert.is(formatTrace(mergeParts(parts, info.numExits)), formatTrace(computeTrace(model, resolveSource(model, req), 4)));
});

test('workerEntry: NAME.ts under tsx; from a .js module, NAME.bundle.js where it exists, else NAME.js', () => {
  const dir = pathToFileURL(join(root, 'dist', 'src', 'node', 'commands') + '/');
  assert.is(workerEntry('file:///x/commands/trace-pool.ts', 'trace-pool-worker').href, 'file:///x/commands/trace-pool-worker.ts');
  assert.is(workerEntry(new URL('trace-pool.js', dir).href, 'trace-pool-worker').href, new URL('trace-pool-worker.bundle.js', dir).href);
  assert.is(workerEntry(new URL('trace-pool.js', dir).href, 'other-worker').href, new URL('other-worker.js', dir).href);
});

test.run();
