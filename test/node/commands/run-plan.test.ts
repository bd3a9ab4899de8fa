// The plan of `splitee run`: built once, complete (mu and the cost table known) and frozen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planRun } from '../../../src/node/commands/run-plan.js';
import { ArgumentError } from '../../../src/tensor/errors.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';

const model = fmnistModelDir();
const quiet = (): void => {};

test('planRun (fresh, paper costs): complete and immutable; samples is the stream length', () => {
  const p = planRun({ model: model.dir, samples: '5', alpha: '0.8', log: '/nonexistent/never-written.jsonl' }, quiet);
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.settings));
  assert.is(p.settings.samples, 5);
  assert.is(p.src.count, 5);
  assert.is(p.settings.mu, 1);
  assert.is(p.settings.alphaAuto, null);
  assert.equal(p.settings.costs, { ...p.settings.costs }); // set, not null
  assert.is(p.costs.device.length, p.model.network.numStages + 1);
  assert.is(p.resumed, null);
  assert.throws(() => ((p.settings as { mu: number }).mu = 2));
});

test('planRun (fresh, measured costs): mu = lambda * L / device[L], the device speed given', () => {
  const p = planRun({ model: model.dir, samples: '3', alpha: '0.8', cost: 'measured', 'device-gflops': '2', log: '/nonexistent/x.jsonl' }, quiet);
  const L = p.model.network.numStages;
  assert.is(p.settings.deviceGflops, 2);
  assert.is(p.settings.mu, (0.1 * L) / p.costs.device[L]);
});

test('planRun: option errors are ArgumentErrors', () => {
  assert.throws(() => planRun({ model: model.dir, cost: 'free' }, quiet), (e: unknown) => e instanceof ArgumentError && /--cost: invalid model/.test((e as Error).message));
  assert.throws(() => planRun({ model: model.dir, alpha: '0.8', mu: '-1', samples: '2' }, quiet), (e: unknown) => e instanceof ArgumentError && /mu/.test((e as Error).message));
  assert.throws(() => planRun({ model: model.dir, policy: 'layerwise', c: '2' }, quiet), (e: unknown) => e instanceof ArgumentError && /--c: not an option of --policy layerwise/.test((e as Error).message));
});

test('planRun with a drifting --distortion: the stream is described with every segment start', () => {
  const p = planRun({ model: model.dir, samples: '9', alpha: '0.8', distortion: 'clean>gaussian-noise:2>gaussian-blur:3', policy: 'layerwise', log: '/nonexistent/d.jsonl' }, quiet);
  assert.match(p.src.description, /\(none@0>gaussian-noise:2@3>gaussian-blur:3@6, seed 1\)$/);
  assert.is(p.settings.distortion, 'clean>gaussian-noise:2>gaussian-blur:3'); // as given: --resume resolves it again over the same samples
});

test.run();
