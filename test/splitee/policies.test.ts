import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createAnyPolicy, createPolicy, isStagePolicy, isStagePolicyName, restoreAnyPolicy, restorePolicy, POLICY_NAMES, type Observation, type SplitPolicy } from '../../src/splitee/policy.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { ArmStats } from '../../src/splitee/stats.js';
import { ArgumentError, FormatError, StateError } from '../../src/tensor/errors.js';
import type { BanditPolicy } from '../../src/splitee/policies/base.js';
import { UcbPolicy } from '../../src/splitee/policies/splitee.js';

const costs = (L: number, cloudOnly: number | null = null) => paperCosts({ numExits: L, lambda: 0.1, offload: 0.5, cloudOnly });
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

/** An observation for split s of a sample with confidences conf (conf[L-1] = C_L), as a live system sees it. */
function observe(p: SplitPolicy, s: number, conf: number[], alpha = 0.8): Observation {
  const L = conf.length;
  const exit = s > 0 && s < L && conf[s - 1] >= alpha;
  const c = costs(L);
  const seesFinal = !exit;
  return {
    split: s,
    confidences: conf.map((v, j) => (j < s ? v : NaN)),
    offloaded: !exit && s < L,
    finalConf: seesFinal ? conf[L - 1] : NaN,
    cost: s === 0 ? 0.5 : c.device[s] + (!exit && s < L ? 0.5 : 0),
  };
}

test('the registry lists every policy', () => {
  assert.equal([...POLICY_NAMES], ['splitee', 'splitee-s', 'd-ucb', 'd-ucb-s', 'sw-ucb', 'sw-ucb-s', 'thompson', 'thompson-s', 'eps-greedy', 'eps-greedy-s', 'final', 'cloud', 'fixed:K', 'random', 'threshold', 'oracle', 'layerwise']);
});

test('layerwise is registered: createAnyPolicy builds it, createPolicy refuses it, its snapshot restores; a bad one is a FormatError', () => {
  const c = costs(4);
  assert.ok(isStagePolicyName('layerwise') && !isStagePolicyName('splitee-s'));
  assert.throws(() => createPolicy('layerwise', { costs: c }), (e: unknown) => e instanceof ArgumentError && /stage policy.*createAnyPolicy/.test((e as Error).message));
  const p = createAnyPolicy('layerwise', { costs: c, alpha: 0.7, mu: 1, seed: 2, c: 5 });
  assert.is(p.execution, 'stage');
  assert.ok(!isStagePolicy(createAnyPolicy('splitee-s', { costs: c })));
  if (p.execution !== 'stage') return;
  p.update({ stop: 2, outcome: 'offload', confidences: [0.3, 0.5], finalConf: 0.9, cost: 0.7 });
  const snap = JSON.parse(JSON.stringify(p.snapshot()));
  assert.is(snap.options.c, undefined); // the bandits' c is not layerwise's width
  assert.is(snap.options.mc, 1.5); // layerwise's default weight of its continuation returns
  const m0 = createAnyPolicy('layerwise', { costs: c, mc: 0 });
  assert.is((m0.snapshot().options as { mc?: number }).mc, 0);
  assert.throws(() => createAnyPolicy('layerwise', { costs: c, mc: -1 }), (e: unknown) => e instanceof ArgumentError && /invalid mc: got -1/.test((e as Error).message));
  const q = restoreAnyPolicy(snap);
  assert.is(JSON.stringify(q.snapshot()), JSON.stringify(p.snapshot()));
  assert.throws(() => restorePolicy(snap), (e: unknown) => e instanceof FormatError);
  const isFmt = (re: RegExp) => (e: unknown) => e instanceof FormatError && re.test((e as Error).message);
  assert.throws(() => restoreAnyPolicy({ ...snap, name: 'nope' }), isFmt(/unknown stage policy/));
  assert.throws(() => restoreAnyPolicy({ ...snap, state: { ...snap.state, visits: [NaN] } }), isFmt(/state.visits/));
  assert.throws(() => restoreAnyPolicy({ ...snap, state: { ...snap.state, visits: [1, 2] } }), isFmt(/visits/));
  assert.throws(() => restoreAnyPolicy({ ...snap, options: { ...snap.options, alpha: 7 } }), isFmt(/options rejected/));
  assert.throws(() => restoreAnyPolicy({ ...snap, options: { ...snap.options, alpha: {} } }), isFmt(/options.alpha/));
});

