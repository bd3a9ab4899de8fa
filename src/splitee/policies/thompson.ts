/**
 * Gaussian Thompson sampling: after every arm was observed once (shallowest first), draw
 *   theta_i ~ Normal(mean_i, sigma^2 / n_i)
 * and play argmax theta_i (Agrawal & Goyal 2013, Gaussian priors). sigma sets the exploration
 * (rewards here span about [-(lambda L + o), 1]). Works over plain, discounted or windowed
 * statistics, with or without side observations. Draws come from the policy's seeded Rng.
 */
import { ArgumentError } from '../../tensor/errors.js';
import type { PolicyOptions } from '../policy-types.js';
import { BanditPolicy } from './base.js';

export class ThompsonPolicy extends BanditPolicy {
  readonly sigma: number;

  constructor(name: string, options: PolicyOptions, sideObservations: boolean) {
    super(name, options, sideObservations);
    this.sigma = options.sigma ?? 0.5;
    if (!(Number.isFinite(this.sigma) && this.sigma > 0)) throw new ArgumentError(`policy '${name}': invalid sigma: got ${this.sigma}, expected a finite number > 0`);
  }

  choose(t: number): number {
    this.checkRound(t);
    const u = this.unplayed();
    if (u >= 0) return this.first + u;
    const { mean, invSqrtN } = this.stats;
    let best = 0;
    let bv = -Infinity;
    for (let a = 0; a < mean.length; a++) {
      const v = mean[a] + this.sigma * invSqrtN[a] * this.rng.normal();
      if (v > bv) {
        bv = v;
        best = a;
      }
    }
    return this.first + best;
  }
}
