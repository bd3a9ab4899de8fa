import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { paperCosts } from '../../../src/splitee/cost.js';
import { LayerwisePolicy, restoreLayerwise } from '../../../src/splitee/policies/layerwise.js';
import { replayStage } from '../../../src/splitee/replay-stage.js';
import { bestThresholdRule } from '../../../src/splitee/stage-oracle.js';
import { rewardModel } from '../../../src/splitee/reward.js';
import { resolveAction, stageCost } from '../../../src/splitee/stage.js';
import { syntheticTrace } from '../../../src/splitee/synthetic.js';
import type { CostTable } from '../../../src/splitee/cost.js';
import type { LayerwiseOptions } from '../../../src/splitee/policies/layerwise.js';
import type { Trace } from '../../../src/splitee/trace.js';

const costs = paperCosts({ numExits: 3, lambda: 0.1, offload: 0.1 });

/** A trace of n copies of one row (L = 3), all labels 0 and every prediction right. */
function constant(row: number[], n = 300): Trace {
  const conf = new Float64Array(n * 3);
  for (let r = 0; r < n; r++) conf.set(row, r * 3);
  return { numExits: 3, numRows: n, conf, pred: new Int32Array(n * 3), label: new Int32Array(n) };
}

/** Trains on the trace (one permutation) and returns the policy. */
function trained(tr: Trace, more: Partial<LayerwiseOptions> = {}): LayerwisePolicy {
  let p: LayerwisePolicy | null = null;
  replayStage(tr, ({ seed }) => (p = new LayerwisePolicy('layerwise', { costs, alpha: 0.8, seed, c: 0.02, ...more })), { costs, alpha: 0.8, runs: 1 });
  return p!;
}

/** The continuation returns from the first round (these streams are shorter than the default mcFrom), and without them. */
const RETURNS: Partial<LayerwiseOptions>[] = [{}, { mcFrom: 0 }, { mc: 0 }];

// Hand-computed (lambda 0.1, o 0.1, alpha 0.8):
//   C = (0.95, 0.96, 0.97): exit at 1 = 0.85; continue at best 0.96 - 0.2 = 0.76 -> exit at stage 1.
//   C = (0.3, 0.3, 0.99):   offload at 1 = 0.99 - 0.2 = 0.79; offload at 2 = 0.69; final = 0.69 -> offload at 1.
//   C = (0.3, 0.95, 0.5):   offload at 1 = 0.5 - 0.2 = 0.3; exit at 2 = 0.95 - 0.2 = 0.75 -> continue, then exit at 2.
test('hand-computed traces: exit now, offload now, continue then exit (with and without continuation returns)', () => {
  for (const more of RETURNS) {
    const m = JSON.stringify(more);
    assert.is(trained(constant([0.95, 0.96, 0.97]), more).decide(1e6, 1, [0.95]), 'exit', m);
    assert.is(trained(constant([0.3, 0.3, 0.99]), more).decide(1e6, 1, [0.3]), 'offload', m);
    const p = trained(constant([0.3, 0.95, 0.5]), more);
    assert.is(p.decide(1e6, 1, [0.3]), 'continue', m);
    assert.is(p.decide(1e6, 2, [0.3, 0.95]), 'exit', m);
  }
});

test('hand-computed: after learning, the replayed rounds end as computed (almost all)', () => {
  const r = replayStage(constant([0.3, 0.3, 0.99]), ({ seed }) => new LayerwisePolicy('layerwise', { costs, alpha: 0.8, seed, c: 0.02 }), { costs, alpha: 0.8, runs: 2 });
  assert.ok(r.offloads[0] >= 0.95 * 600, `offloads at stage 1: ${r.offloads[0]} of 600`);
});

test('a mixed stream: each sample gets its own right decision (per-sample, not one split)', () => {
  const rows = [[0.95, 0.96, 0.97], [0.3, 0.3, 0.99], [0.3, 0.95, 0.5]];
  const n = 900;
  const conf = new Float64Array(n * 3);
  for (let r = 0; r < n; r++) conf.set(rows[r % 3], r * 3);
  const tr: Trace = { numExits: 3, numRows: n, conf, pred: new Int32Array(n * 3), label: new Int32Array(n) };
  for (const more of RETURNS) {
    const p = trained(tr, more);
    assert.is(p.decide(1e6, 1, [0.95]), 'exit');
    // (0.3 at stage 1) is two kinds of sample: continuing is worth 0.5 * 0.75 + 0.5 * 0.69 = 0.72 > offload 0.5 * (0.79 + 0.3) = 0.545
    assert.is(p.decide(1e6, 1, [0.3]), 'continue');
    assert.is(p.decide(1e6, 2, [0.3, 0.95]), 'exit');
    // after (0.3, 0.3) only the first kind remains: offload at 2 = 0.69 vs final = 0.69: either is right; exit is not allowed
    assert.is.not(p.decide(1e6, 2, [0.3, 0.3]), 'exit');
  }
});

