/**
 * Scoring a live run against its stream's full trace (every exit's confidence on every sample,
 * computed separately with batched forward passes): the final-layer baseline on the same samples and
 * the cumulative pseudo-regret of the splits the live policy played.
 *
 *   final layer:  every sample runs stages 1..L on the device: cost device[L], prediction pred_L.
 *   regret:       mu_a = mean over the stream of arm a's full-information reward (reward.ts, the
 *                 paper's reward over the run's cost table), a* = argmax mu_a; after round T,
 *                 R_T = sum_{t<=T} (mu_{a*} - mu_{a_t}), with a_t the split played in round t
 *                 (for the device-cascade baseline, mu of the cascade replaces mu_{a_t}, as in replay;
 *                 for a stage policy, which plays no fixed arm, the round's realized reward does).
 *   curves:       running means over rounds 1..t of cost and accuracy, for the run and for the final
 *                 layer, at `points` evenly spaced rounds.
 *
 * Row r of the trace is the sample the live run saw at round r + 1 (both come from the same stream
 * in the same order). Pure: no Node API, so a browser device can score itself the same way.
 */
import { ArgumentError } from '../tensor/errors.js';
import type { CostTable } from './cost.js';
import { armRewardUnchecked, rewardModel } from './reward.js';
import { armMeanRewards, argmax, cascadeExit, checkpoints, tidy } from './replay-common.js';
import { validateTrace, type Trace } from './trace.js';
import type { RoundRecord } from './round-record.js';

export interface RunScore {
  samples: number;
  /** Labelled rounds' accuracy of the live run (NaN without labels). */
  accuracy: number;
  finalLayerAccuracy: number;
  costPerSample: number;
  finalLayerCostPerSample: number;
  /** 1 - costPerSample / finalLayerCostPerSample. */
  costReduction: number;
  /** (finalLayerAccuracy - accuracy) * 100, points. */
  accuracyDrop: number;
  offloadFraction: number;
  /** Rounds per played split 0..L, at [split]. */
  splitCounts: number[];
  /** The decisions per stage (a stage policy's own; any policy's outcome by split): rounds that exited
   *  on the device at split s, and that went to the cloud from s (offload or fallback), at [s], 0..L;
   *  finals: rounds that ran to exit L. */
  decisions: { exits: number[]; offloads: number[]; finals: number };
  outcomes: Record<RoundRecord['outcome'], number>;
  cloudFailures: number;
  bytesSent: number;
  /** Live predictions that differ from the trace's (same split, same exit): 0 unless an encoding
   *  (f16, int8) changed the cloud's answer or the cloud and the device disagree. */
  predictionMismatches: number;
  regret: { total: number; perSample: number; bestArm: number; armMeanRewards: number[] };
  curves: {
    t: number[];
    cost: number[];
    finalCost: number[];
    accuracy: number[];
    finalAccuracy: number[];
    regret: number[];
  };
}

export interface ScoreOptions {
  costs: CostTable;
  alpha: number;
  mu: number;
  /** Whether the policy ran as a device cascade (threshold baseline). */
  cascade?: boolean;
  /** Whether the policy was a stage policy (stage.ts): its regret is against its realized rewards. */
  stage?: boolean;
  /** Points of the curves (default 200). */
  points?: number;
}

