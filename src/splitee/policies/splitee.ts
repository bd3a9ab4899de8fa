/**
 * SplitEE (UCB1 over the split layers) and its variants, by composition:
 *   splitee / splitee-s        plain statistics, without / with side observations
 *   d-ucb(-s) / sw-ucb(-s)     discounted / sliding-window statistics for drifting streams
 *
 * Round t = 1, 2, ...: while some arm was never observed, play the shallowest such arm (so for
 * t <= L SplitEE plays arm t); afterwards play
 *
 *   argmax_i  mean_i + c * sqrt( ln h(t) / n_i )
 *
 * with h(t) = t for plain statistics (Auer, Cesa-Bianchi & Fischer 2002), the discounted total count
 * (Garivier & Moulines 2011) or min(t, window). Ties go to the shallower layer.
 * Bajpai et al., "SplitEE: Early Exit in Deep Neural Networks with Split Computing", AIMLSystems 2023.
 */
import { ArgumentError } from '../../tensor/errors.js';
import type { PolicyOptions } from '../policy-types.js';
import { BanditPolicy } from './base.js';

export class UcbPolicy extends BanditPolicy {
  readonly c: number;

  constructor(name: string, options: PolicyOptions, sideObservations: boolean) {
    super(name, options, sideObservations);
    this.c = options.c ?? 1;
    if (!(Number.isFinite(this.c) && this.c >= 0)) throw new ArgumentError(`policy '${name}': invalid c: got ${this.c}, expected a finite number >= 0`);
  }

  choose(t: number): number {
    this.checkRound(t);
    const st = this.stats;
    const n = st.n;
    const mean = st.mean;
    const inv = st.invSqrtN;
    const h = st.horizon(t);
    const b = h > 1 ? this.c * Math.sqrt(Math.log(h)) : 0;
    let best = 0;
    let bv = -Infinity;
    // One pass: the first never-observed arm wins outright (shallowest first), else the largest index.
    for (let a = 0; a < n.length; a++) {
      if (n[a] === 0) return this.first + a;
      const v = mean[a] + b * inv[a];
      if (v > bv) {
        bv = v;
        best = a;
      }
    }
    return this.first + best;
  }
}
