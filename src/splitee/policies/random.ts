/** Random baseline: a uniformly random split per sample (as UEE-UCB's baseline; the SplitEE notebook
 *  instead fixed one random arm per run, see src/splitee/README.md). */
import { BasePolicy } from './base.js';

export class RandomPolicy extends BasePolicy {
  choose(t: number): number {
    this.checkRound(t);
    return this.first + this.rng.int(this.numArms);
  }
}