/** Scores `records` (rounds 1..n, in order) against rows 0..n-1 of `trace`. */
export function scoreRun(records: readonly RoundRecord[], trace: Trace, o: ScoreOptions): RunScore {
  const where = 'scoreRun';
  const n = records.length;
  const L = trace.numExits;
  if (n === 0) throw new ArgumentError(`${where}: no rounds: got 0 records, expected at least one`);
  if (trace.numRows < n) throw new ArgumentError(`${where}: trace too short: got ${trace.numRows} rows for ${n} rounds, expected one row per round`);
  if (o.costs.numExits !== L) throw new ArgumentError(`${where}: cost table and trace disagree: got ${o.costs.numExits} exits, expected ${L}`);
  validateTrace(trace, where); // every confidence in [0, 1] (no NaN): the loops below read them unchecked
  // Regret is over the rows the run saw.
  const seen: Trace = { numExits: L, numRows: n, conf: trace.conf.subarray(0, n * L), pred: trace.pred.subarray(0, n * L), label: trace.label.subarray(0, n) };
  const model = rewardModel(o.alpha, o.mu, o.costs);
  const first = o.costs.cloudOnly ? 0 : 1;
  const mus = armMeanRewards(seen, model);
  const best = argmax(mus);
  const muStar = mus[best];
  let muCascade = 0;
  if (o.cascade) {
    for (let r = 0; r < n; r++) {
      const j = cascadeExit(seen.conf, r * L, L, o.alpha);
      muCascade += armRewardUnchecked(model, j, seen.conf[r * L + j - 1], seen.conf[r * L + L - 1]) / n;
    }
  }
  const marks = new Set<number>(checkpoints(n, o.points ?? 200));
  const curves: RunScore['curves'] = { t: [], cost: [], finalCost: [], accuracy: [], finalAccuracy: [], regret: [] };
  const finalCost = o.costs.device[L];
  const splitCounts = new Array<number>(L + 1).fill(0);
  const decisions: RunScore['decisions'] = { exits: new Array<number>(L + 1).fill(0), offloads: new Array<number>(L + 1).fill(0), finals: 0 };
  const outcomes: RunScore['outcomes'] = { exit: 0, final: 0, offload: 0, fallback: 0 };
  let cost = 0;
  let correct = 0;
  let labelled = 0;
  let finalCorrect = 0;
  let offloads = 0;
  let bytes = 0;
  let regret = 0;
  let mismatches = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (r.t !== i + 1) throw new ArgumentError(`${where}: rounds out of order: got t = ${r.t} at position ${i}, expected ${i + 1}`);
    const b = i * L;
    cost += r.cost;
    bytes += r.bytesSent;
    if (r.offloaded) offloads++;
    splitCounts[r.split]++;
    outcomes[r.outcome]++;
    if (r.outcome === 'exit') decisions.exits[r.split]++;
    else if (r.outcome === 'final') decisions.finals++;
    else decisions.offloads[r.split]++;
    const label = r.label ?? seen.label[i];
    if (label >= 0) {
      labelled++;
      if (r.prediction === label) correct++;
      if (seen.pred[b + L - 1] === label) finalCorrect++;
    }
    const expected = r.outcome === 'exit' ? seen.pred[b + r.split - 1] : seen.pred[b + L - 1];
    if (r.prediction !== expected) mismatches++;
    regret += muStar - (o.stage ? r.reward : o.cascade ? muCascade : mus[r.split - first]);
    if (marks.has(i + 1)) {
      curves.t.push(i + 1);
      curves.cost.push(cost / (i + 1));
      curves.finalCost.push(finalCost);
      curves.accuracy.push(labelled ? correct / labelled : NaN);
      curves.finalAccuracy.push(labelled ? finalCorrect / labelled : NaN);
      curves.regret.push(regret);
    }
  }
  const accuracy = labelled ? correct / labelled : NaN;
  const finalAccuracy = labelled ? finalCorrect / labelled : NaN;
  const cps = cost / n;
  return {
    samples: n,
    accuracy,
    finalLayerAccuracy: finalAccuracy,
    costPerSample: cps,
    finalLayerCostPerSample: finalCost,
    costReduction: finalCost > 0 ? tidy(1 - cps / finalCost) : 0,
    accuracyDrop: tidy((finalAccuracy - accuracy) * 100),
    offloadFraction: offloads / n,
    splitCounts,
    decisions,
    outcomes,
    cloudFailures: outcomes.fallback,
    bytesSent: bytes,
    predictionMismatches: mismatches,
    regret: { total: regret, perSample: regret / n, bestArm: first + best, armMeanRewards: mus },
    curves,
  };
}
