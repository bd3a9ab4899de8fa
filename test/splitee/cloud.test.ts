import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError, ValueError, ArgumentError } from '../../src/tensor/errors.js';
import { writeSafetensors } from '../../src/tensor/io/safetensors.js';
import { CloudService, CloudRequestError, resume, checkActivationShape, toCloudRequestError, type ServedModel } from '../../src/splitee/cloud.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { ToyNetwork, TOY_HASH, type ToySample } from '../helpers/toy-network.js';

const served = (net: ToyNetwork, hash = TOY_HASH): ServedModel => ({ network: net, hash });
const sample: ToySample = { index: 0, conf: [0.3, 0.4, 0.5, 0.9], cls: 3, label: 3 };

test('resume runs the remaining stages and exit L: softmax of exit L', () => {
  const net = new ToyNetwork();
  for (let split = 0; split < 4; split++) {
    const a = net.runStages(0, split, net.input(sample));
    const r = resume(net, split, a);
    assert.is(r.prediction, 3);
    assert.ok(Math.abs(r.confidence - 0.9) < 1e-5, String(r.confidence));
    assert.is(r.probs.length, 5);
    assert.ok(Math.abs(r.probs.reduce((x, y) => x + y, 0) - 1) < 1e-5);
  }
});

test('resume checks the split and the activation shape for that split', () => {
  const net = new ToyNetwork();
  const a1 = net.runStages(0, 1, net.input(sample));
  assert.throws(() => resume(net, 4, a1), (e: unknown) => e instanceof ValueError && /nothing for the cloud/.test((e as Error).message));
  assert.throws(() => resume(net, -1, a1), (e: unknown) => e instanceof ValueError);
  assert.throws(() => resume(net, 2, a1), (e: unknown) => e instanceof ShapeError && /\[1,4,5\]/.test((e as Error).message));
  assert.throws(() => resume(net, 1, a1.reshape([3, 5])), (e: unknown) => e instanceof ShapeError);
  assert.throws(() => resume(net, 1, Tensor.zeros([2, 3, 5])), (e: unknown) => e instanceof ShapeError); // batch of 2
});

test('a sequence axis may be shorter, never longer or empty', () => {
  const net = new ToyNetwork({ sequence: true }); // W = 7, may be 1..7
  checkActivationShape(net, 0, [1, 2, 5]);
  checkActivationShape(net, 0, [1, 2, 7]);
  assert.throws(() => checkActivationShape(net, 0, [1, 2, 8]), (e: unknown) => e instanceof ShapeError && /may be shorter/.test((e as Error).message));
  assert.throws(() => checkActivationShape(net, 0, [1, 2, 0]), (e: unknown) => e instanceof ShapeError);
  assert.throws(() => checkActivationShape(new ToyNetwork(), 0, [1, 2, 4]), (e: unknown) => e instanceof ShapeError);
  const r = resume(net, 0, net.input(sample, 5));
  assert.is(r.prediction, 3);
});

test('CloudService: answers, lists models, and maps every failure to its API code', () => {
  const net = new ToyNetwork();
  const svc = new CloudService([served(net)]);
  const body = (o: Partial<Parameters<typeof encodeResumeRequest>[0]> = {}) =>
    encodeResumeRequest({ modelHash: TOY_HASH, split: 1, activation: net.runStages(0, 1, net.input(sample)), encoding: 'f16', ...o });
  assert.is(svc.resume('toy', body()).prediction, 3);
  const info = svc.list();
  assert.equal(info[0].activationShapes, [[2, 5], [3, 5], [4, 5], [5, 5], [6, 5]]);
  assert.is(info[0].exits, 4);
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.instance(e, CloudRequestError);
      return [(e as CloudRequestError).apiCode, (e as CloudRequestError).status];
    }
    return null;
  };
  assert.equal(code(() => svc.resume('nope', body())), ['unknown_model', 404]);
  assert.equal(code(() => svc.resume('toy', body({ modelHash: 'cd'.repeat(32) }))), ['model_mismatch', 409]);
  assert.equal(code(() => svc.resume('toy', body({ modelId: 'other' }))), ['model_mismatch', 409]);
  assert.equal(code(() => svc.resume('toy', new Uint8Array([1, 2, 3]))), ['malformed_body', 400]);
  assert.equal(code(() => svc.resume('toy', body({ split: 2 }))), ['bad_shape', 400]);
  assert.equal(code(() => svc.resume('toy', body({ split: 4 }))), ['bad_split', 400]);
  const meta = { format: 'splitee-resume', version: '1', model_hash: TOY_HASH, split: '0', encoding: 'f32' };
  assert.equal(code(() => svc.resume('toy', writeSafetensors({ activation: { dtype: 'F16', shape: [1, 2, 5], data: new Uint16Array(10) } }, meta))), ['bad_dtype', 400]);
  assert.equal(code(() => svc.resume('toy', writeSafetensors({ activation: { dtype: 'F32', shape: [1, 2, 5], data: new Float32Array(10).fill(NaN) } }, meta))), ['bad_value', 400]);
  assert.equal(code(() => svc.resume('toy', writeSafetensors({ activation: { dtype: 'F32', shape: [1, 100, 5], data: new Float32Array(500) } }, meta))), ['body_too_large', 413]);
});

test('CloudService: an exception inside the model becomes internal (500), never escapes raw', () => {
  const net = new ToyNetwork({ failWhen: () => true });
  const svc = new CloudService([served(net)]);
  const b = encodeResumeRequest({ modelHash: TOY_HASH, split: 0, activation: net.input(sample), encoding: 'f32' });
  assert.throws(() => svc.resume('toy', b), (e: unknown) => e instanceof CloudRequestError && e.status === 500 && /injected failure/.test(e.message));
  assert.is(toCloudRequestError('weird').apiCode, 'internal');
});

test('CloudService: refuses duplicate ids, bad hashes and no models', () => {
  assert.throws(() => new CloudService([]), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => new CloudService([served(new ToyNetwork()), served(new ToyNetwork())]), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => new CloudService([served(new ToyNetwork(), 'xyz')]), (e: unknown) => e instanceof ArgumentError);
});

test.run();
