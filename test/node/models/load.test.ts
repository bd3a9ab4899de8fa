import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, FormatError } from '../../../src/tensor/errors.js';
import { ResNetModel } from '../../../src/layers/resnet.js';
import { IoError } from '../../../src/node/datasets/idx-file.js';
import { parseSafetensors, writeSafetensors } from '../../../src/tensor/io/safetensors.js';
import { loadModel, nodeSha256 } from '../../../src/node/models/load.js';
import { sha256Hex } from '../../../src/layers/build-model.js';
import { simdMemoryFor, DEFAULT_SIMD_MEMORY, type SimdKernels } from '../../../src/tensor/kernels/index.js';
import { DEFAULT_FAMILIES } from '../../../src/layers/families/index.js';
import { tinyConfig } from '../../helpers/tiny-resnet.js';
import { tmpRoot, writeTinyModel } from '../../helpers/tiny-model-dir.js';

const root = tmpRoot('splitee-load-');
const writeModel = (name: string, config?: unknown, drop?: string) => writeTinyModel(root, name, config, drop);

function rejects(fn: () => unknown, cls: new (...a: never[]) => Error, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, cls);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `message lacks '${p}': ${(e as Error).message}`);
    return;
  }
  assert.unreachable(`expected ${cls.name}`);
}

test('nodeSha256 (node:crypto, what loadModel hashes with) equals the core\'s sha256Hex: empty, small, the shipped weights', () => {
  const shipped = readFileSync(join(process.cwd(), 'weights', 'fmnist-resnet', 'model.safetensors'));
  for (const b of [new Uint8Array(0), new TextEncoder().encode('abc'), shipped, shipped.subarray(3, 100_003)]) assert.is(nodeSha256(b), sha256Hex(b));
  assert.is(loadModel(join(process.cwd(), 'weights', 'fmnist-resnet'), { kernels: 'fast' }).hash, sha256Hex(shipped));
});

test('loadModel builds the network and reports id, hash (sha256 of model.safetensors), dir and config', () => {
  const dir = writeModel('ok');
  const m = loadModel(dir);
  assert.instance(m.network, ResNetModel);
  assert.is(m.id, 'tiny-resnet');
  assert.is(m.architecture, 'resnet-multi-exit');
  assert.is(m.dir, dir);
  assert.is(m.hash, createHash('sha256').update(readFileSync(join(dir, 'model.safetensors'))).digest('hex'));
  assert.is(m.config.num_classes, 3);
  assert.ok(DEFAULT_FAMILIES.map((f) => f.architecture).includes('resnet-multi-exit'));
  assert.is(m.family.architecture, 'resnet-multi-exit');
});

test("kernels 'simd': the table's fixed memory is sized from the weights file (simdMemoryFor), not the default", () => {
  const dir = join(process.cwd(), 'weights', 'spam-bert');
  const bytes = readFileSync(join(dir, 'model.safetensors')).byteLength;
  const k = (loadModel(dir, { kernels: 'simd' }).network as unknown as { kernels: SimdKernels }).kernels;
  assert.is(k.name, 'simd');
  assert.is(k.memoryBytes, simdMemoryFor(bytes));
  assert.ok(k.memoryBytes >= DEFAULT_SIMD_MEMORY + 2 * bytes && k.memoryBytes % 65536 === 0);
  assert.throws(() => simdMemoryFor(-1), /invalid weight bytes/);
});

