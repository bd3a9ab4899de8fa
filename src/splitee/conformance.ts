/**
 * The policy conformance kit: fast-check properties every SplitPolicy must satisfy, for built-in and
 * user policies alike. A separate entry point (it imports fast-check, which the core does not need):
 *
 *   import { assertPolicyConformance } from 'splitee/conformance';
 *   assertPolicyConformance({ name: 'mine', make: ({ costs, alpha, seed }) => new MyPolicy(...) });
 *
 * Properties (each over random exits L in 1..12, costs, thresholds, seeds and confidence streams):
 *   armsInRange          every choice is an integer split in [first, L] (first = 0 with the cloud arm)
 *   sameSeedSameChoices  two policies made with the same seed, fed the same stream, choose alike
 *   snapshotRoundTrip    snapshot -> JSON -> restore continues with identical choices
 *   countsAddUp          playCounts() sums to the rounds updated, and counts the played splits
 *   observableOnly       fed NaN wherever a value was not observed (confidences past the split, C_L of
 *                        a sample that exited on the device, hindsightFinalConf), the policy's state
 *                        never holds a NaN and it never chooses NaN: it read nothing it could not see
 *                        (one Observation serves every round and is set to NaN after each update, so
 *                        a policy that keeps it past update() fails here too)
 */
import fc from 'fast-check';
import { paperCosts, type CostTable } from './cost.js';
import { restorePolicy, type Observation, type PolicyState, type SplitPolicy } from './policy.js';

export interface ConformanceSubject {
  name: string;
  /** Builds a fresh policy; must be deterministic given its arguments. */
  make(ctx: { costs: CostTable; alpha: number; seed: number }): SplitPolicy;
  /** Rebuilds from a snapshot (default: restorePolicy). */
  restore?(state: PolicyState): SplitPolicy;
  /** Whether the cost tables offered have the cloud-only arm 0: 'any' (default), 'always', 'never'. */
  cloudOnly?: 'any' | 'always' | 'never';
}

interface Scenario {
  L: number;
  cloudOnly: boolean;
  lambda: number;
  offload: number;
  alpha: number;
  seed: number;
  rows: number[][];
  /** Where snapshotRoundTrip cuts the stream. */
  cut: number;
}

function scenario(cloudOnly: 'any' | 'always' | 'never', maxRounds: number): fc.Arbitrary<Scenario> {
  const conf = fc.double({ min: 0, max: 1, noNaN: true });
  return fc.record({
    L: fc.integer({ min: 1, max: 12 }),
    cloudOnly: cloudOnly === 'any' ? fc.boolean() : fc.constant(cloudOnly === 'always'),
    lambda: fc.double({ min: 0, max: 0.5, noNaN: true }),
    offload: fc.double({ min: 0, max: 1, noNaN: true }),
    alpha: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer({ min: -1e6, max: 1e6 }),
    rows: fc.array(fc.array(conf, { minLength: 12, maxLength: 12 }), { minLength: 1, maxLength: maxRounds }),
    cut: fc.nat(),
  });
}

function costsOf(s: Scenario): CostTable {
  return paperCosts({ numExits: s.L, lambda: s.lambda, offload: s.offload, cloudOnly: s.cloudOnly ? s.offload * 1.5 : null });
}

/**
 * Plays `policy` over the scenario's rows as a live system would, starting at round t0 + 1, from row
 * offset `from`; unobserved values are NaN. Returns the choices.
 */
