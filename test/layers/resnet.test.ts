import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, ConfigError, ShapeError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { fastKernels, referenceKernels } from '../../src/tensor/kernels/index.js';
import { buildResNet, ResNetModel } from '../../src/layers/resnet.js';
import { standardizeBatch } from '../../src/layers/preprocess.js';
import { Rng } from '../../src/splitee/rng.js';
import { expectClose } from '../helpers/close.js';
import { randomArray } from '../helpers/random.js';
import { tinyConfig, tinyForward64, tinyTensors, type RawTensor } from '../helpers/tiny-resnet.js';

const N = 5;
const t = tinyTensors();
const x0 = standardizeBatch(randomArray(Rng.seeded(3), N * 64, 0, 1), 64);
const oracle = tinyForward64(t, x0, N);
const input = () => new Tensor(Float32Array.from(x0), [N, 1, 8, 8]);

function without(name: string): Map<string, RawTensor> {
  const m = new Map(t);
  m.delete(name);
  return m;
}

function throwsConfig(fn: () => unknown, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `message lacks '${p}': ${(e as Error).message}`);
    return;
  }
  assert.unreachable('expected a ConfigError');
}

for (const kernels of [fastKernels, referenceKernels]) {
  test(`forwardAll [5,1,8,8] equals the float64 oracle on every exit (${kernels.name} kernels)`, () => {
    const m = buildResNet(tinyConfig(), t, kernels);
    const outs = m.forwardAll(input());
    assert.is(outs.length, 3);
    outs.forEach((o, k) => {
      assert.equal(o.shape, [N, 3]);
      expectClose(o.flat(), oracle.logits[k], { atol: 1e-5, rtol: 1e-5, where: `exit ${k + 1}` });
    });
  });
}

test('runStages composes: 0->1->3 equals 0->3 and each stage matches the oracle activation', () => {
  const m = buildResNet(tinyConfig(), t);
  const h1 = m.runStages(0, 1, input());
  assert.equal(h1.shape, [N, 4, 8, 8]);
  expectClose(h1.flat(), oracle.acts[0].data, { atol: 1e-5, rtol: 1e-5 });
  const l1 = m.exitLogits(1, h1);
  expectClose(l1.flat(), oracle.logits[0], { atol: 1e-5, rtol: 1e-5 });
  // h1 stays valid across exitLogits: resume from it
  const h3 = m.runStages(1, 3, h1);
  assert.equal(h3.shape, [N, 8, 4, 4]);
  expectClose(h3.flat(), oracle.acts[2].data, { atol: 1e-5, rtol: 1e-5 });
  expectClose(m.exitLogits(3, h3).flat(), oracle.logits[2], { atol: 1e-5, rtol: 1e-5 });
  const direct = m.runStages(0, 3, input());
  expectClose(direct.flat(), oracle.acts[2].data, { atol: 1e-5, rtol: 1e-5 });
  assert.is(m.runStages(2, 2, direct.reshape([N, 8, 4, 4])).shape[1], 8);
});

test('stage by stage with every exit on the path (the SplitEE-S pattern) matches forwardAll', () => {
  const m = buildResNet(tinyConfig(), t);
  let h = input();
  for (let k = 1; k <= 3; k++) {
    h = m.runStages(k - 1, k, h);
    expectClose(m.exitLogits(k, h).flat(), oracle.logits[k - 1], { atol: 1e-5, rtol: 1e-5, where: `exit ${k}` });
  }
});

test('profile: FLOPs per stage and exit, activation elements, shapes', () => {
  const m = buildResNet(tinyConfig(), t);
  // stem 2*4*64*9, block 1: 2 * (4*64*4*9) * 2; block 2: 2*(8*16*4*9 + 8*16*8*9 + 8*16*4); block 3: 2*2*(8*16*8*9)
  assert.equal(m.profile.stageFlops, [4608 + 36864, 2 * (4608 + 9216 + 512), 2 * 2 * 9216]);
  assert.equal(m.profile.exitFlops, [2 * (16 * 6 + 6 * 3), 2 * 32 * 3, 2 * (8 * 5 + 5 * 3)]);
  assert.equal(m.profile.activationElements, [64, 256, 128, 128]);
  assert.is(m.profile.rawInputBytes, 64);
  assert.equal(m.activationShape(2), [8, 4, 4]);
  assert.is(m.numStages, 3);
  assert.is(m.numClasses, 3);
  assert.is(m.id, 'tiny-resnet');
});

