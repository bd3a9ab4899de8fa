import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BertExitHead } from '../../src/layers/bert-exit.js';
import { Linear } from '../../src/layers/linear.js';
import { WeightStore } from '../../src/layers/weights.js';
import { Arena } from '../../src/tensor/arena.js';
import { fastKernels } from '../../src/tensor/kernels/index.js';
import { ShapeError } from '../../src/tensor/errors.js';
import { Rng } from '../../src/splitee/rng.js';
import { TINY, exit64, maxDiff, tinyTensors } from '../helpers/bert.js';
import { randomArray } from '../helpers/random.js';

const w = tinyTensors();
const head = BertExitHead.fromWeights(new WeightStore(w), 'exits.1.pooler.dense', 'exits.1.classifier', TINY.H, TINY.K, fastKernels);

test('[2,5,8] -> [2,3]: classifier(tanh(dense(x[:,0]))) as float64', () => {
  const x = randomArray(Rng.seeded(2), 2 * 5 * TINY.H, -2, 2);
  const out = new Float32Array(2 * TINY.K);
  head.forward(out, x, 2, 5, new Arena(8));
  assert.ok(maxDiff(out, exit64(w, 2, x, 2, 5, TINY.H, TINY.K)) <= 1e-5);
  assert.equal([head.hiddenSize, head.numClasses, head.flops], [8, 3, 2 * 64 + 2 * 24]);
});

test('only token 0 is read: other tokens and the sequence length do not change the logits', () => {
  const x = randomArray(Rng.seeded(4), 6 * TINY.H, -2, 2);
  const a = new Float32Array(TINY.K);
  const b = new Float32Array(TINY.K);
  head.forward(a, x, 1, 6, new Arena(8));
  head.forward(b, x.slice(0, TINY.H), 1, 1, new Arena(8));
  assert.equal(Array.from(a), Array.from(b));
});

test('errors: layers that do not chain, short buffers', () => {
  const l = (i: number, o: number) => new Linear(new Float32Array(i * o), new Float32Array(o), i, o, fastKernels);
  assert.throws(() => new BertExitHead(l(8, 8), l(4, 2), fastKernels), (e: unknown) => e instanceof ShapeError && /classifier \[2,4\]/.test((e as Error).message));
  assert.throws(() => head.forward(new Float32Array(3), new Float32Array(7), 1, 1, new Arena(8)), (e: unknown) => e instanceof ShapeError);
});

test.run();
