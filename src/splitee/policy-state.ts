/**
 * Type checks of a policy snapshot (PolicyState) read back from untrusted JSON, field by field, before
 * anything is built from it: every error is a FormatError naming the field, with a bounded message.
 * Range checks (alpha in [0, 1], an integer seed, ...) stay with the policies and ArmStats/Rng.
 */
import { FormatError, describeValue } from '../tensor/errors.js';
import { isRecord } from './is-record.js';
import type { PolicyState } from './policy-types.js';
import type { StagePolicyState } from './stage.js';

const NUMBER_OPTIONS = ['alpha', 'mu', 'c', 'gamma', 'window', 'epsilon', 'sigma', 'split', 'seed'] as const;
const ENUM_OPTIONS: Record<string, readonly string[]> = { side: ['observable', 'full'], stats: ['plain', 'discounted', 'windowed'] };
const KNOWN_OPTIONS = new Set<string>(['costs', ...NUMBER_OPTIONS, ...Object.keys(ENUM_OPTIONS)]);
/** Far above any network's exits; bounds the work done on a claimed array before its length is checked. */
const MAX_ARMS = 4096;

function bad(field: string, got: unknown, expected: string): never {
  throw new FormatError(`restorePolicy: invalid ${field}: got ${describeValue(got)}, expected ${expected}`);
}

/** The envelope is wrong: this is not a policy snapshot at all (another file, another version). */
function notSnapshot(field: string, got: unknown, expected: string): never {
  throw new FormatError(`restorePolicy: not a policy snapshot: ${field}: got ${describeValue(got)}, expected ${expected}`);
}

function checkOptions(o: unknown): void {
  if (!isRecord(o)) bad('options', o, 'an object of policy options');
  for (const k of Object.keys(o)) {
    if (!KNOWN_OPTIONS.has(k)) bad('options', `key ${k.slice(0, 40)}`, `only ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  if (!isRecord(o.costs)) bad('options.costs', o.costs, 'a cost table object');
  for (const k of NUMBER_OPTIONS) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) bad(`options.${k}`, v, 'a finite number or absent');
  }
  for (const [k, allowed] of Object.entries(ENUM_OPTIONS)) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'string' && allowed.includes(v))) bad(`options.${k}`, v, `one of ${allowed.join(', ')} or absent`);
  }
}

function checkRng(r: unknown): void {
  if (r === null) return;
  if (!isRecord(r)) bad('rng', r, 'null or {kind, state, spareNormal}');
  if (r.kind !== 'xoroshiro128plus') bad('rng.kind', r.kind, "'xoroshiro128plus'");
  if (!Array.isArray(r.state) || r.state.length !== 4 || !r.state.every((w) => Number.isInteger(w))) bad('rng.state', r.state, 'an array of 4 integers');
  if (!(r.spareNormal === null || typeof r.spareNormal === 'number')) bad('rng.spareNormal', r.spareNormal, 'null or a number');
}

/** Throws a FormatError unless `state` has the types of a PolicyState (its values are checked by restore). */
export function checkPolicyState(state: unknown): asserts state is PolicyState {
  if (!isRecord(state)) notSnapshot('value', state, "an object {format: 'splitee-policy', version: 1, name, options, plays, stats, rng}");
  if (state.format !== 'splitee-policy') notSnapshot('format', state.format, "'splitee-policy'");
  if (state.version !== 1) notSnapshot('version', state.version, '1');
  if (typeof state.name !== 'string' || state.name.length === 0 || state.name.length > 64) bad('name', state.name, 'a policy name (1..64 characters)');
  checkOptions(state.options);
  const plays = state.plays;
  if (!Array.isArray(plays) || plays.length > MAX_ARMS || !plays.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    bad('plays', plays, `an array of at most ${MAX_ARMS} integers >= 0`);
  }
  if (!(state.stats === null || isRecord(state.stats))) bad('stats', state.stats, 'null or an ArmStats snapshot object');
  checkRng(state.rng);
}

/** Bounds a stage snapshot's arrays (L * B * B numbers: 12 exits, 128 bins). */
const MAX_STAGE_VALUES = 1 << 20;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Throws a FormatError unless `state` has the types of a StagePolicyState: the envelope, a name, options
 * whose values are finite numbers, strings or (costs) an object, and a state of finite numbers or arrays
 * of them (the policy checks the lengths and ranges when it loads them).
 */
export function checkStagePolicyState(state: unknown): asserts state is StagePolicyState {
  if (!isRecord(state)) notSnapshot('value', state, "an object {format: 'splitee-stage-policy', version: 1, name, options, state}");
  if (state.format !== 'splitee-stage-policy') notSnapshot('format', state.format, "'splitee-stage-policy'");
  if (state.version !== 1) notSnapshot('version', state.version, '1');
  if (typeof state.name !== 'string' || state.name.length === 0 || state.name.length > 64) bad('name', state.name, 'a policy name (1..64 characters)');
  const o = state.options;
  if (!isRecord(o)) bad('options', o, 'an object of policy options');
  if (!isRecord(o.costs)) bad('options.costs', o.costs, 'a cost table object');
  for (const [k, v] of Object.entries(o)) {
    if (k !== 'costs' && !isFiniteNumber(v) && !(typeof v === 'string' && v.length <= 40)) bad(`options.${k.slice(0, 40)}`, v, 'a finite number or a short string');
  }
  const st = state.state;
  if (!isRecord(st)) bad('state', st, 'an object of numbers and arrays of numbers');
  for (const [k, v] of Object.entries(st)) {
    const ok = isFiniteNumber(v) || (Array.isArray(v) && v.length <= MAX_STAGE_VALUES && v.every(isFiniteNumber));
    if (!ok) bad(`state.${k.slice(0, 40)}`, v, `a finite number or an array of at most ${MAX_STAGE_VALUES} finite numbers`);
  }
}
