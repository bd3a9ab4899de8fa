// --compat reference against an independent Python re-implementation of the published scripts
// (tools/reference/splitee_reference.py, numpy's log/sqrt, rows in file order): every decision, every
// reward sum and every reported number must be identical, not close.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parseTrace } from '../../src/splitee/trace.js';
import { replayReference } from '../../src/splitee/replay.js';

interface Case {
  trace: string;
  script: 'splitee.py' | 'splitee_s.py';
  alpha: number;
  lambda: number;
  offload: number;
  decisions: number[];
  rewardSums: number[];
  counts: number[];
  accuracy: number;
  costPerSample: number;
  offloadFraction: number;
}

const dir = new URL('./fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('reference-expected.json', dir), 'utf8')) as { cases: Case[] };

test('the fixture covers both scripts, two traces and four configurations', () => {
  assert.is(expected.cases.length, 16);
});

for (const c of expected.cases) {
  test(`${c.script} on ${c.trace}, alpha ${c.alpha}, lambda ${c.lambda}, o ${c.offload}: bit for bit`, () => {
    const trace = parseTrace(readFileSync(new URL(c.trace, dir), 'utf8'), c.trace);
    const r = replayReference(trace, c.script, { alpha: c.alpha, lambda: c.lambda, offload: c.offload, runs: 1, order: 'asis', recordDecisions: true });
    assert.equal(r.reference?.decisions, c.decisions);
    assert.equal(r.reference?.rewardSums, c.rewardSums);
    assert.equal(r.reference?.counts, c.counts);
    assert.is(r.accuracy, c.accuracy);
    assert.is(r.costPerSample, c.costPerSample);
    assert.is(r.offloadFraction, c.offloadFraction);
  });
}

test('hand-derived run: splitee.py and splitee_s.py on a 3-row, 2-exit trace', () => {
  // Rows (C_1, C_2): x0 = (0.9, 0.95), x1 = (0.5, 0.7), x2 = (0.85, 0.6); alpha 0.8, lambda 0.1, o 0.5.
  // r(0; x) = C_1 - 0.1 if C_1 >= 0.8, else C_2 - 0.5 - 0.1;  r(1; x) = C_2 - 0.2.
  // init: S = [r(0; x0), r(1; x1)] = [0.8, 0.5], N = [1, 1].
  // trial 0: ln 1 = 0 -> greedy: arm 0 (0.8 > 0.5); x0 exits at 1: r = 0.8, cost 0.1 (both scripts).
  //   S = [1.6, 0.5], N = [2, 1].
  // trial 1: ln 2: arm 0: 0.8 + sqrt(ln2/2) = 1.389; arm 1: 0.5 + sqrt(ln2) = 1.333 -> arm 0;
  //   x1 offloads: r = 0.7 - 0.5 - 0.1 = 0.1; cost splitee.py 0.5 + 0 + 0.1 = 0.6; splitee_s.py 0.6.
  //   S = [1.7, 0.5], N = [3, 1].
  // trial 2: ln 3: arm 0: 0.5667 + sqrt(ln3/3) = 1.1718; arm 1: 0.5 + sqrt(ln3) = 1.5481 -> arm 1;
  //   x2 at the final layer: r = 0.6 - 0.2 = 0.4; cost splitee.py 0.8*0.1*1 + 0.1 = 0.18, splitee_s.py 0.2.
  //   splitee_s.py also side-updates arm 0 with r(0; x2) = 0.85 - 0.1 = 0.75 (full information).
  const csv = 'exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,label\n0.9,1,0.95,1,1\n0.5,0,0.7,1,1\n0.85,0,0.6,1,0\n';
  const trace = parseTrace(csv);
  const a = replayReference(trace, 'splitee.py', { alpha: 0.8, lambda: 0.1, offload: 0.5, runs: 1, order: 'asis', recordDecisions: true });
  assert.equal(a.reference?.decisions, [0, 0, 1]);
  assert.equal(a.reference?.counts, [3, 2]);
  assert.ok(Math.abs(a.costPerSample - (0.1 + 0.6 + 0.18) / 3) < 1e-15);
  assert.ok(Math.abs(a.accuracy - 2 / 3) < 1e-15); // x0 right (exit 1 says 1), x1 right (final says 1), x2 wrong
  assert.is(a.offloadFraction, 1 / 3);
  const b = replayReference(trace, 'splitee_s.py', { alpha: 0.8, lambda: 0.1, offload: 0.5, runs: 1, order: 'asis', recordDecisions: true });
  assert.equal(b.reference?.decisions, [0, 0, 1]);
  assert.equal(b.reference?.counts, [4, 2]);
  assert.ok(Math.abs(b.reference!.rewardSums[0] - 2.45) < 1e-12);
  assert.ok(Math.abs(b.costPerSample - (0.1 + 0.6 + 0.2) / 3) < 1e-15);
});

test('reference mode rejects a trace shorter than L (arm a is initialised on row a)', () => {
  const trace = parseTrace('exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,label\n0.9,1,0.95,1,1\n');
  assert.throws(() => replayReference(trace, 'splitee.py', { runs: 1 }), /at least L = 2/);
});

test.run();