function play(policy: SplitPolicy, s: Scenario, from: number, count: number, t0: number): number[] {
  const L = s.L;
  const costs = costsOf(s);
  const buf = new Float64Array(L);
  const out: number[] = [];
  // One observation for every round, poisoned after each update: it is valid during update() only
  // (policy-types.ts), so a policy that kept it would read NaN and fail observableOnly.
  const obs: Observation = { split: 0, confidences: buf, offloaded: false, finalConf: NaN, cost: 0, hindsightFinalConf: undefined };
  for (let k = 0; k < count; k++) {
    const row = s.rows[(from + k) % s.rows.length];
    let split = policy.choose(t0 + k + 1);
    out.push(split);
    if (!(Number.isInteger(split) && split >= (costs.cloudOnly ? 0 : 1) && split <= L)) return out;
    if (policy.execution === 'device-cascade') {
      split = L;
      for (let j = 1; j < L; j++) {
        if (row[j - 1] >= s.alpha) {
          split = j;
          break;
        }
      }
    }
    const exit = split > 0 && split < L && row[split - 1] >= s.alpha;
    const offloaded = !exit && split < L && policy.execution === 'split';
    const seesFinal = offloaded || split === L;
    for (let j = 0; j < L; j++) buf[j] = j < split ? row[j] : NaN;
    obs.split = split;
    obs.offloaded = offloaded;
    obs.finalConf = seesFinal ? row[L - 1] : NaN;
    obs.cost = split === 0 ? costs.offload[0] : costs.device[split] + (offloaded ? costs.offload[split] : 0);
    obs.hindsightFinalConf = seesFinal ? undefined : NaN;
    policy.update(obs);
    buf.fill(NaN);
    obs.finalConf = NaN;
    obs.cost = NaN;
  }
  return out;
}

function hasNaN(v: unknown): boolean {
  if (typeof v === 'number') return Number.isNaN(v);
  if (Array.isArray(v)) return v.some(hasNaN);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasNaN);
  return false;
}

function build(subject: ConformanceSubject, s: Scenario): SplitPolicy {
  return subject.make({ costs: costsOf(s), alpha: s.alpha, seed: s.seed });
}

/** The kit's properties for one subject, by name (run them with fc.assert, or use assertPolicyConformance). */
export function policyProperties(subject: ConformanceSubject, maxRounds = 40): Record<string, fc.IProperty<[Scenario]>> {
  const arb = scenario(subject.cloudOnly ?? 'any', maxRounds);
  const restore = subject.restore ?? restorePolicy;
  return {
    armsInRange: fc.property(arb, (s) => {
      const p = build(subject, s);
      const first = costsOf(s).cloudOnly ? 0 : 1;
      const choices = play(p, s, 0, s.rows.length * 2, 0);
      return choices.every((c) => Number.isInteger(c) && c >= first && c <= s.L);
    }),
    sameSeedSameChoices: fc.property(arb, (s) => {
      const a = play(build(subject, s), s, 0, s.rows.length * 2, 0);
      const b = play(build(subject, s), s, 0, s.rows.length * 2, 0);
      return a.length === b.length && a.every((x, i) => x === b[i]);
    }),
    snapshotRoundTrip: fc.property(arb, (s) => {
      const n = s.rows.length;
      const k = s.cut % (n + 1);
      const p = build(subject, s);
      play(p, s, 0, k, 0);
      const q = restore(JSON.parse(JSON.stringify(p.snapshot())) as PolicyState);
      const a = play(p, s, k, n, k);
      const b = play(q, s, k, n, k);
      return a.length === b.length && a.every((x, i) => x === b[i]) && JSON.stringify(p.snapshot()) === JSON.stringify(q.snapshot());
    }),
    countsAddUp: fc.property(arb, (s) => {
      const p = build(subject, s);
      const rounds = s.rows.length;
      play(p, s, 0, rounds, 0);
      const counts = p.playCounts();
      return counts.length === p.numArms && counts.reduce((x, y) => x + y, 0) === rounds;
    }),
    observableOnly: fc.property(arb, (s) => {
      const p = build(subject, s);
      const choices = play(p, s, 0, s.rows.length * 2, 0);
      return !choices.some(Number.isNaN) && !hasNaN(p.snapshot());
    }),
  };
}

/** Runs every property; throws naming the subject and the property that failed. */
export function assertPolicyConformance(subject: ConformanceSubject, params: fc.Parameters<[Scenario]> = {}): void {
  for (const [name, prop] of Object.entries(policyProperties(subject))) {
    try {
      fc.assert(prop, { seed: 20240601, numRuns: 60, ...params });
    } catch (err) {
      throw new Error(`policy conformance: '${subject.name}' fails ${name}: ${(err as Error).message}`);
    }
  }
}
