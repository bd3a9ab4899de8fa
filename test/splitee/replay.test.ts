import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTrace } from '../../src/splitee/trace.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { armMeanRewards, replay } from '../../src/splitee/replay.js';
import { rewardModel } from '../../src/splitee/reward.js';
import { createPolicy, type Observation, type SplitPolicy } from '../../src/splitee/policy.js';
import { syntheticTrace } from '../../src/splitee/synthetic.js';
import { replayStage } from '../../src/splitee/replay-stage.js';
import { LayerwisePolicy } from '../../src/splitee/policies/layerwise.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// Three rows, L = 3, alpha 0.8, lambda 0.1, o 0.5:
//   row  C_1  p1   C_2  p2   C_3  p3  label
//   0    0.9  1    0.95 1    0.99 1   1
//   1    0.3  0    0.85 2    0.9  2   2
//   2    0.2  0    0.4  1    0.6  0   1
const tiny = parseTrace(
  'exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,exit_3_conf,exit_3_pred,label\n0.9,1,0.95,1,0.99,1,1\n0.3,0,0.85,2,0.9,2,2\n0.2,0,0.4,1,0.6,0,1\n',
);
const costs = paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5, cloudOnly: 0.7 });
const opts = { costs, alpha: 0.8, runs: 1, order: 'asis' as const };

test('fixed split 1 on the tiny trace: exits, offloads, accuracy and cost by hand', () => {
  const r = replay(tiny, 'fixed:1', opts);
  // row 0 exits at 1 (right, cost 0.1); rows 1, 2 offload (final: 2 right, 0 wrong; cost 0.6 each)
  close(r.accuracy, 2 / 3);
  close(r.costPerSample, (0.1 + 0.6 + 0.6) / 3);
  close(r.offloadFraction, 2 / 3);
  assert.equal(r.armCounts, [3, 0, 0]);
  close(r.finalLayerAccuracy, 2 / 3);
  close(r.finalLayerCostPerSample, 0.30000000000000004);
  close(r.costReductionVsFinal, 1 - 1.3 / 3 / 0.30000000000000004);
  close(r.accuracyDropVsFinal, 0);
});

test('final, cloud-only and threshold baselines on the tiny trace', () => {
  const f = replay(tiny, 'final', opts);
  close(f.costPerSample, 0.30000000000000004);
  close(f.offloadFraction, 0);
  assert.equal(f.armCounts, [0, 0, 3]);
  const c = replay(tiny, 'cloud', opts);
  close(c.costPerSample, 0.7);
  close(c.offloadFraction, 1);
  assert.is(c.cloudOnlyCount, 3);
  close(c.accuracy, 2 / 3);
  // threshold: row 0 exits at 1 (0.1, right), row 1 at 2 (0.2, right), row 2 runs to 3 (0.3, wrong)
  const t = replay(tiny, 'threshold', opts);
  assert.equal(t.armCounts, [1, 1, 1]);
  close(t.costPerSample, 0.2);
  close(t.accuracy, 2 / 3);
  close(t.offloadFraction, 0);
});

test('best fixed arm in hindsight and the oracle has zero regret', () => {
  const m = rewardModel(0.8, 1, costs);
  const mus = armMeanRewards(tiny, m);
  // arm 0: mean C_L - 0.7 = (0.99 + 0.9 + 0.6) / 3 - 0.7
  close(mus[0], 2.49 / 3 - 0.7);
  // arm 1: (0.9 - 0.1) + (0.9 - 0.6) + (0.6 - 0.6) over 3
  close(mus[1], 1.1 / 3);
  // arm 2: (0.95 - 0.2) + (0.85 - 0.2) + (0.6 - 0.7) over 3
  close(mus[2], 1.3 / 3);
  close(mus[3], 2.49 / 3 - 0.3);
  const o = replay(tiny, 'oracle', opts);
  assert.is(o.regret.bestArm, 3);
  assert.equal(o.armCounts, [0, 0, 3]);
  close(o.regret.total, 0);
  const f = replay(tiny, 'fixed:1', opts);
  close(f.regret.total, 3 * (mus[3] - mus[1]), 1e-12);
});

test('replay feeds a policy only what a live system sees', () => {
  const trace = syntheticTrace({ rows: 500, exits: 6, seed: 2 });
  const c6 = paperCosts({ numExits: 6, lambda: 0.1, offload: 0.5 });
  for (const side of ['observable', 'full'] as const) {
    let checked = 0;
    const spy = ({ seed }: { seed: number }): SplitPolicy => {
      const inner = createPolicy('splitee-s', { costs: c6, seed, side });
      return Object.assign(Object.create(inner) as SplitPolicy, {
        update(obs: Observation) {
          for (let j = obs.split; j < 6; j++) assert.ok(Number.isNaN(obs.confidences[j]), 'an unobserved confidence was visible');
          const exited = obs.split < 6 && obs.confidences[obs.split - 1] >= 0.8;
          assert.is(Number.isNaN(obs.finalConf), exited);
          assert.is(obs.hindsightFinalConf !== undefined, side === 'full' && exited);
          checked++;
          inner.update(obs);
        },
      });
    };
    replay(trace, spy, { costs: c6, runs: 1, side });
    assert.is(checked, 500);
  }
});

