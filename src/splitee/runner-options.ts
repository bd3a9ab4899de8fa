/**
 * What a SplitRunner is built from (RunnerOptions), and the run's reward/cost model drawn from them:
 * the policy's own model, which the options may repeat but not contradict, or one built from the
 * options for a policy without a model (a user's SplitPolicy, a stage policy). The measured link, when
 * given, replaces the model's offload costs by the bytes really sent.
 */
import { ArgumentError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MultiExitNetwork } from '../layers/network.js';
import type { CostTable, Encoding } from './cost.js';
import type { SplitPolicy } from './policy-types.js';
import type { StagePolicy } from './stage.js';
import type { CloudTransport } from './transport.js';
import { rewardModel, type Link, type RewardModel } from './reward.js';

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
  /** Milliseconds clock (default performance.now, which allocates a heap number per reading on Node 20:
   *  a clock returning small integers or a constant makes a device round allocation-free). */
  clock?: () => number;
}

/** sample[key] when the sample is an object and that field a number, else null (the default label and index). */
export function sampleField(sample: unknown, key: string): number | null {
  if (typeof sample !== 'object' || sample === null) return null;
  const v = (sample as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : null;
}

/** Two cost tables with the same numbers (the same object, or equal kind-free contents). */
function sameTable(a: CostTable, b: CostTable): boolean {
  return a === b || (a.numExits === b.numExits && a.cloudOnly === b.cloudOnly && a.device.every((v, i) => v === b.device[i]) && a.offload.every((v, i) => v === b.offload[i]));
}

/** The run's model: the policy's, checked against what the options repeat; or built from the options. */
export function runModel(o: Pick<RunnerOptions<unknown>, 'policy' | 'costs' | 'alpha' | 'mu' | 'link'>): RewardModel {
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
