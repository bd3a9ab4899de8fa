/**
 * What replay (replay.ts), replayReference (replay-reference.ts) and scoreRun (run-summary.ts) share:
 * the arms' mean rewards, the device cascade, the regret checkpoints, the row order of a run, mean and
 * sample std over runs, and the summary of a replay into a ReplayResult.
 */
import { ArgumentError } from '../tensor/errors.js';
import type { Rng } from './rng.js';
import { armRewardUnchecked, exits, type RewardModel } from './reward.js';
import type { CostTable } from './cost.js';
import type { Trace } from './trace.js';
import type { ReplayResult, RowOrder } from './replay-types.js';

/** Mean full-information reward of each arm (first..L) over the whole trace (validated by the caller: validateTrace). */
export function armMeanRewards(trace: Trace, model: RewardModel): number[] {
  const L = trace.numExits;
  const first = model.costs.cloudOnly ? 0 : 1;
  const out: number[] = [];
  for (let a = first; a <= L; a++) {
    let s = 0;
    for (let r = 0; r < trace.numRows; r++) s += armRewardUnchecked(model, a, a > 0 ? trace.conf[r * L + a - 1] : 0, trace.conf[r * L + L - 1]);
    out.push(s / trace.numRows);
  }
  return out;
}

/** The exit the device cascade stops at for the row at conf[base..]: the first j < L that exits (reward.ts exits), else L. */
export function cascadeExit(conf: Float64Array, base: number, L: number, alpha: number): number {
  for (let j = 1; j < L; j++) if (exits(alpha, conf[base + j - 1])) return j;
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

/** The rounds (1..n) at which a regret curve of `points` points is sampled. */
export function checkpoints(n: number, points: number): Int32Array {
  const p = Math.max(1, Math.min(points, n));
  const out = new Int32Array(p);
  for (let k = 1; k <= p; k++) out[k - 1] = Math.ceil((k * n) / p);
  return out;
}

export function rowOrder(n: number, order: RowOrder, rng: Rng): Int32Array {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (order === 'shuffle') rng.shuffle(idx);
  else if (order !== 'asis') throw new ArgumentError(`replay: unknown order: got '${order}', expected asis or shuffle`);
  return Int32Array.from(idx);
}

export function checkRuns(runs: number, seed: number): void {
  if (!Number.isInteger(runs) || runs < 1) throw new ArgumentError(`replay: invalid runs: got ${runs}, expected an integer >= 1`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`replay: invalid seed: got ${seed}, expected an integer`);
}

/** Rounding noise of a difference of equal quantities (e.g. 1 - 1.2 / 1.2000000000000002) is 0. */
export const tidy = (x: number): number => (Math.abs(x) < 1e-12 ? 0 : x);

export interface SummaryInput {
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

export function summarize(s: SummaryInput): ReplayResult {
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
