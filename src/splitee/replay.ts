/**
 * Replay: run a policy over a trace (the per-exit confidence matrix) as if the samples arrived one by
 * one, and score it. The policy sees only what a live system would see (Observation); labels only
 * score accuracy.
 *
 * Runs and seeds: run r (0-based) uses Rng.seeded(seed + r). With order 'shuffle' that stream first
 * permutes the rows (Fisher-Yates); then, in both orders, it draws the policy's own seed
 * (rng.int(2^31)). So every run is reproducible alone, and runs differ from each other.
 *
 * Regret is the pseudo-regret against the best fixed arm in hindsight: with mu_a the mean over the
 * whole trace of arm a's full-information reward, R_T = sum_{t<=T} (max_a mu_a - mu_{a_t}).
 * Means and standard deviations (sample std, n - 1; 0 for one run) are over runs.
 *
 * `compat: 'reference'` reproduces Div290/SplitEE's splitee.py / splitee_s.py instead; see
 * replayReference below and src/splitee/README.md for every difference.
 */
import { ArgumentError } from '../tensor/errors.js';
import { Rng } from './rng.js';
import { armReward, rewardModel, type RewardModel } from './reward.js';
import { paperCosts, type CostTable } from './cost.js';
import { createPolicy, type Observation, type PolicyOptions, type SideRule, type SplitPolicy } from './policy.js';
import { requireLabels, validateTrace, type Trace } from './trace.js';

export type RowOrder = 'asis' | 'shuffle';

export interface ReplayOptions {
  costs: CostTable;
  /** Exit threshold (default 0.8). */
  alpha?: number;
  /** Cost weight (default 1). */
  mu?: number;
  runs?: number;
  seed?: number;
  order?: RowOrder;
  side?: SideRule;
  /** Further options handed to createPolicy (c, gamma, window, epsilon, sigma, stats, split). */
  policyOptions?: Partial<Omit<PolicyOptions, 'costs' | 'alpha' | 'mu' | 'side' | 'seed'>>;
  /** Points of the down-sampled regret curve (default 100). */
  regretPoints?: number;
  /** Called after each run (progress bars). */
  onRun?: (run: number) => void;
}

export interface RegretSummary {
  /** Cumulative pseudo-regret after the last round, mean over runs. */
  total: number;
  totalStd: number;
  /** Per-sample regret (total / rounds). */
  perSample: number;
  /** The best fixed arm in hindsight (a split layer; 0 = cloud only). */
  bestArm: number;
  /** Mean full-information reward of every arm over the trace, at [arm - first]. */
  armMeanRewards: number[];
  /** Down-sampled cumulative regret: rounds t and the mean over runs at t. */
  curve: { t: number[]; mean: number[] };
}

export interface ReplayResult {
  policy: string;
  runs: number;
  rows: number;
  numExits: number;
  /** Unit of every cost (the cost table's). */
  unit: string;
  accuracy: number;
  accuracyStd: number;
  costPerSample: number;
  costPerSampleStd: number;
  offloadFraction: number;
  /** Mean realized reward per sample. */
  meanReward: number;
  /** Rounds played at splits 1..L, summed over runs; index 0 = split after stage 1. */
  armCounts: number[];
  /** Rounds played at arm 0 (cloud only), summed over runs. */
  cloudOnlyCount: number;
  finalLayerAccuracy: number;
  finalLayerCostPerSample: number;
  /** 1 - costPerSample / finalLayerCostPerSample. */
  costReductionVsFinal: number;
  /** (finalLayerAccuracy - accuracy) * 100, in percentage points. */
  accuracyDropVsFinal: number;
  regret: RegretSummary;
  perRun: { accuracy: number[]; costPerSample: number[]; offloadFraction: number[]; regret: number[] };
  /** compat 'reference' only: what the published script reports. */
  reference?: {
    script: 'splitee.py' | 'splitee_s.py';
    /** The scripts' "optimal arm" (as a split layer, 1-based): argmax over arms of the mean over runs of the reward SUMS (not means). */
    optimalArm: number;
    /** S and N of the last run (0-based arms at [a]). */
    rewardSums: number[];
    counts: number[];
    /** The last run's main-loop decisions (0-based arms), when recordDecisions. */
    decisions?: number[];
  };
}

