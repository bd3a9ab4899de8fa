// ArmStats: plain, discounted and windowed statistics against brute-force recomputation from the
// full history, snapshot/restore continuity, and typed errors for bad options and corrupt snapshots.
// (test/splitee/policies.test.ts pins a short discounted and windowed case by hand.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ArmStats, MAX_RING_ENTRIES, type StatsKind, type StatsState } from '../../src/splitee/stats.js';
import { ArgumentError, FormatError } from '../../src/tensor/errors.js';

const isErr = (cls: Function, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message);
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-9 * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

/** One round: at most one reward per arm (null: the arm was not observed). */
type Round = (number | null)[];

function play(st: ArmStats, rounds: Round[]): void {
  for (const r of rounds) {
    st.beginRound();
    r.forEach((x, a) => {
      if (x !== null) st.add(a, x);
    });
    st.endRound();
  }
}

/** n and sum recomputed from the whole history: weight w(age) per observation, age 0 = latest round. */
function bruteForce(rounds: Round[], numArms: number, weight: (age: number) => number): { n: number[]; sum: number[] } {
  const n = new Array(numArms).fill(0);
  const sum = new Array(numArms).fill(0);
  rounds.forEach((r, t) => {
    const w = weight(rounds.length - 1 - t);
    r.forEach((x, a) => {
      if (x !== null) {
        n[a] += w;
        sum[a] += w * x;
      }
    });
  });
  return { n, sum };
}

function checkAgainst(st: ArmStats, want: { n: number[]; sum: number[] }): void {
  for (let a = 0; a < st.numArms; a++) {
    near(st.n[a], want.n[a], `n[${a}]`);
    near(st.sum[a], want.sum[a], `sum[${a}]`);
    if (want.n[a] > 1e-12) {
      near(st.mean[a], want.sum[a] / want.n[a], `mean[${a}]`);
      near(st.invSqrtN[a], 1 / Math.sqrt(want.n[a]), `invSqrtN[${a}]`);
    } else if (st.kind !== 'discounted') {
      assert.is(st.mean[a], 0, `mean[${a}] while unobserved`);
      assert.is(st.invSqrtN[a], Infinity, `invSqrtN[${a}] while unobserved`);
    }
  }
}

const roundsArb = (numArms: number) => fc.array(fc.array(fc.option(fc.double({ min: -2, max: 2, noNaN: true }), { nil: null }), { minLength: numArms, maxLength: numArms }), { maxLength: 40 });
const caseArb = fc.integer({ min: 1, max: 5 }).chain((A) => fc.tuple(fc.constant(A), roundsArb(A)));

test('plain: hand-computed counts, means, 1/sqrt(n), horizon t', () => {
  const st = new ArmStats('plain', 3);
  assert.equal([...st.invSqrtN], [Infinity, Infinity, Infinity]);
  play(st, [[1, null, 0.5], [3, 2, null], [null, null, null]]);
  assert.equal([...st.n], [2, 1, 1]);
  assert.equal([...st.sum], [4, 2, 0.5]);
  assert.equal([...st.mean], [2, 2, 0.5]);
  assert.is(st.invSqrtN[0], 1 / Math.SQRT2);
  assert.is(st.rounds, 3);
  assert.is(st.horizon(17), 17);
});

test('property: plain statistics are the sums over the whole history', () => {
  fc.assert(
    fc.property(caseArb, ([A, rounds]) => {
      const st = new ArmStats('plain', A);
      play(st, rounds);
      checkAgainst(st, bruteForce(rounds, A, () => 1));
      assert.is(st.rounds, rounds.length);
    }),
    { seed: 31, numRuns: 200 },
  );
});

test('property: discounted statistics weigh an observation of age k by gamma^k', () => {
  fc.assert(
    fc.property(caseArb, fc.double({ min: 0.05, max: 1, noNaN: true }), ([A, rounds], gamma) => {
      const st = new ArmStats('discounted', A, { gamma });
      play(st, rounds);
      const want = bruteForce(rounds, A, (k) => gamma ** k);
      checkAgainst(st, want);
      near(st.horizon(rounds.length), want.n.reduce((x, y) => x + y, 0), 'horizon');
    }),
    { seed: 32, numRuns: 200 },
  );
});

