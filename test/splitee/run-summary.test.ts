import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../src/tensor/errors.js';
import { parseTrace } from '../../src/splitee/trace.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { scoreRun } from '../../src/splitee/run-summary.js';
import type { RoundRecord } from '../../src/splitee/runner.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// L = 3, alpha 0.8, lambda 0.1, o 0.5 (the replay test's tiny trace):
//   row  C_1  p1   C_2  p2   C_3  p3  label
//   0    0.9  1    0.95 1    0.99 1   1
//   1    0.3  0    0.85 2    0.9  2   2
//   2    0.2  0    0.4  1    0.6  0   1
const trace = parseTrace('exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,exit_3_conf,exit_3_pred,label\n0.9,1,0.95,1,0.99,1,1\n0.3,0,0.85,2,0.9,2,2\n0.2,0,0.4,1,0.6,0,1\n');
const costs = paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5 });

function rec(t: number, split: number, outcome: RoundRecord['outcome'], prediction: number, cost: number, label: number): RoundRecord {
  const offloaded = outcome === 'offload' || outcome === 'fallback';
  return { t, index: t - 1, chosen: split, split, outcome, fallback: outcome === 'fallback', offloaded, prediction, confidences: [], finalConf: NaN, cost, costUnit: 'lambda', reward: 0, deviceFlops: 0, deviceMs: 0, cloudMs: 0, latencyMs: 0, bytesSent: offloaded ? 100 : 0, attempts: offloaded ? 1 : 0, label, error: null };
}

test('scoreRun: baseline, reduction, drop, histogram and regret by hand', () => {
  // split 1 on every row: row 0 exits (right), rows 1, 2 offload (final: right, wrong)
  const records = [rec(1, 1, 'exit', 1, 0.1, 1), rec(2, 1, 'offload', 2, 0.6, 2), rec(3, 1, 'fallback', 0, 0.6 + 0.3, 1)];
  const s = scoreRun(records, trace, { costs, alpha: 0.8, mu: 1, points: 3 });
  close(s.accuracy, 2 / 3);
  close(s.finalLayerAccuracy, 2 / 3);
  close(s.costPerSample, 1.6 / 3);
  close(s.finalLayerCostPerSample, 0.3);
  close(s.costReduction, 1 - 1.6 / 3 / 0.3);
  close(s.accuracyDrop, 0);
  close(s.offloadFraction, 2 / 3);
  assert.equal(s.splitCounts, [0, 3, 0, 0]);
  assert.is(s.cloudFailures, 1);
  assert.is(s.bytesSent, 200);
  assert.is(s.predictionMismatches, 0);
  // arm means (full information): arm 1: (0.9-0.1 + 0.9-0.6 + 0.6-0.6)/3 = 1.1/3; arm 2: (0.95-0.2 + 0.85-0.2 + 0.6-0.7)/3 = 1.3/3;
  // arm 3: (0.99 + 0.9 + 0.6)/3 - 0.3 = 1.59/3 -> best arm 3; regret per round 0.49/3
  assert.is(s.regret.bestArm, 3);
  close(s.regret.total, 3 * (1.59 / 3 - 1.1 / 3), 1e-12);
  assert.equal(s.curves.t, [1, 2, 3]);
  close(s.curves.cost[2], 1.6 / 3);
});

test('scoreRun: a wrong prediction is counted as a mismatch; bad input refused', () => {
  const s = scoreRun([rec(1, 3, 'final', 0, 0.3, 1)], trace, { costs, alpha: 0.8, mu: 1 });
  assert.is(s.predictionMismatches, 1);
  assert.is(s.samples, 1);
  assert.throws(() => scoreRun([], trace, { costs, alpha: 0.8, mu: 1 }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => scoreRun([rec(2, 1, 'exit', 1, 0.1, 1)], trace, { costs, alpha: 0.8, mu: 1 }), (e: unknown) => e instanceof ArgumentError && /out of order/.test((e as Error).message));
});

test('scoreRun: a trace built in code with a NaN confidence is refused before any reward is computed', () => {
  const conf = Float64Array.from(trace.conf);
  conf[1 * 3 + 1] = NaN; // row 2, C_2: would count as an offload of arm 2 in the regret's arm means
  const bad = { ...trace, conf };
  const records = [rec(1, 1, 'exit', 1, 0.1, 1), rec(2, 1, 'offload', 2, 0.6, 2)];
  assert.throws(
    () => scoreRun(records, bad, { costs, alpha: 0.8, mu: 1 }),
    (e: unknown) => e instanceof ArgumentError && /^scoreRun: confidence of row 2 exit 2 out of range: got NaN, expected a value in \[0, 1\]$/.test((e as Error).message),
  );
  conf[1 * 3 + 1] = 0.85;
  assert.ok(Number.isFinite(scoreRun(records, bad, { costs, alpha: 0.8, mu: 1 }).regret.total));
});

test('scoreRun of a stage policy: decisions per stage, regret against its realized rewards', () => {
  // row 0 exits at 1, row 1 offloads at 2, row 2 runs to the final exit
  const records = [rec(1, 1, 'exit', 1, 0.1, 1), rec(2, 2, 'offload', 2, 0.7, 2), rec(3, 3, 'final', 0, 0.3, 1)];
  records[0].reward = 0.8;
  records[1].reward = 0.2;
  records[2].reward = 0.3;
  const s = scoreRun(records, trace, { costs, alpha: 0.8, mu: 1, points: 3, stage: true });
  assert.equal(s.decisions, { exits: [0, 1, 0, 0], offloads: [0, 0, 1, 0], finals: 1 });
  assert.equal(s.splitCounts, [0, 1, 1, 1]);
  close(s.regret.total, 1.59 - (0.8 + 0.2 + 0.3)); // best arm 3 (mean 1.59/3) against the realized rewards
});

test.run();
