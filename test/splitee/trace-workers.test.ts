// traceInWebWorkers / serveTraceWorker / traceInputs (src/splitee/trace-workers.ts) and the Web Worker
// adapters (web-pool.ts) without threads: each "Web Worker" is a MessageChannel whose far port plays the
// worker's global scope (postMessage, message events, close), so every message is a structured-clone copy
// as between threads. On 1, 2 and 3 workers the trace has the bytes of traceInputs in one thread; a
// worker's failure keeps its class; bad rows are ShapeErrors. In real Web Workers: test/runtimes/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FormatError, ShapeError, StateError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { createKernels } from '../../src/tensor/kernels/index.js';
import { writeSafetensors, type TensorToWrite } from '../../src/tensor/io/safetensors.js';
import { buildModel } from '../../src/layers/build-model.js';
import { formatTrace } from '../../src/splitee/trace.js';
import { serveTraceWorker, traceInputs, traceInWebWorkers, type WorkerModelParts } from '../../src/splitee/trace-workers.js';
import { webPoolPort, webPoolWorker, type WebWorkerLike, type WebWorkerScope } from '../../src/splitee/web-pool.js';
import { tinyConfig, tinyTensors } from '../helpers/tiny-resnet.js';
import { Rng } from '../../src/splitee/rng.js';
import { randomArray } from '../helpers/random.js';

const t: Record<string, TensorToWrite> = {};
for (const [k, v] of tinyTensors()) t[k] = { dtype: 'F32', shape: v.shape, data: v.data };
const weights = writeSafetensors(t);
const config = tinyConfig();
const n = 23; // prime: the last batch of 4 ends short
const inputs = Tensor.from(randomArray(Rng.seeded(13), n * 64), [n, 1, 8, 8]);
const labels = Int32Array.from({ length: n }, (_, i) => i % 3);

/** A "Web Worker" on a MessageChannel running serveTraceWorker on its far port; `alive` counts those not terminated. */
function channelWebWorker(alive: { n: number }): WebWorkerLike {
  const { port1, port2 } = new MessageChannel();
  const scope: WebWorkerScope = { postMessage: (m) => port2.postMessage(m), addEventListener: (type, f) => port2.addEventListener(type, f as (ev: Event) => void), close: () => port2.close() };
  serveTraceWorker(webPoolPort(scope));
  alive.n++;
  return {
    postMessage: (m) => port1.postMessage(m),
    addEventListener: (type, f) => port1.addEventListener(type, f as (ev: Event) => void),
    terminate: () => {
      alive.n--;
      port1.close();
      port2.close();
    },
  };
}

for (const kernels of ['fast', 'auto'] as const) {
  test(`traceInWebWorkers (${kernels}): 1, 2, 3 workers, batches of 4 (the last cut to rows on 2 and 3 workers: ResNet is batch-invariant): the bytes of traceInputs in one thread; labels kept; progress to every row`, async () => {
    const model = buildModel({ config, weights }, { kernels: createKernels(kernels) });
    const one = traceInputs(model, { inputs, labels }, 4);
    assert.is(one.numRows, n);
    assert.equal(Array.from(one.label), Array.from(labels));
    for (const workers of [1, 2, 3]) {
      const alive = { n: 0 };
      const progress: number[] = [];
      const parts: WorkerModelParts = { config, weights, kernels };
      const r = await traceInWebWorkers(parts, { inputs, labels }, { workers, batch: 4, spawn: () => channelWebWorker(alive), onProgress: (d, total) => progress.push(d + 0 * total) }).result;
      assert.is(formatTrace(r.trace), formatTrace(one), `${workers} workers`);
      assert.equal(Array.from(r.trace.conf), Array.from(one.conf));
      assert.equal(r.kernels, { name: model.kernels.name, relaxed: false });
      assert.is(r.hash, model.hash);
      assert.is(progress.length, [6, 11, 14][workers - 1], `${workers} workers: tasks`); // 5 batches of 4 + 3 rows; on W > 1 the last W batches in rows
      assert.is(progress.at(-1), n);
      await new Promise((res) => setTimeout(res, 0));
      assert.is(alive.n, 0, 'every worker terminated');
    }
  });
}

test('traceInputs: without labels every row is unlabelled (-1); a batch of 1 and of all rows give the same bytes', () => {
  const model = buildModel({ config, weights }, { kernels: createKernels('fast') });
  const a = traceInputs(model, { inputs }, 1);
  assert.ok(a.label.every((v) => v === -1));
  assert.is(formatTrace(a), formatTrace(traceInputs(model, { inputs }, n)));
});

test('traceInWebWorkers: a worker that cannot build the model rejects with its class (FormatError), prefixed', async () => {
  const alive = { n: 0 };
  try {
    await traceInWebWorkers({ config, weights: weights.slice(0, 20) }, { inputs }, { workers: 2, spawn: () => channelWebWorker(alive) }).result;
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, FormatError);
    assert.match((e as Error).message, /^trace worker: trace worker: model\.safetensors: /);
  }
});

test('rows: no row axis, labels or a mask that do not match the rows are ShapeErrors', () => {
  const model = buildModel({ config, weights }, { kernels: createKernels('fast') });
  assert.throws(() => traceInputs(model, { inputs: Tensor.from(new Float32Array(4), [4]) }), (e: unknown) => e instanceof ShapeError && /no row axis/.test((e as Error).message));
  assert.throws(() => traceInputs(model, { inputs, labels: new Int32Array(3) }), (e: unknown) => e instanceof ShapeError && /labels do not match the rows: got 3, expected 23/.test((e as Error).message));
  assert.throws(() => traceInputs(model, { inputs, mask: new Float32Array(24) }), (e: unknown) => e instanceof ShapeError && /mask does not split into rows/.test((e as Error).message));
});

test('webPoolWorker: an uncaught error or a messageerror in the worker rejects with a StateError; webPoolPort needs a worker scope', () => {
  const listeners: Record<string, (ev: { message?: string }) => void> = {};
  const w: WebWorkerLike = { postMessage: () => undefined, addEventListener: (type, f) => (listeners[type] = f), terminate: () => undefined };
  const errors: unknown[] = [];
  webPoolWorker(w, 'tw').listen({ message: () => undefined, error: (e) => errors.push(e) });
  listeners.error({ message: 'Uncaught ReferenceError: x is not defined' });
  listeners.messageerror({});
  assert.ok(errors.every((e) => e instanceof StateError));
  assert.is((errors[0] as Error).message, "tw: uncaught error in the worker: got 'Uncaught ReferenceError: x is not defined', expected messages only");
  assert.match((errors[1] as Error).message, /^tw: a message could not be deserialized/);
  assert.throws(() => webPoolPort({} as WebWorkerScope), (e: unknown) => e instanceof StateError && /^webPoolPort: not a worker scope/.test((e as Error).message));
});

test.run();