test('UCB plays each arm once first, shallowest first (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }), (L, cloud, row) => {
      for (const name of ['splitee', 'splitee-s', 'd-ucb', 'sw-ucb']) {
        const p = createPolicy(name, { costs: costs(L, cloud ? 0.7 : null), side: 'observable' });
        const first = cloud ? 0 : 1;
        const seen = new Set<number>();
        for (let t = 1; t <= L + 1 - first; t++) {
          const s = p.choose(t);
          if (name === 'splitee' && s !== first + t - 1) return false; // SplitEE: round t plays arm t
          if (seen.has(s)) return false;
          seen.add(s);
          p.update(observe(p, s, row.slice(0, L)));
        }
      }
      return true;
    }),
    { seed: 3, numRuns: 100 },
  );
});

test('UCB index on a hand-computed history; ties go to the shallower layer', () => {
  // L = 2. Round 1: arm 1 exits with C_1 = 0.9 -> r = 0.9 - 0.1 = 0.8. Round 2: arm 2, C_L = 0.95 -> r = 0.75.
  // Round 3: arm 1: 0.8 + sqrt(ln 3 / 1) = 1.848; arm 2: 0.75 + 1.048 -> arm 1.
  const p = createPolicy('splitee', { costs: costs(2) });
  assert.is(p.choose(1), 1);
  p.update(observe(p, 1, [0.9, 0.95]));
  assert.is(p.choose(2), 2);
  p.update(observe(p, 2, [0.9, 0.95]));
  assert.is(p.choose(3), 1);
  // Round 3: arm 1 offloads (C_1 = 0.3, C_L = 0.55): r = 0.55 - 0.6 = -0.05; mean 0.375, n = 2.
  p.update(observe(p, 1, [0.3, 0.55]));
  // Round 4: arm 1: 0.375 + sqrt(ln 4 / 2) = 1.2075; arm 2: 0.75 + sqrt(ln 4) = 1.9274 -> arm 2.
  assert.is(p.choose(4), 2);
  assert.equal((p as BanditPolicy).armStats().mean.map((m) => Math.round(m * 1e12) / 1e12), [0.375, 0.75]);
  // Equal rewards everywhere: every index ties, the shallowest arm wins.
  const q = createPolicy('splitee', { costs: costs(3), c: 0 });
  for (let t = 1; t <= 3; t++) q.update({ split: q.choose(t), confidences: [0, 0, 0], offloaded: true, finalConf: 0.5, cost: 0 });
  assert.is(q.choose(4), 1);
});

test("SplitEE-S side rule 'observable': arms whose reward needs an unseen C_L are not updated", () => {
  // L = 4, split 3 exits (C_3 = 0.9): arm 1 (C_1 = 0.85 >= 0.8) is known; arm 2 (C_2 = 0.4) needs C_L: skipped.
  const p = createPolicy('splitee-s', { costs: costs(4) }) as BanditPolicy;
  p.update({ split: 3, confidences: [0.85, 0.4, 0.9, NaN], offloaded: false, finalConf: NaN, cost: 0.30000000000000004, hindsightFinalConf: NaN });
  const { n, mean } = p.armStats();
  assert.equal(n, [1, 0, 1, 0]);
  close(mean[0], 0.85 - 0.1);
  close(mean[2], 0.9 - 0.30000000000000004);
  // Offloaded at split 3 (C_3 = 0.5): C_L = 0.7 is observed, so arm 2 is known too.
  p.update({ split: 3, confidences: [0.85, 0.4, 0.5, NaN], offloaded: true, finalConf: 0.7, cost: 0.8 });
  assert.equal(p.armStats().n, [2, 1, 2, 0]);
  close(p.armStats().mean[1], 0.7 - (0.2 + 0.5));
});

