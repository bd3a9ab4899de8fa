/**
 * The per-stage decision API (issue 14): instead of choosing a split before it sees the sample, a
 * StagePolicy is asked after every stage i what to do with what the device has computed so far:
 *
 *   'exit'      answer on the device with exit i (allowed only where C_i >= alpha, as in the reward)
 *   'continue'  run stage i + 1 on the device (not at i = L)
 *   'offload'   send the activation after stage i to the cloud, which answers with C_L (not at i = L)
 *
 * At i = L the round ends on the device whatever the answer (the final layer). The round's facts:
 *
 *   exit at i < L:    cost device[i],               reward C_i - mu * device[i]
 *   offload at i < L: cost device[i] + offload[i],  reward C_L - mu * (device[i] + offload[i])
 *   final (i = L):    cost device[L],               reward C_L - mu * device[L]
 *
 * The observation after the round holds C_1..C_stop (what the device computed) and C_L only when it
 * was observed (offloaded, or stop = L): never a label, never an unobserved C_L.
 */
import { ArgumentError } from '../tensor/errors.js';
import { exits, type RewardModel } from './reward.js';

export type StageAction = 'exit' | 'continue' | 'offload';

/** How a round ended: exit on the device at `stop` < L, offload after `stop` < L, or the final layer. */
export type StageOutcome = 'exit' | 'offload' | 'final';

export interface StageObservation {
  /** The last stage the device ran (1..L). */
  stop: number;
  outcome: StageOutcome;
  /** C_1..C_stop at [0..stop-1]; entries from [stop] on are not observations and must not be read. */
  confidences: ArrayLike<number>;
  /** C_L when observed (outcome 'offload' or 'final'); NaN otherwise. */
  finalConf: number;
  /** Realized cost of the round. */
  cost: number;
}

export interface StagePolicy {
  readonly name: string;
  readonly numExits: number;
  readonly execution: 'stage';
  /**
   * What to do after stage `stage` (1..L) of round t, given C_1..C_stage at confidences[0..stage-1]
   * (predictions are the device's too; a policy may ignore them). Entries past stage-1 must not be read.
   */
  decide(t: number, stage: number, confidences: ArrayLike<number>): StageAction;
  update(obs: StageObservation): void;
  /** Rounds that ended at each stage, by outcome: exits[i-1], offloads[i-1]; finals count at L. */
  decisionCounts(): { exits: number[]; offloads: number[]; finals: number };
  snapshot(): StagePolicyState;
}

export interface StagePolicyState {
  format: 'splitee-stage-policy';
  version: 1;
  name: string;
  options: Record<string, unknown>;
  state: Record<string, number[] | number>;
}

/** Cost of a round that ended at `stop` with `outcome`. */
export function stageCost(m: RewardModel, stop: number, outcome: StageOutcome): number {
  const c = m.costs;
  return outcome === 'offload' ? c.device[stop] + c.offload[stop] : c.device[stop];
}

/**
 * Resolves a policy's answer at `stage` with C_stage = conf into what happens: 'continue', or the
 * round's outcome. 'exit' below alpha is an error (the reward forbids it); at L every answer is 'final'.
 */
export function resolveAction(m: RewardModel, stage: number, conf: number, action: StageAction, who: string): 'continue' | StageOutcome {
  const L = m.costs.numExits;
  if (stage === L) return 'final';
  if (action === 'continue') return 'continue';
  if (action === 'offload') return 'offload';
  if (action === 'exit') {
    if (exits(m.alpha, conf)) return 'exit';
    throw new ArgumentError(`${who}: exit below alpha at stage ${stage}: got C_${stage} = ${conf}, expected C >= alpha = ${m.alpha} < 1; answer 'continue' or 'offload'`);
  }
  throw new ArgumentError(`${who}: unknown stage action: got '${String(action).slice(0, 20)}', expected exit, continue or offload`);
}
