import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/tensor/errors.js';
import { parseResNetConfig } from '../../src/layers/config.js';
import { tinyConfig } from '../helpers/tiny-resnet.js';

// The edits below reach into nested fields of a JSON value, as a hand-edited config.json would.
type Cfg = Record<string, any>;

function rejects(edit: (c: Cfg) => void, re: RegExp): void {
  const c = tinyConfig() as Cfg;
  edit(c);
  assert.throws(() => parseResNetConfig(c), (e: unknown) => e instanceof ConfigError && re.test((e as Error).message), `no ConfigError matching ${re}`);
}

test('a valid config parses into the typed spec', () => {
  const c = parseResNetConfig(tinyConfig());
  assert.is(c.id, 'tiny-resnet');
  assert.equal(c.input.shape, [1, 8, 8]);
  assert.equal(c.input.normalize, { kind: 'per-image-standardize', eps: 1e-5 });
  assert.equal(c.blocks[1], { in: 4, out: 8, stride: 2, downsample: true });
  assert.equal(c.exits[0], { afterBlock: 1, pool: 2, hidden: 6, classes: 3 });
  assert.is(c.bnEps, 1e-5);
});

test('every missing or invalid field is a ConfigError naming its path', () => {
  rejects((c) => delete c.architecture, /architecture is invalid: got nothing \(missing\), expected 'resnet-multi-exit'/);
  rejects((c) => (c.architecture = 'bert-multi-exit'), /architecture is invalid: got "bert-multi-exit"/);
  rejects((c) => delete c.id, /config.json: id is invalid/);
  rejects((c) => (c.num_classes = 0), /\$.num_classes is invalid: got 0, expected an integer >= 1/);
  rejects((c) => (c.classes = ['a']), /classes is invalid/);
  rejects((c) => delete c.bn_eps, /bn_eps is invalid: got nothing \(missing\)/);
  rejects((c) => delete c.input, /input is invalid: got nothing \(missing\), expected an object/);
  rejects((c) => (c.input.shape = [1, 8]), /input.shape is invalid: got \[1,8\]/);
  rejects((c) => (c.input.normalize = { kind: 'zscore' }), /input.normalize is invalid/);
  rejects((c) => (c.input.scale = -1), /input.scale is invalid/);
  rejects((c) => delete c.stem.kernel, /stem.kernel is invalid: got nothing \(missing\), expected an integer >= 1/);
  rejects((c) => (c.stem.in = 3), /stem.in is invalid: got 3, expected input.shape\[0\] = 1/);
  rejects((c) => (c.blocks = []), /\$.blocks is invalid: got \[\], expected a non-empty array/);
  rejects((c) => (c.blocks[1].in = 8), /blocks\[1\].in is invalid: got 8, expected 4 \(the channels of blocks\[0\].out\)/);
  rejects((c) => (c.blocks[1].downsample = false), /blocks\[1\].downsample is invalid: got false, expected true: the block changes shape/);
  rejects((c) => delete c.blocks[2].stride, /blocks\[2\].stride is invalid/);
  rejects((c) => c.exits.pop(), /exits is invalid: got "2 exits", expected one exit per block \(3\)/);
  rejects((c) => (c.exits[1].after_block = 3), /exits\[1\].after_block is invalid: got 3, expected 2/);
  rejects((c) => (c.exits[2].classes = 4), /exits\[2\].classes is invalid: got 4, expected num_classes = 3/);
  rejects((c) => (c.exits[0].hidden = -1), /exits\[0\].hidden is invalid/);
  assert.throws(() => parseResNetConfig(null), (e: unknown) => e instanceof ConfigError);
});

// Issue 15 item 4: no bounds let input.shape reach 2^32 (then RangeError, or a 50 GB server body limit).
test('sizes are bounded: shapes, channels, kernel, padding, stride, blocks, classes and every activation', () => {
  rejects((c) => (c.input.shape = [1, 2 ** 32, 8]), /input.shape is invalid: got \[1,4294967296,8\], expected C <= 4096, H and W <= 4096/);
  rejects((c) => (c.input.shape = [1, 4096, 4097]), /input.shape is invalid/);
  rejects((c) => (c.input.shape = [1, 4096, 4096]), /stem is invalid: got "4x4096x4096 = 67108864 elements", expected an activation of at most 16777216 elements/);
  rejects((c) => (c.num_classes = 1e6), /\$.num_classes is invalid: got 1000000, expected an integer >= 1 and <= 100000/);
  rejects((c) => (c.stem.out = 5000), /stem.out is invalid: got 5000, expected an integer >= 1 and <= 4096/);
  rejects((c) => (c.stem.kernel = 99), /stem.kernel is invalid: got 99/);
  rejects((c) => (c.stem.stride = 2 ** 31), /stem.stride is invalid/);
  rejects((c) => (c.stem.padding = 3), /stem.padding is invalid: got 3, expected less than stem.kernel \(3\)/);
  rejects((c) => (c.stem.kernel = 31), /stem is invalid: got "a -20x-20 output", expected a spatial size >= 1x1/);
  rejects((c) => (c.blocks[0].stride = 1e9), /blocks\[0\].stride is invalid/);
  rejects((c) => (c.exits[0].hidden = 2 ** 40), /exits\[0\].hidden is invalid/);
  rejects((c) => (c.exits[0].pool = 1e5), /exits\[0\].pool is invalid/);
  rejects((c) => (c.blocks = Array.from({ length: 65 }, () => c.blocks[0])), /blocks is invalid: got "65 blocks", expected at most 64/);
  rejects((c) => {
    c.input.shape = [1, 128, 128];
    c.stem.out = 4096;
    c.blocks[0].in = 4096;
    c.blocks[0].downsample = true;
  }, /stem is invalid: got "4096x128x128 = 67108864 elements"/);
});

test('a deep value in a config is described, never serialized (no stack overflow)', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 5000; i++) deep = [deep];
  rejects((c) => (c.input.shape = deep), /input.shape is invalid: got an array of 1 item, expected/);
  rejects((c) => (c.id = deep), /id is invalid: got an array of 1 item/);
});

test.run();
