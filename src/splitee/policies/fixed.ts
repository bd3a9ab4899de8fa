/**
 * Fixed-split baselines: 'final' (split L: everything on the device), 'cloud' (split 0: the raw input
 * is offloaded; needs a cost table with arm 0), 'fixed:K', and 'oracle' (the best fixed split in
 * hindsight, which replay computes from the whole trace; replay only, since it reads the future).
 */
import { ArgumentError } from '../../tensor/errors.js';
import type { PolicyOptions } from '../policy-types.js';
import { BasePolicy } from './base.js';

export class FixedPolicy extends BasePolicy {
  readonly split: number;

  constructor(name: string, options: PolicyOptions, split: number) {
    super(name, options);
    if (split === 0 && !this.costs.cloudOnly) {
      throw new ArgumentError(`policy '${name}': no cloud-only arm: got a cost table without arm 0, expected cloudOnly; give paperCosts a cloudOnly cost (CLI: --cloud-cost)`);
    }
    if (!Number.isInteger(split) || split < this.first || split > this.numExits) {
      throw new ArgumentError(`policy '${name}': split out of range: got ${split}, expected an integer in [${this.first}, ${this.numExits}]`);
    }
    this.split = split;
  }

  choose(t: number): number {
    this.checkRound(t);
    return this.split;
  }
}
