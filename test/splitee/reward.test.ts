// The SplitEE reward: the paper's formulas on hand-computed cases (splitee-digest §1.2 and the
// I-SplitEE mu form of §1.3), its agreement with roundCost, monotonicity properties, and the typed
// errors of rewardModel. test/splitee/cost.test.ts pins one case per branch; this file generalizes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { armReward, armSplits, offloads, rewardModel, type RewardModel } from '../../src/splitee/reward.js';
import { paperCosts, roundCost, type CostTable } from '../../src/splitee/cost.js';
import { ArgumentError } from '../../src/tensor/errors.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const isArg = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && (e as ArgumentError).code === 'E_ARGUMENT' && re.test((e as Error).message);

/** A hand-made CostTable (not the paper's linear one). */
function table(device: number[], offload: number[], cloudOnly = false): CostTable {
  return { kind: 'custom', unit: 'ms', numExits: device.length - 1, cloudOnly, device: Float64Array.from(device), offload: Float64Array.from(offload) };
}

test("the paper's code: reward = C_i - lambda*i on exit, C_L - o - lambda*i on offload, C_L - lambda*L at L (L = 12)", () => {
  // splitee.py: reward=max(sample[arm])-lembda*((arm+1)); reward=max(sample[11])-o-lembda*((arm+1)); arm = i - 1
  const m = rewardModel(0.8, 1, paperCosts({ numExits: 12, lambda: 0.1, offload: 0.5 }));
  close(armReward(m, 3, 0.9, 0.95), 0.9 - 0.3);
  close(armReward(m, 3, 0.5, 0.95), 0.95 - 0.5 - 0.3);
  close(armReward(m, 11, 0.79, 0.6), 0.6 - 0.5 - 1.1);
  close(armReward(m, 12, 0.1, 0.6), 0.6 - 1.2); // never an offload from L, whatever C_L
  close(armReward(m, 12, 0.99, 0.6), 0.6 - 1.2); // and C_12 is C_L: the conf argument is unused at L
  assert.equal(armSplits(m.costs), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('I-SplitEE: mu scales both the compute and the offload term (depth 3(k+1) blocks, gamma 0.1)', () => {
  // 6 exits after blocks 3, 6, .., 18, the final classifier after block 19; o = 0.5
  const device = [0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 1.9];
  const offload = [0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0];
  const m = rewardModel(0.5, 0.4, table(device, offload));
  close(armReward(m, 2, 0.7, 0.9), 0.7 - 0.4 * 0.6); // exit at depth 6
  close(armReward(m, 2, 0.3, 0.9), 0.9 - 0.4 * 0.5 - 0.4 * 0.6); // offload from depth 6
  close(armReward(m, 7, 0.3, 0.9), 0.9 - 0.4 * 1.9); // final classifier on the device
  // a cloud-only arm pays its own raw-input cost and nothing else
  const c = rewardModel(0.5, 2, table([0, 1, 2], [0.25, 7, 0], true));
  close(armReward(c, 0, NaN, 0.8), 0.8 - 2 * 0.25);
  assert.equal(armSplits(c.costs), [0, 1, 2]);
});

/** Arbitrary paper models, with or without a cloud-only arm, and an arm and confidences for them. */
const caseArb = fc
  .record({
    L: fc.integer({ min: 1, max: 12 }),
    lambda: fc.double({ min: 0, max: 1, noNaN: true }),
    o: fc.double({ min: 0, max: 2, noNaN: true }),
    cloud: fc.option(fc.double({ min: 0, max: 2, noNaN: true })),
    alpha: fc.double({ min: 0, max: 1, noNaN: true }),
    mu: fc.double({ min: 0, max: 5, noNaN: true }),
    armPick: fc.nat(),
    confArm: fc.double({ min: 0, max: 1, noNaN: true }),
    confFinal: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map((x) => {
    const m = rewardModel(x.alpha, x.mu, paperCosts({ numExits: x.L, lambda: x.lambda, offload: x.o, cloudOnly: x.cloud }));
    const arms = armSplits(m.costs);
    return { ...x, m, arm: arms[x.armPick % arms.length] };
  });

test('property: reward = (confidence the answer comes with) - mu * roundCost(arm, offloads)', () => {
  fc.assert(
    fc.property(caseArb, ({ m, arm, confArm, confFinal }) => {
      const off = offloads(m, arm, confArm);
      const answered = off || arm === m.costs.numExits ? confFinal : confArm;
      assert.is(armReward(m, arm, confArm, confFinal), answered - m.mu * roundCost(m.costs, arm, off));
    }),
    { seed: 21, numRuns: 500 },
  );
});

test('property: offloads exactly when arm 0, or an inner arm below alpha', () => {
  fc.assert(
    fc.property(caseArb, ({ m, arm, confArm }) => {
      const L = m.costs.numExits;
      const expected = arm === 0 ? true : arm === L ? false : confArm < m.alpha;
      assert.is(offloads(m, arm, confArm), expected);
    }),
    { seed: 22, numRuns: 500 },
  );
  const m = rewardModel(0, 1, paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5 }));
  assert.is(offloads(m, 1, 0), false); // alpha 0: every inner arm exits
  const strict = rewardModel(1, 1, m.costs);
  assert.is(offloads(strict, 1, 0.999999), true); // alpha 1: no early exit
  assert.is(offloads(strict, 1, 1), true); // ... and alpha 1 means no early exit, even at a saturated C = 1
});

test('property: the reward never rises with mu, lambda or o, and never falls with C_L', () => {
  fc.assert(
    fc.property(caseArb, fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, dMu, dC) => {
      const r = armReward(x.m, x.arm, x.confArm, x.confFinal);
      const withMu = rewardModel(x.alpha, x.mu + dMu, x.m.costs);
      assert.ok(armReward(withMu, x.arm, x.confArm, x.confFinal) <= r, 'mu');
      const dearer = (lambda: number, o: number, cloud: number | null): RewardModel =>
        rewardModel(x.alpha, x.mu, paperCosts({ numExits: x.L, lambda, offload: o, cloudOnly: cloud }));
      const cloudUp = x.cloud === null ? null : x.cloud + dMu;
      assert.ok(armReward(dearer(x.lambda + dMu, x.o, x.cloud), x.arm, x.confArm, x.confFinal) <= r + 1e-12, 'lambda');
      assert.ok(armReward(dearer(x.lambda, x.o + dMu, cloudUp), x.arm, x.confArm, x.confFinal) <= r + 1e-12, 'o');
      const cUp = Math.min(1, x.confFinal + dC);
      assert.ok(armReward(x.m, x.arm, x.confArm, cUp) >= r, 'C_L');
    }),
    { seed: 23, numRuns: 500 },
  );
});

test('property: an exit ignores C_L; mu = 0 leaves the bare confidence; the reward is at most 1', () => {
  fc.assert(
    fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), (x, otherFinal) => {
      const r = armReward(x.m, x.arm, x.confArm, x.confFinal);
      const exits = x.arm > 0 && x.arm < x.L && x.confArm >= x.alpha;
      if (exits) assert.is(armReward(x.m, x.arm, x.confArm, otherFinal), r);
      const free = rewardModel(x.alpha, 0, x.m.costs);
      assert.is(armReward(free, x.arm, x.confArm, x.confFinal), exits ? x.confArm : x.confFinal);
      assert.ok(r <= 1);
    }),
    { seed: 24, numRuns: 500 },
  );
});