export type PolicyFactory = (ctx: { run: number; seed: number; bestArm: number }) => SplitPolicy;

/** Mean full-information reward of each arm (first..L) over the whole trace. */
export function armMeanRewards(trace: Trace, model: RewardModel): number[] {
  const L = trace.numExits;
  const first = model.costs.cloudOnly ? 0 : 1;
  const out: number[] = [];
  for (let a = first; a <= L; a++) {
    let s = 0;
    for (let r = 0; r < trace.numRows; r++) s += armReward(model, a, a > 0 ? trace.conf[r * L + a - 1] : 0, trace.conf[r * L + L - 1]);
    out.push(s / trace.numRows);
  }
  return out;
}

/** Mean reward of the device cascade (threshold baseline) over the trace. */
function cascadeMeanReward(trace: Trace, m: RewardModel): number {
  const L = trace.numExits;
  let s = 0;
  for (let r = 0; r < trace.numRows; r++) {
    const j = cascadeExit(trace.conf, r * L, L, m.alpha);
    s += trace.conf[r * L + j - 1] - m.mu * m.costs.device[j];
  }
  return s / trace.numRows;
}

function cascadeExit(conf: Float64Array, base: number, L: number, alpha: number): number {
  for (let j = 1; j < L; j++) if (conf[base + j - 1] >= alpha) return j;
  return L;
}

/** Index of the largest value, ties to the lowest index. */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export function meanStd(xs: number[]): [number, number] {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return [mean, 0];
  const v = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1);
  return [mean, Math.sqrt(v)];
}

function checkpoints(n: number, points: number): Int32Array {
  const p = Math.max(1, Math.min(points, n));
  const out = new Int32Array(p);
  for (let k = 1; k <= p; k++) out[k - 1] = Math.ceil((k * n) / p);
  return out;
}

function rowOrder(n: number, order: RowOrder, rng: Rng): Int32Array {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (order === 'shuffle') rng.shuffle(idx);
  else if (order !== 'asis') throw new ArgumentError(`replay: unknown order: got '${order}', expected asis or shuffle`);
  return Int32Array.from(idx);
}

function checkRuns(runs: number, seed: number): void {
  if (!Number.isInteger(runs) || runs < 1) throw new ArgumentError(`replay: invalid runs: got ${runs}, expected an integer >= 1`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`replay: invalid seed: got ${seed}, expected an integer`);
}