test("simdMemoryFor(weights, rows): the weights twice, plus 64 MiB or 2 MiB a row, whichever is more; loadModel's `rows` sizes the table; past 2 GiB a clear error", () => {
  const MiB = 2 ** 20;
  assert.is(simdMemoryFor(1000), 64 * MiB + 65536); // the 2,000 bytes of weights round the total up to a whole page
  assert.is(simdMemoryFor(1000, 32), simdMemoryFor(1000));
  assert.is(simdMemoryFor(1000, 128), 256 * MiB + 65536);
  assert.is(simdMemoryFor(1000, 1023), 2046 * MiB + 65536);
  assert.throws(() => simdMemoryFor(1000, 1024), /^simdMemoryFor: too much memory for one table: got 2049 MiB for 1024 rows per pass and 1000 bytes of weights, expected at most 2048 MiB; fewer rows per forward pass/);
  for (const rows of [0, 1.5, NaN]) assert.throws(() => simdMemoryFor(1000, rows), /invalid rows/);
  const dir = join(process.cwd(), 'weights', 'fmnist-resnet');
  const bytes = readFileSync(join(dir, 'model.safetensors')).byteLength;
  const k = (loadModel(dir, { kernels: 'simd', rows: 512 }).network as unknown as { kernels: SimdKernels }).kernels;
  assert.is(k.memoryBytes, simdMemoryFor(bytes, 512));
  assert.throws(() => loadModel(dir, { kernels: 'simd', rows: 5000 }), /too much memory/);
});

test('a missing folder or file is an IoError naming the path', () => {
  rejects(() => loadModel(join(root, 'nope')), IoError, join(root, 'nope', 'config.json'), 'ENOENT');
});

test('bad JSON, a non-object config and a corrupt safetensors are FormatErrors naming the path', () => {
  rejects(() => loadModel(writeModel('badjson', '{"id": ')), FormatError, join(root, 'badjson', 'config.json'), 'is not JSON');
  rejects(() => loadModel(writeModel('array', '[1]')), FormatError, 'is not a JSON object');
  const dir = writeModel('corrupt');
  writeFileSync(join(dir, 'model.safetensors'), new Uint8Array([1, 2, 3]));
  rejects(() => loadModel(dir), FormatError, join(dir, 'model.safetensors'), 'too-short');
});

test('an unknown architecture is a ConfigError listing the known ones', () => {
  rejects(() => loadModel(writeModel('arch', { ...tinyConfig(), architecture: 'vgg' })), ConfigError, 'unknown architecture: got "vgg"', 'resnet-multi-exit');
});

test('config and weights that disagree: a ConfigError naming the tensor, its shape and the file', () => {
  const dir = writeModel('missing', undefined, 'exits.2.fc2.bias');
  rejects(() => loadModel(dir), ConfigError, "'exits.2.fc2.bias' is missing", 'expected shape [3]', join(dir, 'model.safetensors'));
});

// Issue 15 item 4: a deep config.json was JSON.stringified into the error (RangeError, a raw stack in the CLI).
test('a config.json nested 5,000 deep is a bounded FormatError naming the path', () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  rejects(() => loadModel(writeModel('deep', `{"architecture":${deep}}`)), FormatError, join(root, 'deep', 'config.json'), 'nested too deeply');
});

test.run();

test('a plain Hugging Face BertForSequenceClassification folder loads as it is, its id the folder name', () => {
  const src = join(process.cwd(), 'weights', 'spam-bert');
  const { splitee: _, ...hf } = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
  const w = parseSafetensors(new Uint8Array(readFileSync(join(src, 'model.safetensors'))));
  const out = new Map<string, { dtype: 'F32' | 'I64'; shape: number[]; data: Float32Array | BigInt64Array }>();
  for (const [name, t] of w.tensors) {
    if (!name.startsWith('exits.')) out.set(name, { dtype: 'F32', shape: [...t.shape], data: t.data as Float32Array });
    else if (name.startsWith('exits.5.')) out.set(name.replace('exits.5.pooler.dense', 'bert.pooler.dense').replace('exits.5.classifier', 'classifier'), { dtype: 'F32', shape: [...t.shape], data: t.data as Float32Array });
  }
  out.set('bert.embeddings.position_ids', { dtype: 'I64', shape: [1, 128], data: BigInt64Array.from({ length: 128 }, (_, i) => BigInt(i)) });
  const dir = join(root, 'my-hf-bert');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...hf, architectures: ['BertForSequenceClassification'] }));
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(out));
  const m = loadModel(dir);
  assert.is(m.id, 'my-hf-bert');
  assert.is(m.architecture, 'bert-multi-exit');
  assert.is(m.network.numStages, 1);
});