test('property: above alpha, one split deeper costs exactly mu * lambda of reward at equal confidence', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 1, max: 10 }), (x, i) => {
      fc.pre(i + 1 < x.L);
      const c = Math.max(x.alpha, x.confArm);
      close(armReward(x.m, i, c, x.confFinal) - armReward(x.m, i + 1, c, x.confFinal), x.mu * x.lambda, 1e-9);
    }),
    { seed: 25, numRuns: 300 },
  );
});

test('rewardModel: alpha in [0, 1] and a finite mu >= 0, else ArgumentError', () => {
  const c = paperCosts({ numExits: 2, lambda: 0.1, offload: 0.5 });
  assert.equal(rewardModel(0, 0, c), { alpha: 0, mu: 0, costs: c });
  assert.equal(rewardModel(1, 3, c), { alpha: 1, mu: 3, costs: c });
  for (const alpha of [-0.1, 1.0000001, NaN, Infinity, -Infinity]) {
    assert.throws(() => rewardModel(alpha, 1, c), isArg(new RegExp(`^rewardModel: invalid alpha: got ${alpha}, expected a threshold in \\[0, 1\\]$`)));
  }
  for (const mu of [-1e-9, NaN, Infinity, -Infinity]) {
    assert.throws(() => rewardModel(0.5, mu, c), isArg(new RegExp(`^rewardModel: invalid mu: got ${mu}, expected a finite number >= 0$`)));
  }
});

test('armReward and offloads: an arm outside the model or a confidence they read outside [0, 1] (NaN) is an ArgumentError', () => {
  const m = rewardModel(0.8, 1, paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5 }));
  for (const arm of [0, 4, -1, 1.5, NaN, Infinity]) {
    const re = (f: string) => new RegExp(`^${f}: arm out of range: got ${arm}, expected an integer in \\[1, 3\\]$`);
    assert.throws(() => armReward(m, arm, 0.5, 0.5), isArg(re('armReward')), `armReward arm ${arm}`);
    assert.throws(() => offloads(m, arm, 0.5), isArg(re('offloads')), `offloads arm ${arm}`);
  }
  const c = rewardModel(0.8, 1, paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5, cloudOnly: 0.7 }));
  assert.throws(() => armReward(c, 4, 0.5, 0.5), isArg(/^armReward: arm out of range: got 4, expected an integer in \[0, 3\]$/));
  // a NaN C_arm used to count as an exit in offloads (NaN < alpha is false) and as an offload in armReward
  for (const bad of [NaN, -0.1, 1.5, Infinity]) {
    assert.throws(() => offloads(m, 2, bad), isArg(new RegExp(`^offloads: invalid confidence C_2: got ${bad}, expected a value in \\[0, 1\\]$`)), `offloads C_2 ${bad}`);
    assert.throws(() => armReward(m, 2, bad, 0.9), isArg(new RegExp(`^armReward: invalid confidence C_2: got ${bad}, expected a value in \\[0, 1\\]$`)), `armReward C_2 ${bad}`);
    // C_L is checked whenever the reward reads it: an offload, arm L, cloud only
    assert.throws(() => armReward(m, 2, 0.5, bad), isArg(new RegExp(`^armReward: invalid confidence C_L: got ${bad}, expected`)), `offload C_L ${bad}`);
    assert.throws(() => armReward(m, 3, 0.5, bad), isArg(/invalid confidence C_L/), `arm L C_L ${bad}`);
    assert.throws(() => armReward(c, 0, 0.5, bad), isArg(/invalid confidence C_L/), `cloud C_L ${bad}`);
  }
  // what an arm does not read is not checked: C_arm of arm 0 and arm L, C_L of an exit (unknown live)
  close(armReward(c, 0, NaN, 0.9), 0.9 - 0.7);
  close(armReward(m, 3, NaN, 0.9), 0.9 - 0.3);
  close(armReward(m, 1, 0.85, NaN), 0.85 - 0.1);
  assert.is(offloads(m, 3, NaN), false);
  assert.is(offloads(c, 0, NaN), true);
});

test.run();
