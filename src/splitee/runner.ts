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
 *
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
 * step() is sequential: a second step() while one is in flight throws a StateError (the policy's
 * rounds are ordered). No sample is dropped: every step resolves to exactly one record unless the
 * device itself fails (a bug in prepare or the network), which rejects and consumes no round.
 */
import { ArgumentError, StateError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { softmax, softmaxPlan, type SoftmaxPlan } from '../tensor/kernels/softmax.js';
import type { MultiExitNetwork } from '../layers/network.js';
import type { CostTable, Encoding } from './cost.js';
import type { Observation, SplitPolicy } from './policy.js';
import { checkActivationShape } from './cloud.js';
import { encodeResumeRequest } from './wire.js';
import type { CloudTransport } from './transport.js';
import { RunTotals } from './run-totals.js';
import { exits } from './reward.js';

export { RunTotals } from './run-totals.js';

export type Outcome = 'exit' | 'final' | 'offload' | 'fallback';

/** One round, as the run log stores it. */
export interface RoundRecord {
  /** Round number, 1-based. */
  t: number;
  /** The sample's index in its data set (or t - 1 when the sample has none). */
  index: number;
  /** The split the policy chose. */
  chosen: number;
  /** The split played: `chosen`, except under 'device-cascade' where it is the exit reached. */
  split: number;
  outcome: Outcome;
  fallback: boolean;
  /** Whether the sample was sent to the cloud (offload, fallback). */
  offloaded: boolean;
  prediction: number;
  /** C_1..C_split as computed on the device. */
  confidences: number[];
  /** C_L when observed (final, offload, fallback), else null. */
  finalConf: number | null;
  /** Realized cost in `costUnit`; the policy's reward uses it. */
  cost: number;
  costUnit: string;
  /** (exit ? C_split : C_L) - mu * cost. */
  reward: number;
  deviceFlops: number;
  deviceMs: number;
  /** Time in cloud.resume (all attempts), 0 when nothing was sent. */
  cloudMs: number;
  /** Whole round, choose() to update(). */
  latencyMs: number;
  /** Request bytes sent over all attempts. */
  bytesSent: number;
  /** Requests made to the cloud. */
  attempts: number;
  /** For the report only; never shown to the policy. */
  label: number | null;
  /** Why the cloud failed (fallback), else null. */
  error: string | null;
}

/** The policy's view of a round: exactly what the device computed and the cloud returned. */
export function observationOf(r: RoundRecord): Observation {
  return { split: r.split, confidences: r.confidences, offloaded: r.offloaded, finalConf: r.finalConf, cost: r.cost };
}

export interface RunnerOptions<S> {
  network: MultiExitNetwork;
  /** sha256 hex of the weights; the cloud refuses other weights (409). */
  modelHash: string;
  policy: SplitPolicy;
  /** The same table the policy was built with. */
  costs: CostTable;
  /** The same alpha and mu as the policy's. */
  alpha: number;
  mu?: number;
  /** sample -> network input [1, ...activationShape(0)] (model-specific preprocessing). */
  prepare: (sample: S) => Tensor;
  cloud: CloudTransport;
  /** Activation encoding on the wire (default 'f32'). */
  encoding?: Encoding;
  /** int8 channel axis, batch included (default 1). */
  quantAxis?: number;
  /** Measured link: the offload cost follows the bytes really sent; omitted: costs.offload[i]. */
  link?: { bandwidthMbps: number; latencyMs: number };
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

export class SplitRunner<S = unknown> {
  private readonly o: RunnerOptions<S>;
  private readonly L: number;
  private readonly mu: number;
  private readonly probs: Float32Array;
  private readonly plan: SoftmaxPlan;
  private readonly clock: () => number;
  private busy = false;
  /** The next round number. */
  t: number;

  constructor(options: RunnerOptions<S>) {
    const { network, policy, costs } = options;
    const L = network.numStages;
    if (policy.numExits !== L || costs.numExits !== L) {
      throw new ArgumentError(`SplitRunner: exits disagree: got network ${L}, policy ${policy.numExits}, costs ${costs.numExits}, expected one L`);
    }
    const pa = (policy as { alpha?: unknown }).alpha;
    if (typeof pa === 'number' && pa !== options.alpha) throw new ArgumentError(`SplitRunner: alpha differs from the policy's: got ${options.alpha}, expected ${pa}`);
    if (!(options.alpha >= 0 && options.alpha <= 1)) throw new ArgumentError(`SplitRunner: invalid alpha: got ${options.alpha}, expected [0, 1]`);
    const link = options.link;
    if (link && !(link.bandwidthMbps > 0 && link.latencyMs >= 0)) throw new ArgumentError(`SplitRunner: invalid link: got ${JSON.stringify(link)}, expected bandwidthMbps > 0 and latencyMs >= 0`);
    this.o = options;
    this.L = L;
    this.mu = options.mu ?? 1;
    this.t = options.startT ?? 1;
    if (!(Number.isInteger(this.t) && this.t >= 1)) throw new ArgumentError(`SplitRunner: invalid startT: got ${this.t}, expected an integer >= 1`);
    this.probs = new Float32Array(network.numClasses);
    this.plan = softmaxPlan([1, network.numClasses]);
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Max softmax probability and argmax of one row of logits. */
  private confidence(logits: Tensor): { conf: number; pred: number } {
    softmax(this.probs, logits.contiguous().flat(), this.plan);
    let k = 0;
    for (let j = 1; j < this.probs.length; j++) if (this.probs[j] > this.probs[k]) k = j;
    return { conf: this.probs[k], pred: k };
  }

  private offloadCost(split: number, bytes: number): number {
    const link = this.o.link;
    return link ? bytes / (link.bandwidthMbps * 125) + link.latencyMs : this.o.costs.offload[split];
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
    const { network: net, policy, costs, alpha, cloud } = this.o;
    const L = this.L;
    const t = this.t;
    const t0 = this.clock();
    const chosen = policy.choose(t);
    if (!(Number.isInteger(chosen) && chosen >= 0 && chosen <= L)) throw new StateError(`SplitRunner: policy '${policy.name}' chose an invalid split: got ${chosen} at round ${t}, expected 0..${L}`);
    const cascade = policy.execution === 'device-cascade';
    const confidences: number[] = [];
    let flops = 0;
    let x = this.o.prepare(sample);
    checkActivationShape(net, 0, x.shape);
    let split = chosen;
    let pred = -1;
    let conf = NaN;
    for (let s = 1; s <= chosen; s++) {
      x = net.runStages(s - 1, s, x).clone(); // own copy: the contract lets the next call reuse the arena
      const c = this.confidence(net.exitLogits(s, x));
      flops += net.profile.stageFlops[s - 1] + net.profile.exitFlops[s - 1];
      confidences.push(c.conf);
      pred = c.pred;
      conf = c.conf;
      if (cascade && exits(alpha, c.conf)) {
        split = s;
        break;
      }
    }
    let deviceMs = this.clock() - t0;
    let outcome: Outcome;
    let finalConf: number | null = null;
    let cost: number;
    let bytesSent = 0;
    let attempts = 0;
    let cloudMs = 0;
    let error: string | null = null;
    if (split === L) {
      outcome = 'final';
      finalConf = conf;
      cost = costs.device[L];
    } else if (split > 0 && exits(alpha, conf)) {
      outcome = 'exit';
      cost = costs.device[split];
    } else {
      const c0 = this.clock();
      let body: Uint8Array | null = null;
      try {
        body = encodeResumeRequest({ modelHash: this.o.modelHash, modelId: net.id, split, activation: x, encoding: this.o.encoding ?? 'f32', quantAxis: this.o.quantAxis });
        const reply = await cloud.resume(net.id, body);
        attempts = reply.attempts;
        bytesSent = reply.bytesSent ?? body.length * attempts;
        outcome = 'offload';
        pred = reply.response.prediction;
        finalConf = reply.response.confidence;
      } catch (e) {
        attempts = typeof (e as { attempts?: unknown }).attempts === 'number' ? (e as { attempts: number }).attempts : body === null ? 0 : 1;
        const sent = (e as { bytesSent?: unknown }).bytesSent; // CloudError: bytes actually handed to the network
        bytesSent = body === null ? 0 : typeof sent === 'number' && sent >= 0 ? sent : body.length * attempts;
        error = e instanceof Error ? e.message : String(e);
        outcome = 'fallback';
      }
      cloudMs = this.clock() - c0;
      if (outcome === 'fallback') {
        const d0 = this.clock();
        const h = net.runStages(split, L, x);
        const c = this.confidence(net.exitLogits(L, h));
        for (let s = split + 1; s <= L; s++) flops += net.profile.stageFlops[s - 1];
        flops += net.profile.exitFlops[L - 1];
        pred = c.pred;
        finalConf = c.conf;
        deviceMs += this.clock() - d0;
        cost = costs.device[L] + this.offloadCost(split, bytesSent);
      } else {
        cost = costs.device[split] + this.offloadCost(split, bytesSent);
      }
    }
    const offloaded = outcome === 'offload' || outcome === 'fallback';
    const reward = (outcome === 'exit' ? conf : (finalConf as number)) - this.mu * cost;
    const labelFn = this.o.label;
    const label = labelFn ? labelFn(sample) : field(sample, 'label');
    const idx = this.o.index ? this.o.index(sample, t) : (field(sample, 'index') ?? t - 1);
    const record: RoundRecord = {
      t, index: idx, chosen, split, outcome, fallback: outcome === 'fallback', offloaded, prediction: pred, confidences, finalConf,
      cost, costUnit: costs.unit, reward, deviceFlops: flops, deviceMs, cloudMs, latencyMs: 0, bytesSent, attempts, label, error,
    };
    policy.update(observationOf(record));
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
