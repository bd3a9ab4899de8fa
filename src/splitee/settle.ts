/**
 * One round's settlement, the single place that turns what happened in a round into its outcome, cost,
 * reward and the policy's Observation. The live runner (runner.ts), replay (replay.ts) and, through
 * RoundRecord, scoreRun and RunTotals all use it; the bandit policies score their side observations
 * with armRewardUnchecked (reward.ts), which applies the same cost and reward rules per arm.
 * (`--compat reference`, replay-reference.ts, keeps its own loop: the one documented exception.)
 *
 * With model m = {alpha, mu, costs, link?}, L = costs.numExits, C_k the confidences seen on the device:
 *
 *   outcome   decided by a stage policy (stage.ts)        'exit' / 'final' as decided; 'offload' as
 *                                                        'offload' or 'fallback' (cloud answered or not)
 *             split = L                                  'final'
 *             0 < split < L and exits(alpha, C_split)    'exit'     (reward.ts: alpha >= 1 never exits)
 *             otherwise, the cloud answered              'offload'
 *             otherwise (cloud failed after retries)     'fallback' (the device ran stages split+1..L)
 *   cost      exit / final:  device[split]
 *             offload:       device[split] + off(split)       (device[0] = 0: cloud only pays off(0))
 *             fallback:      device[L] + off(split)           (every stage ran and the send was paid)
 *             off(i) = offload[i], or with a measured link: bytesSent / (bandwidthMbps * 125) + latencyMs
 *   reward    roundReward(m, exit ? C_split : C_L, cost) = that confidence - mu * cost
 *
 * Hot loops (replay) settle into preallocated objects: settleInto allocates nothing.
 */
import { exits, roundReward, type RewardModel } from './reward.js';
import type { Observation } from './policy-types.js';
import type { StageOutcome } from './stage.js';

export type Outcome = 'exit' | 'final' | 'offload' | 'fallback';

/** What happened in a round, as the device knows it. */
export interface RoundFacts {
  /** The split played (the exit reached under a device cascade). */
  split: number;
  /** C_1..C_split as computed on the device, at [0..split-1]. */
  confidences: ArrayLike<number>;
  /** C_L when observed: the cloud's reply (offload), the device's final exit (final, fallback); else NaN. */
  finalConf: number;
  /** Whether the cloud answered; read only when the round went to the cloud. */
  cloudAnswered: boolean;
  /** Request bytes sent over every attempt (0 when nothing was sent). */
  bytesSent: number;
  /** A stage policy's decision at `split` (stage.ts resolveAction): it, not alpha, says exit or send.
   *  Absent for a split policy or a cascade. */
  decided?: StageOutcome;
}

export interface Settlement {
  outcome: Outcome;
  cost: number;
  reward: number;
}

/** The outcome of a round before (cloudAnswered ignored) or after the cloud call. */
export function outcomeOf(m: RewardModel, split: number, confSplit: number, cloudAnswered: boolean, decided?: StageOutcome): Outcome {
  const L = m.costs.numExits;
  if (split === L) return 'final';
  if (decided !== undefined) return decided === 'offload' ? (cloudAnswered ? 'offload' : 'fallback') : decided;
  if (split > 0 && exits(m.alpha, confSplit)) return 'exit';
  return cloudAnswered ? 'offload' : 'fallback';
}

/** Whether a round at `split` with split confidence `confSplit` (or a stage policy's decision) goes to the cloud. */
export function sendsToCloud(m: RewardModel, split: number, confSplit: number, decided?: StageOutcome): boolean {
  if (split === m.costs.numExits) return false;
  if (decided !== undefined) return decided === 'offload';
  return !(split > 0 && exits(m.alpha, confSplit));
}

/** The cost of sending split `split`'s activation: the table's, or the measured link's for `bytes`. */
export function offloadCost(m: RewardModel, split: number, bytes: number): number {
  const link = m.link;
  return link ? bytes / (link.bandwidthMbps * 125) + link.latencyMs : m.costs.offload[split];
}

/**
 * Settles a round into `out` (no allocation). V8 boxes a double (16 bytes) where it merges with the
 * result of a call it did not inline, or with a tagged value: so C_split is read where it is used
 * (never merged with NaN for split 0), and each branch stores its own cost and reward.
 */
export function settleInto(m: RewardModel, f: RoundFacts, out: Settlement): Settlement {
  const s = f.split;
  const c = m.costs;
  const outcome = s > 0 ? outcomeOf(m, s, f.confidences[s - 1], f.cloudAnswered, f.decided) : outcomeOf(m, 0, NaN, f.cloudAnswered, f.decided);
  out.outcome = outcome;
  if (outcome === 'exit' || outcome === 'final') out.cost = c.device[s];
  else if (outcome === 'offload') out.cost = s === 0 ? offloadCost(m, 0, f.bytesSent) : c.device[s] + offloadCost(m, s, f.bytesSent);
  else out.cost = c.device[c.numExits] + offloadCost(m, s, f.bytesSent);
  if (outcome === 'exit') out.reward = roundReward(m, f.confidences[s - 1], out.cost);
  else out.reward = roundReward(m, f.finalConf, out.cost);
  return out;
}

/** Settles a round into a fresh Settlement. */
export function settle(m: RewardModel, f: RoundFacts): Settlement {
  return settleInto(m, f, { outcome: 'final', cost: 0, reward: 0 });
}

/** Fills `obs` with the policy's view of a settled round (no allocation; confidences shared, not copied). */
export function observeInto(f: RoundFacts, s: Settlement, obs: Observation): Observation {
  obs.split = f.split;
  obs.confidences = f.confidences;
  obs.offloaded = s.outcome === 'offload' || s.outcome === 'fallback';
  obs.finalConf = s.outcome === 'exit' ? NaN : f.finalConf;
  obs.cost = s.cost;
  return obs;
}
