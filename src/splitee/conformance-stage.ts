/**
 * The conformance kit's properties for per-stage policies (stage.ts), fast-check over random exits L
 * in 2..12, paper costs, thresholds, seeds and confidence streams:
 *
 *   observableOnly      decide() at stage i and update() after a round that stopped at s get arrays
 *                       whose entries past what the device computed THROW when read (a trap proxy);
 *                       C_L is handed only when observed (offload, final). A policy that peeks fails.
 *   noLabels            the API carries no label: nothing to read (checked by construction: the
 *                       observation type has no label field; the kit never builds one).
 *   legalActions        every answer is exit / continue / offload, and exit only where C_i >= alpha
 *   sameSeedSameChoices two policies made with the same seed, fed the same stream, decide alike
 *   snapshotRoundTrip   snapshot -> JSON -> restore continues with identical decisions and state
 */
import fc from 'fast-check';
import { paperCosts, type CostTable } from './cost.js';
import { rewardModel } from './reward.js';
import { resolveAction, stageCost, type StageObservation, type StagePolicy, type StagePolicyState } from './stage.js';

export interface StageConformanceSubject {
  name: string;
  make(ctx: { costs: CostTable; alpha: number; seed: number }): StagePolicy;
  restore(state: StagePolicyState): StagePolicy;
}

interface Scenario {
  L: number;
  lambda: number;
  offload: number;
  alpha: number;
  seed: number;
  rows: number[][];
  cut: number;
}

const arb: fc.Arbitrary<Scenario> = fc.record({
  L: fc.integer({ min: 2, max: 12 }),
  lambda: fc.double({ min: 0, max: 0.5, noNaN: true }),
  offload: fc.double({ min: 0, max: 1, noNaN: true }),
  alpha: fc.double({ min: 0.05, max: 1, noNaN: true }),
  seed: fc.integer({ min: -1e6, max: 1e6 }),
  rows: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }), { minLength: 1, maxLength: 40 }),
  cut: fc.nat(),
});

const costsOf = (s: Scenario): CostTable => paperCosts({ numExits: s.L, lambda: s.lambda, offload: s.offload });

/** An array of the first `n` of `values` whose other entries throw when read. */
function trap(values: number[], n: number, len: number): ArrayLike<number> {
  return new Proxy(values.slice(0, len), {
    get(target, key, recv) {
      if (typeof key === 'string' && /^\d+$/.test(key) && Number(key) >= n) throw new Error(`read unobserved entry [${key}] (only [0..${n - 1}] observed)`);
      return Reflect.get(target, key, recv) as unknown;
    },
  });
}

/** Plays the rows from `from` (count rounds, rounds t0 + 1..): returns the decisions as 'stop:outcome'. */
function play(p: StagePolicy, s: Scenario, from: number, count: number, t0: number): string[] {
  const m = rewardModel(s.alpha, 1, costsOf(s));
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const row = s.rows[(from + k) % s.rows.length];
    let stop = 0;
    let o: string = 'continue';
    while (o === 'continue') {
      stop++;
      o = resolveAction(m, stop, row[stop - 1], p.decide(t0 + k + 1, stop, trap(row, stop, s.L)), 'conformance');
    }
    const outcome = o as StageObservation['outcome'];
    out.push(`${stop}:${outcome}`);
    p.update({ stop, outcome, confidences: trap(row, stop, s.L), finalConf: outcome === 'exit' ? NaN : row[s.L - 1], cost: stageCost(m, stop, outcome) });
  }
  return out;
}

const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function stagePolicyProperties(subject: StageConformanceSubject): Record<string, fc.IProperty<[Scenario]>> {
  const build = (s: Scenario): StagePolicy => subject.make({ costs: costsOf(s), alpha: s.alpha, seed: s.seed });
  return {
    observableOnlyAndLegal: fc.property(arb, (s) => play(build(s), s, 0, s.rows.length * 2, 0).length === s.rows.length * 2),
    sameSeedSameChoices: fc.property(arb, (s) => same(play(build(s), s, 0, s.rows.length * 2, 0), play(build(s), s, 0, s.rows.length * 2, 0))),
    snapshotRoundTrip: fc.property(arb, (s) => {
      const n = s.rows.length;
      const k = s.cut % (n + 1);
      const p = build(s);
      play(p, s, 0, k, 0);
      const q = subject.restore(JSON.parse(JSON.stringify(p.snapshot())) as StagePolicyState);
      return same(play(p, s, k, n, k), play(q, s, k, n, k)) && JSON.stringify(p.snapshot()) === JSON.stringify(q.snapshot());
    }),
  };
}

/** Runs every property; throws naming the subject and the property that failed. */
export function assertStagePolicyConformance(subject: StageConformanceSubject, params: fc.Parameters<[Scenario]> = {}): void {
  for (const [name, prop] of Object.entries(stagePolicyProperties(subject))) {
    try {
      fc.assert(prop, { seed: 20240601, numRuns: 60, ...params });
    } catch (err) {
      throw new Error(`stage policy conformance: '${subject.name}' fails ${name}: ${(err as Error).message}`);
    }
  }
}
