import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError } from '../../src/tensor/errors.js';
import { fastKernels, referenceKernels } from '../../src/tensor/kernels/index.js';
import { Linear } from '../../src/layers/linear.js';
import { WeightStore } from '../../src/layers/weights.js';

for (const k of [fastKernels, referenceKernels]) {
  test(`Linear [2,3] -> [2,2], hand-computed, relu (${k.name})`, () => {
    // W = [[1,0,-1],[2,1,0]], b = [0.5,-10]; x = [[1,2,3],[-1,0,1]]
    const l = new Linear(new Float32Array([1, 0, -1, 2, 1, 0]), new Float32Array([0.5, -10]), 3, 2, k, 'relu');
    const out = new Float32Array(4);
    l.forward(out, new Float32Array([1, 2, 3, -1, 0, 1]), 2);
    assert.equal(Array.from(out), [0, 0, 0, 0].map((_, i) => [Math.max(0, 1 - 3 + 0.5), Math.max(0, 2 + 2 - 10), Math.max(0, -1 - 1 + 0.5), Math.max(0, -2 - 10)][i]));
    const lin = new Linear(new Float32Array([1, 0, -1, 2, 1, 0]), new Float32Array([0.5, -10]), 3, 2, k);
    lin.forward(out, new Float32Array([1, 2, 3, -1, 0, 1]), 2);
    assert.equal(Array.from(out), [-1.5, -6, -1.5, -12]);
    assert.is(lin.flops, 12);
  });
}

test('Linear.fromWeights takes weight [out,in] and bias [out]; short buffers are ShapeErrors', () => {
  const ws = new WeightStore({ 'fc.weight': { shape: [2, 3], data: new Float32Array(6) }, 'fc.bias': { shape: [2], data: new Float32Array(2) } });
  const l = Linear.fromWeights(ws, 'fc', 3, 2, fastKernels);
  ws.finish();
  assert.throws(() => l.forward(new Float32Array(4), new Float32Array(5), 2), (e: unknown) => e instanceof ShapeError);
  assert.throws(() => new Linear(new Float32Array(5), null, 3, 2, fastKernels), (e: unknown) => e instanceof ShapeError);
});

test.run();
