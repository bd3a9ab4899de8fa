/**
 * The cloud server's compute queue (src/node/server.ts): admission by queue length and wait time.
 *
 * A resume request whose body has been read whole is queued here; the queue computes in slices, one per
 * turn of the event loop (setImmediate): each slice runs queued requests until it has computed for
 * `COMPUTE_SLICE_MS` (at least one request), and between two slices the server reads every socket that
 * became readable: requests wait here, where they are seen and counted, instead of unread in the kernel's
 * socket buffers, where no cap can see them. The slice keeps compute its share of the core when many
 * clients hammer the server: one compute per turn let a turn's socket work (reading bodies, answering
 * 503s to the excess) starve the computes, and the answered throughput fell to a tenth under a storm of
 * refused requests. Two bounds, `maxQueued` (requests waiting) and `maxWaitMs`:
 *
 * - at arrival, refused at once (the caller answers 503 + Retry-After without computing) when `maxQueued`
 *   requests already wait, or when the predicted wait (requests queued ahead x the mean compute time so
 *   far, an exponential average) is above `maxWaitMs`;
 * - at its turn, a request that has waited longer than `maxWaitMs` (the prediction was low): refused too.
 *
 * The length bound scales with the service time: at most `maxQueued` computes wait ahead of a request, so
 * its latency under any load is about (maxQueued + 1) computes, a small multiple of its latency under a
 * moderate load; the time bound caps that when computes are slow. Past the capacity, clients get a fast 503
 * and retry later (HttpCloud honours Retry-After) or finish locally. A request whose client has gone is
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
/** A turn of the event loop computes queued requests for this long at most (it always runs one), ms. */
export const COMPUTE_SLICE_MS = 20;

export interface QueueBounds {
  /** Requests waiting for compute at most (a request arriving when this many wait is refused). */
  readonly maxQueued: number;
  /** Longest wait for compute, ms: predicted at arrival, measured at the request's turn. */
  readonly maxWaitMs: number;
}

export class ComputeQueue {
  private jobs: QueueJob[] = [];
  private head = 0;
  private meanMs = 0;
  private scheduled = false;

  constructor(
    readonly bounds: QueueBounds,
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

  /** Why a request arriving now would be refused, or null when it is admitted. */
  refusal(): 'queue_full' | 'predicted_wait' | null {
    if (this.length >= this.bounds.maxQueued) return 'queue_full';
    return this.predictedWaitMs() > this.bounds.maxWaitMs ? 'predicted_wait' : null;
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

  /** One turn: drops gone jobs and sheds late ones (cheap), and computes for one slice. */
  private readonly turn = (): void => {
    this.scheduled = false;
    const start = this.now();
    while (this.length > 0 && this.now() - start < COMPUTE_SLICE_MS) this.runNext();
    this.schedule();
  };

  /** Takes the next live job: drops it if gone, sheds it if it waited too long, else computes it (timed). */
  private runNext(): void {
    const job = this.jobs[this.head];
    this.jobs[this.head++] = undefined as unknown as QueueJob;
    if (this.head > 1024 && this.head * 2 > this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
    if (job.gone()) return;
    const t0 = this.now();
    const waited = t0 - job.at;
    if (waited > this.bounds.maxWaitMs) return job.shed(waited);
    try {
      job.run();
    } finally {
      const ms = this.now() - t0;
      this.meanMs = this.meanMs === 0 ? ms : this.meanMs + EWMA_WEIGHT * (ms - this.meanMs);
    }
  }
}
