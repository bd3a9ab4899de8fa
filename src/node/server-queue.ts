/**
 * The cloud server's compute queue (src/node/server.ts): admission by queue wait time.
 *
 * A resume request whose body has been read whole is queued here; the queue runs one compute per turn of
 * the event loop (setImmediate), so between two computes the server reads every socket that became
 * readable: requests wait here, where they are seen and counted, instead of unread in the kernel's socket
 * buffers, where no cap can see them. Two checks against one budget, `maxWaitMs`:
 *
 * - at arrival, the predicted wait (requests queued ahead x the mean compute time so far, an exponential
 *   average) above the budget: refused at once (the caller answers 503 + Retry-After without computing);
 * - at its turn, a request that has waited longer than the budget (the prediction was low): refused too.
 *
 * So a request is computed only if it started within the budget, and its latency is bounded by about
 * budget + one compute, whatever the number of clients; past the capacity, clients get a fast 503 and
 * retry later (HttpCloud honours Retry-After) or finish locally. A request whose client has gone is
 * dropped at its turn without computing.
 */

/** One queued request. */
export interface QueueJob {
  /** When it was queued, in the queue's clock (ms). */
  readonly at: number;
  /** True when nobody waits for the answer any more (the client went away). */
  gone(): boolean;
  /** Its turn: compute and answer, synchronously (the queue times it). */
  run(): void;
  /** Refused at its turn: it waited `waitedMs` > the budget. */
  shed(waitedMs: number): void;
}

/** Weight of the newest compute time in the running mean. */
const EWMA_WEIGHT = 0.2;

export class ComputeQueue {
  private jobs: QueueJob[] = [];
  private head = 0;
  private meanMs = 0;
  private scheduled = false;

  constructor(
    readonly maxWaitMs: number,
    private readonly now: () => number,
  ) {}

  /** Requests queued, not yet started. */
  get length(): number {
    return this.jobs.length - this.head;
  }

  /** Mean compute time of the requests run so far (exponential average), ms; 0 before the first. */
  get meanComputeMs(): number {
    return this.meanMs;
  }

  /** The wait a request queued now can expect, ms. */
  predictedWaitMs(): number {
    return this.length * this.meanMs;
  }

  /** Whether a request arriving now is admitted (its predicted wait is within the budget). */
  admits(): boolean {
    return this.predictedWaitMs() <= this.maxWaitMs;
  }

  push(job: QueueJob): void {
    this.jobs.push(job);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.length === 0) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  /** One turn: drops gone jobs and sheds late ones (cheap), then runs at most one compute. */
  private readonly turn = (): void => {
    this.scheduled = false;
    while (this.length > 0) {
      const job = this.jobs[this.head];
      this.jobs[this.head++] = undefined as unknown as QueueJob;
      if (this.head > 1024 && this.head * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.head);
        this.head = 0;
      }
      if (job.gone()) continue;
      const t0 = this.now();
      const waited = t0 - job.at;
      if (waited > this.maxWaitMs) {
        job.shed(waited);
        continue;
      }
      try {
        job.run();
      } finally {
        const ms = this.now() - t0;
        this.meanMs = this.meanMs === 0 ? ms : this.meanMs + EWMA_WEIGHT * (ms - this.meanMs);
      }
      break;
    }
    this.schedule();
  };
}
