// runModel: a run's reward model is its policy's; the options may repeat it but not contradict it (each
// contradiction its own error); a stage policy has none and takes alpha, mu and costs from the options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../src/tensor/errors.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { createAnyPolicy, createPolicy } from '../../src/splitee/policy.js';
import { runModel, sampleField, type RunnerOptions } from '../../src/splitee/runner-options.js';

const L = 4;
const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });
const policy = createPolicy('splitee-s', { costs, alpha: 0.8, mu: 2 });
type ModelOptions = Omit<Parameters<typeof runModel>[0], 'policy'>;

function raises(o: ModelOptions, where: RegExp, p: RunnerOptions<unknown>['policy'] = policy): void {
  assert.throws(() => runModel({ policy: p, ...o }), (e: unknown) => e instanceof ArgumentError && where.test((e as Error).message));
}

test('a split policy: its own model, also when the options repeat it (an equal table, not the same object)', () => {
  assert.is(runModel({ policy }), policy.model);
  assert.is(runModel({ policy, alpha: 0.8, mu: 2, costs: paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 }) }), policy.model);
});

test('a measured link: the policy\'s alpha, mu and costs, with the link', () => {
  assert.equal(runModel({ policy, link: { bandwidthMbps: 10, latencyMs: 5 } }), { alpha: 0.8, mu: 2, costs: policy.model!.costs, link: { bandwidthMbps: 10, latencyMs: 5 } });
});

test('options that contradict the policy: alpha, mu, the cost table (its numbers, or cloud-only), each its own ArgumentError', () => {
  raises({ alpha: 0.7 }, /^SplitRunner: alpha differs from the policy's: got 0.7, expected 0.8$/);
  raises({ mu: 1 }, /^SplitRunner: mu differs from the policy's: got 1, expected 2$/);
  raises({ costs: paperCosts({ numExits: L, lambda: 0.1, offload: 0.6 }) }, /^SplitRunner: cost table differs from the policy's: got paper over 4 exits/);
  raises({ costs: paperCosts({ numExits: L, lambda: 0.1, offload: 0.5, cloudOnly: 0.3 }) }, /^SplitRunner: cost table differs/);
});

test('a stage policy has no model: alpha and costs from the options (mu 1 by default), or an ArgumentError naming what is missing', () => {
  const stage = createAnyPolicy('layerwise', { costs, alpha: 0.8 });
  assert.equal(runModel({ policy: stage, alpha: 0.6, costs }), { alpha: 0.6, mu: 1, costs });
  assert.equal(runModel({ policy: stage, alpha: 0.6, mu: 3, costs }), { alpha: 0.6, mu: 3, costs });
  raises({ costs }, /^SplitRunner: no reward model: got policy 'layerwise' without one and alpha undefined, costs given, expected alpha and costs$/, stage);
  raises({ alpha: 0.6 }, /^SplitRunner: no reward model: .* costs none, expected alpha and costs$/, stage);
});

test('sampleField: a number field of an object sample, else null', () => {
  assert.is(sampleField({ label: 3 }, 'label'), 3);
  assert.is(sampleField({ index: 0 }, 'index'), 0);
  for (const s of [{ label: '3' }, {}, null, undefined, 7, 'label']) assert.is(sampleField(s, 'label'), null);
});

test.run();
