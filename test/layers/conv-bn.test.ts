import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Arena } from '../../src/tensor/arena.js';
import { fastKernels, referenceKernels } from '../../src/tensor/kernels/index.js';
import { ConvBN } from '../../src/layers/conv-bn.js';
import { WeightStore } from '../../src/layers/weights.js';
import { Rng } from '../../src/splitee/rng.js';
import { expectClose } from '../helpers/close.js';
import { randomArray } from '../helpers/random.js';
import { convBn64, type RawTensor } from '../helpers/tiny-resnet.js';

function params(rng: Rng, O: number, C: number, k: number): Map<string, RawTensor> {
  return new Map<string, RawTensor>([
    ['c.weight', { shape: [O, C, k, k], data: randomArray(rng, O * C * k * k) }],
    ['bn.weight', { shape: [O], data: randomArray(rng, O, 0.5, 2) }],
    ['bn.bias', { shape: [O], data: randomArray(rng, O) }],
    ['bn.running_mean', { shape: [O], data: randomArray(rng, O) }],
    ['bn.running_var', { shape: [O], data: randomArray(rng, O, 0.1, 3) }],
  ]);
}

test('conv [1,1,3,3] x [1,1,2,2] + BN, hand-computed: folding equals bn(conv(x))', () => {
  const t = new Map<string, RawTensor>([
    ['c.weight', { shape: [1, 1, 2, 2], data: new Float32Array([1, 2, 3, 4]) }],
    ['bn.weight', { shape: [1], data: new Float32Array([2]) }],
    ['bn.bias', { shape: [1], data: new Float32Array([1]) }],
    ['bn.running_mean', { shape: [1], data: new Float32Array([10]) }],
    ['bn.running_var', { shape: [1], data: new Float32Array([4]) }],
  ]);
  // x = 1..9 (3x3), valid 2x2 conv: [37,47,67,77]; bn: (v - 10) / 2 * 2 + 1 (eps 0) = v - 9
  const l = ConvBN.fromWeights(new WeightStore(t), 'c', 'bn', { inChannels: 1, outChannels: 1, kernel: 2, stride: 1, padding: 0 }, 0, [1, 3, 3], referenceKernels);
  const out = new Float32Array(4);
  l.forward(out, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 1, new Arena());
  assert.equal(Array.from(out), [28, 38, 58, 68]);
  assert.equal(l.outShape, [1, 2, 2]);
  assert.is(l.flops, 2 * 4 * 4);
});

test('folded ConvBN equals conv then BatchNorm computed naively (fast-check, seed 42, both tables)', () => {
  fc.assert(
    fc.property(
      fc.record({ N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 5 }), O: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 3, max: 9 }), W: fc.integer({ min: 3, max: 9 }), k: fc.constantFrom(1, 3), stride: fc.constantFrom(1, 2), relu: fc.boolean(), seed: fc.integer({ min: 0, max: 1000 }) }),
      ({ N, C, O, H, W, k, stride, relu, seed }) => {
        const rng = Rng.seeded(seed);
        const t = params(rng, O, C, k);
        const x = randomArray(rng, N * C * H * W);
        const pad = k === 3 ? 1 : 0;
        const want = convBn64(t, { data: Float64Array.from(x), shape: [N, C, H, W] }, 'c', 'bn', stride, pad, relu);
        for (const kernels of [fastKernels, referenceKernels]) {
          const l = ConvBN.fromWeights(new WeightStore(t), 'c', 'bn', { inChannels: C, outChannels: O, kernel: k, stride, padding: pad }, 1e-5, [C, H, W], kernels, relu ? 'relu' : 'none');
          assert.equal([N, ...l.outShape], want.shape);
          const out = new Float32Array(want.data.length);
          l.forward(out, x, N, new Arena(64));
          expectClose(out, want.data, { atol: 1e-5, rtol: 1e-5, where: `${kernels.name} N${N} C${C} O${O} ${H}x${W} k${k} s${stride}` });
        }
      },
    ),
    { seed: 42, numRuns: 40 },
  );
});

test.run();