test('property: windowed statistics count only the last `window` rounds', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 1, max: 8 }), ([A, rounds], window) => {
      const st = new ArmStats('windowed', A, { window });
      play(st, rounds);
      checkAgainst(st, bruteForce(rounds, A, (k) => (k < window ? 1 : 0)));
      assert.is(st.horizon(rounds.length), Math.min(rounds.length, window));
    }),
    { seed: 33, numRuns: 300 },
  );
});

test('property: snapshot -> JSON -> restore continues exactly like the original, every kind', () => {
  const kindArb = fc.constantFrom<StatsKind>('plain', 'discounted', 'windowed');
  fc.assert(
    fc.property(caseArb, kindArb, fc.integer({ min: 1, max: 6 }), fc.nat(40), ([A, rounds], kind, window, cut) => {
      const opts = { gamma: 0.7, window };
      const a = new ArmStats(kind, A, opts);
      const k = Math.min(cut, rounds.length);
      play(a, rounds.slice(0, k));
      const b = ArmStats.restore(JSON.parse(JSON.stringify(a.snapshot())));
      assert.is(b.kind, kind);
      assert.is(b.rounds, k);
      play(a, rounds.slice(k));
      play(b, rounds.slice(k));
      for (const f of ['n', 'sum', 'mean', 'invSqrtN'] as const) assert.equal([...b[f]], [...a[f]], f);
      assert.equal(b.snapshot(), a.snapshot());
    }),
    { seed: 34, numRuns: 300 },
  );
});

test('constructor: unknown kind, bad numArms, gamma or window raise ArgumentError', () => {
  assert.throws(() => new ArmStats('ucb' as StatsKind, 2), isErr(ArgumentError, /^ArmStats: unknown kind: got 'ucb', expected plain, discounted or windowed$/));
  for (const n of [0, -1, 1.5, NaN]) {
    assert.throws(() => new ArmStats('plain', n), isErr(ArgumentError, new RegExp(`^ArmStats: invalid numArms: got ${n}, expected an integer >= 1$`)));
  }
  for (const gamma of [0, -0.5, 1.01, NaN]) {
    assert.throws(() => new ArmStats('discounted', 2, { gamma }), isErr(ArgumentError, new RegExp(`^ArmStats: invalid gamma: got ${gamma}, expected a discount in \\(0, 1\\]$`)));
  }
  for (const window of [0, 2.5, NaN, -3]) {
    assert.throws(() => new ArmStats('windowed', 2, { window }), isErr(ArgumentError, new RegExp(`^ArmStats: invalid window: got ${window}, expected an integer >= 1 \\(rounds\\)$`)));
  }
  // options of other kinds are not checked: gamma means nothing to a windowed statistic
  assert.is(new ArmStats('windowed', 2, { gamma: 5, window: 3 }).window, 3);
  assert.is(new ArmStats('discounted', 1).gamma, 0.999);
});