test("SplitEE-S side rule 'full' uses the trace's C_L (replay only), as the published script does", () => {
  const p = createPolicy('splitee-s', { costs: costs(4), side: 'full' }) as BanditPolicy;
  p.update({ split: 3, confidences: [0.85, 0.4, 0.9, NaN], offloaded: false, finalConf: NaN, cost: 0.3, hindsightFinalConf: 0.7 });
  assert.equal(p.armStats().n, [1, 1, 1, 0]);
  close(p.armStats().mean[1], 0.7 - 0.7);
  // Plain SplitEE ignores --side: only the played arm moves.
  const q = createPolicy('splitee', { costs: costs(4), side: 'full' }) as BanditPolicy;
  q.update({ split: 3, confidences: [0.85, 0.4, 0.9, NaN], offloaded: false, finalConf: NaN, cost: 0.3, hindsightFinalConf: 0.7 });
  assert.equal(q.armStats().n, [0, 0, 1, 0]);
});

test('cloud-only arm 0: side-updated whenever C_L is seen', () => {
  const p = createPolicy('splitee-s', { costs: costs(3, 0.6) }) as BanditPolicy;
  assert.is(p.numArms, 4);
  p.update({ split: 3, confidences: [0.5, 0.6, 0.9], offloaded: false, finalConf: 0.9, cost: 0.3 });
  assert.equal(p.armStats().n, [1, 1, 1, 1]);
  close(p.armStats().mean[0], 0.9 - 0.6);
});

test('discounted and windowed statistics, by hand', () => {
  const d = new ArmStats('discounted', 2, { gamma: 0.5 });
  d.beginRound();
  d.add(0, 1);
  d.endRound();
  d.beginRound();
  d.add(1, 2);
  d.endRound();
  d.beginRound();
  d.add(0, 3);
  d.endRound();
  // arm 0: n = 0.25 + 1 = 1.25, sum = 0.25 + 3 = 3.25; arm 1: n = 0.5, sum = 1
  close(d.n[0], 1.25);
  close(d.mean[0], 3.25 / 1.25);
  close(d.mean[1], 2);
  close(d.horizon(3), 1.75);
  const w = new ArmStats('windowed', 2, { window: 2 });
  for (const [a, r] of [[0, 1], [1, 2], [0, 3]] as const) {
    w.beginRound();
    w.add(a, r);
    w.endRound();
  }
  // round 1 (arm 0, 1) left the window: arm 0 holds only 3
  assert.equal([...w.n], [1, 1]);
  assert.equal([...w.mean], [3, 2]);
  assert.is(w.horizon(10), 2);
  w.beginRound(); // round 2 (arm 1) leaves: arm 1 is unobserved again
  assert.equal([...w.n], [1, 0]);
  assert.is(w.invSqrtN[1], Infinity);
  const back = ArmStats.restore(JSON.parse(JSON.stringify(w.snapshot())));
  assert.equal([...back.n], [...w.n]);
  assert.throws(() => new ArmStats('windowed', 2, { window: 0 }), /invalid window: got 0/);
  assert.throws(() => new ArmStats('discounted', 2, { gamma: 1.5 }), /invalid gamma: got 1.5/);
});

test('state round-trips through JSON mid-stream for every bandit (same next choices, same state)', () => {
  const rows: number[][] = [];
  let x = 0.123;
  for (let i = 0; i < 200; i++) {
    const r: number[] = [];
    for (let j = 0; j < 6; j++) r.push((x = (x * 9301 + 0.49297) % 1));
    rows.push(r);
  }
  for (const name of ['splitee', 'splitee-s', 'd-ucb-s', 'sw-ucb-s', 'thompson-s', 'eps-greedy-s', 'random']) {
    const a = createPolicy(name, { costs: costs(6), seed: 9, window: 13, gamma: 0.95 });
    for (let t = 1; t <= 100; t++) a.update(observe(a, a.choose(t), rows[t - 1]));
    const b = restorePolicy(JSON.parse(JSON.stringify(a.snapshot())));
    for (let t = 101; t <= 200; t++) {
      const sa = a.choose(t);
      assert.is(b.choose(t), sa, `${name} round ${t}`);
      a.update(observe(a, sa, rows[t - 1]));
      b.update(observe(b, sa, rows[t - 1]));
    }
    assert.equal(b.snapshot(), a.snapshot());
  }
});

