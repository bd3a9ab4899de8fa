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

test.run();
