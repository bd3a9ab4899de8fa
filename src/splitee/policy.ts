/**
 * The policy interface: pick a split layer for round t before seeing the sample, learn from what the
 * device and the cloud actually saw, and serialize what was learned as plain JSON.
 *
 * Arms are split layers 1..L, plus 0 (cloud only: the raw input is sent) when the cost table has
 * that arm. Every split policy is built by `createPolicy(name, options)` and rebuilt from a snapshot by
 * `restorePolicy(state)`; the registry of names is `POLICY_NAMES`.
 *
 * Stage policies (stage.ts: asked after every stage, e.g. `layerwise`) share the registry and its
 * names: `createAnyPolicy` / `restoreAnyPolicy` build either kind (AnyPolicy, told apart by
 * `isStagePolicy`); `createPolicy` / `restorePolicy` keep returning a SplitPolicy and refuse a stage
 * policy's name with a hint.
 */
import { ArgumentError, FormatError } from '../tensor/errors.js';
import { costTableFromJSON, costTableToJSON } from './cost.js';
import type { PolicyOptions, PolicyOptionsJSON, SplitPolicy } from './policy-types.js';
import type { StatsKind } from './stats.js';
import { checkPolicyState } from './policy-state.js';
import { UcbPolicy } from './policies/splitee.js';
import { ThompsonPolicy } from './policies/thompson.js';
import { EpsilonGreedyPolicy } from './policies/epsilon-greedy.js';
import { FixedPolicy } from './policies/fixed.js';
import { RandomPolicy } from './policies/random.js';
import { ThresholdPolicy } from './policies/threshold.js';
import type { BasePolicy } from './policies/base.js';
import { LayerwisePolicy, restoreLayerwise } from './policies/layerwise.js';
import type { StagePolicy, StagePolicyState } from './stage.js';
import { checkStagePolicyState } from './policy-state.js';
import { isRecord } from './is-record.js';

export type { Observation, Execution, SplitPolicy, SideRule, PolicyOptions, PolicyOptionsJSON, PolicyState } from './policy-types.js';

/** A split policy (chooses a split before the sample) or a stage policy (decides after every stage). */
export type AnyPolicy = SplitPolicy | StagePolicy;

export function isStagePolicy(p: AnyPolicy): p is StagePolicy {
  return p.execution === 'stage';
}

interface StageEntry {
  summary: string;
  make(name: string, o: PolicyOptions): StagePolicy;
  restore(state: StagePolicyState): StagePolicy;
}

/**
 * The stage policies. Of PolicyOptions, layerwise reads costs, alpha, mu, seed, gamma (a discount
 * for drifting streams; default 1) and mc (the weight of its continuation returns; 0: the induction
 * alone); its exploration width is its own (layerwise.ts), not the bandits' c.
 */
const STAGE_REGISTRY: Record<string, StageEntry> = {
  layerwise: {
    summary: 'per sample, after every stage: exit, continue or offload, learned online (gamma, mc)',
    make: (n, o) => new LayerwisePolicy(n, { costs: o.costs, alpha: o.alpha, mu: o.mu, seed: o.seed, ...(o.gamma === undefined ? {} : { gamma: o.gamma }), ...(o.mc === undefined ? {} : { mc: o.mc }) }),
    restore: restoreLayerwise,
  },
};

const stageEntry = (name: string): StageEntry | undefined => (Object.prototype.hasOwnProperty.call(STAGE_REGISTRY, name) ? STAGE_REGISTRY[name] : undefined);

/** Whether `name` is a stage policy's (asked after every stage, not for a split). */
export function isStagePolicyName(name: string): boolean {
  return stageEntry(name) !== undefined;
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

/** The names --policy accepts ('fixed' is written fixed:K), the stage policies last. */
export const POLICY_NAMES: readonly string[] = [...Object.keys(REGISTRY).map((n) => (n === 'fixed' ? 'fixed:K' : n)), ...Object.keys(STAGE_REGISTRY)];

/** One line per policy: name and summary. */
export function describePolicies(): string[] {
  const all: [string, { summary: string }][] = [...Object.entries(REGISTRY), ...Object.entries(STAGE_REGISTRY)];
  return all.map(([n, e]) => `${(n === 'fixed' ? 'fixed:K' : n).padEnd(13)} ${e.summary}`);
}

function requireSplit(name: string, o: PolicyOptions): number {
  if (o.split === undefined) {
    const hint = name === 'oracle' ? 'replay computes it from the trace' : "write fixed:K, e.g. 'fixed:3'";
    throw new ArgumentError(`createPolicy: '${name}' needs a split: got none, expected an integer split layer; ${hint}`);
  }
  return o.split;
}

/** Builds a split policy by registry name ('fixed:3' sets options.split = 3); a stage policy's name is refused (createAnyPolicy). */
export function createPolicy(name: string, options: PolicyOptions): SplitPolicy {
  if (stageEntry(name) !== undefined) throw new ArgumentError(`createPolicy: '${name}' is a stage policy: got a stage policy's name, expected a split policy; hint: createAnyPolicy builds either kind`);
  return make(name, options);
}

/** Builds any policy of the registry by name: a stage policy (layerwise) or a split policy. */
export function createAnyPolicy(name: string, options: PolicyOptions): AnyPolicy {
  const e = stageEntry(name);
  return e === undefined ? make(name, options) : e.make(name, options);
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

/**
 * Rebuilds any policy from its snapshot (a split policy's PolicyState or a stage policy's
 * StagePolicyState, told apart by `format`); untrusted, like restorePolicy's.
 */
export function restoreAnyPolicy(state: unknown): AnyPolicy {
  if (!(isRecord(state) && state.format === 'splitee-stage-policy')) return restorePolicy(state);
  checkStagePolicyState(state);
  const e = stageEntry(state.name);
  if (e === undefined) throw new FormatError(`restorePolicy: unknown stage policy: got '${state.name.slice(0, 40)}', expected one of ${Object.keys(STAGE_REGISTRY).join(', ')}`);
  try {
    return e.restore(state);
  } catch (err) {
    if (err instanceof ArgumentError) throw new FormatError(`restorePolicy: options rejected: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Rebuilds a policy from snapshot(): the next choices equal those the original would have made.
 * `state` is untrusted (a file): every field is type-checked first (policy-state.ts), and an option the
 * policy refuses is reported as a FormatError of the snapshot.
 */
export function restorePolicy(state: unknown): SplitPolicy {
  checkPolicyState(state);
  let p: BasePolicy;
  try {
    p = make(state.name, { ...state.options, costs: costTableFromJSON(state.options.costs) });
  } catch (e) {
    if (e instanceof ArgumentError) throw new FormatError(`restorePolicy: options rejected: ${e.message}`, { cause: e });
    throw e;
  }
  p.load(state);
  return p;
}
