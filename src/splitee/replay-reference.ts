/**
 * replay's `compat: 'reference'` mode: Div290/SplitEE's splitee.py / splitee_s.py reproduced arithmetic
 * for arithmetic (see replayReference and src/splitee/README.md for every difference).
 */
import { ArgumentError } from '../tensor/errors.js';
import { Rng } from './rng.js';
import { rewardModel } from './reward.js';
import { paperCosts } from './cost.js';
import { requireLabels, validateTrace, type Trace } from './trace.js';
import type { ReplayResult, RowOrder } from './replay-types.js';
import { argmax, checkRuns, checkpoints, rowOrder, summarize } from './replay-common.js';

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
