import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { activationChannels, measureGflops } from '../../../src/node/commands/device-speed.js';
import { resolveSource } from '../../../src/node/data-sources.js';
import { loadModel } from '../../../src/node/models/load.js';

const resnet = loadModel(join(process.cwd(), 'weights', 'fmnist-resnet'));
const tinyBert = loadModel(join(process.cwd(), 'test', 'fixtures', 'tiny-bert'));

test('activationChannels: the leading axis of every split point 0..L', () => {
  const r = activationChannels(resnet.network);
  assert.is(r.length, resnet.network.numStages + 1);
  assert.equal(r, Array.from({ length: r.length }, (_, s) => resnet.network.activationShape(s)[0]));
  assert.is(r[0], 1); // the raw [1,28,28] image
  const b = activationChannels(tinyBert.network);
  assert.equal(b, Array(tinyBert.network.numStages + 1).fill(tinyBert.network.activationShape(0)[0])); // T_max at every split
});

test('measureGflops: a positive finite rate from full forward passes (speed itself is a bench figure, not asserted)', () => {
  const src = resolveSource(resnet, { data: undefined, labels: undefined, distortion: undefined, seed: 1, limit: 1 });
  const g = measureGflops(resnet, src, 1);
  assert.ok(Number.isFinite(g) && g > 0, String(g));
});

test.run();