/** Replays `policy` (a registry name, or a factory called once per run) over the trace. */
export function replay(trace: Trace, policy: string | PolicyFactory, options: ReplayOptions): ReplayResult {
  validateTrace(trace, 'replay');
  requireLabels(trace, 'replay');
  const { costs } = options;
  const L = trace.numExits;
  if (costs.numExits !== L) throw new ArgumentError(`replay: cost table and trace disagree: got a table for ${costs.numExits} exits, expected ${L} (the trace's)`);
  const runs = options.runs ?? 20;
  const seed = options.seed ?? 1;
  const order = options.order ?? 'shuffle';
  checkRuns(runs, seed);
  const model = rewardModel(options.alpha ?? 0.8, options.mu ?? 1, costs);
  const first = costs.cloudOnly ? 0 : 1;
  const mus = armMeanRewards(trace, model);
  const bestIdx = argmax(mus);
  const bestArm = first + bestIdx;
  const muStar = mus[bestIdx];
  const muCascade = cascadeMeanReward(trace, model);
  const N = trace.numRows;
  const cps = checkpoints(N, options.regretPoints ?? 100);
  const curveSum = new Float64Array(cps.length);
  const armCounts = new Array<number>(L).fill(0);
  let cloudOnlyCount = 0;
  const perRun = { accuracy: [] as number[], costPerSample: [] as number[], offloadFraction: [] as number[], regret: [] as number[] };
  const rewards: number[] = [];
  const name = typeof policy === 'string' ? policy : '';
  let policyName = name;
  const buf = new Float64Array(L);
  const obs: Observation = { split: 0, confidences: buf, offloaded: false, finalConf: null, cost: 0, hindsightFinalConf: undefined };
  const { conf, pred, label } = trace;
  const alpha = model.alpha;
  const mu = model.mu;

  for (let run = 0; run < runs; run++) {
    const rng = Rng.seeded(seed + run);
    const rows = rowOrder(N, order, rng);
    const policySeed = rng.int(2 ** 31);
    const p: SplitPolicy =
      typeof policy === 'string'
        ? createPolicy(policy, { ...options.policyOptions, costs, alpha, mu, side: options.side, seed: policySeed, ...(policy === 'oracle' ? { split: bestArm } : {}) })
        : policy({ run, seed: policySeed, bestArm });
    policyName = p.name;
    if (p.numExits !== L) throw new ArgumentError(`replay: policy and trace disagree: got a policy over ${p.numExits} exits, expected ${L}`);
    const cascade = p.execution === 'device-cascade';
    let correct = 0;
    let cost = 0;
    let offloads = 0;
    let reward = 0;
    let regret = 0;
    let cp = 0;
    for (let t = 1; t <= N; t++) {
      const row = rows[t - 1];
      const base = row * L;
      const cl = conf[base + L - 1];
      let s = p.choose(t);
      let off = false;
      let c: number;
      let y: number;
      if (cascade) s = cascadeExit(conf, base, L, alpha);
      if (!(s >= first && s <= L)) throw new ArgumentError(`replay: policy '${p.name}' chose an arm out of range: got ${s} at round ${t}, expected an integer in [${first}, ${L}]`);
      if (s === 0) {
        off = true;
        c = cl;
        y = pred[base + L - 1];
      } else if (s === L || (!cascade && conf[base + s - 1] < alpha)) {
        off = s !== L;
        c = cl;
        y = pred[base + L - 1];
      } else {
        c = conf[base + s - 1];
        y = pred[base + s - 1];
      }
      for (let j = 0; j < L; j++) buf[j] = j < s ? conf[base + j] : NaN;
      const roundCost = s === 0 ? costs.offload[0] : off ? costs.device[s] + costs.offload[s] : costs.device[s];
      obs.split = s;
      obs.offloaded = off;
      obs.finalConf = off || s === L ? cl : null;
      obs.cost = roundCost;
      obs.hindsightFinalConf = options.side === 'full' && obs.finalConf === null ? cl : undefined;
      p.update(obs);
      if (y === label[row]) correct++;
      cost += roundCost;
      if (off) offloads++;
      reward += c - mu * roundCost;
      regret += muStar - (cascade ? muCascade : mus[s - first]);
      if (s === 0) cloudOnlyCount++;
      else armCounts[s - 1]++;
      if (t === cps[cp]) curveSum[cp++] += regret;
    }
    perRun.accuracy.push(correct / N);
    perRun.costPerSample.push(cost / N);
    perRun.offloadFraction.push(offloads / N);
    perRun.regret.push(regret);
    rewards.push(reward / N);
    options.onRun?.(run);
  }
  return summarize({ policyName, trace, costs, model, runs, perRun, rewards, armCounts, cloudOnlyCount, bestArm, mus, cps, curveSum });
}

/** Rounding noise of a difference of equal quantities (e.g. 1 - 1.2 / 1.2000000000000002) is 0. */
const tidy = (x: number): number => (Math.abs(x) < 1e-12 ? 0 : x);

interface SummaryInput {
  policyName: string;
  trace: Trace;
  costs: CostTable;
  model: RewardModel;
  runs: number;
  perRun: ReplayResult['perRun'];
  rewards: number[];
  armCounts: number[];
  cloudOnlyCount: number;
  bestArm: number;
  mus: number[];
  cps: Int32Array;
  curveSum: Float64Array;
  finalCost?: number;
}

