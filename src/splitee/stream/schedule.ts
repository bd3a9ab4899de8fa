/**
 * A drifting stream's distortion schedule, written as one --distortion value: segments joined by '>',
 * each a distortion spec (distortion-spec.ts) with an optional '@T', the 0-based sample where it starts:
 *
 *   clean>gaussian-noise:2>gaussian-blur:3              three equal segments over the stream's length
 *   clean>gaussian-noise:2@500>gaussian-blur:3@1200     explicit starts (the first starts at 0)
 *
 * Equal segments over a stream of n samples and k segments start at floor(j * n / k), j = 0..k-1.
 * Either every segment after the first gives its start or none does; starts increase strictly and lie
 * inside the stream (no empty segment). The result is ImageStream's schedule (image-stream.ts): the
 * distortion of each sample still draws its noise from (seed, image, epoch) only, so the same seed gives
 * the same stream. A spec without '>' is one segment from 0 (the plain --distortion).
 */
import { ArgumentError } from '../../tensor/errors.js';
import { formatDistortion, type Distortion } from './distortion-spec.js';

/** At most this many segments (a bound on the work done on a user's string). */
export const MAX_SEGMENTS = 64;

export interface ScheduleSegment {
  /** First sample (0-based time step) of the segment. */
  from: number;
  spec: Distortion;
}

/** Whether `spec` is a schedule of more than one segment. */
export const isSchedule = (spec: string): boolean => spec.includes('>');

const cap = (s: string): string => (s.length <= 40 ? s : `${s.slice(0, 37)}...`);

/**
 * Parses `spec` into segments over a stream of `length` samples; `parse` turns one segment's spec into
 * a Distortion (parseDistortion with the model's settings, or a caller's with better hints).
 */
export function parseSchedule(spec: string, length: number, parse: (one: string) => Distortion): ScheduleSegment[] {
  const where = 'distortion schedule';
  const parts = spec.split('>');
  if (parts.length > MAX_SEGMENTS) throw new ArgumentError(`${where}: too many segments: got ${parts.length}, expected at most ${MAX_SEGMENTS}`);
  const segs = parts.map((p, j) => {
    const m = /^(.*?)(?:@(\d+))?$/.exec(p.trim())!;
    if (m[1].trim() === '') throw new ArgumentError(`${where}: empty segment ${j + 1}: got '${cap(spec)}', expected SPEC or SPEC@START between the '>'`);
    return { spec: parse(m[1].trim()), at: m[2] === undefined ? null : Number(m[2]) };
  });
  const k = segs.length;
  const given = segs.slice(1).filter((s) => s.at !== null).length;
  if (given !== 0 && given !== k - 1) throw new ArgumentError(`${where}: starts given for ${given} of the ${k - 1} later segments: got '${cap(spec)}', expected '@START' on every segment after the first or on none (equal segments)`);
  if (segs[0].at !== null && segs[0].at !== 0) throw new ArgumentError(`${where}: the first segment starts at 0: got @${segs[0].at}, expected @0 or no start`);
  if (!(Number.isInteger(length) && length >= k)) throw new ArgumentError(`${where}: stream too short: got ${length} samples for ${k} segments, expected at least one sample per segment`);
  const from = segs.map((s, j) => (given === 0 ? Math.floor((j * length) / k) : j === 0 ? 0 : (s.at as number)));
  for (let j = 1; j < k; j++) {
    if (!(from[j] > from[j - 1] && from[j] < length)) throw new ArgumentError(`${where}: segment ${j + 1} starts at ${from[j]}: got after ${from[j - 1]} in a stream of ${length} samples, expected starts increasing strictly and below ${length}`);
  }
  return segs.map((s, j) => ({ from: from[j], spec: s.spec }));
}

/** 'clean@0>gaussian-noise:2@50>...' (every start written), or the one spec of a single segment. */
export function formatSchedule(segs: readonly ScheduleSegment[]): string {
  if (segs.length === 1) return formatDistortion(segs[0].spec);
  return segs.map((s) => `${formatDistortion(s.spec)}@${s.from}`).join('>');
}
