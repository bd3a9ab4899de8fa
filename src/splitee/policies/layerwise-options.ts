/**
 * The options of `layerwise` (policies/layerwise.ts): what they mean, their defaults and their checks,
 * in one place. Figures behind the defaults: src/splitee/README.md, "layerwise", "Alternatives tried".
 */
import { ArgumentError } from '../../tensor/errors.js';
import type { CostTable } from '../cost.js';

/** Default weight of the continuation returns (option mc). */
export const LAYERWISE_MC = 1.5;
/** Default first round (0-based) whose return is credited (option mcFrom). */
export const LAYERWISE_MC_FROM = 1000;

export interface LayerwiseOptions {
  costs: CostTable;
  alpha?: number;
  mu?: number;
  /** UCB width on values (default 0.005; src/splitee/README.md "layerwise" has the sweep). */
  c?: number;
  lowBins?: number;
  highBins?: number;
  /** Discount applied to every statistic per round (default 1: stationary; < 1 forgets for drift). */
  gamma?: number;
  /** Sliding window: only the last `window` rounds count (default 0: all; exclusive with gamma < 1). */
  window?: number;
  /** Pseudo-count of the prior on E[C_L | state] (default 1). */
  prior?: number;
  /** The prior's value is max(bin mean C_i, floor) (default 0.95: optimistic below 0.95). */
  floor?: number;
  /** Prior of an unseen transition: 'top' (the top bin: optimistic; default) or 'stay' (the same bin). */
  transPrior?: 'top' | 'stay';
  /** Pseudo-count of that prior (default 0.25: one real transition outweighs it). */
  transWeight?: number;
  /**
   * How an observed C_L estimates E[C_L | i, b] (default 'chain'): 'path' credits it to every state of
   * the round's path (biased: a state's continued samples report C_L only when they stayed unconfident);
   * 'chain' credits it only where the round offloaded, and a state's continued samples stand for
   * sum_b' P(b' | i, b) E[C_L | i + 1, b'] (the same induction; E[C_L | L, b] = mean C_L of bin b).
   */
  credit?: 'chain' | 'path';
  /** Bin spacing: equal in (distance from alpha)^warp (default 1: equal widths; < 1: finer near alpha). */
  warp?: number;
  /**
   * Weight of the continuation returns (default LAYERWISE_MC = 1.5; 0: the induction alone, the rule before it): the
   * value of continuing from (i, b) also counts, mc times each, the realized rewards of the rounds that
   * continued from (i, b), so it learns what continuing paid there, not only what the bins' Markov
   * chain predicts (src/splitee/README.md "layerwise", "Continuation returns").
   */
  mc?: number;
  /**
   * Rounds before this one (0-based; default LAYERWISE_MC_FROM = 1000) credit no return: they were played
   * under the optimistic priors, and what continuing paid then would hold the values down for good (a
   * state that stops continuing hears no newer return).
   */
  mcFrom?: number;
  /** Accepted for the common interface; the policy draws no random numbers. */
  seed?: number;
}

/** Every option resolved to its value (defaults filled in) and checked. */
export interface ResolvedLayerwise {
  alpha: number;
  mu: number;
  c: number;
  gamma: number;
  window: number;
  lowBins: number;
  highBins: number;
  prior: number;
  floor: number;
  /** transPrior 'top'. */
  optimistic: boolean;
  transWeight: number;
  /** credit 'chain'. */
  chain: boolean;
  warp: number;
  mc: number;
  mcFrom: number;
}

export function resolveLayerwise(name: string, o: LayerwiseOptions): ResolvedLayerwise {
  const w = `policy '${name}'`;
  if (o.costs === undefined || !(o.costs.device instanceof Float64Array)) throw new ArgumentError(`${w}: missing cost table: got ${typeof o.costs}, expected options.costs`);
  const r: ResolvedLayerwise = {
    alpha: o.alpha ?? 0.8,
    mu: o.mu ?? 1,
    c: o.c ?? 0.005,
    gamma: o.gamma ?? 1,
    window: o.window ?? 0,
    lowBins: o.lowBins ?? 8,
    highBins: o.highBins ?? 4,
    prior: o.prior ?? 1,
    floor: o.floor ?? 0.95,
    optimistic: (o.transPrior ?? 'top') === 'top',
    transWeight: o.transWeight ?? 0.25,
    chain: (o.credit ?? 'chain') === 'chain',
    warp: o.warp ?? 1,
    mc: o.mc ?? LAYERWISE_MC,
    mcFrom: o.mcFrom ?? LAYERWISE_MC_FROM,
  };
  if (!(r.alpha > 0 && r.alpha <= 1)) throw new ArgumentError(`${w}: invalid alpha: got ${r.alpha}, expected a threshold in (0, 1]`);
  if (!(Number.isFinite(r.mu) && r.mu >= 0)) throw new ArgumentError(`${w}: invalid mu: got ${r.mu}, expected a finite number >= 0`);
  if (!(Number.isFinite(r.c) && r.c >= 0)) throw new ArgumentError(`${w}: invalid c: got ${r.c}, expected a finite number >= 0`);
  if (!(r.gamma > 0 && r.gamma <= 1)) throw new ArgumentError(`${w}: invalid gamma: got ${r.gamma}, expected a discount in (0, 1]`);
  if (!(Number.isFinite(r.prior) && r.prior > 0)) throw new ArgumentError(`${w}: invalid prior: got ${r.prior}, expected a finite number > 0`);
  if (!(Number.isFinite(r.floor) && r.floor >= 0 && r.floor <= 1)) throw new ArgumentError(`${w}: invalid floor: got ${r.floor}, expected a number in [0, 1]`);
  if (!(r.transWeight > 0 && Number.isFinite(r.transWeight))) throw new ArgumentError(`${w}: invalid transWeight: got ${r.transWeight}, expected a finite number > 0`);
  if (!(Number.isFinite(r.mc) && r.mc >= 0 && r.mc <= 1e6)) throw new ArgumentError(`${w}: invalid mc: got ${r.mc}, expected a number in [0, 1e6] (0: no continuation returns)`);
  if (!(Number.isInteger(r.mcFrom) && r.mcFrom >= 0)) throw new ArgumentError(`${w}: invalid mcFrom: got ${r.mcFrom}, expected an integer >= 0 (a round number)`);
  if (!(r.warp > 0 && r.warp <= 4)) throw new ArgumentError(`${w}: invalid warp: got ${r.warp}, expected a number in (0, 4]`);
  if (!(Number.isInteger(r.window) && r.window >= 0 && r.window <= 1e6)) throw new ArgumentError(`${w}: invalid window: got ${r.window}, expected an integer in [0, 1e6] (0: no window)`);
  if (r.window > 0 && r.gamma < 1) throw new ArgumentError(`${w}: window and gamma together: got window ${r.window}, gamma ${r.gamma}, expected one of them (window > 0 or gamma < 1)`);
  for (const [k, v] of [['lowBins', r.lowBins], ['highBins', r.highBins]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 64) throw new ArgumentError(`${w}: invalid ${k}: got ${v}, expected an integer in [1, 64]`);
  }
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed)) throw new ArgumentError(`${w}: invalid seed: got ${seed}, expected an integer`);
  return r;
}