test('snapshot -> JSON -> restore keeps the learned values', () => {
  const p = trained(constant([0.3, 0.3, 0.99]));
  const q = restoreLayerwise(JSON.parse(JSON.stringify(p.snapshot())));
  assert.equal(q.snapshot(), p.snapshot());
  assert.is(q.decide(1e6, 1, [0.3]), 'offload');
});

test('bad options and a bad snapshot are named errors', () => {
  assert.throws(() => new LayerwisePolicy('x', { costs, alpha: 0 }), /invalid alpha/);
  assert.throws(() => new LayerwisePolicy('x', { costs, gamma: 1.5 }), /invalid gamma/);
  assert.throws(() => new LayerwisePolicy('x', { costs, lowBins: 0 }), /invalid lowBins/);
  for (const mc of [-0.5, NaN, Infinity, '1' as unknown as number]) assert.throws(() => new LayerwisePolicy('x', { costs, mc }), /policy 'x': invalid mc: got .*, expected a number in \[0, 1e6\]/);
  for (const mcFrom of [-1, 2.5, NaN]) assert.throws(() => new LayerwisePolicy('x', { costs, mcFrom }), /invalid mcFrom/);
  assert.throws(() => restoreLayerwise({ format: 'nope' } as never), /not a stage-policy snapshot/);
});

// Sublinear regret against the best per-layer-threshold rule in hindsight on a stationary stream:
// the regret added over the second half of the stream is less than half the first half's (linear
// regret would add as much). Checked to fail for a policy that never learns (c = 5: explores forever).
function halves(c: number | undefined): [number, number] {
  const tr = syntheticTrace({ rows: 6000, exits: 6, seed: 3 });
  const k = paperCosts({ numExits: 6, lambda: 0.1, offload: 0.3 });
  const ref = bestThresholdRule(tr, rewardModel(0.8, 1, k)).meanReward;
  const r = replayStage(tr, ({ seed }) => new LayerwisePolicy('layerwise', { costs: k, alpha: 0.8, seed, ...(c === undefined ? {} : { c }) }), { costs: k, alpha: 0.8, runs: 4, reference: ref, regretPoints: 2 });
  const [h, t] = r.regret.curve.mean;
  return [h, t - h];
}

test('regret against the best per-layer-threshold rule grows sublinearly on a stationary stream', () => {
  const [first, second] = halves(undefined); // the defaults
  assert.ok(second < 0.5 * Math.max(first, 0), `first half ${first.toFixed(2)}, second half ${second.toFixed(2)}`);
  const [f2, s2] = halves(5);
  assert.ok(!(s2 < 0.5 * Math.max(f2, 0)), `c = 5 should not pass: first ${f2.toFixed(2)}, second ${s2.toFixed(2)}`);
});

// The same property on 12 exits, alpha 0.9 and a measured-like cost table (device 3 ms per stage, an
// offload 20-30 ms, mu = lambda L / device[L]), where the bins' Markov chain misjudges continuing: with
// mc 0 (the induction alone) the second half adds about as much regret as the first (118 -> +130 here;
// seeds 5 and 7: 160 -> +170, 230 -> +193); with the continuation returns 51 -> +16.
test('with continuation returns, regret against the best per-layer-threshold rule grows sublinearly at L = 12, alpha 0.9', () => {
  const L = 12;
  const device = new Float64Array(L + 1);
  const offload = new Float64Array(L + 1);
  for (let i = 1; i <= L; i++) device[i] = 3 * i;
  for (let i = 1; i < L; i++) offload[i] = 20 + 10 * (1 - i / L);
  const k: CostTable = { kind: 'measured', unit: 'ms', numExits: L, cloudOnly: false, device, offload };
  const mu = (0.1 * L) / device[L];
  const tr = syntheticTrace({ rows: 6000, exits: L, seed: 3 });
  const ref = bestThresholdRule(tr, rewardModel(0.9, mu, k)).meanReward;
  const r = replayStage(tr, ({ seed }) => new LayerwisePolicy('layerwise', { costs: k, alpha: 0.9, mu, seed }), { costs: k, alpha: 0.9, mu, runs: 2, reference: ref, regretPoints: 2 });
  const [first, total] = r.regret.curve.mean;
  const second = total - first;
  assert.ok(first > 0 && second < 0.5 * first, `first half ${first.toFixed(2)}, second half ${second.toFixed(2)}`);
});