test('invalid options and observations are errors that say what was expected', () => {
  const isArg = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message);
  assert.throws(() => createPolicy('ucb2', { costs: costs(3) }), isArg(/unknown policy: got 'ucb2', expected one of splitee/));
  assert.throws(() => createPolicy('fixed', { costs: costs(3) }), isArg(/needs a split.*fixed:3/));
  assert.throws(() => createPolicy('fixed:4', { costs: costs(3) }), isArg(/split out of range: got 4, expected an integer in \[1, 3\]/));
  assert.throws(() => createPolicy('oracle', { costs: costs(3) }), isArg(/replay computes it/));
  assert.throws(() => createPolicy('cloud', { costs: costs(3) }), isArg(/no cloud-only arm/));
  assert.throws(() => createPolicy('splitee', { costs: costs(3), c: -1 }), isArg(/invalid c: got -1/));
  assert.throws(() => createPolicy('eps-greedy', { costs: costs(3), epsilon: 2 }), isArg(/invalid epsilon: got 2/));
  assert.throws(() => createPolicy('thompson', { costs: costs(3), sigma: 0 }), isArg(/invalid sigma: got 0/));
  assert.throws(() => createPolicy('splitee-s', { costs: costs(3), side: 'leaky' as 'full' }), isArg(/invalid side rule: got 'leaky'/));
  const p = createPolicy('splitee', { costs: costs(3) });
  assert.throws(() => p.choose(0), isArg(/invalid round: got 0, expected an integer t >= 1/));
  assert.throws(() => p.update({ split: 4, confidences: [], offloaded: false, finalConf: 0.5, cost: 0 }), isArg(/split out of range: got 4/));
  assert.throws(() => p.update({ split: 1, confidences: [0.2], offloaded: true, finalConf: NaN, cost: 0 }), (e: unknown) => e instanceof StateError && /C_L missing/.test((e as Error).message));
  assert.throws(() => restorePolicy({ format: 'nope' } as never), /not a policy snapshot/);
});

test('update: a confidence the policy reads outside [0, 1] (NaN) is an ArgumentError, and nothing is learned', () => {
  const isConf = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message);
  for (const name of ['splitee', 'splitee-s', 'sw-ucb-s', 'thompson-s', 'eps-greedy']) {
    const p = createPolicy(name, { costs: costs(4), side: 'full' }) as BanditPolicy;
    const before = JSON.stringify(p.snapshot());
    // the played split's C_s: NaN used to count as an offload (C_s >= alpha is false) and learn C_L's reward
    assert.throws(() => p.update({ split: 2, confidences: [0.9, NaN], offloaded: true, finalConf: 0.7, cost: 0.7 }), isConf(new RegExp(`^${name}\\.update: invalid confidence C_2: got NaN, expected a value in \\[0, 1\\]$`)), name);
    assert.throws(() => p.update({ split: 2, confidences: [0.9, 1.5], offloaded: false, finalConf: NaN, cost: 0.2 }), isConf(/invalid confidence C_2: got 1\.5/), name);
    assert.throws(() => p.update({ split: 2, confidences: [0.9, 0.3], offloaded: true, finalConf: 1.5, cost: 0.7 }), isConf(/invalid confidence C_L: got 1\.5/), name);
    assert.throws(() => p.update({ split: 4, confidences: [0.5, 0.5, 0.5, 0.5], offloaded: false, finalConf: -0.1, cost: 0.4 }), isConf(/invalid confidence C_L: got -0\.1/), name);
    // finalConf NaN means "not observed": where C_L must have been observed it is missing, a StateError
    const isMissing = (e: unknown) => e instanceof StateError && /C_L missing: got finalConf NaN \(not observed\) for split 2/.test((e as Error).message);
    assert.throws(() => p.update({ split: 2, confidences: [0.9, 0.3], offloaded: true, finalConf: NaN, cost: 0.7 }), isMissing, name);
    if (p.sideObservations) {
      // a shallower confidence read as a side observation, checked before anything is updated
      assert.throws(() => p.update({ split: 3, confidences: [NaN, 0.9, 0.95], offloaded: false, finalConf: NaN, cost: 0.3, hindsightFinalConf: 0.7 }), isConf(/invalid confidence C_1: got NaN/), name);
      assert.throws(() => p.update({ split: 3, confidences: [0.2, 0.9, 0.95], offloaded: false, finalConf: NaN, cost: 0.3, hindsightFinalConf: NaN }), isConf(/invalid confidence C_L \(hindsight\): got NaN/), name);
    }
    assert.is(JSON.stringify(p.snapshot()), before, `${name}: a refused observation changed the policy`);
    // what the policy does not read stays free: entries from [split] on, C_split at split L
    p.update({ split: 2, confidences: [0.9, 0.95, NaN, NaN], offloaded: false, finalConf: NaN, cost: 0.2 });
    p.update({ split: 4, confidences: [0.1, 0.2, 0.3, NaN], offloaded: false, finalConf: 0.9, cost: 0.4 });
    assert.equal(p.playCounts(), [0, 1, 0, 1]);
  }
  // the side rule 'observable' never reads the hindsight C_L
  const o = createPolicy('splitee-s', { costs: costs(4) });
  o.update({ split: 3, confidences: [0.2, 0.9, 0.95], offloaded: false, finalConf: NaN, cost: 0.3, hindsightFinalConf: NaN });
});

