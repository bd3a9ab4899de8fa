/**
 * The policy interface and its plain-JSON snapshot, as types only: policy.ts (the registry) and
 * policies/* (the implementations) both import this file, so neither imports the other's module.
 */
import type { RngState } from './rng.js';
import type { StatsKind, StatsState } from './stats.js';
import type { CostTable, CostTableJSON } from './cost.js';
import type { RewardModel } from './reward.js';

/**
 * What one round revealed. Only what the device computed and the cloud returned; never a label.
 * Valid during update() only: the runner and replay fill the same object (and confidences array) again
 * for the next round, so a policy copies what it keeps, never the object or its arrays.
 */
export interface Observation {
  /** The split layer played: 0 = cloud only (raw input offloaded), 1..L. */
  split: number;
  /** C_1..C_split as computed on the device, at [0..split-1] (C_L at [L-1] when split = L). Entries
   *  from [split] on, if any, are not observations and a policy must not read them. */
  confidences: ArrayLike<number>;
  /** Whether the sample went to the cloud (informational: the reward follows from alpha and C_split). */
  offloaded: boolean;
  /** C_L when it was observed (offloaded, cloud only, split = L, or a device fallback that ran to L);
   *  NaN otherwise. */
  finalConf: number;
  /** Realized cost of the round in the cost table's unit; the played arm's reward uses it. */
  cost: number;
  /** Replay only: the trace's C_L when finalConf is NaN (not observed). Read only by side rule 'full'. */
  hindsightFinalConf?: number;
}

/** How a policy's decision is executed. */
export type Execution =
  /** Run stages 1..split; exit if C_split >= alpha (split < L), else offload; split L = final layer. */
  | 'split'
  /** Threshold early exit on the device (ElasticBERT / DeeBERT): evaluate exits 1..L in order and stop
   *  at the first C_j >= alpha (or at L); never offload. choose() returns L (the deepest it may go) and
   *  the observation's split is the exit actually taken. */
  | 'device-cascade';

export interface SplitPolicy {
  /** The registry name (e.g. 'splitee-s', 'fixed:3'). */
  readonly name: string;
  /** Number of arms: L, or L + 1 with the cloud-only arm 0. */
  readonly numArms: number;
  /** L. */
  readonly numExits: number;
  readonly execution: Execution;
  /** The run's reward/cost model (alpha, mu, costs); every built-in policy has one, and the live
   *  runner settles rounds with it. A user's policy may leave it out and give alpha and costs to the runner. */
  readonly model?: RewardModel;
  /** The split layer for round t (t = 1, 2, ...: the 1-based round number). */
  choose(t: number): number;
  /** Learns from a round; obs is valid during this call only (see Observation). */
  update(obs: Observation): void;
  /** Times each arm was the played split, at [split - (cloud only ? 0 : 1)]; sums to the rounds updated. */
  playCounts(): number[];
  snapshot(): PolicyState;
}

export type SideRule = 'observable' | 'full';

/** Options of createPolicy. Only the ones a policy uses are read. */
export interface PolicyOptions {
  costs: CostTable;
  /** Exit threshold (default 0.8). */
  alpha?: number;
  /** Cost weight (default 1). */
  mu?: number;
  /** UCB width c (default 1). */
  c?: number;
  /** Side-observation rule of the *-s policies (default 'observable'; 'full' is replay-only). */
  side?: SideRule;
  /** Statistics kind of the bandit policies (default per name: plain; d-ucb discounted; sw-ucb windowed). */
  stats?: StatsKind;
  /** Discount of discounted statistics (default 0.999). */
  gamma?: number;
  /** Window in rounds of windowed statistics (default 1000). */
  window?: number;
  /** Exploration probability of eps-greedy (default 0.1). */
  epsilon?: number;
  /** Posterior scale of Thompson sampling (default 0.5). */
  sigma?: number;
  /** The split of 'fixed' (also given as 'fixed:K') and of 'oracle' (the best fixed arm in hindsight). */
  split?: number;
  /** Weight of layerwise's continuation returns (default LAYERWISE_MC, policies/layerwise-options.ts; 0: its induction alone). */
  mc?: number;
  /** Seed of the policy's own random stream (random, Thompson, eps-greedy; default 1). */
  seed?: number;
}

export interface PolicyOptionsJSON extends Omit<PolicyOptions, 'costs'> {
  costs: CostTableJSON;
}

export interface PolicyState {
  format: 'splitee-policy';
  version: 1;
  name: string;
  options: PolicyOptionsJSON;
  plays: number[];
  stats: StatsState | null;
  rng: RngState | null;
}
