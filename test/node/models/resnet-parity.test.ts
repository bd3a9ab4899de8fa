// Parity with PyTorch: every golden input, every exit, max |TS - PyTorch| <= 1e-4 and the same argmax.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, tensorAsFloat32 } from '../../../src/tensor/io/safetensors.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { referenceKernels, type SimdKernels } from '../../../src/tensor/kernels/index.js';
import { ResNetModel } from '../../../src/layers/resnet.js';
import { loadModel } from '../../../src/node/models/load.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';

const found = fmnistModelDir();
const TOL = 1e-4;

function argmax(x: Float32Array, o: number, k: number): number {
  let a = 0;
  for (let j = 1; j < k; j++) if (x[o + j] > x[o + a]) a = j;
  return a;
}

const { dir } = found;
const gold = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'golden.safetensors'))));
const g = (name: string) => {
  const e = gold.tensors.get(name);
  assert.ok(e !== undefined, `golden.safetensors lacks ${name}`);
  return { shape: e.shape, data: tensorAsFloat32(e) };
};
const inp = g('input');
const n = inp.shape[0];

function check(model: ResNetModel, count: number, label: string): number[] {
  const x = new Tensor(inp.data.subarray(0, count * 784), [count, ...inp.shape.slice(1)]);
  const outs = model.forwardAll(x);
  const diffs: number[] = [];
  outs.forEach((o, k) => {
    const want = g(`exit_${k + 1}.logits`).data;
    const got = o.flat();
    let md = 0;
    for (let i = 0; i < got.length; i++) md = Math.max(md, Math.abs(got[i] - want[i]));
    diffs.push(md);
    assert.ok(md <= TOL, `${label} exit ${k + 1}: max |diff| ${md} > ${TOL}`);
    for (let r = 0; r < count; r++) assert.is(argmax(got, r * 10, 10), argmax(want, r * 10, 10), `${label} exit ${k + 1} sample ${r}: argmax differs`);
  });
  return diffs;
}

test(`golden parity, fast kernels: ${n} inputs x every exit (${dir})`, () => {
  const { network } = loadModel(dir);
  assert.instance(network, ResNetModel);
  const diffs = check(network as ResNetModel, n, 'fast');
  console.log(`  parity (fast, ${n} inputs) max |TS - PyTorch| per exit: ${diffs.map((d) => d.toExponential(1)).join(' ')}`);
});

test(`golden parity, simd kernels: ${n} inputs x every exit (weights and arenas in the table memory: no operand copied)`, () => {
  const { network } = loadModel(dir, { kernels: 'simd' });
  const k = (network as ResNetModel).kernels as SimdKernels;
  assert.is(k.name, 'simd');
  const copies = k.copies;
  const diffs = check(network as ResNetModel, n, 'simd');
  check(network as ResNetModel, 1, 'simd batch 1');
  assert.is(k.copies - copies, 0, 'operand copies during the forward passes');
  console.log(`  parity (simd, ${n} inputs) max |TS - PyTorch| per exit: ${diffs.map((d) => d.toExponential(1)).join(' ')}`);
});

test('golden parity, reference kernels: first 4 inputs (both tables agree with PyTorch)', () => {
  const { network } = loadModel(dir, { kernels: referenceKernels });
  const diffs = check(network as ResNetModel, 4, 'reference');
  console.log(`  parity (reference, 4 inputs) max |TS - PyTorch| per exit: ${diffs.map((d) => d.toExponential(1)).join(' ')}`);
});

test('input preparation: standardizing input_raw gives the golden input', () => {
  const { network } = loadModel(dir);
  const raw = g('input_raw').data;
  const got = (network as ResNetModel).prepareInput(Float32Array.from(raw)).flat();
  let md = 0;
  for (let i = 0; i < got.length; i++) md = Math.max(md, Math.abs(got[i] - inp.data[i]));
  assert.ok(md <= 1e-5, `standardize max |diff| ${md}`);
});

test('profile equals config.json "cost" (the export script\'s FLOPs convention)', () => {
  const { network, config } = loadModel(dir);
  const cost = config.cost as { stage_flops: number[]; exit_flops: number[]; activation_shapes: number[][] };
  assert.equal(network.profile.stageFlops, cost.stage_flops);
  assert.equal(network.profile.exitFlops, cost.exit_flops);
  assert.equal(network.profile.activationElements.slice(1), cost.activation_shapes.map((s) => s[0] * s[1] * s[2]));
  assert.is(network.profile.rawInputBytes, 784);
});

test.run();
