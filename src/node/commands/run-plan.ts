/**
 * The plan of `splitee run`: everything a run is defined by, built ONCE (from the options for a fresh
 * run, from the log header for --resume) and never patched afterwards: the model, the stream, the
 * settings (with mu and the cost table already known) and where the log goes. run.ts turns a plan
 * into a policy + log, the live loop (run-live.ts) and the report.
 *
 * The order of the steps is the order of their errors and side effects (alpha auto may trace the
 * held-out data, --cost measured times the device), kept as the command always had it.
 */
import { join, resolve } from 'node:path';
import { ArgumentError, FormatError } from '../../tensor/errors.js';
import { costTableFromJSON, costTableToJSON, measuredCosts, paperCosts, type CostTable, type Encoding } from '../../splitee/cost.js';
import { DEFAULT_ALPHA_MARGIN } from '../../splitee/alpha.js';
import { DEFAULTS } from '../../splitee/defaults.js';
import { isStagePolicyName } from '../../splitee/policy.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { readRunLog, resumeRunLog, type ResumedRun } from '../run-log.js';
import { packageRoot } from '../datasets/fashion-mnist.js';
import { autoAlpha } from './run-alpha.js';
import { resolveSource } from '../data-sources.js';
import type { SourceRequest, TraceSource } from './trace.js';
import { DEFAULT_MODEL, DEFAULT_OUT, DEFAULT_SAMPLES, kernelsOf, newestLog, timestamp, type RunSettings } from './run-options.js';
import { activationChannels, measureGflops } from './device-speed.js';
import { int, kernelsFlag, nonNeg, num, pos } from './args.js';

/** The parsed options of `splitee run` (args.ts parseOptions with run-options.ts OPTIONS). */
export type RunValues = { [k: string]: string | boolean | undefined } & { resume?: boolean; json?: boolean; help?: boolean; log?: string; report?: string };
type Str = string | undefined;
const str = (v: RunValues, k: string): Str => v[k] as Str;

/** A run, fresh or resumed, fully decided before any worker or server starts. */
export interface RunPlan {
  readonly settings: Readonly<RunSettings> & { readonly costs: NonNullable<RunSettings['costs']> };
  readonly model: LoadedModel;
  readonly req: SourceRequest;
  readonly src: TraceSource;
  readonly costs: CostTable;
  readonly logPath: string;
  /** --resume: the log reopened, its policy restored and its rounds; null for a fresh run. */
  readonly resumed: ResumedRun | null;
}

export function planRun(v: RunValues, info: (line: string) => void): RunPlan {
  return v.resume ? resumedPlan(v, info) : freshPlan(v, info);
}

const requestOf = (s: RunSettings): SourceRequest => ({ data: s.data, labels: s.labels, distortion: s.distortion, seed: s.seed, limit: s.samples });

/** --resume: the settings (kernels included), cost table and policy as logged; the options other than --log/--report/--json/--workers are ignored. */
function resumedPlan(v: RunValues, info: (line: string) => void): RunPlan {
  const logPath = v.log ?? newestLog(DEFAULT_OUT);
  const head = readRunLog(logPath).header;
  const s = (head.extra as { settings?: RunSettings } | undefined)?.settings;
  if (s === undefined) throw new ArgumentError(`--resume: ${logPath} was not written by splitee run: got no extra.settings in its header, expected a run log of this command`);
  const model = loadModel(s.modelDir, { kernels: kernelsOf(s) });
  if (model.hash !== head.model.hash) throw new ArgumentError(`--resume: weights changed: got model hash ${model.hash.slice(0, 12)} in ${s.modelDir}, expected ${head.model.hash.slice(0, 12)} as logged`);
  const given = Object.keys(v).filter((k) => !['resume', 'log', 'report', 'json', 'workers'].includes(k));
  if (given.length > 0) info(`run: --resume uses the logged settings; ignoring --${given.join(', --')}`);
  const resumed = resumeRunLog(logPath);
  const req = requestOf(s);
  const src = resolveSource(model, req);
  if (s.costs === null) throw new FormatError(`run --resume: ${logPath}: the header has no cost table: got null, expected the table the run started with`);
  const settings = Object.freeze({ ...s, samples: src.count, costs: s.costs });
  return Object.freeze({ settings, model, req, src, costs: costTableFromJSON(s.costs), logPath, resumed });
}