test('baselines: final, cloud, fixed, random (uniform, seeded), threshold', () => {
  assert.is(createPolicy('final', { costs: costs(5) }).choose(1), 5);
  assert.is(createPolicy('cloud', { costs: costs(5, 0.6) }).choose(1), 0);
  assert.is(createPolicy('fixed:2', { costs: costs(5) }).choose(7), 2);
  const th = createPolicy('threshold', { costs: costs(5) });
  assert.is(th.execution, 'device-cascade');
  assert.is(th.choose(1), 5);
  const r = createPolicy('random', { costs: costs(4), seed: 5 });
  const hist = [0, 0, 0, 0];
  for (let t = 1; t <= 8000; t++) hist[r.choose(t) - 1]++;
  for (const h of hist) assert.ok(Math.abs(h - 2000) < 150, `random split histogram ${hist}`);
});

test('UcbPolicy bonus is c * sqrt(ln t / n_i), tight margins, c = 2.5', () => {
  // L = 2, arm 1 played once with mean 0.5 - d, arm 2 four times with mean 0.5. At round t = 10:
  //   index_1 - index_2 = -d + 2.5 * sqrt(ln 10) * (1 - 1/2) = 1.896784 - d.
  // d = 1.92: arm 2 (with ln(t + 1) it would be 1.935642 - d > 0: arm 1).
  // d = 1.85: arm 1 (with sqrt(c ln t / n) it would be 0.5 * sqrt(2.5 ln 10) = 1.199635 - d < 0: arm 2).
  const drive = (d: number): number => {
    const p = new UcbPolicy('splitee', { costs: costs(2), alpha: 0.8, c: 2.5 }, false);
    p.update({ split: 1, confidences: [0.9, NaN], offloaded: false, finalConf: NaN, cost: 0.4 + d });
    for (let k = 0; k < 4; k++) p.update({ split: 2, confidences: [0.3, 0.5], offloaded: false, finalConf: 0.5, cost: 0 });
    close(p.armStats().mean[0], 0.5 - d);
    return p.choose(10);
  };
  assert.is(drive(1.92), 2);
  assert.is(drive(1.85), 1);
  // and at round 3 with n = (1, 1): equal bonuses, the larger mean wins; ties to the shallower arm
  const p = new UcbPolicy('splitee', { costs: costs(2), alpha: 0.8, c: 2.5 }, false);
  p.update({ split: 1, confidences: [0.9, NaN], offloaded: false, finalConf: NaN, cost: 0.4 });
  p.update({ split: 2, confidences: [0.3, 0.5], offloaded: false, finalConf: 0.5, cost: 0 });
  assert.is(p.choose(3), 1);
});

