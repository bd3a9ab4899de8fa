// `splitee demo`'s options: validated before anything listens (a bad policy, distortion or port fails
// at once with the option named), alpha auto as in `splitee run`, --help.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { demoOptions, run } from '../../../src/node/commands/demo.js';

test('defaults: the shipped ResNet, splitee-s, its deployment distortion, alpha auto, 2000 samples, same origin', () => {
  const o = demoOptions([]);
  assert.ok(o !== null);
  assert.is(o.policy, 'splitee-s');
  assert.is(o.distortion, 'gaussian-noise:deploy');
  assert.is(o.samples, 2000);
  assert.is(o.cors, false);
  assert.is(o.port, 8080);
  assert.ok(o.alpha > 0 && o.alpha < 1, `alpha ${o.alpha}`);
});

test('bad options fail before anything listens', () => {
  assert.throws(() => demoOptions(['--policy', 'nope']), /nope/);
  assert.throws(() => demoOptions(['--distortion', 'fog:2']), /fog/);
  assert.throws(() => demoOptions(['--port', '70000']), /--port/);
  assert.throws(() => demoOptions(['--alpha', '2']), /--alpha/);
  assert.throws(() => demoOptions(['--samples', '0']), /--samples/);
  assert.throws(() => demoOptions(['--bogus']), /unknown option/);
});

test('--help prints the usage and exits 0', async () => {
  const log = console.log;
  let out = '';
  console.log = (s: string) => (out += s);
  try {
    assert.is(await run(['--help']), 0);
  } finally {
    console.log = log;
  }
  assert.match(out, /usage: splitee demo/);
  assert.match(out, /--cors/);
});

test.run();
