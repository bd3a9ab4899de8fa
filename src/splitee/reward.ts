/**
 * The SplitEE reward (docs/DESIGN.md), for any CostTable (paper: device[i] = lambda * i, offload[i] = o):
 *
 *   arm 0 (cloud only):       r = C_L - mu * offload[0]
 *   arm i < L, C_i >= alpha:  r = C_i - mu * device[i]                     (exit on the device)
 *   arm i < L, C_i <  alpha:  r = C_L - mu * (device[i] + offload[i])      (offload; the cloud answers with C_L)
 *   arm L:                    r = C_L - mu * device[L]                     (final layer on the device)
 *
 * Confidences stand in for accuracy: a policy never sees a label.
 */
import { ArgumentError } from '../tensor/errors.js';
import type { CostTable } from './cost.js';

/**
 * The exit rule, in one place: a split's confidence C exits on the device iff C >= alpha, except that
 * alpha >= 1 never exits. "alpha = 1" means "no early exit", and float32 softmax saturates to exactly
 * 1.0 (a logit gap of ~20 suffices), so C >= 1 alone would still let such samples exit.
 */
export function exits(alpha: number, c: number): boolean {
  return c >= alpha && alpha < 1;
}

/** A measured link: an offload costs the bytes really sent over it (settle.ts offloadCost). */
export interface Link {
  readonly bandwidthMbps: number;
  readonly latencyMs: number;
}

/**
 * The one reward/cost model of a run: the policy builds it from its options (BasePolicy.model), the
 * live runner takes it from the policy, and replay and scoreRun build theirs with rewardModel().
 */
export interface RewardModel {
  /** Exit threshold on the split's confidence. */
  readonly alpha: number;
  /** Weight of cost against confidence. */
  readonly mu: number;
  readonly costs: CostTable;
  /** Live runs with measured costs: offloads cost the bytes sent; omitted: costs.offload[i]. */
  readonly link?: Link;
}

export function rewardModel(alpha: number, mu: number, costs: CostTable, link?: Link): RewardModel {
  if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentError(`rewardModel: invalid alpha: got ${alpha}, expected a threshold in [0, 1]`);
  if (!(Number.isFinite(mu) && mu >= 0)) throw new ArgumentError(`rewardModel: invalid mu: got ${mu}, expected a finite number >= 0`);
  if (link === undefined) return { alpha, mu, costs };
  if (!(link.bandwidthMbps > 0 && link.latencyMs >= 0)) {
    throw new ArgumentError(`rewardModel: invalid link: got bandwidthMbps ${link.bandwidthMbps}, latencyMs ${link.latencyMs}, expected bandwidthMbps > 0 and latencyMs >= 0`);
  }
  return { alpha, mu, costs, link: { bandwidthMbps: link.bandwidthMbps, latencyMs: link.latencyMs } };
}

/** The reward formula, in one place: the confidence that stands for the round's answer, minus mu * cost. */
export function roundReward(m: RewardModel, conf: number, cost: number): number {
  return conf - m.mu * cost;
}

/** Throws unless `arm` is an arm of the model: an integer in [1, L], or [0, L] with a cloud-only cost. */
function checkArm(where: string, m: RewardModel, arm: number): void {
  const first = m.costs.cloudOnly ? 0 : 1;
  if (!(Number.isInteger(arm) && arm >= first && arm <= m.costs.numExits)) {
    throw new ArgumentError(`${where}: arm out of range: got ${arm}, expected an integer in [${first}, ${m.costs.numExits}]`);
  }
}

/** Throws unless confidence `c` (C_k, read by the caller) is a number in [0, 1]; NaN is never a confidence. */
function checkConf(where: string, k: number | 'L', c: number): void {
  if (!(c >= 0 && c <= 1)) throw new ArgumentError(`${where}: invalid confidence C_${k}: got ${c}, expected a value in [0, 1]`);
}

/**
 * Whether playing arm `arm` with split confidence `confArm` sends the sample to the cloud. Checks the
 * arm and, for an inner arm (0 < arm < L, the only ones that read it), confArm: ArgumentError otherwise.
 */
export function offloads(m: RewardModel, arm: number, confArm: number): boolean {
  checkArm('offloads', m, arm);
  if (arm === 0) return true;
  if (arm === m.costs.numExits) return false;
  checkConf('offloads', arm, confArm);
  return !exits(m.alpha, confArm);
}

/**
 * Full-information reward of an arm on one sample: needs C_arm (read only for 0 < arm < L) and C_L
 * (read unless the arm exits). Checks the arm and every confidence it reads: ArgumentError otherwise.
 * Loops over a validated trace use armRewardUnchecked.
 */
export function armReward(m: RewardModel, arm: number, confArm: number, confFinal: number): number {
  checkArm('armReward', m, arm);
  const L = m.costs.numExits;
  if (arm > 0 && arm < L) checkConf('armReward', arm, confArm);
  if (arm === 0 || arm === L || !exits(m.alpha, confArm)) checkConf('armReward', 'L', confFinal);
  return armRewardUnchecked(m, arm, confArm, confFinal);
}

/**
 * armReward without its checks, for hot loops whose caller validated at its boundary that `arm` is an
 * arm of the model and that the confidences are in [0, 1] (replay and scoreRun validate their trace).
 * Given anything else the result is meaningless (a NaN C_arm would count as an offload).
 */
export function armRewardUnchecked(m: RewardModel, arm: number, confArm: number, confFinal: number): number {
  const c = m.costs;
  if (arm === 0) return roundReward(m, confFinal, c.offload[0]);
  if (arm === c.numExits) return roundReward(m, confFinal, c.device[arm]);
  if (exits(m.alpha, confArm)) return roundReward(m, confArm, c.device[arm]);
  return roundReward(m, confFinal, c.device[arm] + c.offload[arm]);
}

/** Arms of a model in order, as split layers: [0, 1, .., L] with cloud only, else [1, .., L]. */
export function armSplits(costs: CostTable): number[] {
  const first = costs.cloudOnly ? 0 : 1;
  const out: number[] = [];
  for (let s = first; s <= costs.numExits; s++) out.push(s);
  return out;
}
