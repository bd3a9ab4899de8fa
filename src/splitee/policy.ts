/**
 * The policy interface: pick a split layer for round t before seeing the sample, learn from what the
 * device and the cloud actually saw, and serialize what was learned as plain JSON.
 *
 * Arms are split layers 1..L, plus 0 (cloud only: the raw input is sent) when the cost table has
 * that arm. Every policy is built by `createPolicy(name, options)` and rebuilt from a snapshot by
 * `restorePolicy(state)`; the registry of names is `POLICY_NAMES`.
 */
import { ArgumentError, FormatError } from '../tensor/errors.js';
import type { RngState } from './rng.js';
import type { StatsKind, StatsState } from './stats.js';
import { costTableFromJSON, costTableToJSON, type CostTable, type CostTableJSON } from './cost.js';
import { UcbPolicy } from './policies/splitee.js';
import { ThompsonPolicy } from './policies/thompson.js';
import { EpsilonGreedyPolicy } from './policies/epsilon-greedy.js';
import { FixedPolicy } from './policies/fixed.js';
import { RandomPolicy } from './policies/random.js';
import { ThresholdPolicy } from './policies/threshold.js';
import type { BasePolicy } from './policies/base.js';

/** What one round revealed. Only what the device computed and the cloud returned; never a label. */
export interface Observation {
  /** The split layer played: 0 = cloud only (raw input offloaded), 1..L. */
  split: number;
  /** C_1..C_split as computed on the device, at [0..split-1] (C_L at [L-1] when split = L). Entries
   *  from [split] on, if any, are not observations and a policy must not read them. */
  confidences: ArrayLike<number>;
  /** Whether the sample went to the cloud (informational: the reward follows from alpha and C_split). */
  offloaded: boolean;
  /** C_L when it was observed (offloaded, cloud only, split = L, or a device fallback that ran to L);
   *  null otherwise. */
  finalConf: number | null;
  /** Realized cost of the round in the cost table's unit; the played arm's reward uses it. */
  cost: number;
  /** Replay only: the trace's C_L when finalConf is null. Read only by side rule 'full'. */
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
  /** The split layer for round t (t = 1, 2, ...: the 1-based round number). */
  choose(t: number): number;
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

interface Entry {
  summary: string;
  make(name: string, o: PolicyOptions): BasePolicy;
}

const bandit = (rule: 'ucb' | 'thompson' | 'eps-greedy', stats: StatsKind, side: boolean) => (name: string, o: PolicyOptions): BasePolicy => {
  const opts = { ...o, stats: o.stats ?? stats };
  if (rule === 'ucb') return new UcbPolicy(name, opts, side);
  if (rule === 'thompson') return new ThompsonPolicy(name, opts, side);
  return new EpsilonGreedyPolicy(name, opts, side);
};

const REGISTRY: Record<string, Entry> = {
  splitee: { summary: 'SplitEE: UCB1 over the splits (c)', make: bandit('ucb', 'plain', false) },
  'splitee-s': { summary: 'SplitEE-S: UCB1 plus side observations of shallower splits (c, side)', make: bandit('ucb', 'plain', true) },
  'd-ucb': { summary: 'discounted UCB for drifting streams (c, gamma)', make: bandit('ucb', 'discounted', false) },
  'd-ucb-s': { summary: 'discounted UCB with side observations (c, gamma, side)', make: bandit('ucb', 'discounted', true) },
  'sw-ucb': { summary: 'sliding-window UCB for drifting streams (c, window)', make: bandit('ucb', 'windowed', false) },
  'sw-ucb-s': { summary: 'sliding-window UCB with side observations (c, window, side)', make: bandit('ucb', 'windowed', true) },
  thompson: { summary: 'Gaussian Thompson sampling (sigma)', make: bandit('thompson', 'plain', false) },
  'thompson-s': { summary: 'Gaussian Thompson sampling with side observations (sigma, side)', make: bandit('thompson', 'plain', true) },
  'eps-greedy': { summary: 'epsilon-greedy (epsilon)', make: bandit('eps-greedy', 'plain', false) },
  'eps-greedy-s': { summary: 'epsilon-greedy with side observations (epsilon, side)', make: bandit('eps-greedy', 'plain', true) },
  final: { summary: 'baseline: every sample at the final layer on the device', make: (n, o) => new FixedPolicy(n, o, o.costs.numExits) },
  cloud: { summary: 'baseline: cloud only, the raw input offloaded (needs a cost for arm 0)', make: (n, o) => new FixedPolicy(n, o, 0) },
  fixed: { summary: 'baseline: always split at K (fixed:K)', make: (n, o) => new FixedPolicy(n, o, requireSplit(n, o)) },
  random: { summary: 'baseline: a uniformly random split per sample', make: (n, o) => new RandomPolicy(n, o) },
  threshold: { summary: 'baseline: early exit on the device at the first C_j >= alpha, no offload', make: (n, o) => new ThresholdPolicy(n, o) },
  oracle: { summary: 'baseline: the best fixed split in hindsight (replay only)', make: (n, o) => new FixedPolicy(n, o, requireSplit(n, o)) },
};

/** The names --policy accepts ('fixed' is written fixed:K). */
export const POLICY_NAMES: readonly string[] = Object.keys(REGISTRY).map((n) => (n === 'fixed' ? 'fixed:K' : n));

/** One line per policy: name and summary. */
export function describePolicies(): string[] {
  return Object.entries(REGISTRY).map(([n, e]) => `${(n === 'fixed' ? 'fixed:K' : n).padEnd(13)} ${e.summary}`);
}

function requireSplit(name: string, o: PolicyOptions): number {
  if (o.split === undefined) {
    const hint = name === 'oracle' ? 'replay computes it from the trace' : "write fixed:K, e.g. 'fixed:3'";
    throw new ArgumentError(`createPolicy: '${name}' needs a split: got none, expected an integer split layer; ${hint}`);
  }
  return o.split;
}

/** Builds a policy by registry name ('fixed:3' sets options.split = 3). */
export function createPolicy(name: string, options: PolicyOptions): SplitPolicy {
  return make(name, options);
}

function make(name: string, options: PolicyOptions): BasePolicy {
  let base = name;
  let opts = options;
  const m = /^fixed:(\d+)$/.exec(name);
  if (m) {
    base = 'fixed';
    opts = { ...options, split: Number(m[1]) };
  }
  const entry = Object.prototype.hasOwnProperty.call(REGISTRY, base) ? REGISTRY[base] : undefined;
  if (entry === undefined) throw new ArgumentError(`createPolicy: unknown policy: got '${name}', expected one of ${POLICY_NAMES.join(', ')}`);
  return entry.make(name, opts);
}

export function optionsToJSON(o: PolicyOptions): PolicyOptionsJSON {
  return { ...o, costs: costTableToJSON(o.costs) };
}

/** Rebuilds a policy from snapshot(): the next choices equal those the original would have made. */
export function restorePolicy(state: PolicyState): SplitPolicy {
  if (state === null || typeof state !== 'object' || state.format !== 'splitee-policy' || state.version !== 1 || typeof state.name !== 'string') {
    throw new FormatError(`restorePolicy: not a policy snapshot: got ${JSON.stringify(state)?.slice(0, 120)}, expected {format: 'splitee-policy', version: 1, name, ...}`);
  }
  const p = make(state.name, { ...state.options, costs: costTableFromJSON(state.options.costs) });
  p.load(state);
  return p;
}
