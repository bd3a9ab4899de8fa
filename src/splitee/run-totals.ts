/** Running totals over the rounds of a live run (SplitRunner.runStream returns them). */
import { ArgumentError } from '../tensor/errors.js';
import type { Outcome, RoundRecord } from './round-record.js';

/** Running totals over records (the report's raw numbers). */
export class RunTotals {
  rounds = 0;
  labelled = 0;
  correct = 0;
  cost = 0;
  reward = 0;
  offloads = 0;
  fallbacks = 0;
  bytesSent = 0;
  /** Rounds per played split 0..L, at [split]. */
  readonly splitCounts: number[];
  readonly outcomes: Record<Outcome, number> = { exit: 0, final: 0, offload: 0, fallback: 0 };

  constructor(numExits: number) {
    if (!Number.isInteger(numExits) || numExits < 1) throw new ArgumentError(`RunTotals: numExits must be a positive integer: got ${numExits}, expected >= 1`);
    this.splitCounts = new Array<number>(numExits + 1).fill(0);
  }

  add(r: RoundRecord): void {
    if (!Number.isInteger(r.split) || r.split < 0 || r.split >= this.splitCounts.length) {
      throw new ArgumentError(`RunTotals.add: split out of range: got ${r.split}, expected an integer in 0..${this.splitCounts.length - 1}`);
    }
    this.rounds++;
    if (r.label !== null) {
      this.labelled++;
      if (r.prediction === r.label) this.correct++;
    }
    this.cost += r.cost;
    this.reward += r.reward;
    if (r.offloaded) this.offloads++;
    if (r.fallback) this.fallbacks++;
    this.bytesSent += r.bytesSent;
    this.splitCounts[r.split]++;
    this.outcomes[r.outcome]++;
  }

  get accuracy(): number {
    return this.labelled === 0 ? NaN : this.correct / this.labelled;
  }

  get costPerSample(): number {
    return this.rounds === 0 ? NaN : this.cost / this.rounds;
  }
}
