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
 * replayReference (replay-reference.ts) and src/splitee/README.md for every difference.
 */
import { ArgumentError } from '../tensor/errors.js';
import { Rng } from './rng.js';
import { exits, rewardModel, type RewardModel } from './reward.js';
import type { CostTable } from './cost.js';
import { createPolicy, isStagePolicyName, type Observation, type PolicyOptions, type SideRule, type SplitPolicy } from './policy.js';
import { requireLabels, validateTrace, type Trace } from './trace.js';
import type { RowOrder, ReplayResult } from './replay-types.js';
import { observeInto, settleInto, type RoundFacts, type Settlement } from './settle.js';
import { armMeanRewards, argmax, cascadeExit, checkRuns, checkpoints, rowOrder, summarize } from './replay-common.js';

export { armMeanRewards, argmax, meanStd } from './replay-common.js';
export { replayReference, type ReferenceOptions } from './replay-reference.js';
import { replayStageNamed } from './replay-stage.js';

export type { RowOrder, RegretSummary, ReplayResult } from './replay-types.js';

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

export type PolicyFactory = (ctx: { run: number; seed: number; bestArm: number }) => SplitPolicy;

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

/** Replays `policy` (a registry name, or a factory called once per run) over the trace; a stage
 *  policy's name (layerwise) goes through replay-stage.ts with the same runs, seeds and permutations. */
export function replay(trace: Trace, policy: string | PolicyFactory, options: ReplayOptions): ReplayResult {
  if (typeof policy === 'string' && isStagePolicyName(policy)) {
    const { side: _side, ...o } = options;
    return replayStageNamed(trace, policy, o);
  }
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
  const obs: Observation = { split: 0, confidences: buf, offloaded: false, finalConf: NaN, cost: 0, hindsightFinalConf: undefined };
  const facts: RoundFacts = { split: 0, confidences: buf, finalConf: NaN, cloudAnswered: true, bytesSent: 0 };
  const settled: Settlement = { outcome: 'final', cost: 0, reward: 0 };
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
      } else if (s === L || (!cascade && !exits(alpha, conf[base + s - 1]))) {
        off = s !== L;
        c = cl;
        y = pred[base + L - 1];
      } else {
        c = conf[base + s - 1];
        y = pred[base + s - 1];
      }
      for (let j = 0; j < L; j++) buf[j] = j < s ? conf[base + j] : NaN;
      facts.split = s;
      facts.finalConf = off || s === L ? cl : NaN;
      const st = settleInto(model, facts, settled); // the cloud of a replay always answers (C_L from the trace)
      observeInto(facts, st, obs);
      obs.hindsightFinalConf = options.side === 'full' && Number.isNaN(obs.finalConf) ? cl : undefined;
      p.update(obs);
      if (y === label[row]) correct++;
      cost += st.cost;
      if (off) offloads++;
      reward += st.reward;
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
