/**
 * The result types of a replay, shared by replay.ts, replay-reference.ts, replay-common.ts and
 * run-summary.ts (types only, so none of those imports another's module for them).
 */
export type RowOrder = 'asis' | 'shuffle';

export interface RegretSummary {
  /** Cumulative pseudo-regret after the last round, mean over runs. */
  total: number;
  totalStd: number;
  /** Per-sample regret (total / rounds). */
  perSample: number;
  /** The best fixed arm in hindsight (a split layer; 0 = cloud only). */
  bestArm: number;
  /** Mean full-information reward of every arm over the trace, at [arm - first]. */
  armMeanRewards: number[];
  /** Down-sampled cumulative regret: rounds t and the mean over runs at t. */
  curve: { t: number[]; mean: number[] };
}

export interface ReplayResult {
  policy: string;
  runs: number;
  rows: number;
  numExits: number;
  /** Unit of every cost (the cost table's). */
  unit: string;
  accuracy: number;
  accuracyStd: number;
  costPerSample: number;
  costPerSampleStd: number;
  offloadFraction: number;
  /** Mean realized reward per sample. */
  meanReward: number;
  /** Rounds played at splits 1..L, summed over runs; index 0 = split after stage 1. */
  armCounts: number[];
  /** Rounds played at arm 0 (cloud only), summed over runs. */
  cloudOnlyCount: number;
  finalLayerAccuracy: number;
  finalLayerCostPerSample: number;
  /** 1 - costPerSample / finalLayerCostPerSample. */
  costReductionVsFinal: number;
  /** (finalLayerAccuracy - accuracy) * 100, in percentage points. */
  accuracyDropVsFinal: number;
  regret: RegretSummary;
  perRun: { accuracy: number[]; costPerSample: number[]; offloadFraction: number[]; regret: number[] };
  /** A stage policy only (replay-stage.ts): rounds that ended at stage i by exit / offload at [i-1],
   *  summed over runs; finals at L. Its armCounts are the rounds that stopped at each stage. */
  stage?: { exits: number[]; offloads: number[]; finals: number };
  /** compat 'reference' only: what the published script reports. */
  reference?: {
    script: 'splitee.py' | 'splitee_s.py';
    /** The scripts' "optimal arm" (as a split layer, 1-based): argmax over arms of the mean over runs of the reward SUMS (not means). */
    optimalArm: number;
    /** S and N of the last run (0-based arms at [a]). */
    rewardSums: number[];
    counts: number[];
    /** The last run's main-loop decisions (0-based arms), when recordDecisions. */
    decisions?: number[];
  };
}
