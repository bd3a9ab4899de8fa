import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Arena } from '../../src/tensor/arena.js';
import { fastKernels, referenceKernels } from '../../src/tensor/kernels/index.js';
import { BasicBlock } from '../../src/layers/basic-block.js';
import { WeightStore } from '../../src/layers/weights.js';
import { Rng } from '../../src/splitee/rng.js';
import { expectClose } from '../helpers/close.js';
import { randomArray } from '../helpers/random.js';
import { convBn64, tinyTensors } from '../helpers/tiny-resnet.js';
import { nextTakeAt } from '../helpers/arena-position.js';

const t = tinyTensors(11);

/** relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)) in float64. */
function block64(b: number, x: Float32Array, shape: [number, number, number, number], stride: number): Float64Array {
  const p = `blocks.${b}`;
  const xin = { data: Float64Array.from(x), shape };
  const y = convBn64(t, convBn64(t, xin, `${p}.conv1`, `${p}.bn1`, stride, 1, true), `${p}.conv2`, `${p}.bn2`, 1, 1, false);
  const s = t.has(`${p}.downsample.conv.weight`) ? convBn64(t, xin, `${p}.downsample.conv`, `${p}.downsample.bn`, stride, 0, false).data : xin.data;
  return y.data.map((v, i) => Math.max(0, v + s[i]));
}

for (const kernels of [fastKernels, referenceKernels]) {
  test(`identity block [3,4,8,8] and downsampling block [3,4,8,8] -> [3,8,4,4] match float64 (${kernels.name})`, () => {
    const rng = Rng.seeded(5);
    const x = randomArray(rng, 3 * 4 * 64);
    const ws = new WeightStore(t);
    const id = BasicBlock.fromWeights(ws, 'blocks.0', { in: 4, out: 4, stride: 1, downsample: false }, 1e-5, [4, 8, 8], kernels);
    const ds = BasicBlock.fromWeights(ws, 'blocks.1', { in: 4, out: 8, stride: 2, downsample: true }, 1e-5, [4, 8, 8], kernels);
    assert.is(id.downsample, null);
    assert.equal(ds.outShape, [8, 4, 4]);
    const arena = new Arena(64);
    const start = nextTakeAt(arena);
    const o1 = new Float32Array(3 * 4 * 64);
    id.forward(o1, x, 3, arena);
    expectClose(o1, block64(0, x, [3, 4, 8, 8], 1), { atol: 1e-5, rtol: 1e-5 });
    const o2 = new Float32Array(3 * 8 * 16);
    ds.forward(o2, x, 3, arena);
    expectClose(o2, block64(1, x, [3, 4, 8, 8], 2), { atol: 1e-5, rtol: 1e-5 });
    // FLOPs: convs only
    assert.is(ds.flops, 2 * (8 * 16 * 4 * 9 + 8 * 16 * 8 * 9 + 8 * 16 * 4));
    // temporaries were released: the arena is back where it started
    assert.equal(nextTakeAt(arena), start);
  });
}

test.run();
