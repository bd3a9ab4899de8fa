import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, FormatError } from '../../src/tensor/errors.js';
import { buildModel, sha256Hex } from '../../src/layers/build-model.js';
import { DEFAULT_FAMILIES, BERT_FAMILY, RESNET_FAMILY } from '../../src/layers/families/index.js';
import { configArchitecture, familyOfNetwork, forwardAllStaged } from '../../src/layers/family.js';
import { ResNetModel } from '../../src/layers/resnet.js';
import { BertModel } from '../../src/layers/bert.js';

const dir = join(process.cwd(), 'test', 'fixtures', 'tiny-bert');
const read = (f: string): Uint8Array => readFileSync(join(dir, f));
const json = (f: string): object => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object;
const resnetDir = join(process.cwd(), 'weights', 'fmnist-resnet');

test('sha256Hex (@noble/hashes) equals node:crypto on empty, small and model-sized inputs', () => {
  for (const b of [new Uint8Array(0), new TextEncoder().encode('abc'), read('model.safetensors')]) {
    assert.is(sha256Hex(b), createHash('sha256').update(b).digest('hex'));
  }
});

test('buildModel: options.sha256 (a runtime\'s native hash) computes the hash when given', () => {
  const weights = read('model.safetensors');
  const seen: Uint8Array[] = [];
  const m = buildModel({ config: json('config.json'), weights }, { sha256: (b) => (seen.push(b), 'ab'.repeat(32)) });
  assert.is(m.hash, 'ab'.repeat(32));
  assert.is(seen.length, 1);
  assert.is(seen[0], weights);
});

test('buildModel: a text model from bytes + tokenizer JSON: its family, hash, network and input encoder', () => {
  const weights = read('model.safetensors');
  const m = buildModel({ config: json('config.json'), weights, tokenizer: { json: json('tokenizer.json'), config: json('tokenizer_config.json') } });
  assert.is(m.family, BERT_FAMILY);
  assert.ok(m.network instanceof BertModel);
  assert.is(m.hash, createHash('sha256').update(weights).digest('hex'));
  assert.is(m.id, m.network.id);
  assert.ok(m.textInput !== undefined);
  const p = m.family.prepareInput(m.network, { kind: 'text', texts: ['hello world', 'spam'], tokenizer: m.textInput });
  assert.equal([...p.x.shape], [2, 4]);
  assert.equal(Array.from(p.mask ?? []), [1, 1, 1, 1, 1, 1, 1, 0]);
  // The family's batched forwardAll equals stage by stage.
  const a = m.family.forwardAll(m.network, p.x, p.mask).map((t) => Array.from(t.clone().flat()));
  const b = forwardAllStaged(m.network, p.x, p.mask).map((t) => Array.from(t.flat()));
  for (let k = 0; k < a.length; k++) for (let i = 0; i < a[k].length; i++) assert.ok(Math.abs(a[k][i] - b[k][i]) <= 1e-5);
  assert.is(familyOfNetwork(m.network, DEFAULT_FAMILIES), BERT_FAMILY);
});

test('buildModel: the image model; prepareInput normalizes as the network does; no tokenizer, no encoder', () => {
  const m = buildModel({ config: JSON.parse(readFileSync(join(resnetDir, 'config.json'), 'utf8')), weights: readFileSync(join(resnetDir, 'model.safetensors')) });
  assert.is(m.family, RESNET_FAMILY);
  assert.ok(m.network instanceof ResNetModel);
  assert.is(m.textInput, undefined);
  const px = Float32Array.from({ length: 784 }, (_, i) => (i % 17) / 17);
  const p = m.family.prepareInput(m.network, { kind: 'image', pixels: px.slice() });
  assert.equal(Array.from(p.x.flat()), Array.from((m.network as ResNetModel).prepareInput(px.slice()).flat()));
  assert.is(p.mask, undefined);
  assert.is(m.family.profile(m.network), m.network.profile);
  assert.throws(() => m.family.prepareInput(m.network, { kind: 'text', texts: ['x'], tokenizer: undefined as never }), /expected pixels/);
});

test('buildModel: errors name the part: unknown architecture, not an object, bad weights', () => {
  const weights = read('model.safetensors');
  assert.throws(() => buildModel({ config: { architecture: 'vgg' }, weights }), (e: unknown) => e instanceof ConfigError && /buildModel: config.json: unknown architecture: got "vgg", expected one of resnet-multi-exit, bert-multi-exit/.test((e as Error).message));
  assert.throws(() => buildModel({ config: { architecture: 'x'.repeat(500) }, weights }), (e: unknown) => e instanceof ConfigError && (e as Error).message.length < 300);
  assert.throws(() => buildModel({ config: [], weights }), (e: unknown) => e instanceof FormatError && /not a JSON object: got an array/.test((e as Error).message));
  assert.throws(() => buildModel({ config: json('config.json'), weights: new Uint8Array(3) }), (e: unknown) => e instanceof FormatError && /^buildModel: model.safetensors: /.test((e as Error).message));
  // Only the families passed count: no global registry.
  assert.throws(() => buildModel({ config: json('config.json'), weights }, { families: [RESNET_FAMILY] }), /expected one of resnet-multi-exit$/);
});

test('the default families: frozen, one per architecture, with their data names', () => {
  assert.ok(Object.isFrozen(DEFAULT_FAMILIES) && DEFAULT_FAMILIES.every((f) => Object.isFrozen(f) && Object.isFrozen(f.data)));
  assert.equal(DEFAULT_FAMILIES.map((f) => [f.architecture, f.input, f.data.sources[0], f.data.heldout, f.data.defaultDistortion]), [
    ['resnet-multi-exit', 'image', 'fashion-mnist:sample', 'fashion-mnist:heldout', 'gaussian-noise:deploy'],
    ['bert-multi-exit', 'text', 'spam-assassin:target', 'spam-assassin:source-heldout', undefined],
  ]);
  assert.equal([configArchitecture({ architecture: 'a' }), configArchitecture({ splitee: { architecture: 'b' } }), configArchitecture({})], ['a', 'b', undefined]);
});

test.run();
