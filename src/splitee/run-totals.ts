/** Running totals over the rounds of a live run (SplitRunner.runStream returns them). */
import type { Outcome, RoundRecord } from './runner.js';

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
    this.splitCounts = new Array<number>(numExits + 1).fill(0);
  }

  add(r: RoundRecord): void {
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
