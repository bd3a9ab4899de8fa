import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assertPolicyConformance, policyProperties, type ConformanceSubject } from '../../src/splitee/conformance.js';
import { createPolicy, isStagePolicyName, POLICY_NAMES } from '../../src/splitee/policy.js';
import type { Observation, SplitPolicy } from '../../src/splitee/policy.js';

// Every built-in policy, with the options that make it constructible on any scenario.
function subjects(): ConformanceSubject[] {
  const out: ConformanceSubject[] = [];
  for (const name of POLICY_NAMES) {
    if (isStagePolicyName(name)) continue; // the stage kit (conformance-stage.test.ts) covers them
    if (name === 'fixed:K' || name === 'oracle') {
      // split 1 exists for every L >= 1.
      const n = name === 'fixed:K' ? 'fixed:1' : 'oracle';
      out.push({ name: n, make: ({ costs, alpha, seed }) => createPolicy(n, { costs, alpha, seed, split: 1 }) });
    } else if (name === 'cloud') {
      out.push({ name, cloudOnly: 'always', make: ({ costs, alpha, seed }) => createPolicy(name, { costs, alpha, seed }) });
    } else {
      out.push({ name, make: ({ costs, alpha, seed }) => createPolicy(name, { costs, alpha, seed, side: 'observable', window: 7, gamma: 0.9 }) });
    }
  }
  return out;
}

test('the kit covers every built-in split policy', () => {
  assert.is(subjects().length, POLICY_NAMES.filter((n) => !isStagePolicyName(n)).length);
  assert.ok(POLICY_NAMES.length >= 16);
});

for (const s of subjects()) {
  test(`conformance: ${s.name}`, () => {
    assertPolicyConformance(s, { numRuns: 40 });
  });
}

test('the kit catches a policy that reads the unobserved C_L (side rule full)', () => {
  const leaky: ConformanceSubject = { name: 'splitee-s/full', make: ({ costs, alpha, seed }) => createPolicy('splitee-s', { costs, alpha, seed, side: 'full' }) };
  assert.throws(() => fc.assert(policyProperties(leaky).observableOnly, { seed: 7, numRuns: 200 }));
  const honest: ConformanceSubject = { ...leaky, make: (ctx) => createPolicy('splitee-s', { ...ctx, side: 'observable' }) };
  fc.assert(policyProperties(honest).observableOnly, { seed: 7, numRuns: 200 });
});

test('the kit catches an out-of-range arm and a non-deterministic policy', () => {
  const bad = (f: (p: SplitPolicy, t: number) => number): ConformanceSubject => ({
    name: 'bad',
    make: (ctx) => {
      const p = createPolicy('splitee', ctx);
      return Object.assign(Object.create(p) as SplitPolicy, { choose: (t: number) => f(p, t) });
    },
  });
  assert.throws(() => assertPolicyConformance(bad((p) => p.numExits + 1)), /fails armsInRange/);
  let calls = 0;
  assert.throws(() => assertPolicyConformance(bad((p, t) => 1 + ((p.choose(t) + calls++) % p.numExits))), /fails sameSeedSameChoices/);
});

// Issue 11 item 5: an Observation is valid during update() only (the runner and replay refill one object).
test('the kit catches a policy that keeps the observation past update()', () => {
  const keeper: ConformanceSubject = {
    name: 'keeper',
    make: (ctx) => {
      const p = createPolicy('splitee', ctx);
      let last: Observation | null = null;
      return Object.assign(Object.create(p) as SplitPolicy, {
        update: (o: Observation) => {
          p.update(o);
          last = o; // kept: the next choose reads it after the round is over
        },
        choose: (t: number) => (last !== null && !(last.cost >= 0) ? NaN : p.choose(t)),
      });
    },
  };
  assert.throws(() => assertPolicyConformance(keeper), /fails (observableOnly|armsInRange)/);
});

test.run();
