/**
 * The best per-layer-threshold rule in hindsight: an oracle over rules "after stage i < L: exit if
 * C_i >= tau_i (tau_i >= alpha), else offload if C_i < beta_i, else continue; at L the final layer".
 * It contains every fixed split (tau = beta = +inf before k, tau_k = beta_k = alpha) and the device
 * cascade (tau_i = alpha, beta_i = -inf), so it is at least as strong as both.
 *
 * Found by coordinate ascent on the whole trace's mean reward (full information: it reads C_L of every
 * row; replay only): start from the best fixed split or the cascade, then sweep the layers L-1..1, at
 * each trying every (tau, beta) of a grid of the layer's confidence quantiles with the other layers
 * fixed. Not guaranteed to be the global best rule, only a local optimum at least as good as the start.
 */
import { armRewardUnchecked, type RewardModel } from './reward.js';
import type { Trace } from './trace.js';

export interface ThresholdRule {
  /** tau[i-1], beta[i-1] for i = 1..L-1 (Infinity / -Infinity allowed). */
  tau: number[];
  beta: number[];
  meanReward: number;
}

/** Reward of one row under a rule, from stage `from` on (conf row at base). */
function rowReward(m: RewardModel, conf: Float64Array, base: number, L: number, tau: number[], beta: number[], from: number): number {
  const d = m.costs.device;
  const off = m.costs.offload;
  const cl = conf[base + L - 1];
  for (let i = from; i < L; i++) {
    const c = conf[base + i - 1];
    if (c >= tau[i - 1]) return c - m.mu * d[i];
    if (c < beta[i - 1]) return cl - m.mu * (d[i] + off[i]);
  }
  return cl - m.mu * d[L];
}

export function ruleMeanReward(trace: Trace, m: RewardModel, tau: number[], beta: number[]): number {
  const L = trace.numExits;
  let s = 0;
  for (let r = 0; r < trace.numRows; r++) s += rowReward(m, trace.conf, r * L, L, tau, beta, 1);
  return s / trace.numRows;
}

function grid(trace: Trace, i: number, points: number): number[] {
  const L = trace.numExits;
  const v = new Float64Array(trace.numRows);
  for (let r = 0; r < trace.numRows; r++) v[r] = trace.conf[r * L + i - 1];
  v.sort();
  const out = new Set<number>();
  for (let k = 0; k <= points; k++) out.add(v[Math.min(v.length - 1, Math.floor((k * (v.length - 1)) / points))]);
  return [...out];
}

export function bestThresholdRule(trace: Trace, m: RewardModel, opts: { points?: number; sweeps?: number } = {}): ThresholdRule {
  const L = trace.numExits;
  const N = trace.numRows;
  const a = m.alpha;
  const points = opts.points ?? 24;
  // starts: the cascade and every fixed split (via armRewardUnchecked's definition)
  // alpha >= 1 never exits (reward.ts exits()): every tau is then +inf
  const ta = a < 1 ? a : Infinity;
  let tau = new Array<number>(L - 1).fill(ta);
  let beta = new Array<number>(L - 1).fill(-Infinity);
  let best = ruleMeanReward(trace, m, tau, beta);
  for (let k = 1; k < L; k++) {
    const t = new Array<number>(L - 1).fill(Infinity);
    const b = new Array<number>(L - 1).fill(-Infinity);
    t[k - 1] = ta;
    b[k - 1] = a;
    const v = ruleMeanReward(trace, m, t, b);
    if (v > best) [best, tau, beta] = [v, t, b];
  }
  let sL = 0;
  for (let r = 0; r < N; r++) sL += armRewardUnchecked(m, L, 0, trace.conf[r * L + L - 1]);
  if (sL / N > best) {
    best = sL / N;
    tau = new Array<number>(L - 1).fill(Infinity);
    beta = new Array<number>(L - 1).fill(-Infinity);
  }
  const tail = new Float64Array(N);
  const reach = new Uint8Array(N);
  for (let sweep = 0; sweep < (opts.sweeps ?? 2); sweep++) {
    for (let i = L - 1; i >= 1; i--) {
      // rows reaching stage i under the current rule, and their reward from stage i + 1 on
      let head = 0;
      for (let r = 0; r < N; r++) {
        const base = r * L;
        let reached = 1;
        for (let j = 1; j < i; j++) {
          const c = trace.conf[base + j - 1];
          if (c >= tau[j - 1] || c < beta[j - 1]) {
            reached = 0;
            break;
          }
        }
        reach[r] = reached;
        if (reached) tail[r] = rowReward(m, trace.conf, base, L, tau, beta, i + 1);
        else head += rowReward(m, trace.conf, base, L, tau, beta, 1);
      }
      const g = grid(trace, i, points);
      const taus = a < 1 ? [Infinity, ...g.filter((x) => x >= a), a] : [Infinity];
      const betas = [-Infinity, ...g, Infinity];
      const d = m.costs.device[i];
      const off = m.costs.offload[i];
      for (const t of taus) {
        for (const b of betas) {
          let s = head;
          for (let r = 0; r < N; r++) {
            if (!reach[r]) continue;
            const c = trace.conf[r * L + i - 1];
            s += c >= t ? c - m.mu * d : c < b ? trace.conf[r * L + L - 1] - m.mu * (d + off) : tail[r];
          }
          if (s / N > best + 1e-12) {
            best = s / N;
            tau[i - 1] = t;
            beta[i - 1] = b;
          }
        }
      }
    }
  }
  return { tau, beta, meanReward: ruleMeanReward(trace, m, tau, beta) };
}