function summarize(s: SummaryInput): ReplayResult {
  const { trace } = s;
  const L = trace.numExits;
  const N = trace.numRows;
  let finalCorrect = 0;
  for (let r = 0; r < N; r++) if (trace.pred[r * L + L - 1] === trace.label[r]) finalCorrect++;
  const finalAcc = finalCorrect / N;
  const finalCost = s.finalCost ?? s.costs.device[L];
  const [acc, accStd] = meanStd(s.perRun.accuracy);
  const [cps, cpsStd] = meanStd(s.perRun.costPerSample);
  const [reg, regStd] = meanStd(s.perRun.regret);
  return {
    policy: s.policyName,
    runs: s.runs,
    rows: N,
    numExits: L,
    unit: s.costs.unit,
    accuracy: acc,
    accuracyStd: accStd,
    costPerSample: cps,
    costPerSampleStd: cpsStd,
    offloadFraction: meanStd(s.perRun.offloadFraction)[0],
    meanReward: meanStd(s.rewards)[0],
    armCounts: s.armCounts,
    cloudOnlyCount: s.cloudOnlyCount,
    finalLayerAccuracy: finalAcc,
    finalLayerCostPerSample: finalCost,
    costReductionVsFinal: finalCost > 0 ? tidy(1 - cps / finalCost) : 0,
    accuracyDropVsFinal: tidy((finalAcc - acc) * 100),
    regret: {
      total: reg,
      totalStd: regStd,
      perSample: reg / N,
      bestArm: s.bestArm,
      armMeanRewards: s.mus,
      curve: { t: Array.from(s.cps), mean: Array.from(s.curveSum, (v) => v / s.runs) },
    },
    perRun: s.perRun,
  };
}

export interface ReferenceOptions {
  alpha?: number;
  lambda?: number;
  offload?: number;
  runs?: number;
  seed?: number;
  order?: RowOrder;
  regretPoints?: number;
  /** Record the main loop's decisions (0-based arms) of the last run. */
  recordDecisions?: boolean;
  onRun?: (run: number) => void;
}

/**
 * The published scripts, arithmetic for arithmetic (Div290/SplitEE@a866714 splitee.py, splitee_s.py),
 * generalized from 12 arms to L. Arms a = 0..L-1 (split a + 1). Per run, over the rows x_0..x_{N-1}:
 *
 *   init      for a in 0..L-1: S[a] = r(a; x_a), N[a] = 1            (not scored)
 *   main      for trial in 0..N-1:
 *               a_t = argmax_a S[a]/N[a] + 1 * sqrt(ln(trial + 1) / N[a])   (strict >, ties to lowest)
 *               splitee_s.py: for j < a_t: S[j] += r(j; x_trial); N[j] += 1  (full information)
 *               S[a_t] += r(a_t; x_trial); N[a_t] += 1; book cost, prediction, offload
 *   r(a; x)   a < L-1, C_a >= alpha: C_a - lambda*(a+1);  a < L-1, C_a < alpha: C_L - o - lambda*(a+1);
 *             a = L-1: C_L - lambda*L
 *   cost      splitee.py: 0.8*lambda*a + lambda (+ o first when offloaded: o + 0.8*lambda*a + lambda)
 *             splitee_s.py: lambda*(a+1) (o + lambda*(a+1) when offloaded)
 */
