import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Arena } from '../../src/tensor/arena.js';
import { fastKernels, referenceKernels } from '../../src/tensor/kernels/index.js';
import { ExitHead } from '../../src/layers/exit-head.js';
import { WeightStore } from '../../src/layers/weights.js';

// x [1,2,2,2]: channel 0 = [1,2,3,4], channel 1 = [10,20,30,40]
const x = new Float32Array([1, 2, 3, 4, 10, 20, 30, 40]);

for (const kernels of [fastKernels, referenceKernels]) {
  test(`pool 1 + single fc, hand-computed (${kernels.name})`, () => {
    // pooled = [2.5, 25]; fc W = [[1,0],[0,1],[1,1]], b = [0,1,-1] -> [2.5, 26, 26.5]
    const ws = new WeightStore({ 'e.fc.weight': { shape: [3, 2], data: new Float32Array([1, 0, 0, 1, 1, 1]) }, 'e.fc.bias': { shape: [3], data: new Float32Array([0, 1, -1]) } });
    const h = ExitHead.fromWeights(ws, 'e', { afterBlock: 1, pool: 1, hidden: 0, classes: 3 }, [2, 2, 2], kernels);
    ws.finish();
    const out = new Float32Array(3);
    h.forward(out, x, 1, new Arena(16));
    assert.equal(Array.from(out), [2.5, 26, 26.5]);
    assert.is(h.flops, 12);
    assert.is(h.numClasses, 3);
  });

  test(`pool 2 (identity here) + fc1 relu + fc2, flatten in NCHW order (${kernels.name})`, () => {
    // features = x (8); fc1 [2,8]: row 0 picks channel 1 pixel 0 (10), row 1 = -sum -> relu 0; fc2 [1,2] = [1, 5]
    const w1 = new Float32Array(16);
    w1[4] = 1;
    for (let i = 8; i < 16; i++) w1[i] = -1;
    const ws = new WeightStore({
      'e.fc1.weight': { shape: [2, 8], data: w1 }, 'e.fc1.bias': { shape: [2], data: new Float32Array(2) },
      'e.fc2.weight': { shape: [1, 2], data: new Float32Array([1, 5]) }, 'e.fc2.bias': { shape: [1], data: new Float32Array([0.25]) },
    });
    const h = ExitHead.fromWeights(ws, 'e', { afterBlock: 1, pool: 2, hidden: 2, classes: 1 }, [2, 2, 2], kernels);
    const out = new Float32Array(1);
    h.forward(out, x, 1, new Arena(16));
    assert.equal(Array.from(out), [10.25]);
    assert.is(h.flops, 2 * (16 + 2));
  });
}

test.run();