/** The options of a fresh run that need no model or stream, validated in the order the command always had. */
function parseFixed(v: RunValues) {
  const policy = str(v, 'policy') ?? 'splitee-s';
  const cost = str(v, 'cost') ?? 'paper';
  if (cost !== 'paper' && cost !== 'measured') throw new ArgumentError(`--cost: invalid model: got '${cost}', expected paper or measured`);
  const encoding = (str(v, 'encoding') ?? 'f32') as Encoding;
  if (!['f32', 'f16', 'int8'].includes(encoding)) throw new ArgumentError(`--encoding: invalid encoding: got '${str(v, 'encoding')}', expected f32, f16 or int8`);
  const cloud = str(v, 'cloud') ?? 'local';
  if (cloud !== 'local' && !/^https?:\/\/[^/]+\/?$/.test(cloud)) throw new ArgumentError(`--cloud: invalid value: got '${cloud}', expected local or http://HOST:PORT`);
  const cloudCost = parseCloudCost(str(v, 'cloud-cost'), cost);
  if (policy === 'cloud' && cloudCost === null) {
    throw new ArgumentError(`--policy cloud: no cloud-only arm: got no --cloud-cost, expected --cloud-cost X (the cost of sending the raw input, paper units) or, with --cost measured, --cloud-cost auto`);
  }
  if (isStagePolicyName(policy) && str(v, 'c') !== undefined) throw new ArgumentError(`--c: not an option of --policy ${policy}: got --c ${str(v, 'c')}, expected no --c (the UCB width of the bandits; ${policy} explores by its own rule)`);
  const lambda = num(str(v, 'lambda'), 'lambda', DEFAULTS.lambda, nonNeg, 'a finite number >= 0');
  const margin = num(str(v, 'alpha-margin'), 'alpha-margin', DEFAULT_ALPHA_MARGIN, nonNeg, 'a number of points >= 0');
  return { policy, cost, encoding, cloud, cloudCost, lambda, margin } as const;
}

/** --alpha A, or auto (held-out source data, run-alpha.ts). */
function parseAlpha(v: RunValues, model: LoadedModel, margin: number, info: (line: string) => void): Pick<RunSettings, 'alpha' | 'alphaAuto'> {
  const given = str(v, 'alpha');
  if (given !== undefined && given !== 'auto') return { alpha: num(given, 'alpha', DEFAULTS.alpha, (x) => x >= 0 && x <= 1, "a threshold in [0, 1] or 'auto'"), alphaAuto: null };
  const a = autoAlpha(model, margin, str(v, 'alpha-trace'), info);
  const { table, ...rest } = a;
  return { alpha: a.alpha, alphaAuto: { ...rest, worstDropAtAlpha: table.find((r) => r.alpha === a.alpha)?.worstDrop ?? null } };
}

/** The cost table of a fresh run, the device speed it assumed (measured) and mu. */
function planCosts(v: RunValues, model: LoadedModel, src: TraceSource, f: ReturnType<typeof parseFixed>, offload: number, link: { bandwidthMbps: number; rttMs: number }) {
  const net = model.network;
  const L = net.numStages;
  let costs: CostTable;
  let deviceGflops: number | null = null;
  if (f.cost === 'paper') {
    costs = paperCosts({ numExits: L, lambda: f.lambda, offload, cloudOnly: typeof f.cloudCost === 'number' ? f.cloudCost : null, stageLayers: net.profile.stageLayers });
  } else {
    const g = str(v, 'device-gflops');
    deviceGflops = g === undefined || g === 'auto' ? Number(measureGflops(model, src).toFixed(3)) : num(g, 'device-gflops', 1, pos, "a number of GFLOP/s > 0 or 'auto'");
    costs = measuredCosts({ profile: net.profile, encoding: f.encoding, deviceGflops, bandwidthMbps: link.bandwidthMbps, latencyMs: link.rttMs, exitHeads: 'path', cloudOnly: f.cloudCost === 'auto', activationChannels: activationChannels(net) });
  }
  const mu = num(str(v, 'mu'), 'mu', f.cost === 'paper' ? DEFAULTS.mu : (f.lambda * L) / costs.device[L], nonNeg, 'a finite number >= 0');
  return { costs, deviceGflops, mu };
}