// Snapshots from before the continuation returns have no mc, mcFrom, retSum or retN: they restore as the
// induction alone (mc 0), so a resumed run decides as the original did.
test('a snapshot without the continuation returns restores with mc 0 and decides as the original', () => {
  const k = paperCosts({ numExits: 6, lambda: 0.05, offload: 0.3 });
  const tr = syntheticTrace({ rows: 1500, exits: 6, seed: 5, noise: 0.15 });
  const p = new LayerwisePolicy('lw', { costs: k, alpha: 0.8, c: 0.1, mc: 0 });
  feed(p, tr, k, 0.8);
  const old = JSON.parse(JSON.stringify(p.snapshot()));
  delete old.options.mc;
  delete old.options.mcFrom;
  delete old.state.retSum;
  delete old.state.retN;
  const q = restoreLayerwise(old);
  assert.is(q.mc, 0);
  const more = syntheticTrace({ rows: 1500, exits: 6, seed: 6, noise: 0.15 });
  feed(p, more, k, 0.8);
  feed(q, more, k, 0.8);
  assert.is(answers(q, 6), answers(p, 6));
  assert.equal(q.snapshot(), p.snapshot());
  // a current snapshot keeps mc, mcFrom and the returns
  const d = new LayerwisePolicy('lw', { costs: k, alpha: 0.8, mcFrom: 100 });
  feed(d, tr, k, 0.8);
  const snap = JSON.parse(JSON.stringify(d.snapshot()));
  assert.is(snap.options.mc, 1.5);
  assert.ok(snap.state.retN.some((x: number) => x > 0));
  const e = restoreLayerwise(snap);
  assert.is(e.mc, 1.5);
  assert.is(answers(e, 6), answers(d, 6));
});

/** Plays a synthetic stream through p (decide until a round ends, then update). */
function feed(p: LayerwisePolicy, tr: Trace, k: ReturnType<typeof paperCosts>, alpha: number): void {
  const L = tr.numExits;
  const m = rewardModel(alpha, 1, k);
  const buf = new Float64Array(L);
  for (let r = 0; r < tr.numRows; r++) {
    let stop = 0;
    let o: string = 'continue';
    while (o === 'continue') {
      stop++;
      buf[stop - 1] = tr.conf[r * L + stop - 1];
      o = resolveAction(m, stop, buf[stop - 1], p.decide(r + 1, stop, buf), 'test');
    }
    const outcome = o as 'exit' | 'offload' | 'final';
    p.update({ stop, outcome, confidences: buf, finalConf: outcome === 'exit' ? NaN : tr.conf[r * L + L - 1], cost: stageCost(m, stop, outcome) });
  }
}

/** The policy's answers over a grid of (stage, C_1..C_stage = c) with no exploration bonus difference. */
function answers(p: LayerwisePolicy, L: number): string {
  let out = '';
  for (let i = 1; i < L; i++) for (let c = 0.01; c < 1; c += 0.02) out += p.decide(1e6, i, new Float64Array(L).fill(c))[0];
  return out;
}

// The incremental induction (only dirty states and what reaches a changed value) must equal a full one:
// restore() re-induces everything, so a restored copy answers like the original at every grid point.
// Checked to fail when refreshDirty does not propagate to upstream states (stage 1 stale).
test('incremental update = full backward induction (sliding window and plain)', () => {
  for (const [window, transPrior, mcFrom] of [[0, 'top', 1000], [0, 'stay', 1000], [300, 'top', 1000], [0, 'top', 0], [300, 'top', 100]] as const) {
    const k = paperCosts({ numExits: 6, lambda: 0.05, offload: 0.3 });
    const p = new LayerwisePolicy('lw', { costs: k, alpha: 0.8, c: 0.1, window, transPrior, mcFrom });
    feed(p, syntheticTrace({ rows: 3000, exits: 6, seed: 5, noise: 0.15 }), k, 0.8);
    const q = restoreLayerwise(JSON.parse(JSON.stringify(p.snapshot())));
    assert.is(answers(q, 6), answers(p, 6), `window ${window}, transPrior ${transPrior}, mcFrom ${mcFrom}`);
    assert.ok(new Set(answers(p, 6)).size >= 2, 'the grid exercises more than one action');
  }
});

