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
 * Steady state allocates no tensor: each stage's output is copied into a runner-owned buffer
 * (stage-buffers.ts) and softmax reads a preallocated logits row; a round allocates its record.
 *
 * step() is sequential: a second step() while one is in flight throws a StateError (the policy's
 * rounds are ordered). No sample is dropped: every step resolves to exactly one record unless the
 * device itself fails (a bug in prepare or the network), which rejects and consumes no round.
 */
import { ArgumentError, StateError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { softmax, softmaxPlan, type SoftmaxPlan } from '../tensor/kernels/softmax.js';
import type { MultiExitNetwork } from '../layers/network.js';
import type { CostTable, Encoding } from './cost.js';
import type { SplitPolicy } from './policy-types.js';
import { resolveAction, type StageOutcome, type StagePolicy } from './stage.js';
import { checkActivationShape } from './cloud.js';
import { encodeResumeRequest } from './wire.js';
import { CloudError, type CloudTransport } from './transport.js';
import { RunTotals } from './run-totals.js';
import { exits, rewardModel, type Link, type RewardModel } from './reward.js';
import { settleInto, sendsToCloud, type Settlement } from './settle.js';
import { observationOf, stageObservationOf, type RoundRecord } from './round-record.js';
import { StageBuffers, copyInto } from './stage-buffers.js';

export { RunTotals } from './run-totals.js';
export { observationOf, stageObservationOf, type Outcome, type RoundRecord } from './round-record.js';

export interface RunnerOptions<S> {
  network: MultiExitNetwork;
  /** sha256 hex of the weights; the cloud refuses other weights (409). */
  modelHash: string;
  /** A built-in split policy carries the run's reward/cost model (policy.model), which the runner uses;
   *  a stage policy (execution 'stage') is asked after every stage. */
  policy: SplitPolicy | StagePolicy;
  /** Only for a policy without a model (a user's SplitPolicy, a stage policy); with one, each given
   *  value must equal the policy's (ArgumentError otherwise). */
  costs?: CostTable;
  alpha?: number;
  mu?: number;
  /** sample -> network input [1, ...activationShape(0)] (model-specific preprocessing). */
  prepare: (sample: S) => Tensor;
  cloud: CloudTransport;
  /** Activation encoding on the wire (default 'f32'). */
  encoding?: Encoding;
  /** int8 channel axis, batch included (default 1). */
  quantAxis?: number;
  /** Measured link: the offload cost follows the bytes really sent; omitted: costs.offload[i]. */
  link?: Link;
  /** Label for the report (default: sample.label when it is a number, else null). */
  label?: (sample: S) => number | null;
  /** Data set index (default: sample.index when it is a number, else t - 1). */
  index?: (sample: S, t: number) => number;
  /** First round number (default 1; a resumed run starts after the last logged round). */
  startT?: number;
  /** Milliseconds clock (default performance.now). */
  clock?: () => number;
}

function field(sample: unknown, key: string): number | null {
  if (typeof sample !== 'object' || sample === null) return null;
  const v = (sample as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : null;
}

function sameTable(a: CostTable, b: CostTable): boolean {
  return a === b || (a.numExits === b.numExits && a.cloudOnly === b.cloudOnly && a.device.every((v, i) => v === b.device[i]) && a.offload.every((v, i) => v === b.offload[i]));
}

/** The run's model: the policy's, checked against what the options repeat; or built from the options. */
function runModel(o: RunnerOptions<unknown>): RewardModel {
  const pm = o.policy.execution === 'stage' ? undefined : o.policy.model;
  if (pm === undefined) {
    if (o.alpha === undefined || o.costs === undefined) {
      throw new ArgumentError(`SplitRunner: no reward model: got policy '${o.policy.name}' without one and alpha ${o.alpha}, costs ${o.costs === undefined ? 'none' : 'given'}, expected alpha and costs`);
    }
    return rewardModel(o.alpha, o.mu ?? 1, o.costs, o.link);
  }
  if (o.alpha !== undefined && o.alpha !== pm.alpha) throw new ArgumentError(`SplitRunner: alpha differs from the policy's: got ${o.alpha}, expected ${pm.alpha}`);
  if (o.mu !== undefined && o.mu !== pm.mu) throw new ArgumentError(`SplitRunner: mu differs from the policy's: got ${o.mu}, expected ${pm.mu}`);
  if (o.costs !== undefined && !sameTable(o.costs, pm.costs)) throw new ArgumentError(`SplitRunner: cost table differs from the policy's: got ${o.costs.kind} over ${o.costs.numExits} exits, expected the policy's ${pm.costs.kind} table`);
  return o.link === undefined ? pm : rewardModel(pm.alpha, pm.mu, pm.costs, o.link);
}

export class SplitRunner<S = unknown> {
  private readonly o: RunnerOptions<S>;
  /** The run's reward/cost model (the policy's, plus the measured link). */
  readonly model: RewardModel;
  private readonly L: number;
  private readonly probs: Float32Array;
  private readonly logits: Float32Array;
  private readonly plan: SoftmaxPlan;
  private readonly buffers: StageBuffers;
  private readonly settled: Settlement = { outcome: 'final', cost: 0, reward: 0 };
  private readonly clock: () => number;
  private busy = false;
  /** Where a stage policy's illegal answer is reported (built once: no string per stage). */
  private readonly who: string;
  /** Max softmax probability and argmax of the last confidence() call (fields: no allocation). */
  private conf = NaN;
  private pred = -1;
  /** The next round number. */
  t: number;

  constructor(options: RunnerOptions<S>) {
    const { network, policy } = options;
    const L = network.numStages;
    if (!(options.alpha === undefined || (options.alpha >= 0 && options.alpha <= 1))) throw new ArgumentError(`SplitRunner: invalid alpha: got ${options.alpha}, expected [0, 1]`);
    const link = options.link;
    if (link && !(link.bandwidthMbps > 0 && link.latencyMs >= 0)) throw new ArgumentError(`SplitRunner: invalid link: got bandwidthMbps ${link.bandwidthMbps}, latencyMs ${link.latencyMs}, expected bandwidthMbps > 0 and latencyMs >= 0`);
    this.model = runModel(options as RunnerOptions<unknown>);
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

  /** Runs one round on `sample`; resolves to its record after the policy has learned from it. */
  async step(sample: S): Promise<RoundRecord> {
    if (this.busy) throw new StateError('SplitRunner.step: a step is already in flight: got a concurrent call, expected one step at a time');
    this.busy = true;
    try {
      return await this.round(sample);
    } finally {
      this.busy = false;
    }
  }

  private async round(sample: S): Promise<RoundRecord> {
    const { network: net, policy, cloud } = this.o;
    const model = this.model;
    const L = this.L;
    const t = this.t;
    const t0 = this.clock();
    const stage = policy.execution === 'stage' ? policy : null;
    let chosen = policy.execution === 'stage' ? L : policy.choose(t);
    if (!(Number.isInteger(chosen) && chosen >= 0 && chosen <= L)) throw new StateError(`SplitRunner: policy '${policy.name}' chose an invalid split: got ${chosen} at round ${t}, expected 0..${L}`);
    const cascade = policy.execution === 'device-cascade';
    let decided: StageOutcome | undefined;
    const confidences: number[] = [];
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
      confidences.push(this.conf);
      pred = this.pred;
      conf = this.conf;
      if (cascade && exits(model.alpha, conf)) {
        split = s;
        break;
      }
      if (stage !== null) {
        const a = resolveAction(model, s, conf, stage.decide(t, s, confidences), this.who);
        if (a !== 'continue') {
          chosen = split = s;
          decided = a;
          break;
        }
      }
    }
    let deviceMs = this.clock() - t0;
    let finalConf: number | null = split === L ? conf : null;
    let cloudAnswered = false;
    let bytesSent = 0;
    let attempts = 0;
    let cloudMs = 0;
    let error: string | null = null;
    if (sendsToCloud(model, split, conf, decided)) {
      const c0 = this.clock();
      let body: Uint8Array | null = null;
      try {
        body = encodeResumeRequest({ modelHash: this.o.modelHash, modelId: net.id, split, activation: x, encoding: this.o.encoding ?? 'f32', quantAxis: this.o.quantAxis });
        const reply = await cloud.resume(net.id, body);
        attempts = reply.attempts;
        cloudAnswered = true;
        bytesSent = reply.bytesSent ?? body.length * attempts;
        pred = reply.response.prediction;
        finalConf = reply.response.confidence;
      } catch (e) {
        // a transport reports its attempts and the bytes it really handed to the network with a CloudError;
        // any other failure after encoding counts one attempt of the whole body
        attempts = e instanceof CloudError ? e.attempts : body === null ? 0 : 1;
        bytesSent = body === null ? 0 : e instanceof CloudError && e.bytesSent >= 0 ? e.bytesSent : body.length * attempts;
        error = e instanceof Error ? e.message : String(e);
      }
      cloudMs = this.clock() - c0;
      if (!cloudAnswered) {
        const d0 = this.clock();
        this.confidence(net.exitLogits(L, net.runStages(split, L, x)));
        for (let s = split + 1; s <= L; s++) flops += net.profile.stageFlops[s - 1];
        flops += net.profile.exitFlops[L - 1];
        pred = this.pred;
        finalConf = this.conf;
        deviceMs += this.clock() - d0;
      }
    }
    const st = settleInto(model, { split, confidences, finalConf, cloudAnswered, bytesSent, decided }, this.settled);
    const outcome = st.outcome;
    const labelFn = this.o.label;
    const label = labelFn ? labelFn(sample) : field(sample, 'label');
    const idx = this.o.index ? this.o.index(sample, t) : (field(sample, 'index') ?? t - 1);
    const record: RoundRecord = {
      t, index: idx, chosen, split, outcome, fallback: outcome === 'fallback', offloaded: outcome === 'offload' || outcome === 'fallback', prediction: pred, confidences, finalConf,
      cost: st.cost, costUnit: model.costs.unit, reward: st.reward, deviceFlops: flops, deviceMs, cloudMs, latencyMs: 0, bytesSent, attempts, label, error,
    };
    if (policy.execution === 'stage') policy.update(stageObservationOf(record));
    else policy.update(observationOf(record));
    record.latencyMs = this.clock() - t0;
    this.t = t + 1;
    return record;
  }

  /**
   * Steps through `samples` in order, handing each record to `onRecord` (awaited: a log write finishes
   * before the next sample starts). Stops after `limit` samples or when `shouldStop()` says so.
   */
  async runStream(
    samples: Iterable<S> | AsyncIterable<S>,
    onRecord?: (r: RoundRecord) => void | Promise<void>,
    opts: { limit?: number; shouldStop?: () => boolean } = {},
  ): Promise<RunTotals> {
    const totals = new RunTotals(this.L);
    const limit = opts.limit ?? Infinity;
    if (totals.rounds >= limit) return totals;
    for await (const sample of samples) {
      const r = await this.step(sample);
      totals.add(r);
      if (onRecord) await onRecord(r);
      if (totals.rounds >= limit || (opts.shouldStop !== undefined && opts.shouldStop())) break;
    }
    return totals;
  }
}
