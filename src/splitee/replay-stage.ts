/**
 * Replay of a per-stage policy (stage.ts) over a trace: the same runs, seeds and row permutations as
 * replay() (run r: Rng.seeded(seed + r) shuffles the rows, then draws the policy's seed), so a
 * StagePolicy and a SplitPolicy replayed with the same seed see the same streams.
 *
 * Regret is against a reference mean reward per sample (e.g. the best per-layer-threshold rule in
 * hindsight, stage-oracle.ts): R_T = sum_{t<=T} (reference - r_t), r_t the realized reward of round t.
 * Each round is settled by settle.ts (the runner's settlement) with the policy's decision.
 */
import { ArgumentError } from '../tensor/errors.js';
import { Rng } from './rng.js';
import { rewardModel, type RewardModel } from './reward.js';
import type { CostTable } from './cost.js';
import { requireLabels, validateTrace, type Trace } from './trace.js';
import { armMeanRewards, argmax, checkpoints, checkRuns, meanStd, rowOrder, summarize, tidy } from './replay-common.js';
import { resolveAction, type StageObservation, type StageOutcome, type StagePolicy } from './stage.js';
import { settleInto, type RoundFacts, type Settlement } from './settle.js';
import { createAnyPolicy, type PolicyOptions } from './policy.js';
import type { ReplayResult } from './replay-types.js';

export interface StageReplayOptions {
  costs: CostTable;
  alpha?: number;
  mu?: number;
  runs?: number;
  seed?: number;
  order?: 'asis' | 'shuffle';
  /** Reference mean reward per sample for the regret curve (default: none, regret 0). */
  reference?: number;
  regretPoints?: number;
}

export interface StageReplayResult {
  policy: string;
  runs: number;
  rows: number;
  accuracy: number;
  costPerSample: number;
  meanReward: number;
  offloadFraction: number;
  finalLayerAccuracy: number;
  costReductionVsFinal: number;
  accuracyDropVsFinal: number;
  /** Rounds that ended at stage i by exit / offload, at [i-1], summed over runs; finals at L. */
  exits: number[];
  offloads: number[];
  finals: number;
  regret: { total: number; curve: { t: number[]; mean: number[] } };
}

/** What the runs of a stage replay produced (replayStage and replayStageNamed summarize it). */
interface StageRuns {
  name: string;
  runs: number;
  perRun: { accuracy: number[]; costPerSample: number[]; offloadFraction: number[]; regret: number[] };
  rewards: number[];
  exits: number[];
  offloads: number[];
  finals: number;
  cps: Int32Array;
  curveSum: Float64Array;
}

function runStage(trace: Trace, make: (ctx: { run: number; seed: number }) => StagePolicy, o: StageReplayOptions, m: RewardModel, onRun?: (run: number) => void): StageRuns {
  validateTrace(trace, 'replayStage');
  requireLabels(trace, 'replayStage');
  const L = trace.numExits;
  if (o.costs.numExits !== L) throw new ArgumentError(`replayStage: cost table and trace disagree: got a table for ${o.costs.numExits} exits, expected ${L}`);
  const runs = o.runs ?? 20;
  const seed = o.seed ?? 1;
  checkRuns(runs, seed);
  const N = trace.numRows;
  const cps = checkpoints(N, o.regretPoints ?? 100);
  const out: StageRuns = { name: '', runs, perRun: { accuracy: [], costPerSample: [], offloadFraction: [], regret: [] }, rewards: [], exits: new Array<number>(L).fill(0), offloads: new Array<number>(L).fill(0), finals: 0, cps, curveSum: new Float64Array(cps.length) };
  const ref = o.reference ?? 0;
  const buf = new Float64Array(L);
  const obs: StageObservation = { stop: 1, outcome: 'exit', confidences: buf, finalConf: NaN, cost: 0 };
  const facts: RoundFacts = { split: 1, confidences: buf, finalConf: NaN, cloudAnswered: true, bytesSent: 0, decided: 'exit' };
  const settled: Settlement = { outcome: 'final', cost: 0, reward: 0 };
  const { conf, pred, label } = trace;
  for (let run = 0; run < runs; run++) {
    const rng = Rng.seeded(seed + run);
    const rows = rowOrder(N, o.order ?? 'shuffle', rng);
    const p = make({ run, seed: rng.int(2 ** 31) });
    out.name = p.name;
    const who = `replayStage: policy '${p.name}'`;
    if (p.numExits !== L) throw new ArgumentError(`replayStage: policy and trace disagree: got a policy over ${p.numExits} exits, expected ${L}`);
    let correct = 0;
    let c = 0;
    let r = 0;
    let nOff = 0;
    let regret = 0;
    let cp = 0;
    for (let t = 1; t <= N; t++) {
      const base = rows[t - 1] * L;
      buf.fill(NaN);
      let stop = 0;
      let outcome: 'continue' | StageOutcome = 'continue';
      while (outcome === 'continue') {
        stop++;
        buf[stop - 1] = conf[base + stop - 1];
        outcome = resolveAction(m, stop, buf[stop - 1], p.decide(t, stop, buf), who);
      }
      facts.split = stop;
      facts.decided = outcome;
      facts.finalConf = outcome === 'exit' ? NaN : conf[base + L - 1];
      const st = settleInto(m, facts, settled); // the cloud of a replay always answers (C_L from the trace)
      obs.stop = stop;
      obs.outcome = outcome;
      obs.finalConf = facts.finalConf;
      obs.cost = st.cost;
      p.update(obs);
      const k = outcome === 'exit' ? base + stop - 1 : base + L - 1;
      if (pred[k] === label[rows[t - 1]]) correct++;
      c += st.cost;
      r += st.reward;
      regret += ref - st.reward;
      if (outcome === 'exit') out.exits[stop - 1]++;
      else if (outcome === 'offload') {
        out.offloads[stop - 1]++;
        nOff++;
      } else out.finals++;
      if (t === cps[cp]) out.curveSum[cp++] += regret;
    }
    out.perRun.accuracy.push(correct / N);
    out.perRun.costPerSample.push(c / N);
    out.perRun.offloadFraction.push(nOff / N);
    out.perRun.regret.push(regret);
    out.rewards.push(r / N);
    onRun?.(run);
  }
  return out;
}