test('steady state: repeated forward passes allocate no arena memory', () => {
  const m = buildResNet(tinyConfig(), t);
  const x = input();
  m.forwardAll(x);
  let h = m.runStages(0, 2, x);
  m.exitLogits(2, h);
  m.runStages(2, 3, h);
  const before = m.allocations;
  for (let r = 0; r < 5; r++) {
    m.forwardAll(x);
    h = m.runStages(0, 2, x);
    m.exitLogits(2, h);
    m.runStages(2, 3, h);
    m.forwardAll(x.slice0(0, 2)); // a smaller batch fits in the same memory
  }
  assert.is(m.allocations, before);
});

test('prepareInput standardizes per image; prepareRaw scales uint8 by 1/255 first', () => {
  const m = buildResNet(tinyConfig(), t);
  const raw = new Uint8Array(2 * 64).map((_, i) => (i * 37) % 256);
  const px = Float32Array.from(raw, (v) => v / 255);
  const a = m.prepareInput(px);
  assert.equal(a.shape, [2, 1, 8, 8]);
  expectClose(a.flat(), standardizeBatch(Float32Array.from(px), 64), { atol: 0, rtol: 0 });
  expectClose(m.prepareRaw(raw).flat(), a.flat(), { atol: 0, rtol: 0 });
  assert.throws(() => m.prepareInput(new Float32Array(65)), (e: unknown) => e instanceof ShapeError);
});

test('wrong activation shapes and stage indices are rejected with both shapes', () => {
  const m = buildResNet(tinyConfig(), t);
  assert.throws(() => m.runStages(1, 2, input()), (e: unknown) => e instanceof ShapeError && /got \[5,1,8,8\], expected \[N,4,8,8\]/.test((e as Error).message));
  assert.throws(() => m.runStages(2, 1, input()), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => m.exitLogits(0, input()), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => m.exitLogits(4, input()), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => m.activationShape(4), (e: unknown) => e instanceof ArgumentError);
});

test('config/weights disagreement: a missing tensor names it and its expected shape', () => {
  throwsConfig(() => buildResNet(tinyConfig(), without('blocks.1.downsample.bn.running_var')), "'blocks.1.downsample.bn.running_var' is missing", 'expected shape [8]');
});

test('config/weights disagreement: an extra tensor names it and its shape', () => {
  const m = new Map(t);
  m.set('exits.3.fc.weight', { shape: [3, 8], data: new Float32Array(24) });
  throwsConfig(() => buildResNet(tinyConfig(), m), "'exits.3.fc.weight' is not used", 'got [3,8]', 'expected no such tensor');
});

test('config/weights disagreement: a misshaped tensor names it and both shapes', () => {
  const m = new Map(t);
  m.set('blocks.2.conv1.weight', { shape: [8, 8, 1, 9], data: t.get('blocks.2.conv1.weight')!.data });
  throwsConfig(() => buildResNet(tinyConfig(), m), "'blocks.2.conv1.weight' has the wrong shape", 'got [8,8,1,9]', 'expected [8,8,3,3]');
  // a config saying 16 channels where the weights have 8
  const cfg = tinyConfig() as { blocks: object[] };
  cfg.blocks[2] = { in: 8, out: 16, stride: 1, downsample: true };
  throwsConfig(() => buildResNet(cfg, t), "'blocks.2.conv1.weight' has the wrong shape", 'got [8,8,3,3]', 'expected [16,8,3,3]');
});

test('BatchNorm num_batches_tracked counters are ignored; the model is a ResNetModel', () => {
  const m = new Map(t);
  m.set('stem.bn.num_batches_tracked', { shape: [], data: new Float32Array(1) });
  assert.instance(buildResNet(tinyConfig(), m), ResNetModel);
});

test.run();