export function replayReference(trace: Trace, script: 'splitee.py' | 'splitee_s.py', options: ReferenceOptions = {}): ReplayResult {
  validateTrace(trace, 'replayReference');
  requireLabels(trace, 'replayReference');
  const L = trace.numExits;
  const N = trace.numRows;
  const alpha = options.alpha ?? 0.8;
  const lambda = options.lambda ?? 0.1;
  const o = options.offload ?? 0.5;
  const runs = options.runs ?? 20;
  const seed = options.seed ?? 1;
  checkRuns(runs, seed);
  if (script !== 'splitee.py' && script !== 'splitee_s.py') throw new ArgumentError(`replayReference: unknown script: got '${script}', expected splitee.py or splitee_s.py`);
  if (N < L) throw new ArgumentError(`replayReference: trace too short: got ${N} rows, expected at least L = ${L} (arm a is initialised on row a)`);
  const side = script === 'splitee_s.py';
  const { conf, pred, label } = trace;
  const r = (base: number, a: number): number => {
    if (a < L - 1) {
      const c = conf[base + a];
      return c >= alpha ? c - lambda * (a + 1) : conf[base + L - 1] - o - lambda * (a + 1);
    }
    return conf[base + a] - lambda * (a + 1);
  };
  const costs = paperCosts({ numExits: L, lambda, offload: o });
  const model = rewardModel(alpha, 1, costs);
  // Oracle means from the script's own reward arithmetic.
  const mus: number[] = [];
  for (let a = 0; a < L; a++) {
    let s = 0;
    for (let row = 0; row < N; row++) s += r(row * L, a);
    mus.push(s / N);
  }
  const bestIdx = argmax(mus);
  const muStar = mus[bestIdx];
  const cps = checkpoints(N, options.regretPoints ?? 100);
  const curveSum = new Float64Array(cps.length);
  const armCounts = new Array<number>(L).fill(0);
  const perRun = { accuracy: [] as number[], costPerSample: [] as number[], offloadFraction: [] as number[], regret: [] as number[] };
  const rewards: number[] = [];
  const sumsOverRuns = new Float64Array(L);
  const S = new Float64Array(L);
  const C = new Float64Array(L);
  let decisions: number[] | undefined;
  for (let run = 0; run < runs; run++) {
    const rng = Rng.seeded(seed + run);
    const rows = rowOrder(N, options.order ?? 'shuffle', rng);
    const record: number[] | null = options.recordDecisions === true && run === runs - 1 ? [] : null;
    if (record !== null) decisions = record;
    for (let a = 0; a < L; a++) {
      S[a] = r(rows[a] * L, a);
      C[a] = 1;
    }
    let cost = 0;
    let correct = 0;
    let offloads = 0;
    let reward = 0;
    let regret = 0;
    let cp = 0;
    for (let trial = 0; trial < N; trial++) {
      let best = -1;
      let bv = -Infinity;
      const lg = Math.log(trial + 1);
      for (let a = 0; a < L; a++) {
        const v = S[a] / C[a] + 1 * Math.sqrt(lg / C[a]);
        if (v > bv) {
          best = a;
          bv = v;
        }
      }
      const row = rows[trial];
      const base = row * L;
      if (side) {
        for (let j = 0; j < best; j++) {
          S[j] += r(base, j);
          C[j] += 1;
        }
      }
      const rew = r(base, best);
      S[best] += rew;
      C[best] += 1;
      let cost_: number;
      let y: number;
      let off = false;
      if (best < L - 1 && conf[base + best] >= alpha) {
        cost_ = side ? lambda * (best + 1) : 0.8 * lambda * best + lambda;
        y = pred[base + best];
      } else if (best < L - 1) {
        cost_ = side ? o + lambda * (best + 1) : o + 0.8 * lambda * best + lambda;
        y = pred[base + L - 1];
        off = true;
      } else {
        cost_ = side ? lambda * (best + 1) : 0.8 * lambda * best + lambda;
        y = pred[base + L - 1];
      }
      cost += cost_;
      if (y === label[row]) correct++;
      if (off) offloads++;
      reward += rew;
      regret += muStar - mus[best];
      armCounts[best]++;
      record?.push(best);
      if (trial + 1 === cps[cp]) curveSum[cp++] += regret;
    }
    for (let a = 0; a < L; a++) sumsOverRuns[a] += S[a];
    perRun.accuracy.push(correct / N);
    perRun.costPerSample.push(cost / N);
    perRun.offloadFraction.push(offloads / N);
    perRun.regret.push(regret);
    rewards.push(reward / N);
    options.onRun?.(run);
  }
  const result = summarize({ policyName: side ? 'splitee-s' : 'splitee', trace, costs, model, runs, perRun, rewards, armCounts, cloudOnlyCount: 0, bestArm: bestIdx + 1, mus, cps, curveSum });
  const meanSums = Array.from(sumsOverRuns, (v) => v / runs);
  result.reference = { script, optimalArm: argmax(meanSums) + 1, rewardSums: Array.from(S), counts: Array.from(C), ...(decisions ? { decisions } : {}) };
  return result;
}
