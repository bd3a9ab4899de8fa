import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { embedding, embeddingNaive, embeddingPlan } from '../../../src/tensor/kernels/embedding.js';
import { ShapeError, ValueError } from '../../../src/tensor/errors.js';

test('[3,2] table gathered by [2,2] ids gives [2,2,2]', () => {
  const p = embeddingPlan([3, 2], [2, 2]);
  assert.equal([...p.outShape], [2, 2, 2]);
  const out = new Float32Array(8);
  embedding(out, Float32Array.from([0, 1, 10, 11, 20, 21]), Int32Array.from([2, 0, 1, 1]), p);
  assert.equal([...out], [20, 21, 0, 1, 10, 11, 10, 11]);
});

test('an id out of range or not an integer is a ValueError naming its position', () => {
  const p = embeddingPlan([3, 2], [2]);
  for (const f of [embedding, embeddingNaive]) {
    for (const bad of [3, -1, 1.5, NaN]) {
      assert.throws(() => f(new Float32Array(4), new Float32Array(6), Float32Array.from([0, bad]), p), (e: unknown) => e instanceof ValueError && /position 1/.test((e as Error).message));
    }
  }
  assert.throws(() => embeddingPlan([3], [2]), (e: unknown) => e instanceof ShapeError);
});

test.run();