test('runs are seeded: the same seed repeats, run r equals a single run with seed + r', () => {
  const trace = syntheticTrace({ rows: 800, exits: 5, seed: 4 });
  const c5 = paperCosts({ numExits: 5, lambda: 0.1, offload: 0.3 });
  const a = replay(trace, 'thompson', { costs: c5, runs: 3, seed: 10 });
  const b = replay(trace, 'thompson', { costs: c5, runs: 3, seed: 10 });
  assert.equal(a, b);
  const one = replay(trace, 'thompson', { costs: c5, runs: 1, seed: 12 });
  assert.is(one.perRun.accuracy[0], a.perRun.accuracy[2]);
  assert.is(one.perRun.regret[0], a.perRun.regret[2]);
  assert.ok(a.perRun.regret[0] !== a.perRun.regret[1]);
  assert.is(a.armCounts.reduce((x, y) => x + y, 0), 3 * 800);
});

test('SplitEE regret is sublinear on a stationary stream: R(4T) well under 4 R(T)', () => {
  const trace = syntheticTrace({ rows: 16000, exits: 12, seed: 21, lo: 0.6, hi: 0.97, spread: 0.6 });
  const c12 = paperCosts({ numExits: 12, lambda: 0.1, offload: 0.5 });
  for (const p of ['splitee', 'splitee-s']) {
    const r = replay(trace, p, { costs: c12, runs: 2, seed: 1, regretPoints: 16 });
    const [t, m] = [r.regret.curve.t, r.regret.curve.mean];
    assert.is(t[3], 4000);
    assert.is(t[15], 16000);
    assert.ok(m[3] > 0);
    assert.ok(m[15] < 2 * m[3], `${p}: R(16000) = ${m[15]}, R(4000) = ${m[3]}`);
    // and far below a non-learning baseline
    const rnd = replay(trace, 'random', { costs: c12, runs: 1, regretPoints: 16 });
    assert.ok(m[15] < rnd.regret.curve.mean[15] / 10);
  }
});

test('errors: a cost table for another L, an invalid run count', () => {
  assert.throws(() => replay(tiny, 'final', { costs: paperCosts({ numExits: 4, lambda: 0.1, offload: 0.5 }) }), /cost table and trace disagree: got a table for 4 exits, expected 3/);
  assert.throws(() => replay(tiny, 'final', { ...opts, runs: 0 }), /invalid runs: got 0/);
});

test('a shuffled replay is pinned for a seed: row order first, then the policy seed, from one stream', () => {
  const trace = syntheticTrace({ rows: 12, exits: 3, seed: 5 });
  const seen: { seed: number; first: number[] }[] = [];
  const factory = (ctx: { run: number; seed: number }): SplitPolicy => {
    const inner = createPolicy('random', { costs, alpha: 0.8, seed: ctx.seed });
    const rec = { seed: ctx.seed, first: [] as number[] };
    seen.push(rec);
    return {
      name: 'rec', numArms: inner.numArms, numExits: inner.numExits, execution: 'split',
      choose: (t: number) => inner.choose(t),
      update: (o: Observation) => {
        if (rec.first.length < 4) rec.first.push(Number.isNaN(o.finalConf) ? o.confidences[o.split - 1] : o.finalConf);
        inner.update(o);
      },
      playCounts: () => inner.playCounts(), snapshot: () => inner.snapshot(),
    };
  };
  const r = replay(trace, factory, { costs, alpha: 0.8, runs: 2, seed: 3, order: 'shuffle' });
  assert.equal(seen.map((x) => x.seed), [1886857359, 670257686]);
  assert.equal(seen.map((x) => x.first.map((v) => Math.round(v * 1e6))), [[1000000, 857133, 967538, 1000000], [1000000, 949471, 1000000, 1000000]]);
  assert.equal(r.perRun.costPerSample, [0.4583333333333333, 0.4083333333333332]);
});

test('replay by name runs a stage policy (layerwise) as replayStage does, regret against the best fixed split', () => {
  const tr = syntheticTrace({ rows: 300, exits: 5, seed: 4 });
  const k = paperCosts({ numExits: 5, lambda: 0.1, offload: 0.3 });
  const o = { costs: k, alpha: 0.75, runs: 3, seed: 9 };
  const r = replay(tr, 'layerwise', o);
  const mus = armMeanRewards(tr, rewardModel(0.75, 1, k));
  const best = Math.max(...mus);
  const ref = replayStage(tr, ({ seed }) => new LayerwisePolicy('layerwise', { costs: k, alpha: 0.75, seed }), { ...o, reference: best });
  assert.equal([r.policy, r.accuracy, r.costPerSample, r.offloadFraction, r.meanReward], [ref.policy, ref.accuracy, ref.costPerSample, ref.offloadFraction, ref.meanReward]);
  close(r.regret.total, ref.regret.total, 1e-9);
  assert.is(r.regret.bestArm, 1 + mus.indexOf(best));
  assert.equal(r.stage, { exits: ref.exits, offloads: ref.offloads, finals: ref.finals });
  assert.is(r.armCounts.reduce((a, b) => a + b, 0), 300 * 3);
  assert.is(r.perRun.accuracy.length, 3);
});

test.run();
