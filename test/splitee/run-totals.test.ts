// RunTotals: running totals over round records, against a hand-computed run and a brute-force
// recomputation over arbitrary records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RunTotals } from '../../src/splitee/run-totals.js';
import { ArgumentError } from '../../src/tensor/errors.js';
import type { Outcome, RoundRecord } from '../../src/splitee/runner.js';

interface Part {
  /** The split the policy chose (default: split); differs under 'device-cascade'. */
  chosen?: number;
  split: number;
  outcome: Outcome;
  prediction: number;
  label: number | null;
  cost: number;
  reward: number;
  bytesSent: number;
}

function record(t: number, p: Part): RoundRecord {
  const offloaded = p.outcome === 'offload' || p.outcome === 'fallback';
  return {
    t,
    index: t - 1,
    chosen: p.chosen ?? p.split,
    split: p.split,
    outcome: p.outcome,
    fallback: p.outcome === 'fallback',
    offloaded,
    prediction: p.prediction,
    confidences: [],
    finalConf: NaN,
    cost: p.cost,
    costUnit: 'lambda',
    reward: p.reward,
    deviceFlops: 0,
    deviceMs: 0,
    cloudMs: 0,
    latencyMs: 0,
    bytesSent: p.bytesSent,
    attempts: offloaded ? 1 : 0,
    label: p.label,
    error: null,
  };
}

test('empty totals: zero counts, NaN accuracy and cost per sample (nothing to divide)', () => {
  const t = new RunTotals(3);
  assert.equal(t.splitCounts, [0, 0, 0, 0]);
  assert.equal(t.outcomes, { exit: 0, final: 0, offload: 0, fallback: 0 });
  assert.equal([t.rounds, t.labelled, t.correct, t.cost, t.reward, t.offloads, t.fallbacks, t.bytesSent], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok(Number.isNaN(t.accuracy));
  assert.ok(Number.isNaN(t.costPerSample));
});

test('a hand-computed run of four rounds (L = 3)', () => {
  const t = new RunTotals(3);
  t.add(record(1, { split: 1, outcome: 'exit', prediction: 2, label: 2, cost: 0.1, reward: 0.8, bytesSent: 0 }));
  t.add(record(2, { split: 2, outcome: 'offload', prediction: 5, label: 4, cost: 0.7, reward: 0.2, bytesSent: 1000 }));
  t.add(record(3, { split: 2, outcome: 'fallback', prediction: 1, label: null, cost: 0.7, reward: -0.1, bytesSent: 1000 }));
  t.add(record(4, { split: 3, outcome: 'final', prediction: 7, label: 7, cost: 0.3, reward: 0.6, bytesSent: 0 }));
  assert.is(t.rounds, 4);
  assert.is(t.labelled, 3); // round 3 has no label: it counts for cost, not for accuracy
  assert.is(t.correct, 2);
  assert.is(t.accuracy, 2 / 3);
  assert.ok(Math.abs(t.cost - 1.8) < 1e-12);
  assert.ok(Math.abs(t.costPerSample - 0.45) < 1e-12);
  assert.ok(Math.abs(t.reward - 1.5) < 1e-12);
  assert.is(t.offloads, 2);
  assert.is(t.fallbacks, 1);
  assert.is(t.bytesSent, 2000);
  assert.equal(t.splitCounts, [0, 1, 2, 1]);
  assert.equal(t.outcomes, { exit: 1, final: 1, offload: 1, fallback: 1 });
});

test('property: the totals equal a recomputation from the records', () => {
  const partArb = (L: number) =>
    fc.record({
      chosen: fc.integer({ min: 0, max: L }),
      split: fc.integer({ min: 0, max: L }),
      outcome: fc.constantFrom<Outcome>('exit', 'final', 'offload', 'fallback'),
      prediction: fc.integer({ min: 0, max: 3 }),
      label: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
      cost: fc.double({ min: 0, max: 5, noNaN: true }),
      reward: fc.double({ min: -3, max: 1, noNaN: true }),
      bytesSent: fc.nat(10_000),
    });
  const runArb = fc.integer({ min: 1, max: 12 }).chain((L) => fc.tuple(fc.constant(L), fc.array(partArb(L), { maxLength: 60 })));
  fc.assert(
    fc.property(runArb, ([L, parts]) => {
      const t = new RunTotals(L);
      const recs = parts.map((p, i) => record(i + 1, p));
      for (const r of recs) t.add(r);
      const labelled = recs.filter((r) => r.label !== null);
      const correct = labelled.filter((r) => r.prediction === r.label).length;
      const cost = recs.reduce((s, r) => s + r.cost, 0);
      assert.is(t.rounds, recs.length);
      assert.is(t.labelled, labelled.length);
      assert.is(t.correct, correct);
      assert.is(t.cost, cost); // same additions in the same order: identical, not just close
      assert.is(t.reward, recs.reduce((s, r) => s + r.reward, 0));
      assert.is(t.offloads, recs.filter((r) => r.offloaded).length);
      assert.is(t.fallbacks, recs.filter((r) => r.fallback).length);
      assert.is(t.bytesSent, recs.reduce((s, r) => s + r.bytesSent, 0));
      // counted by the split played, not the one chosen
      assert.equal(t.splitCounts, Array.from({ length: L + 1 }, (_, s) => recs.filter((r) => r.split === s).length));
      for (const o of ['exit', 'final', 'offload', 'fallback'] as const) assert.is(t.outcomes[o], recs.filter((r) => r.outcome === o).length, o);
      if (labelled.length > 0) assert.is(t.accuracy, correct / labelled.length);
      else assert.ok(Number.isNaN(t.accuracy));
      if (recs.length > 0) assert.is(t.costPerSample, cost / recs.length);
    }),
    { seed: 41, numRuns: 200 },
  );
});

test('invalid input: numExits < 1 and a split outside 0..L are ArgumentErrors; nothing is counted', () => {
  for (const L of [0, -1, 1.5, NaN]) assert.throws(() => new RunTotals(L), (e: unknown) => e instanceof ArgumentError && /^RunTotals: numExits must be a positive integer: got/.test((e as Error).message));
  const t = new RunTotals(3);
  for (const split of [4, -1, 1.5]) {
    assert.throws(() => t.add(record(1, { split, outcome: 'exit', prediction: 0, label: 0, cost: 1, reward: 0, bytesSent: 0 })), (e: unknown) => e instanceof ArgumentError && /^RunTotals\.add: split out of range: got .*, expected an integer in 0\.\.3$/.test((e as Error).message));
  }
  assert.equal([t.rounds, t.cost, t.splitCounts], [0, 0, [0, 0, 0, 0]]);
});

test('each RunTotals owns its counters (no shared outcome or split arrays)', () => {
  const a = new RunTotals(2);
  const b = new RunTotals(2);
  a.add(record(1, { split: 1, outcome: 'exit', prediction: 0, label: 0, cost: 0.1, reward: 1, bytesSent: 0 }));
  assert.equal(b.splitCounts, [0, 0, 0]);
  assert.is(b.outcomes.exit, 0);
});

test.run();
