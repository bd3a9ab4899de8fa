/**
 * Epsilon-greedy: after every arm was observed once (shallowest first), with probability epsilon play
 * a uniformly random arm, otherwise the arm of highest mean (ties to the shallower layer).
 */
import { ArgumentError } from '../../tensor/errors.js';
import type { PolicyOptions } from '../policy-types.js';
import { BanditPolicy } from './base.js';

export class EpsilonGreedyPolicy extends BanditPolicy {
  readonly epsilon: number;

  constructor(name: string, options: PolicyOptions, sideObservations: boolean) {
    super(name, options, sideObservations);
    this.epsilon = options.epsilon ?? 0.1;
    if (!(this.epsilon >= 0 && this.epsilon <= 1)) throw new ArgumentError(`policy '${name}': invalid epsilon: got ${this.epsilon}, expected a probability in [0, 1]`);
  }

  choose(t: number): number {
    this.checkRound(t);
    const u = this.unplayed();
    if (u >= 0) return this.first + u;
    if (this.rng.float() < this.epsilon) return this.first + this.rng.int(this.numArms);
    const mean = this.stats.mean;
    let best = 0;
    for (let a = 1; a < mean.length; a++) if (mean[a] > mean[best]) best = a;
    return this.first + best;
  }
}
