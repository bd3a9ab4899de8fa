/**
 * Replay of a per-stage policy (stage.ts) over a trace: the same runs, seeds and row permutations as
 * replay() (run r: Rng.seeded(seed + r) shuffles the rows, then draws the policy's seed), so a
 * StagePolicy and a SplitPolicy replayed with the same seed see the same streams.
 *
 * Regret is against a reference mean reward per sample (e.g. the best per-layer-threshold rule in
 * hindsight, stage-oracle.ts): R_T = sum_{t<=T} (reference - r_t), r_t the realized reward of round t.
 */
import { ArgumentError } from '../tensor/errors.js';
import { Rng } from './rng.js';
import { rewardModel } from './reward.js';
import type { CostTable } from './cost.js';
import { requireLabels, validateTrace, type Trace } from './trace.js';
import { checkpoints, checkRuns, meanStd, rowOrder, tidy } from './replay-common.js';
import { resolveAction, stageCost, type StageObservation, type StagePolicy } from './stage.js';

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

export function replayStage(trace: Trace, make: (ctx: { run: number; seed: number }) => StagePolicy, o: StageReplayOptions): StageReplayResult {
  validateTrace(trace, 'replayStage');
  requireLabels(trace, 'replayStage');
  const L = trace.numExits;
  const { costs } = o;
  if (costs.numExits !== L) throw new ArgumentError(`replayStage: cost table and trace disagree: got a table for ${costs.numExits} exits, expected ${L}`);
  const runs = o.runs ?? 20;
  const seed = o.seed ?? 1;
  checkRuns(runs, seed);
  const m = rewardModel(o.alpha ?? 0.8, o.mu ?? 1, costs);
  const N = trace.numRows;
  const cps = checkpoints(N, o.regretPoints ?? 100);
  const curve = new Float64Array(cps.length);
  const ref = o.reference ?? 0;
  const exits = new Array<number>(L).fill(0);
  const offs = new Array<number>(L).fill(0);
  let finals = 0;
  const acc: number[] = [];
  const cost: number[] = [];
  const rew: number[] = [];
  const offFrac: number[] = [];
  const regrets: number[] = [];
  const buf = new Float64Array(L);
  const obs: StageObservation = { stop: 1, outcome: 'exit', confidences: buf, finalConf: null, cost: 0 };
  const { conf, pred, label } = trace;
  let name = '';
  for (let run = 0; run < runs; run++) {
    const rng = Rng.seeded(seed + run);
    const rows = rowOrder(N, o.order ?? 'shuffle', rng);
    const p = make({ run, seed: rng.int(2 ** 31) });
    name = p.name;
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
      let outcome: 'continue' | 'exit' | 'offload' | 'final' = 'continue';
      while (outcome === 'continue') {
        stop++;
        buf[stop - 1] = conf[base + stop - 1];
        outcome = resolveAction(m, stop, buf[stop - 1], p.decide(t, stop, buf), `replayStage: policy '${p.name}'`);
      }
      const rc = stageCost(m, stop, outcome);
      const k = outcome === 'exit' ? base + stop - 1 : base + L - 1;
      obs.stop = stop;
      obs.outcome = outcome;
      obs.finalConf = outcome === 'exit' ? null : conf[base + L - 1];
      obs.cost = rc;
      p.update(obs);
      const reward = conf[k] - m.mu * rc;
      if (pred[k] === label[rows[t - 1]]) correct++;
      c += rc;
      r += reward;
      regret += ref - reward;
      if (outcome === 'exit') exits[stop - 1]++;
      else if (outcome === 'offload') {
        offs[stop - 1]++;
        nOff++;
      } else finals++;
      if (t === cps[cp]) curve[cp++] += regret;
    }
    acc.push(correct / N);
    cost.push(c / N);
    rew.push(r / N);
    offFrac.push(nOff / N);
    regrets.push(regret);
  }
  let fc = 0;
  for (let q = 0; q < N; q++) if (pred[q * L + L - 1] === label[q]) fc++;
  const finalAcc = fc / N;
  const a = meanStd(acc)[0];
  const cpsMean = meanStd(cost)[0];
  return {
    policy: name,
    runs,
    rows: N,
    accuracy: a,
    costPerSample: cpsMean,
    meanReward: meanStd(rew)[0],
    offloadFraction: meanStd(offFrac)[0],
    finalLayerAccuracy: finalAcc,
    costReductionVsFinal: tidy(1 - cpsMean / costs.device[L]),
    accuracyDropVsFinal: tidy((finalAcc - a) * 100),
    exits,
    offloads: offs,
    finals,
    regret: { total: meanStd(regrets)[0], curve: { t: Array.from(cps), mean: Array.from(curve, (v) => v / runs) } },
  };
}