export function replayStage(trace: Trace, make: (ctx: { run: number; seed: number }) => StagePolicy, o: StageReplayOptions): StageReplayResult {
  const m = rewardModel(o.alpha ?? 0.8, o.mu ?? 1, o.costs);
  const x = runStage(trace, make, o, m);
  const L = trace.numExits;
  const N = trace.numRows;
  let fc = 0;
  for (let q = 0; q < N; q++) if (trace.pred[q * L + L - 1] === trace.label[q]) fc++;
  const finalAcc = fc / N;
  const a = meanStd(x.perRun.accuracy)[0];
  const cpsMean = meanStd(x.perRun.costPerSample)[0];
  return {
    policy: x.name,
    runs: x.runs,
    rows: N,
    accuracy: a,
    costPerSample: cpsMean,
    meanReward: meanStd(x.rewards)[0],
    offloadFraction: meanStd(x.perRun.offloadFraction)[0],
    finalLayerAccuracy: finalAcc,
    costReductionVsFinal: tidy(1 - cpsMean / o.costs.device[L]),
    accuracyDropVsFinal: tidy((finalAcc - a) * 100),
    exits: x.exits,
    offloads: x.offloads,
    finals: x.finals,
    regret: { total: meanStd(x.perRun.regret)[0], curve: { t: Array.from(x.cps), mean: Array.from(x.curveSum, (v) => v / x.runs) } },
  };
}

/**
 * A registered stage policy (by name) replayed as replay() replays a split policy, with replay()'s
 * result: regret against the best fixed split in hindsight (its mean reward is the reference),
 * armCounts = the rounds that stopped at each stage, and `stage` = exits / offloads per stage.
 */
export function replayStageNamed(trace: Trace, name: string, o: StageReplayOptions & { policyOptions?: Partial<PolicyOptions>; onRun?: (run: number) => void }): ReplayResult {
  const m = rewardModel(o.alpha ?? 0.8, o.mu ?? 1, o.costs);
  const first = o.costs.cloudOnly ? 0 : 1;
  const mus = armMeanRewards(trace, m);
  const best = argmax(mus);
  const make = ({ seed }: { seed: number }): StagePolicy => {
    const p = createAnyPolicy(name, { ...o.policyOptions, costs: o.costs, alpha: m.alpha, mu: m.mu, seed });
    if (p.execution !== 'stage') throw new ArgumentError(`replayStageNamed: '${name}' is not a stage policy: got execution ${p.execution}, expected 'stage'`);
    return p;
  };
  const x = runStage(trace, make, { ...o, reference: mus[best] }, m, o.onRun);
  const armCounts = x.exits.map((e, i) => e + x.offloads[i]);
  armCounts[trace.numExits - 1] += x.finals;
  const r = summarize({ policyName: x.name, trace, costs: o.costs, model: m, runs: x.runs, perRun: x.perRun, rewards: x.rewards, armCounts, cloudOnlyCount: 0, bestArm: first + best, mus, cps: x.cps, curveSum: x.curveSum });
  return { ...r, stage: { exits: x.exits, offloads: x.offloads, finals: x.finals } };
}
