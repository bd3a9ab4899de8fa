import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertStagePolicyConformance } from '../../src/splitee/conformance-stage.js';
import { LayerwisePolicy, restoreLayerwise } from '../../src/splitee/policies/layerwise.js';
import { costTableFromJSON, type CostTable, type CostTableJSON } from '../../src/splitee/cost.js';
import type { StagePolicy } from '../../src/splitee/stage.js';
import { createAnyPolicy, restoreAnyPolicy, POLICY_NAMES, isStagePolicyName } from '../../src/splitee/policy.js';

/** A registry stage policy, built and restored as run / replay / resume do. */
const fromRegistry = (name: string) => {
  const asStage = (p: ReturnType<typeof createAnyPolicy>): StagePolicy => {
    if (p.execution !== 'stage') throw new Error(`${name} is not a stage policy`);
    return p;
  };
  return { name, make: ({ costs, alpha, seed }: { costs: CostTable; alpha: number; seed: number }) => asStage(createAnyPolicy(name, { costs, alpha, seed })), restore: (st: unknown) => asStage(restoreAnyPolicy(st)) };
};

test('every registered stage policy passes the kit as the registry builds and restores it (run, replay, --resume)', () => {
  const names = POLICY_NAMES.filter(isStagePolicyName);
  assert.ok(names.includes('layerwise'));
  for (const n of names) assertStagePolicyConformance(fromRegistry(n));
});

test('layerwise passes the stage-policy conformance kit (observable only, legal, deterministic, round-trip)', () => {
  assertStagePolicyConformance({ name: 'layerwise', make: ({ costs, alpha, seed }) => new LayerwisePolicy('layerwise', { costs, alpha, seed }), restore: restoreLayerwise });
  assertStagePolicyConformance({ name: 'layerwise-d', make: ({ costs, alpha, seed }) => new LayerwisePolicy('layerwise-d', { costs, alpha, seed, gamma: 0.9 }), restore: restoreLayerwise }, { numRuns: 20 });
  assertStagePolicyConformance({ name: 'layerwise-w', make: ({ costs, alpha, seed }) => new LayerwisePolicy('layerwise-w', { costs, alpha, seed, window: 7 }), restore: restoreLayerwise }, { numRuns: 20 });
  // the kit's streams are shorter than mcFrom's default: the continuation returns from round 0 (plain, windowed, discounted), and without them
  for (const [n, more] of [['layerwise-r', { mcFrom: 0 }], ['layerwise-rw', { mcFrom: 0, window: 7 }], ['layerwise-rd', { mcFrom: 3, gamma: 0.9 }], ['layerwise-mc0', { mc: 0 }]] as const) {
    assertStagePolicyConformance({ name: n, make: ({ costs, alpha, seed }) => new LayerwisePolicy(n, { costs, alpha, seed, ...more }), restore: restoreLayerwise }, { numRuns: 20 });
  }
});

test('the kit catches a policy that reads C_L before it was observed', () => {
  const peek = (make: () => LayerwisePolicy): StagePolicy => {
    const p = make();
    return {
      name: 'peek',
      numExits: p.numExits,
      execution: 'stage',
      decide: (t, stage, c) => (c[p.numExits - 1] > 2 ? 'exit' : p.decide(t, stage, c)),
      update: (o) => p.update(o),
      decisionCounts: () => p.decisionCounts(),
      snapshot: () => p.snapshot(),
    };
  };
  assert.throws(
    () => assertStagePolicyConformance({ name: 'peek', make: ({ costs, alpha, seed }) => peek(() => new LayerwisePolicy('x', { costs, alpha, seed })), restore: restoreLayerwise }, { numRuns: 10 }),
    /fails observableOnlyAndLegal/,
  );
});

test('the kit catches an exit below alpha and a policy whose restore forgets its state', () => {
  const eager = ({ costs, alpha, seed }: { costs: CostTable; alpha: number; seed: number }): StagePolicy => {
    const p = new LayerwisePolicy('eager', { costs, alpha, seed });
    return Object.assign(Object.create(p) as LayerwisePolicy, { decide: () => 'exit' as const });
  };
  assert.throws(() => assertStagePolicyConformance({ name: 'eager', make: eager, restore: restoreLayerwise }, { numRuns: 20 }), /fails observableOnlyAndLegal/);
  assert.throws(
    () => assertStagePolicyConformance({ name: 'amnesic', make: ({ costs, alpha, seed }) => new LayerwisePolicy('a', { costs, alpha, seed }), restore: (st) => new LayerwisePolicy('a', { costs: costTableFromJSON((st.options as { costs: CostTableJSON }).costs) }) }, { numRuns: 40 }),
    /fails snapshotRoundTrip/,
  );
});

test.run();
