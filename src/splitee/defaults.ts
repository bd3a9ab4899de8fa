/**
 * The parameter defaults of every command (run, replay, sweep, claims): the paper's setting
 * (lambda 0.1 per stage, offload cost o 0.5, exit threshold alpha 0.8, cost weight mu 1, UCB width
 * c 1) and the measured cost model's default link. One place, so no two commands disagree.
 */

export const DEFAULTS = {
  /** Exit threshold on a split's confidence. */
  alpha: 0.8,
  /** Compute cost per stage, paper units. */
  lambda: 0.1,
  /** Offload cost o of an activation, paper units. */
  offload: 0.5,
  /** Cost weight in the reward (paper costs). */
  mu: 1,
  /** UCB width. */
  c: 1,
  /** Independent replays (fresh permutations) per cell. */
  runs: 20,
  /** Seeds the distortion, the permutations and the policy. */
  seed: 1,
  /** Measured cost model: uplink, Mbit/s. */
  bandwidthMbps: 10,
  /** Measured cost model: round trip, ms. */
  rttMs: 20,
} as const;

/** The paper's sweep over the offload cost o (its figures' x axis). */
export const PAPER_OFFLOADS: readonly number[] = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
