/**
 * The device side of a live run, one sample at a time (docs/DESIGN.md "Data flow of one sample"):
 *
 *   i = policy.choose(t);  x_0 = prepare(sample);  for s = 1..i: x_s = stage s(x_{s-1}), C_s = max softmax(exit s(x_s))
 *   i = L                -> predict with exit L on the device                          outcome 'final'
 *   C_i >= alpha         -> predict with exit i on the device                          outcome 'exit'
 *   otherwise            -> encode x_i, cloud.resume -> {prediction, C_L}              outcome 'offload'
 *                           cloud failed after its retries -> stages i+1..L and exit L
 *                           on the device                                             outcome 'fallback'
 *   i = 0 (cloud only)   -> x_0 is sent as is (no device stage runs)
 *   execution 'device-cascade' (threshold baseline): stop at the first C_j >= alpha, never offload.
 *   execution 'stage' (a StagePolicy, stage.ts): after every stage s, policy.decide(t, s, C_1..C_s)
 *                        says exit (only where C_s >= alpha) / continue / offload; offload sends x_s as
 *                        a split at s would (same wire, same fallback); at L the round is 'final'.
 *
 * The outcome, cost and reward come from settle.ts (one settlement for the runner, replay and
 * scoring), with the reward/cost model of the policy (policy.model) plus the measured link, if any.
 * Then the policy learns from observationOf(record): only what the device computed and the cloud
 * returned. A fallback's C_L was computed on the device, so it counts as observed (finalConf), and the
 * round's cost is what was really spent, so a policy learns that offloading to a dead cloud is dear.
 * Labels are read only into the record, for the report; no policy call ever receives one.
 *
 * Costs, in the unit of `costs` (paper: lambda; measured: ms or mJ):
 *   exit / final at i:    device[i]
 *   offload at i:         device[i] + off(i)
 *   fallback at i:        device[L] + off(i)      (the device ran every stage and the send was paid)
 *   with off(i) = offload[i], or, when `link` is given (the measured model), the bytes really sent
 *   (every attempt's body) / (bandwidthMbps * 125 bytes per ms) + latencyMs.
 * Each record also carries the measured side: device FLOPs (stages and every exit head evaluated),
 * device wall time, cloud round-trip time and the total latency, all from performance.now().
 *
 * Memory: a round that stays on the device allocates nothing of its own in steady state through
 * stepEager() (bench/README.md, bench/splitee/runner-alloc.bench.ts), except what the clock returns
 * (performance.now(): a fresh heap number per reading on Node 20, 3 a round; inject `clock` to avoid).
 * Every double of the record is a plain number field (finalConf is NaN, not null, when C_L is not
 * observed: a `number | null` field would box each C_L).
 * Each stage's output is copied into a runner-owned buffer (stage-buffers.ts), softmax reads a
 * preallocated logits row, and the record, its confidences (one array per split), the settlement and
 * the policy's observation are the runner's own objects, filled again every round. Hence the
 * contract: the record a step returns is valid until the next step (copyRecord() keeps one); the
 * observation is valid during policy.update only (policy-types.ts). No double crosses a call V8 may
 * not inline, nor merges with a tagged value (V8 boxes it there): see settle.ts and play().
 * stepEager() returns the record itself for such a round; step() returns one Promise resolved to it.
 * A round that goes to the cloud writes its activation into its split's request body, laid out on the
 * first offload at that split and again when the activation's shape changes (a text model's sequence
 * length; wire-encode.ts ResumeBody), and allocates the transport's promises and reply.
 *
 * step() is sequential: a second step() while one is in flight throws a StateError (the policy's
 * rounds are ordered). No sample is dropped: every step resolves to exactly one record unless the
 * device itself fails (a bug in prepare or the network), which rejects and consumes no round.
 */