test('restorePolicy type-checks every field of a snapshot: named FormatErrors, bounded messages', () => {
  const good = createPolicy('splitee-s', { costs: costs(3), alpha: 0.5, seed: 4 }).snapshot();
  const clone = (): Record<string, any> => JSON.parse(JSON.stringify(good));
  const deep = (n: number): unknown => {
    let v: unknown = 0.5;
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  const isFmt = (re: RegExp) => (e: unknown) => e instanceof FormatError && re.test((e as Error).message) && (e as Error).message.length < 400;
  const cases: [string, (s: Record<string, any>) => void, RegExp][] = [
    ['options missing', (s) => delete s.options, /^restorePolicy: invalid options: got undefined, expected an object/],
    ['options an array', (s) => (s.options = [1]), /invalid options: got \[1\], expected an object/],
    ['alpha a string', (s) => (s.options.alpha = '0.5'), /invalid options\.alpha: got "0\.5", expected a finite number or absent/],
    ['alpha true', (s) => (s.options.alpha = true), /invalid options\.alpha: got true/],
    ['alpha [0.5]', (s) => (s.options.alpha = [0.5]), /invalid options\.alpha: got \[0\.5\]/],
    ['alpha deep', (s) => (s.options.alpha = deep(10000)), /invalid options\.alpha: got an array of 1 item/],
    ['alpha out of range', (s) => (s.options.alpha = 2), /^restorePolicy: options rejected: policy 'splitee-s': invalid alpha: got 2/],
    ['seed a string', (s) => (s.options.seed = '4'), /invalid options\.seed: got "4"/],
    ['side unknown', (s) => (s.options.side = 'half'), /invalid options\.side: got "half", expected one of observable, full/],
    ['unknown option', (s) => (s.options.evil = 1), /invalid options: got "key evil"/],
    ['costs missing', (s) => delete s.options.costs, /invalid options\.costs: got undefined/],
    ['costs deep', (s) => (s.options.costs.device = deep(10000)), /^costTableFromJSON: invalid cost table: got numExits 3, device an array of 1 item/],
    ['plays a string', (s) => (s.plays = '1,2,3'), /invalid plays: got "1,2,3"/],
    ['plays huge', (s) => (s.plays = new Array(100000).fill(0)), /invalid plays: got an array of 100000 items, expected an array of at most 4096/],
    ['plays deep', (s) => (s.plays = [deep(10000), 0, 0]), /invalid plays: got an array of 3 items/],
    ['plays wrong length', (s) => (s.plays = [0, 0]), /invalid plays: got \[0,0\], expected 3 integers/],
    ['stats a number', (s) => (s.stats = 3), /invalid stats: got 3, expected null or an ArmStats snapshot/],
    ['stats deep', (s) => (s.stats.n = deep(10000)), /^ArmStats\.restore: invalid state: .*got kind "plain", numArms 3, n an array of 1 item/],
    ['rng a string', (s) => (s.rng = 'x'), /invalid rng: got "x"/],
    ['rng state deep', (s) => (s.rng.state = deep(10000)), /invalid rng\.state: got an array of 1 item, expected an array of 4 integers/],
    ['rng spare a string', (s) => (s.rng.spareNormal = '1'), /invalid rng\.spareNormal: got "1"/],
    ['name long', (s) => (s.name = 'x'.repeat(5000)), /invalid name: got a string of 5000 chars/],
    ['format deep', (s) => (s.format = deep(10000)), /not a policy snapshot: format: got an array of 1 item/],
  ];
  for (const [what, mutate, re] of cases) {
    const s = clone();
    mutate(s);
    assert.throws(() => restorePolicy(s), isFmt(re), what);
  }
  assert.throws(() => restorePolicy(deep(10000)), isFmt(/not a policy snapshot: value: got an array of 1 item/));
  assert.equal(restorePolicy(clone()).snapshot(), good);
});

test.run();
