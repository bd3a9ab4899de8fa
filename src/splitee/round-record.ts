/** The record of one live round (the run log's line) and the policy's view of it. */
import type { Observation } from './policy-types.js';
import { CloudError, type ResumeReply } from './transport.js';
import type { Outcome } from './settle.js';
import type { StageObservation } from './stage.js';

export type { Outcome } from './settle.js';

/**
 * One round, as the run log stores it. The record SplitRunner.step / stepEager return (and runStream
 * hands to onRecord) is the runner's own object, filled again by the next round (so a round allocates
 * nothing): read it before the next step, or keep a copy (copyRecord).
 */
export interface RoundRecord {
  /** Round number, 1-based. */
  t: number;
  /** The sample's index in its data set (or t - 1 when the sample has none). */
  index: number;
  /** The split the policy chose (a stage policy: the stage it stopped at, = split). */
  chosen: number;
  /** The split played: `chosen`, except under 'device-cascade' where it is the exit reached; under a
   *  stage policy, the stage where it exited, offloaded, or L (final). */
  split: number;
  outcome: Outcome;
  fallback: boolean;
  /** Whether the sample was sent to the cloud (offload, fallback). */
  offloaded: boolean;
  prediction: number;
  /** C_1..C_split as computed on the device. */
  confidences: number[];
  /** C_L when observed (final, offload, fallback), else NaN (the run log writes null). A plain number:
   *  a `number | null` field would hold each C_L as a fresh heap number (16 bytes a round). */
  finalConf: number;
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

/** A stage policy's view of a round (stage.ts): a fallback is an offload that the device finished, at its real cost. */
export function stageObservationOf(r: RoundRecord): StageObservation {
  return { stop: r.split, outcome: r.outcome === 'fallback' ? 'offload' : r.outcome, confidences: r.confidences, finalConf: r.finalConf, cost: r.cost };
}

/** stageObservationOf into `obs` (no allocation: the runner's stage observation, refilled every round). */
export function stageObservationInto(r: RoundRecord, obs: StageObservation): StageObservation {
  obs.stop = r.split;
  obs.outcome = r.outcome === 'fallback' ? 'offload' : r.outcome;
  obs.confidences = r.confidences;
  obs.finalConf = r.finalConf;
  obs.cost = r.cost;
  return obs;
}

/** A copy of a record to keep past the next round (its confidences copied too). */
export function copyRecord(r: RoundRecord): RoundRecord {
  return { ...r, confidences: r.confidences.slice() };
}

/** The record a runner fills every round (fields in the run log's order), before its first round. */
export function emptyRecord(costUnit: string): RoundRecord {
  return {
    t: 0, index: 0, chosen: 0, split: 0, outcome: 'final', fallback: false, offloaded: false, prediction: -1, confidences: [], finalConf: NaN,
    cost: 0, costUnit, reward: 0, deviceFlops: 0, deviceMs: 0, cloudMs: 0, latencyMs: 0, bytesSent: 0, attempts: 0, label: null, error: null,
  };
}

/** Fills `r` from the cloud's reply to a body of `bodyBytes` bytes (bytesSent: the transport's count, else every attempt's body). */
export function recordReply(r: RoundRecord, reply: ResumeReply, bodyBytes: number): void {
  r.attempts = reply.attempts;
  r.bytesSent = reply.bytesSent ?? bodyBytes * reply.attempts;
  r.prediction = reply.response.prediction;
  r.finalConf = reply.response.confidence;
}

/**
 * Fills `r` after a failed send. A transport reports its attempts and the bytes it really handed to the
 * network with a CloudError; any other failure after encoding counts one attempt of the whole body
 * (bodyBytes -1: nothing was encoded, nothing sent).
 */
export function recordFailure(r: RoundRecord, e: unknown, bodyBytes: number): void {
  r.attempts = e instanceof CloudError ? e.attempts : bodyBytes < 0 ? 0 : 1;
  r.bytesSent = bodyBytes < 0 ? 0 : e instanceof CloudError && e.bytesSent >= 0 ? e.bytesSent : bodyBytes * r.attempts;
  r.error = e instanceof Error ? e.message : String(e);
}
