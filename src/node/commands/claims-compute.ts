/**
 * The numbers of `splitee claims` (claims.ts), pure: given the stream traces, alpha and the measured
 * cost model's device and link, every replay is run ONCE and its results feed the tables, the plots
 * and the JSON (claims-format.ts): the headline cells, the sweeps over o and alpha, the measured cost
 * model, the per-exit accuracy of each stream, and the regret curves (those of the headline replays).
 * Every replay shuffles the stream's rows afresh per run, except a drifting stream's (a distortion
 * schedule, schedule.ts), replayed in its own order.
 */
import { measuredCosts, paperCosts, type CostTable, type Encoding } from '../../splitee/cost.js';
import type { NetworkProfile } from '../../layers/network.js';
import { replay, type ReplayResult } from '../../splitee/replay.js';
import type { Trace } from '../../splitee/trace.js';
import { DEFAULTS, PAPER_OFFLOADS } from '../../splitee/defaults.js';
import { isSchedule } from '../../splitee/stream/schedule.js';

export const OFFLOADS = PAPER_OFFLOADS;
export const ALPHAS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
/** The paper's setting of the headline claim. */
export const LAMBDA = DEFAULTS.lambda;
export const HEADLINE_O = DEFAULTS.offload;
export const TARGET_REDUCTION = 0.5;
export const TARGET_DROP = 2;
/** The learned policies compared: the two bandits and the per-layer stage policy (the headline adds
 *  the device-only threshold baseline). */
export const LEARNED = ['splitee', 'splitee-s', 'layerwise'] as const;
/** The headline's policies, in the order of its rows and of its per-policy columns. */
export const HEADLINE_POLICIES = [...LEARNED, 'threshold'] as const;

export interface Cell {
  stream: string;
  policy: string;
  offload: number;
  alpha: number;
  costReduction: number;
  accuracyDrop: number;
  accuracy: number;
  finalLayerAccuracy: number;
  costPerSample: number;
  finalLayerCostPerSample: number;
  offloadFraction: number;
  regret: number;
  bestArm: number;
  /** Most played split over all runs (a stage policy: the stage where most rounds stopped). */
  modeSplit: number;
  /** A stage policy's decisions per stage over all runs (exits, offloads at [i-1]; finals at L), else absent. */
  stage?: { exits: number[]; offloads: number[]; finals: number };
}

export type MeasuredCell = Cell & { encoding: Encoding; cloudOnlyCost: number };

export interface StreamInfo {
  stream: string;
  rows: number;
  exitAccuracy: number[];
  exitConfMean: number[];
}

export interface RegretCurve {
  stream: string;
  policy: string;
  t: number[];
  mean: number[];
}

export interface ClaimsInput {
  streams: string[];
  traces: Map<string, Trace>;
  /** The model's exits (L), FLOPs/bytes profile and activation channels (measured cost model). */
  numExits: number;
  profile: NetworkProfile;
  channels: number[];
  alpha: number;
  runs: number;
  seed: number;
  deviceGflops: number;
  bandwidthMbps: number;
  rttMs: number;
}

export interface ClaimsResult {
  streamInfo: StreamInfo[];
  headline: Cell[];
  sweepO: Cell[];
  sweepA: Cell[];
  measured: MeasuredCell[];
  /** Cumulative regret of each stream x learned policy at the headline setting (from the headline replays). */
  regret: RegretCurve[];
}

function cell(stream: string, policy: string, offload: number, alpha: number, r: ReplayResult): Cell {
  let mode = 0;
  for (let i = 1; i < r.armCounts.length; i++) if (r.armCounts[i] > r.armCounts[mode]) mode = i;
  return {
    stream,
    policy,
    offload,
    alpha,
    costReduction: r.costReductionVsFinal,
    accuracyDrop: r.accuracyDropVsFinal,
    accuracy: r.accuracy,
    finalLayerAccuracy: r.finalLayerAccuracy,
    costPerSample: r.costPerSample,
    finalLayerCostPerSample: r.finalLayerCostPerSample,
    offloadFraction: r.offloadFraction,
    regret: r.regret.total,
    bestArm: r.regret.bestArm,
    modeSplit: mode + 1,
    ...(r.stage === undefined ? {} : { stage: r.stage }),
  };
}

/** Per-exit accuracy and mean confidence of one stream. */
export function streamInfo(stream: string, tr: Trace): StreamInfo {
  const L = tr.numExits;
  const acc: number[] = [];
  const cm: number[] = [];
  for (let k = 0; k < L; k++) {
    let c = 0;
    let m = 0;
    for (let r = 0; r < tr.numRows; r++) {
      if (tr.pred[r * L + k] === tr.label[r]) c++;
      m += tr.conf[r * L + k];
    }
    acc.push(c / tr.numRows);
    cm.push(m / tr.numRows);
  }
  return { stream, rows: tr.numRows, exitAccuracy: acc, exitConfMean: cm };
}

/** Every replay of claims, stream by stream, in the order of the tables. */
export function computeClaims(x: ClaimsInput): ClaimsResult {
  const L = x.numExits;
  const paper = (o: number): CostTable => paperCosts({ numExits: L, lambda: LAMBDA, offload: o, stageLayers: x.profile.stageLayers });
  const res: ClaimsResult = { streamInfo: [], headline: [], sweepO: [], sweepA: [], measured: [], regret: [] };
  for (const s of x.streams) {
    const tr = x.traces.get(s)!;
    // a drifting stream (a schedule 'clean>gaussian-noise:2>...') is replayed in its order: shuffled, it would not drift
    const base = { runs: x.runs, seed: x.seed, order: isSchedule(s) ? ('asis' as const) : ('shuffle' as const) };
    res.streamInfo.push(streamInfo(s, tr));
    for (const p of HEADLINE_POLICIES) {
      const r = replay(tr, p, { ...base, costs: paper(HEADLINE_O), alpha: x.alpha });
      res.headline.push(cell(s, p, HEADLINE_O, x.alpha, r));
      if (p !== 'threshold') res.regret.push({ stream: s, policy: p, t: r.regret.curve.t, mean: r.regret.curve.mean });
    }
    for (const p of LEARNED) for (const o of OFFLOADS) res.sweepO.push(cell(s, p, o, x.alpha, replay(tr, p, { ...base, costs: paper(o), alpha: x.alpha })));
    for (const a of ALPHAS) res.sweepA.push(cell(s, 'splitee-s', HEADLINE_O, a, replay(tr, 'splitee-s', { ...base, costs: paper(HEADLINE_O), alpha: a })));
    for (const encoding of ['f32', 'int8'] as Encoding[]) {
      const link = { profile: x.profile, encoding, deviceGflops: x.deviceGflops, bandwidthMbps: x.bandwidthMbps, latencyMs: x.rttMs };
      const costs = measuredCosts({ ...link, exitHeads: 'path', cloudOnly: false, activationChannels: x.channels });
      const raw = measuredCosts({ ...link, cloudOnly: true }).offload[0];
      const mu = (LAMBDA * L) / costs.device[L];
      for (const p of LEARNED) res.measured.push({ ...cell(s, p, NaN, x.alpha, replay(tr, p, { ...base, costs, alpha: x.alpha, mu })), encoding, cloudOnlyCost: raw });
    }
  }
  return res;
}