import { ArgumentError, StateError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { softmax, softmaxPlan, type SoftmaxPlan } from '../tensor/kernels/softmax.js';
import { resolveAction, type StageObservation, type StageOutcome } from './stage.js';
import { checkActivationShape } from './cloud.js';
import { RequestBodies } from './wire-encode.js';
import { RunTotals } from './run-totals.js';
import { exits, type RewardModel } from './reward.js';
import { observeInto, settleInto, sendsToCloud, type RoundFacts, type Settlement } from './settle.js';
import type { Observation } from './policy-types.js';
import { emptyRecord, recordFailure, recordReply, stageObservationInto, type RoundRecord } from './round-record.js';
import { runModel, sampleField, type RunnerOptions } from './runner-options.js';
import { StageBuffers, copyInto } from './stage-buffers.js';

export { RunTotals } from './run-totals.js';
export type { RunnerOptions } from './runner-options.js';
export { copyRecord, observationOf, stageObservationOf, type Outcome, type RoundRecord } from './round-record.js';

export class SplitRunner<S = unknown> {
  private readonly o: RunnerOptions<S>;
  /** The run's reward/cost model (the policy's, plus the measured link). */
  readonly model: RewardModel;
  private readonly L: number;
  private readonly probs: Float32Array;
  private readonly logits: Float32Array;
  private readonly plan: SoftmaxPlan;
  private readonly buffers: StageBuffers;
  private readonly clock: () => number;
  /** The round in progress and its result: every step fills these (see "Memory" in the header). */
  private readonly rec: RoundRecord;
  private readonly settled: Settlement = { outcome: 'final', cost: 0, reward: 0 };
  private readonly facts: RoundFacts = { split: 0, confidences: [], finalConf: NaN, cloudAnswered: false, bytesSent: 0, decided: undefined };
  private readonly obs: Observation = { split: 0, confidences: [], offloaded: false, finalConf: NaN, cost: 0 };
  private readonly stageObs: StageObservation = { stop: 0, outcome: 'final', confidences: [], finalConf: NaN, cost: 0 };
  /** A stage policy's decision at the played split, if any (settle.ts RoundFacts.decided). */
  private decided: StageOutcome | undefined = undefined;
  /** Where a stage policy's illegal answer is reported (built once: no string per stage). */
  private readonly who: string;
  /** C_1..C_k of the round in progress, at [0..k-1]. */
  private readonly seen: Float64Array;
  /** At [k]: the record's confidences array for a round played at split k (length k). */
  private readonly confArrays: number[][] = [];
  /** The request body of each split (wire-encode.ts). */
  private readonly bodies: RequestBodies;
  /** The activation at the played split (runner-owned, or the prepared input at split 0). */
  private x: Tensor | null = null;
  private t0 = 0;
  private busy = false;
  /** step()'s Promise for a round that stays on the device, and the microtask that ends such a step. */
  private readonly resolved: Promise<RoundRecord>;
  private readonly release = (): void => {
    this.busy = false;
  };
  /** Max softmax probability and argmax of the last confidence() call (fields: no allocation). */
  private conf = NaN;
  private pred = -1;
  /** C_split of the round in progress (NaN at split 0). */
  private splitConf = NaN;
  /** The next round number. */
  t: number;

  constructor(options: RunnerOptions<S>) {
    const { network, policy } = options;
    const L = network.numStages;
    if (!(options.alpha === undefined || (options.alpha >= 0 && options.alpha <= 1))) throw new ArgumentError(`SplitRunner: invalid alpha: got ${options.alpha}, expected [0, 1]`);
    const link = options.link;
    if (link && !(link.bandwidthMbps > 0 && link.latencyMs >= 0)) throw new ArgumentError(`SplitRunner: invalid link: got bandwidthMbps ${link.bandwidthMbps}, latencyMs ${link.latencyMs}, expected bandwidthMbps > 0 and latencyMs >= 0`);
    this.model = runModel(options);
    const costs = this.model.costs;
    if (policy.numExits !== L || costs.numExits !== L) {
      throw new ArgumentError(`SplitRunner: exits disagree: got network ${L}, policy ${policy.numExits}, costs ${costs.numExits}, expected one L`);
    }
    this.o = options;
    this.L = L;
    this.t = options.startT ?? 1;
    if (!(Number.isInteger(this.t) && this.t >= 1)) throw new ArgumentError(`SplitRunner: invalid startT: got ${this.t}, expected an integer >= 1`);
    this.probs = new Float32Array(network.numClasses);
    this.logits = new Float32Array(network.numClasses);
    this.plan = softmaxPlan([1, network.numClasses]);
    this.buffers = new StageBuffers(network);
    this.clock = options.clock ?? (() => performance.now());
    this.seen = new Float64Array(L);
    for (let k = 0; k <= L; k++) this.confArrays.push(Array.from({ length: k }, () => NaN));
    this.bodies = new RequestBodies({ modelHash: options.modelHash, modelId: network.id, encoding: options.encoding ?? 'f32', quantAxis: options.quantAxis }, L);
    this.rec = emptyRecord(costs.unit);
    this.resolved = Promise.resolve(this.rec);
    this.who = `SplitRunner: policy '${policy.name}'`;
  }

  /** Max softmax probability (this.conf) and argmax (this.pred) of one row of logits. */
  private confidence(logits: Tensor): void {
    copyInto(this.logits, logits, this.buffers.scratch(logits.shape.length));
    softmax(this.probs, this.logits, this.plan);
    let k = 0;
    for (let j = 1; j < this.probs.length; j++) if (this.probs[j] > this.probs[k]) k = j;
    this.conf = this.probs[k];
    this.pred = k;
  }

  /**
   * Runs one round on `sample`; resolves to its record after the policy has learned from it. The record
   * is the runner's own, valid until the next step: copyRecord() it to keep it (see the header).
   * Not an async function: a round that stays on the device returns one Promise made in the
   * constructor, already resolved to the record (the same object every such round), and holds the
   * step in flight until that Promise's then() callback runs, as an async step() would: a second
   * step() in the same synchronous run is rejected. That then() is the one allocation of such a
   * step (~96 bytes on Node 20: a Promise, a reaction, a microtask); the async step() it replaces
   * allocated ~450.
   */
  step(sample: S): Promise<RoundRecord> {
    let r: RoundRecord | Promise<RoundRecord>;
    try {
      r = this.stepEager(sample);
    } catch (e) {
      return Promise.reject(e);
    }
    if (r instanceof Promise) return r;
    this.busy = true;
    void this.resolved.then(this.release);
    return this.resolved;
  }

  /**
   * step() without a Promise for a round that stays on the device: the record itself when the round
   * exits or ends at L on the device, a Promise of it when the round goes to the cloud. Errors (a
   * concurrent step, a failing prepare or network) are thrown, not rejected, on the synchronous path.
   * Same record contract as step().
   */
  stepEager(sample: S): RoundRecord | Promise<RoundRecord> {
    if (this.busy) throw new StateError('SplitRunner.step: a step is already in flight: got a concurrent call, expected one step at a time');
    this.busy = true;
    let pending = false;
    try {
      const r = this.play(sample);
      pending = r instanceof Promise; // viaCloud ends the step when it settles
      return r;
    } finally {
      if (!pending) this.busy = false;
    }
  }

  /** One round: the record, or a Promise of it when the round goes to the cloud. */
  private play(sample: S): RoundRecord | Promise<RoundRecord> {
    this.onDevice(sample);
    // here, not in onDevice: C_split reaches sendsToCloud as a double, which V8 boxes (16 bytes a round)
    // unless the call is inlined, and onDevice is too large for V8 to inline it there
    return sendsToCloud(this.model, this.rec.split, this.splitConf, this.decided) ? this.viaCloud(sample) : this.finish(sample);
  }

  /** The device part of a round, into this.rec, this.splitConf and this.decided. */
  private onDevice(sample: S): void {
    const { network: net, policy } = this.o;
    const L = this.L;
    const t = this.t;
    const t0 = (this.t0 = this.clock());
    const stage = policy.execution === 'stage' ? policy : null;
    let chosen = policy.execution === 'stage' ? L : policy.choose(t);
    if (!(Number.isInteger(chosen) && chosen >= 0 && chosen <= L)) throw new StateError(`SplitRunner: policy '${policy.name}' chose an invalid split: got ${chosen} at round ${t}, expected 0..${L}`);
    const cascade = policy.execution === 'device-cascade';
    let decided: StageOutcome | undefined;
    let flops = 0;
    let x = this.o.prepare(sample);
    checkActivationShape(net, 0, x.shape);
    let split = chosen;
    let pred = -1;
    let conf = NaN;
    for (let s = 1; s <= chosen; s++) {
      x = this.buffers.hold(s, net.runStages(s - 1, s, x)); // own copy: the contract lets the next call reuse the arena
      this.confidence(net.exitLogits(s, x));
      flops += net.profile.stageFlops[s - 1] + net.profile.exitFlops[s - 1];
      this.seen[s - 1] = this.conf;
      pred = this.pred;
      conf = this.conf;
      if (cascade && exits(this.model.alpha, conf)) {
        split = s;
        break;
      }
      if (stage !== null) {
        const a = resolveAction(this.model, s, conf, stage.decide(t, s, this.seenUpTo(s)), this.who);
        if (a !== 'continue') {
          chosen = split = s;
          decided = a;
          break;
        }
      }
    }
    this.decided = decided;
    this.x = x;
    const r = this.rec;
    r.chosen = chosen;
    r.split = split;
    r.prediction = pred;
    r.finalConf = split === L ? conf : NaN;
    r.deviceFlops = flops;
    r.deviceMs = this.clock() - t0;
    r.cloudMs = 0;
    r.bytesSent = 0;
    r.attempts = 0;
    r.error = null;
    this.facts.cloudAnswered = false;
    this.splitConf = conf;
  }

  /** C_1..C_s as a plain array of length s (the record's array for split s, filled; no allocation). */
  private seenUpTo(s: number): number[] {
    const a = this.confArrays[s];
    for (let i = 0; i < s; i++) a[i] = this.seen[i];
    return a;
  }

  /**
   * The cloud part of a round: sends the split's activation; on failure runs the rest on the device
   * (outcome 'fallback'); then finish(), and the step ends. One async function, not three: each
   * costs a round ~400 bytes (its Promise and suspended frame).
   */
  private async viaCloud(sample: S): Promise<RoundRecord> {
    const r = this.rec;
    try {
      const c0 = this.clock();
      let bodyBytes = -1; // -1: no body yet; read before the send (a transport may detach the body's buffer)
      try {
        const body = this.bodies.write(r.split, this.x as Tensor); // rewritten in place each offload: lent to the transport until resume settles
        bodyBytes = body.length;
        recordReply(r, await this.o.cloud.resume(this.o.network.id, body), bodyBytes);
        this.facts.cloudAnswered = true;
      } catch (e) {
        recordFailure(r, e, bodyBytes);
      }
      r.cloudMs = this.clock() - c0;
      if (!this.facts.cloudAnswered) this.fallback();
      return this.finish(sample);
    } finally {
      this.busy = false;
    }
  }

  /** Stages split+1..L and exit L on the device, after the cloud failed. */
  private fallback(): void {
    const net = this.o.network;
    const r = this.rec;
    const L = this.L;
    const d0 = this.clock();
    this.confidence(net.exitLogits(L, net.runStages(r.split, L, this.x as Tensor)));
    for (let s = r.split + 1; s <= L; s++) r.deviceFlops += net.profile.stageFlops[s - 1];
    r.deviceFlops += net.profile.exitFlops[L - 1];
    r.prediction = this.pred;
    r.finalConf = this.conf;
    r.deviceMs += this.clock() - d0;
  }

  /** Settles the round, lets the policy learn from it and completes this.rec. */
  private finish(sample: S): RoundRecord {
    const r = this.rec;
    const t = this.t;
    const split = r.split;
    const confs = this.confArrays[split];
    for (let i = 0; i < split; i++) confs[i] = this.seen[i];
    const f = this.facts;
    f.split = split;
    f.confidences = confs;
    f.finalConf = r.finalConf;
    f.bytesSent = r.bytesSent;
    f.decided = this.decided;
    const st = settleInto(this.model, f, this.settled);
    const outcome = st.outcome;
    const labelFn = this.o.label;
    r.t = t;
    r.label = labelFn ? labelFn(sample) : sampleField(sample, 'label');
    r.index = this.o.index ? this.o.index(sample, t) : (sampleField(sample, 'index') ?? t - 1);
    r.outcome = outcome;
    r.fallback = outcome === 'fallback';
    r.offloaded = outcome === 'offload' || outcome === 'fallback';
    r.confidences = confs;
    r.cost = st.cost;
    r.reward = st.reward;
    const policy = this.o.policy; // the observation is valid during update only (policy-types.ts, stage.ts)
    if (policy.execution === 'stage') policy.update(stageObservationInto(r, this.stageObs));
    else policy.update(observeInto(f, st, this.obs));
    r.latencyMs = this.clock() - this.t0;
    this.t = t + 1;
    return r;
  }

  /**
   * Steps through `samples` in order, handing each record to `onRecord` (awaited when it returns a
   * Promise: a log write finishes before the next sample starts; the record is valid during the call
   * only, copyRecord() it to keep it). Stops after `limit` samples or when `shouldStop()` says so.
   * A synchronous iterable is read synchronously: rounds that stay on the device, with a synchronous
   * onRecord, run without a Promise or a microtask between them.
   */
  async runStream(
    samples: Iterable<S> | AsyncIterable<S>,
    onRecord?: (r: RoundRecord) => void | Promise<void>,
    opts: { limit?: number; shouldStop?: () => boolean } = {},
  ): Promise<RunTotals> {
    const totals = new RunTotals(this.L);
    const limit = opts.limit ?? Infinity;
    if (totals.rounds >= limit) return totals;
    if (Symbol.iterator in samples) {
      for (const sample of samples) {
        const p = this.stepEager(sample);
        const r = p instanceof Promise ? await p : p;
        totals.add(r);
        const q = onRecord?.(r);
        if (q instanceof Promise) await q;
        if (totals.rounds >= limit || (opts.shouldStop !== undefined && opts.shouldStop())) break;
      }
      return totals;
    }
    for await (const sample of samples) {
      const r = await this.step(sample);
      totals.add(r);
      if (onRecord) await onRecord(r);
      if (totals.rounds >= limit || (opts.shouldStop !== undefined && opts.shouldStop())) break;
    }
    return totals;
  }
}
