import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError, ValueError } from '../../src/tensor/errors.js';
import { writeSafetensors, type TensorToWrite } from '../../src/tensor/io/safetensors.js';
import { f32ToF16 } from '../../src/tensor/io/f16.js';
import { chooseQuantParams, quantizeInt8 } from '../../src/tensor/io/int8.js';
import { ResumeBody, decodeResumeRequest, encodeResumeRequest, type ResumeRequest } from '../../src/splitee/wire.js';
import type { Encoding } from '../../src/splitee/cost.js';

const HASH = '0123456789abcdef'.repeat(4);

/** The body written tensor by tensor with writeSafetensors (how the encoder worked before ResumeBody). */
function reference(req: ResumeRequest): Uint8Array {
  const x = req.activation.contiguous().flat();
  const shape = req.activation.shape;
  const metadata: Record<string, string> = { format: 'splitee-resume', version: '1', model_hash: req.modelHash, split: String(req.split), encoding: req.encoding };
  if (req.modelId !== undefined) metadata.model_id = req.modelId;
  const tensors: Record<string, TensorToWrite> = {};
  if (req.encoding === 'f32') tensors.activation = { dtype: 'F32', shape, data: x };
  else if (req.encoding === 'f16') {
    const h = new Uint16Array(x.length);
    f32ToF16(h, x);
    tensors.activation = { dtype: 'F16', shape, data: h };
  } else {
    const axis = req.quantAxis ?? 1;
    const p = chooseQuantParams(x, shape, axis);
    const q = new Int8Array(x.length);
    quantizeInt8(q, x, p);
    metadata.quant_axis = String(axis);
    tensors.activation = { dtype: 'I8', shape, data: q };
    tensors.activation_scale = { dtype: 'F32', shape: [p.scale.length], data: p.scale };
    tensors.activation_zero_point = { dtype: 'I32', shape: [p.zeroPoint.length], data: p.zeroPoint };
  }
  return writeSafetensors(tensors, metadata);
}

const sample = (shape: number[], seed: number) => {
  const n = shape.reduce((a, d) => a * d, 1);
  return Tensor.from(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 40), shape);
};

test('a reused body equals writeSafetensors of the same request, every encoding, shape and model id (seeded)', () => {
  const req = fc.record({
    encoding: fc.constantFrom<Encoding>('f32', 'f16', 'int8'),
    c: fc.integer({ min: 1, max: 5 }),
    hw: fc.integer({ min: 1, max: 4 }),
    split: fc.integer({ min: 0, max: 12 }),
    modelId: fc.option(fc.constantFrom('fmnist-resnet', 'spam'), { nil: undefined }),
    seeds: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 4 }),
  });
  fc.assert(
    fc.property(req, ({ encoding, c, hw, split, modelId, seeds }) => {
      const shape = [1, c, hw, hw];
      const body = new ResumeBody({ modelHash: HASH, modelId, split, encoding }, shape);
      let first: Uint8Array | null = null;
      for (const seed of seeds) {
        const activation = sample(shape, seed);
        const bytes = body.write(activation);
        first ??= bytes;
        assert.is(bytes, first, 'the same bytes every write: nothing allocated for the body');
        assert.equal(bytes, reference({ modelHash: HASH, modelId, split, activation, encoding }));
        assert.equal(decodeResumeRequest(bytes).split, split);
      }
    }),
    { seed: 20261206, numRuns: 200 },
  );
});

test('encodeResumeRequest is a ResumeBody used once: same bytes, a fresh buffer each call', () => {
  const activation = sample([1, 3, 2, 2], 7);
  const req: ResumeRequest = { modelHash: HASH, split: 2, activation, encoding: 'int8', quantAxis: 1 };
  const a = encodeResumeRequest(req);
  assert.equal(a, reference(req));
  assert.is.not(encodeResumeRequest(req), a);
});

test('one activation array rewritten in place between writes (as the runner does) is read afresh, every encoding', () => {
  const shape = [1, 3, 2, 2];
  for (const encoding of ['f32', 'f16', 'int8'] as const) {
    const body = new ResumeBody({ modelHash: HASH, split: 2, encoding }, shape);
    const held = sample(shape, 0);
    for (const seed of [1, 2, 3]) {
      held.flat().set(sample(shape, seed).flat());
      assert.equal(body.write(held), reference({ modelHash: HASH, split: 2, activation: held, encoding }), `${encoding}, seed ${seed}`);
    }
  }
});

test('an activation whose buffer was detached is a ShapeError, not a stale body', () => {
  const shape = [1, 2, 2, 2];
  const body = new ResumeBody({ modelHash: HASH, split: 1, encoding: 'f16' }, shape);
  const a = sample(shape, 1);
  body.write(a);
  const buffer = a.flat().buffer as ArrayBuffer;
  structuredClone(buffer, { transfer: [buffer] });
  assert.throws(() => body.write(a), (e: unknown) => e instanceof ShapeError && /activation has 0 values for \[1,2,2,2\], expected 8; was its buffer detached\?/.test((e as Error).message));
});

test('a body whose buffer a transport took (detached) is laid out again on the next write', () => {
  const shape = [1, 2, 3, 3];
  const body = new ResumeBody({ modelHash: HASH, split: 1, encoding: 'f32' }, shape);
  const sent = body.write(sample(shape, 1));
  const buffer = sent.buffer as ArrayBuffer;
  structuredClone(buffer, { transfer: [buffer] }); // what a fetch that takes its body's buffer does
  assert.is(sent.byteLength, 0);
  const next = sample(shape, 2);
  const again = body.write(next);
  assert.is.not(again, sent);
  assert.equal(again, reference({ modelHash: HASH, split: 1, activation: next, encoding: 'f32' }));
});

test('write refuses another shape (ShapeError) and non-finite or f16-overflowing values (ValueError); the next write is whole', () => {
  const shape = [1, 2, 2, 2];
  const body = new ResumeBody({ modelHash: HASH, split: 1, encoding: 'f16' }, shape);
  assert.throws(() => body.write(sample([1, 2, 2, 3], 1)), (e: unknown) => e instanceof ShapeError && /activation shape: got \[1,2,2,3\], expected \[1,2,2,2\]/.test((e as Error).message));
  const bad = sample(shape, 1);
  bad.flat()[3] = NaN;
  assert.throws(() => body.write(bad), (e: unknown) => e instanceof ValueError && /non-finite activation value at index 3/.test((e as Error).message));
  const big = sample(shape, 1);
  big.flat()[5] = 70000;
  assert.throws(() => body.write(big), (e: unknown) => e instanceof ValueError && /outside the f16 range at index 5/.test((e as Error).message));
  const good = sample(shape, 9);
  assert.equal(body.write(good), reference({ modelHash: HASH, split: 1, activation: good, encoding: 'f16' }));
});

test.run();