test('restore: every corrupt snapshot raises FormatError, never a statistic with garbage in it', () => {
  const w = new ArmStats('windowed', 2, { window: 2 });
  play(w, [[1, null], [null, 2]]);
  const good: StatsState = JSON.parse(JSON.stringify(w.snapshot()));
  const d: StatsState = JSON.parse(JSON.stringify(new ArmStats('discounted', 2, { gamma: 0.5 }).snapshot()));
  const bad: [string, unknown][] = [
    ['null', null],
    ['a number', 3],
    ['unknown kind', { ...good, kind: 'ucb' }],
    ['numArms 0', { ...good, numArms: 0, n: [], sum: [] }],
    ['gamma out of range', { ...d, gamma: 2 }],
    ['window 0', { ...good, window: 0 }],
    ['short n', { ...good, n: [1] }],
    ['sum not an array', { ...good, sum: 'x' }],
    ['negative n', { ...d, n: [-1, 0] }],
    ['NaN in sum (JSON null)', { ...good, sum: [null, 2] }],
    ['string in n', { ...good, n: ['1', 1] }],
    ['negative rounds', { ...good, rounds: -1 }],
    ['fractional rounds', { ...good, rounds: 1.5 }],
    ['ring missing', { ...good, ring: undefined }],
    ['ring too short', { ...good, ring: [1, null, null] }],
    ['ring entry not a number', { ...good, ring: ['x', null, null, 2] }],
    ['ring disagrees with n', { ...good, ring: [null, null, null, null] }],
  ];
  for (const [what, s] of bad) {
    assert.throws(() => ArmStats.restore(s as StatsState), isErr(FormatError, /^ArmStats\.restore: invalid state: .*; got .*, expected a snapshot\(\) of ArmStats$/), what);
  }
  assert.ok(ArmStats.restore(good) instanceof ArmStats);
});

/** Runs f and returns the largest typed array (Float64Array or Uint8Array, by length) it allocated. */
function largestAllocation(f: () => void): number {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = { Float64Array: g.Float64Array, Uint8Array: g.Uint8Array };
  let largest = 0;
  for (const [name, Orig] of Object.entries(saved) as [string, Float64ArrayConstructor][]) {
    g[name] = class extends Orig {
      constructor(...args: unknown[]) {
        if (typeof args[0] === 'number') largest = Math.max(largest, args[0]);
        super(...(args as [number]));
      }
    };
  }
  try {
    f();
  } finally {
    Object.assign(g, saved);
  }
  return largest;
}

test('restore: sizes are checked against the data present before anything is allocated', () => {
  const base = { kind: 'windowed', numArms: 2, rounds: 0, n: [0, 0], sum: [0, 0] };
  const cases: [string, unknown, RegExp][] = [
    // the input claims a ring of window * numArms entries but carries 4: never allocate 2 * 10^6 (or 2^41)
    ['huge window, short ring', { ...base, window: 1e6, ring: [null, null, null, null] }, /ring must have window \* numArms entries/],
    ['window 2^40', { ...base, window: 2 ** 40, ring: [] }, /ring must have window \* numArms entries/],
    ['no ring at all', { ...base, window: 2 ** 30 }, /ring must have window \* numArms entries/],
    // numArms is bounded by the n and sum actually present
    ['huge numArms', { kind: 'plain', numArms: 5e6, rounds: 0, n: [0], sum: [0] }, /n and sum must have numArms entries/],
    // a sparse array has the length without the data: the sane bound refuses it
    ['sparse ring over the bound', { ...base, window: MAX_RING_ENTRIES, ring: new Array(2 * MAX_RING_ENTRIES) }, /window too large/],
  ];
  for (const [what, st, re] of cases) {
    const largest = largestAllocation(() => {
      assert.throws(() => ArmStats.restore(st as StatsState), isErr(FormatError, /^ArmStats\.restore: invalid state: /), what);
      assert.throws(() => ArmStats.restore(st as StatsState), (e: unknown) => re.test((e as Error).message), what);
    });
    assert.ok(largest <= 4, `${what}: allocated ${largest} entries before refusing the state`);
  }
});

test('constructor: a windowed ring beyond MAX_RING_ENTRIES is an ArgumentError', () => {
  assert.is(MAX_RING_ENTRIES, 2 ** 24);
  assert.is(new ArmStats('windowed', 4, { window: MAX_RING_ENTRIES / 4 }).window, MAX_RING_ENTRIES / 4);
  assert.throws(
    () => new ArmStats('windowed', 4, { window: MAX_RING_ENTRIES / 4 + 1 }),
    isErr(ArgumentError, /^ArmStats: window too large: got 4194305 rounds over 4 arms \(16777220 ring entries\), expected at most 16777216 ring entries \(window \* numArms\)$/),
  );
  assert.is(new ArmStats('plain', 4, { window: 2 ** 40 }).window, 2 ** 40); // only a windowed statistic has a ring
});

test.run();
