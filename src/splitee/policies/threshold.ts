/**
 * Threshold early exit on the device with no offloading (ElasticBERT / DeeBERT style): evaluate exits
 * 1..L in order and stop at the first j with C_j >= alpha, else predict at L. The cost is the device
 * cost of the exit reached. (The SplitEE notebook's "EBERT" baseline charged one layer too many and
 * predicted with the next head; this one does not, see src/splitee/README.md.)
 */
import type { Execution } from '../policy-types.js';
import { BasePolicy } from './base.js';

export class ThresholdPolicy extends BasePolicy {
  override readonly execution: Execution = 'device-cascade';

  choose(t: number): number {
    this.checkRound(t);
    return this.numExits;
  }
}
