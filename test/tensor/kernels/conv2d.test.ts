import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { conv2d, conv2dNaive, conv2dPlan } from '../../../src/tensor/kernels/conv2d.js';
import { ShapeError, ArgumentError } from '../../../src/tensor/errors.js';
import { Rng } from '../../../src/splitee/rng.js';
import { expectClose } from '../../helpers/close.js';
import { randomArray } from '../../helpers/random.js';
import { conv64 } from '../../helpers/oracle.js';

test('[1,1,3,3] * [1,1,3,3] ones, padding 1: each output counts its in-bounds neighbours', () => {
  const x = new Float32Array(9).fill(1);
  const w = new Float32Array(9).fill(1);
  const p = conv2dPlan([1, 1, 3, 3], [1, 1, 3, 3], { padding: 1, bias: false });
  for (const run of [(o: Float32Array) => conv2d(o, x, w, null, p, new Float32Array(p.scratchSize)), (o: Float32Array) => conv2dNaive(o, x, w, null, p)]) {
    const out = new Float32Array(9);
    run(out);
    assert.equal([...out], [4, 6, 4, 6, 9, 6, 4, 6, 4]);
  }
});

test('ResNet shapes: 3x3 stride 2 pad 1, the 1x1 stride 2 downsample, 1x1 stride 1', () => {
  const rng = Rng.seeded(10);
  for (const [C, O, H, k, s, pd] of [[16, 32, 15, 3, 2, 1], [16, 32, 15, 1, 2, 0], [8, 12, 7, 1, 1, 0]]) {
    const x = randomArray(rng, 2 * C * H * H);
    const w = randomArray(rng, O * C * k * k);
    const b = randomArray(rng, O);
    const p = conv2dPlan([2, C, H, H], [O, C, k, k], { stride: s, padding: pd, activation: 'relu' });
    const out = new Float32Array(2 * O * p.Ho * p.Wo);
    conv2d(out, x, w, b, p, new Float32Array(p.scratchSize));
    const ref = conv64(x, w, b, { N: 2, C, H, W: H, O, kH: k, kW: k, sH: s, sW: s, pH: pd, pW: pd, activation: 'relu' });
    expectClose(out, ref.value, { rtol: 1e-5, atol: 1e-7, scale: ref.scale });
  }
});

test('plan errors name both shapes', () => {
  assert.throws(() => conv2dPlan([1, 3, 8, 8], [16, 4, 3, 3]), (e: unknown) => e instanceof ShapeError && /3 channels but weight expects 4: got input \[1,3,8,8\], weight \[16,4,3,3\]/.test((e as Error).message));
  assert.throws(() => conv2dPlan([1, 3, 2, 2], [1, 3, 5, 5]), /kernel larger/);
  assert.throws(() => conv2dPlan([1, 3, 8, 8], [1, 3, 3, 3], { stride: 0 }), (e: unknown) => e instanceof ArgumentError);
  const p = conv2dPlan([1, 1, 4, 4], [1, 1, 3, 3]);
  assert.throws(() => conv2d(new Float32Array(4), new Float32Array(16), new Float32Array(9), new Float32Array(1), p, new Float32Array(1)), /scratch is too short/);
  assert.throws(() => conv2d(new Float32Array(4), new Float32Array(16), new Float32Array(9), null, p, new Float32Array(p.scratchSize)), /bias is too short/);
});

test.run();