function freshPlan(v: RunValues, info: (line: string) => void): RunPlan {
  const modelDir = resolve(str(v, 'model') ?? join(packageRoot(), DEFAULT_MODEL));
  const kernels = kernelsFlag(str(v, 'kernels'));
  const model = loadModel(modelDir, { kernels });
  const f = parseFixed(v);
  const { alpha, alphaAuto } = parseAlpha(v, model, f.margin, info);
  const offload = num(str(v, 'offload'), 'offload', DEFAULTS.offload, nonNeg, 'a finite number >= 0');
  const c = num(str(v, 'c'), 'c', DEFAULTS.c, nonNeg, 'a finite number >= 0');
  const bandwidthMbps = num(str(v, 'bandwidth'), 'bandwidth', DEFAULTS.bandwidthMbps, pos, 'a number of Mbit/s > 0');
  const rttMs = num(str(v, 'rtt'), 'rtt', DEFAULTS.rttMs, nonNeg, 'a number of ms >= 0');
  const timeoutMs = num(str(v, 'timeout'), 'timeout', 5000, pos, 'a number of ms > 0');
  const retries = num(str(v, 'retries'), 'retries', 2, (x) => Number.isInteger(x) && x >= 0 && x <= 10, 'an integer in [0, 10]');
  const samples = int(str(v, 'samples'), 'samples', DEFAULT_SAMPLES, 1);
  const seed = num(str(v, 'seed'), 'seed', DEFAULTS.seed, Number.isInteger, 'an integer');
  const logPath = v.log ?? join(DEFAULT_OUT, `run-${timestamp()}.jsonl`);
  const distortion = str(v, 'distortion') ?? model.family.data.defaultDistortion;
  const req: SourceRequest = { data: str(v, 'data'), labels: str(v, 'labels'), distortion, seed, limit: samples };
  const src = resolveSource(model, req);
  const { costs, deviceGflops, mu } = planCosts(v, model, src, f, offload, { bandwidthMbps, rttMs });
  // the key order is the log header's (extra.settings)
  const settings = Object.freeze({
    modelDir, data: req.data, labels: req.labels, distortion, policy: f.policy, alpha, alphaAuto, lambda: f.lambda, offload, mu, c,
    cost: f.cost, cloudCost: f.cloudCost, deviceGflops, bandwidthMbps, rttMs, encoding: f.encoding, cloud: f.cloud, timeoutMs, retries,
    samples: src.count, seed, costs: costTableToJSON(costs), kernels,
  });
  return Object.freeze({ settings, model, req, src, costs, logPath, resumed: null });
}

/** --cloud-cost: a number >= 0 with --cost paper, 'auto' with --cost measured (arm 0 then costs what
 *  sending the raw input takes on the link, like every other offload); null when absent (no arm 0). */
function parseCloudCost(v: string | undefined, cost: 'paper' | 'measured'): number | 'auto' | null {
  if (v === undefined) return null;
  if (cost === 'measured') {
    if (v !== 'auto') throw new ArgumentError(`--cloud-cost: invalid value with --cost measured: got '${v}', expected auto (arm 0 costs the raw input's bytes / bandwidth + round trip, as measured)`);
    return 'auto';
  }
  return num(v, 'cloud-cost', 0, nonNeg, `a finite number >= 0 (paper units)${v === 'auto' ? "; hint: 'auto' is for --cost measured" : ''}`);
}
