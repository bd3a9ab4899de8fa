/**
 * The SplitEE reward (DESIGN.md), for any CostTable (paper: device[i] = lambda * i, offload[i] = o):
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

export interface RewardModel {
  /** Exit threshold on the split's confidence. */
  readonly alpha: number;
  /** Weight of cost against confidence. */
  readonly mu: number;
  readonly costs: CostTable;
}

export function rewardModel(alpha: number, mu: number, costs: CostTable): RewardModel {
  if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentError(`rewardModel: invalid alpha: got ${alpha}, expected a threshold in [0, 1]`);
  if (!(Number.isFinite(mu) && mu >= 0)) throw new ArgumentError(`rewardModel: invalid mu: got ${mu}, expected a finite number >= 0`);
  return { alpha, mu, costs };
}

/** Whether playing arm `arm` with split confidence `confArm` sends the sample to the cloud. */
export function offloads(m: RewardModel, arm: number, confArm: number): boolean {
  return arm === 0 || (arm < m.costs.numExits && confArm < m.alpha);
}

/** Full-information reward of an arm on one sample: needs C_arm (ignored for arm 0) and C_L. */
export function armReward(m: RewardModel, arm: number, confArm: number, confFinal: number): number {
  const c = m.costs;
  if (arm === 0) return confFinal - m.mu * c.offload[0];
  if (arm === c.numExits) return confFinal - m.mu * c.device[arm];
  if (confArm >= m.alpha) return confArm - m.mu * c.device[arm];
  return confFinal - m.mu * (c.device[arm] + c.offload[arm]);
}

/** Arms of a model in order, as split layers: [0, 1, .., L] with cloud only, else [1, .., L]. */
export function armSplits(costs: CostTable): number[] {
  const first = costs.cloudOnly ? 0 : 1;
  const out: number[] = [];
  for (let s = first; s <= costs.numExits; s++) out.push(s);
  return out;
}
