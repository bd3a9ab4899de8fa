// RESNET_FAMILY.batchInvariant: a row's logits never depend on the other rows of its forward pass, on
// every kernel table (simd plain and, where it validates, relaxed; fast; reference), for the shipped
// model: 23 rows in one pass, in passes of 7 (the last short) and one by one give the same bits at every
// exit. traceTasks (pooled traces) cuts batches finer on this promise, so the trace's bytes rest on it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../../../src/tensor/tensor.js';
import { createKernels, simdMemoryFor, simdValidates, type Kernels } from '../../../src/tensor/kernels/index.js';
import { buildModel } from '../../../src/layers/build-model.js';
import { RESNET_FAMILY } from '../../../src/layers/families/index.js';
import { Rng } from '../../../src/splitee/rng.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';

const { dir } = fmnistModelDir();
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as unknown;
const weights = readFileSync(join(dir, 'model.safetensors'));
const n = 23;
const rng = Rng.seeded(29);
const pixels = Float32Array.from({ length: n * 784 }, () => rng.float());

/** Every exit's logits of rows [0, n), forward passes of `batch` rows; one flat copy per exit. */
function logitsInPasses(kernels: Kernels, batch: number): Float32Array[] {
  const m = buildModel({ config, weights }, { kernels });
  const x = m.family.prepareInput(m.network, { kind: 'image', pixels: pixels.slice() }).x;
  const rows = x.flat();
  const size = rows.length / n;
  const out: number[][] = [];
  for (let r = 0; r < n; r += batch) {
    const k = Math.min(batch, n - r);
    const logits = m.family.forwardAll(m.network, Tensor.from(rows.slice(r * size, (r + k) * size), [k, ...x.shape.slice(1)]));
    logits.forEach((l, e) => (out[e] ??= []).push(...l.flat()));
  }
  return out.map((a) => Float32Array.from(a));
}

const tables: [string, () => Kernels][] = [
  ['reference', () => createKernels('reference')],
  ['fast', () => createKernels('fast')],
  ['simd', () => createKernels('simd', { memoryBytes: simdMemoryFor(weights.byteLength), relaxed: false })],
];
if (simdValidates(true)) tables.push(['simd relaxed', () => createKernels('simd', { memoryBytes: simdMemoryFor(weights.byteLength), relaxed: true })]);

test('RESNET_FAMILY says its rows are batch-invariant', () => {
  assert.is(RESNET_FAMILY.batchInvariant, true);
});

for (const [name, make] of tables) {
  test(`batchInvariant holds on the shipped model (${name}): passes of 23, 7 and 1 rows give the same bits`, () => {
    const whole = logitsInPasses(make(), n);
    assert.is(whole.length, 12);
    for (const batch of [7, 1]) {
      const parts = logitsInPasses(make(), batch);
      whole.forEach((w, e) => assert.equal(new Uint32Array(parts[e].buffer), new Uint32Array(w.buffer), `exit ${e + 1}, passes of ${batch}`));
    }
  });
}

test.run();