test('a sliding window forgets: after a change of stream only the last W rounds count', () => {
  const k = paperCosts({ numExits: 3, lambda: 0.1, offload: 0.1 });
  const first = constant([0.3, 0.95, 0.5], 400);
  const second = constant([0.3, 0.3, 0.85], 200);
  // credit 'path' (both): the window is under test, not how C_L is credited
  const w = new LayerwisePolicy('w', { costs: k, alpha: 0.8, c: 0.02, window: 100, credit: 'path' });
  const all = new LayerwisePolicy('all', { costs: k, alpha: 0.8, c: 0.02, credit: 'path' });
  for (const p of [w, all]) {
    feed(p, first, k, 0.8);
    assert.is(p.decide(1e6, 1, [0.3]), 'continue');
    feed(p, second, k, 0.8);
  }
  // the window has seen only the second stream: offload at 1 (0.85 - 0.2 = 0.65) beats continuing (0.55);
  // over both streams continuing is worth 2/3 * 0.75 + 1/3 * 0.55 = 0.68 > 0.65
  assert.is(w.decide(1e6, 1, [0.3]), 'offload');
  assert.is(all.decide(1e6, 1, [0.3]), 'continue');
  assert.throws(() => new LayerwisePolicy('x', { costs: k, window: 10, gamma: 0.99 }), /window and gamma together/);
});

// The window subtracts exactly what the evicted round added, its continuation return included only when
// that round credited one (round number >= mcFrom): after N rounds a window of W holds the statistics of a
// policy that saw only the last W rounds (all credited, mcFrom 0). Rounds 0..29 credit nothing and are
// evicted at rounds 50..79, so an eviction that asked whether the current round credits would subtract
// returns never added. Checked to fail with credits(this.rounds) in place of credits(this.rounds - size).
test('a sliding window evicts each round\'s statistics and continuation return exactly', () => {
  const k = paperCosts({ numExits: 4, lambda: 0.05, offload: 0.3 });
  const tr = syntheticTrace({ rows: 180, exits: 4, seed: 11, noise: 0.2 });
  const W = 50;
  const windowed = new LayerwisePolicy('w', { costs: k, alpha: 0.8, c: 0.1, window: W, mcFrom: 30 });
  const lastOnly = new LayerwisePolicy('last', { costs: k, alpha: 0.8, c: 0.1, mcFrom: 0 });
  const obs = (r: number, stop: number, outcome: 'exit' | 'offload' | 'final') => ({
    stop,
    outcome,
    confidences: tr.conf.subarray(r * 4, r * 4 + 4),
    finalConf: outcome === 'exit' ? NaN : tr.conf[r * 4 + 3],
    cost: 0,
  });
  // fixed paths, the same for both policies: exit at 2 when C_2 >= 0.8, else offload at 1 or 3, or final
  const path = (r: number): [number, 'exit' | 'offload' | 'final'] => (tr.conf[r * 4 + 1] >= 0.8 ? [2, 'exit'] : r % 3 === 0 ? [1, 'offload'] : r % 3 === 1 ? [3, 'offload'] : [4, 'final']);
  for (let r = 0; r < 180; r++) windowed.update(obs(r, ...path(r)));
  for (let r = 180 - W; r < 180; r++) lastOnly.update(obs(r, ...path(r)));
  const a = windowed.snapshot().state;
  const b = lastOnly.snapshot().state;
  for (const key of ['visits', 'confSum', 'trans', 'transN', 'clSum', 'clN', 'retSum', 'retN']) {
    const x = a[key] as number[];
    const y = b[key] as number[];
    assert.ok(y.some((v) => v !== 0), `${key} holds something`);
    for (let j = 0; j < x.length; j++) assert.ok(Math.abs(x[j] - y[j]) <= 1e-9, `${key}[${j}]: windowed ${x[j]}, last ${W} rounds only ${y[j]}`);
  }
});

// Selection bias (lambda 0.1, o 0.1, alpha 0.8): after C_1 = 0.3 half the samples become confident
// (0.3, 0.95, 0.99) and half do not (0.3, 0.3, 0.6). Offload at 1 = (0.99 + 0.6) / 2 - 0.2 = 0.595 beats
// continue = (0.95 - 0.2 + 0.6 - 0.3) / 2 = 0.525. Crediting C_L along the path sees C_L only for the
// unconfident half (0.6: offload looks like 0.4) and keeps continuing; 'chain' does not (both start
// optimistic about continuing: transPrior 'top').
test("credit 'chain' offloads where the path credit's selection bias keeps continuing", () => {
  const rows = [[0.3, 0.95, 0.99], [0.3, 0.3, 0.6]];
  const conf = new Float64Array(600 * 3);
  for (let r = 0; r < 600; r++) conf.set(rows[r % 2], r * 3);
  const tr: Trace = { numExits: 3, numRows: 600, conf, pred: new Int32Array(1800), label: new Int32Array(600) };
  const decideAfter = (credit: 'chain' | 'path'): string => {
    const p = new LayerwisePolicy('lw', { costs, alpha: 0.8, c: 0.02, credit, transPrior: 'top' });
    feed(p, tr, costs, 0.8);
    return p.decide(1e6, 1, [0.3]);
  };
  assert.is(decideAfter('chain'), 'offload');
  assert.is(decideAfter('path'), 'continue');
});

test.run();
