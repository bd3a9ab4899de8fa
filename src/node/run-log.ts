/**
 * The run log: an append-only JSONL file written as the run goes, so a crash loses at most the
 * sample in flight and a run resumes where it stopped, learning included.
 *
 *   line 1      {"kind":"header", "format":"splitee-run-log", "version":1, "model":{id,hash},
 *                "policy":{name, params}, "seed", "stream", "started", "policyState", ...extra}
 *   then        {"kind":"round", ...RoundRecord}                      one per sample, t = 1, 2, ...
 *   and         {"kind":"snapshot", "t", "policyState"}               after round t, every K rounds
 *                                                                     (default 100) and at close()
 *
 * Snapshots are their own lines (not a field of a round) so every round line is the same flat record
 * (pandas: read_json(lines=True) and filter on kind) and close() can snapshot without a round.
 * The header carries the policy's initial state, so a log always has a snapshot to restore.
 *
 * Durability: each line is one fs.writeSync of the whole line and its newline; a short or failed
 * write is an IoError naming the path, and nothing already written is ever rewritten or truncated
 * (except a torn last line, which resume cuts off before appending). fsync every N lines is optional
 * (default off: a process crash loses nothing the kernel has; a power cut may lose the page cache).
 *
 * Reading validates every line; a last line without its newline (a crash mid-write) is reported as
 * `torn` and ignored; anything else malformed is a FormatError naming the line number.
 *
 * Resume: restore the policy from the last snapshot, then replay every later round through
 * choose(t) (which must give the logged split: this also advances a random policy's stream) and
 * update(observationOf(round)), so the policy is exactly where it was after the last logged round;
 * the run continues at t = last + 1. A stage policy (execution 'stage') replays each later round
 * through decide(t, s, C_1..C_s) for s = 1..stop (which must say continue before the logged stop and
 * the logged decision at it) and update(stageObservationOf(round)).
 */
import { closeSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { FormatError, StateError, describeValue } from '../tensor/errors.js';
import { parseJson, JsonError, MAX_JSON_DEPTH } from '../tensor/io/json.js';
import { restoreAnyPolicy, type AnyPolicy, type PolicyState } from '../splitee/policy.js';
import { observationOf, stageObservationOf, type Outcome, type RoundRecord } from '../splitee/runner.js';
import type { StagePolicy, StagePolicyState } from '../splitee/stage.js';
import { IoError } from './datasets/idx-file.js';

export const RUN_LOG_FORMAT = 'splitee-run-log';
export const RUN_LOG_VERSION = 1;

export interface RunLogHeaderInput {
  model: { id: string; hash: string };
  policy: { name: string; params: Record<string, unknown> };
  seed: number;
  /** How to rebuild the sample stream (data file, distortion, order...), as the caller describes it. */
  stream: unknown;
  /** Anything else the caller wants to keep (alpha, cost model, encoding, cloud URL...). */
  extra?: Record<string, unknown>;
}

export interface RunLogHeader extends RunLogHeaderInput {
  kind: 'header';
  format: typeof RUN_LOG_FORMAT;
  version: typeof RUN_LOG_VERSION;
  /** ISO 8601 time the run started. */
  started: string;
  /** The policy before round 1. */
  policyState: PolicyState | StagePolicyState;
}

export type RoundLine = RoundRecord & { kind: 'round' };
export interface SnapshotLine {
  kind: 'snapshot';
  /** The last round the state includes. */
  t: number;
  policyState: PolicyState | StagePolicyState;
}

export interface RunLogWriterOptions {
  /** Snapshot the policy after every K-th round (default 100; 0: only at close). */
  snapshotEvery?: number;
  /** fsync after every N lines (default 0: never). */
  fsyncEvery?: number;
}

function ioError(what: string, path: string, e: unknown): IoError {
  const code = (e as { code?: string }).code ?? (e as Error).message;
  return new IoError(`run log ${path}: cannot ${what}: got ${code}, expected a writable file; the lines already written are intact`, { cause: e });
}

export class RunLogWriter {
  readonly path: string;
  private fd: number | null;
  private readonly snapshotEvery: number;
  private readonly fsyncEvery: number;
  private lines = 0;
  private lastT = 0;
  private lastSnapshotT = -1;

  private constructor(path: string, fd: number, opts: RunLogWriterOptions, lastT: number) {
    this.path = path;
    this.fd = fd;
    this.snapshotEvery = opts.snapshotEvery ?? 100;
    this.fsyncEvery = opts.fsyncEvery ?? 0;
    this.lastT = lastT;
    this.lastSnapshotT = lastT;
  }

  /** Starts a new log at `path` (refuses to overwrite an existing file) and writes its header. */
  static create(path: string, header: RunLogHeaderInput, policy: AnyPolicy, opts: RunLogWriterOptions = {}): RunLogWriter {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      throw ioError('create the file', path, e);
    }
    const w = new RunLogWriter(path, fd, opts, 0);
    const line: RunLogHeader = { kind: 'header', format: RUN_LOG_FORMAT, version: RUN_LOG_VERSION, ...header, started: new Date().toISOString(), policyState: policy.snapshot() };
    w.writeLine(line);
    return w;
  }

  /** Opens an existing log for appending after round `lastT` (used by resumeRunLog). */
  static append(path: string, lastT: number, opts: RunLogWriterOptions = {}): RunLogWriter {
    let fd: number;
    try {
      fd = openSync(path, 'a');
    } catch (e) {
      throw ioError('open the file for appending', path, e);
    }
    return new RunLogWriter(path, fd, opts, lastT);
  }

  private writeLine(obj: unknown): void {
    if (this.fd === null) throw new StateError(`run log ${this.path}: write after close: got a line, expected an open writer`);
    const buf = Buffer.from(JSON.stringify(obj) + '\n', 'utf8');
    let n: number;
    try {
      n = writeSync(this.fd, buf, 0, buf.length);
    } catch (e) {
      throw ioError('write a line', this.path, e);
    }
    if (n !== buf.length) throw new IoError(`run log ${this.path}: short write: got ${n} of ${buf.length} bytes, expected the whole line; the lines before it are intact`);
    this.lines++;
    if (this.fsyncEvery > 0 && this.lines % this.fsyncEvery === 0) this.sync();
  }

  private sync(): void {
    try {
      fsyncSync(this.fd!);
    } catch (e) {
      throw ioError('fsync', this.path, e);
    }
  }

  /** Appends a round (and a snapshot of `policy`, already updated with it, every K rounds). */
  write(record: RoundRecord, policy: AnyPolicy): void {
    if (record.t !== this.lastT + 1) throw new StateError(`run log ${this.path}: rounds out of order: got t = ${record.t}, expected ${this.lastT + 1}`);
    this.writeLine({ kind: 'round', ...record });
    this.lastT = record.t;
    if (this.snapshotEvery > 0 && record.t % this.snapshotEvery === 0) this.snapshot(policy);
  }

  /** Appends a snapshot line of `policy` after the last round written. */
  snapshot(policy: AnyPolicy): void {
    const line: SnapshotLine = { kind: 'snapshot', t: this.lastT, policyState: policy.snapshot() };
    this.writeLine(line);
    this.lastSnapshotT = this.lastT;
  }

  /** Snapshots the policy (if rounds were written since the last snapshot), fsyncs and closes. */
  close(policy?: AnyPolicy): void {
    if (this.fd === null) return;
    let failure: unknown = null;
    try {
      if (policy !== undefined && this.lastSnapshotT !== this.lastT) this.snapshot(policy);
      if (this.fsyncEvery > 0) this.sync();
    } catch (e) {
      failure = e;
    }
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (e) {
      failure ??= ioError('close the file', this.path, e);
    }
    if (failure !== null) throw failure;
  }
}

export interface RunLog {
  header: RunLogHeader;
  rounds: RoundLine[];
  snapshots: SnapshotLine[];
  /** A last line cut short by a crash (ignored), or null. */
  torn: { line: number; text: string } | null;
  /** Bytes of the file up to the end of the last complete line. */
  validBytes: number;
}

const OUTCOMES: readonly Outcome[] = ['exit', 'final', 'offload', 'fallback'];
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function checkHeader(v: Record<string, unknown>): string | null {
  if (v.format !== RUN_LOG_FORMAT) return `format: got ${describeValue(v.format)}, expected "${RUN_LOG_FORMAT}"`;
  if (v.version !== RUN_LOG_VERSION) return `version: got ${describeValue(v.version)}, expected ${RUN_LOG_VERSION}`;
  if (!isObj(v.model) || typeof v.model.id !== 'string' || typeof v.model.hash !== 'string') return 'model: expected {id, hash} strings';
  if (!isObj(v.policy) || typeof v.policy.name !== 'string') return 'policy: expected {name, params}';
  if (!isNum(v.seed) || typeof v.started !== 'string' || !isObj(v.policyState)) return 'expected seed (number), started (string) and policyState (object)';
  return null;
}

/** Throws (through `fail`) unless `check` finds nothing wrong; narrows v to T. */
function assertLine<T>(v: Record<string, unknown>, check: (v: Record<string, unknown>) => string | null, fail: (msg: string) => never, what: string): asserts v is Record<string, unknown> & T {
  const why = check(v);
  if (why !== null) fail(`invalid ${what}: ${why}`);
}

function checkSnapshot(v: Record<string, unknown>): string | null {
  return isInt(v.t) && isObj(v.policyState) ? null : `got t = ${describeValue(v.t)}, expected an integer t and a policyState object`;
}

function checkRound(v: Record<string, unknown>): string | null {
  for (const k of ['t', 'index', 'chosen', 'split', 'prediction', 'attempts', 'bytesSent'] as const) if (!isInt(v[k])) return `${k}: got ${describeValue(v[k])}, expected an integer`;
  for (const k of ['cost', 'reward', 'deviceFlops', 'deviceMs', 'cloudMs', 'latencyMs'] as const) if (!isNum(v[k])) return `${k}: got ${describeValue(v[k])}, expected a finite number`;
  if (!OUTCOMES.includes(v.outcome as Outcome)) return `outcome: got ${describeValue(v.outcome)}, expected one of ${OUTCOMES.join('|')}`;
  if (typeof v.offloaded !== 'boolean' || typeof v.fallback !== 'boolean') return 'offloaded/fallback: expected booleans';
  if (!Array.isArray(v.confidences) || !v.confidences.every(isNum)) return 'confidences: expected an array of numbers';
  if (v.finalConf !== null && !isNum(v.finalConf)) return `finalConf: got ${describeValue(v.finalConf)}, expected a number or null`;
  if (v.label !== null && !isInt(v.label)) return `label: got ${describeValue(v.label)}, expected an integer or null`;
  if (v.error !== null && typeof v.error !== 'string') return 'error: expected a string or null';
  if (typeof v.costUnit !== 'string') return 'costUnit: expected a string';
  return null;
}

/** Reads and validates a whole run log. */
export function readRunLog(path: string): RunLog {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new IoError(`run log ${path}: cannot read: got ${(e as { code?: string }).code ?? (e as Error).message}, expected a readable file`, { cause: e });
  }
  return parseRunLog(bytes, path);
}

/** Parses and validates the bytes of a run log (`path` names it in errors): readRunLog's pure part. */
export function parseRunLog(bytes: Uint8Array, path: string): RunLog {
  // The torn tail is found by bytes (after the last '\n' byte), never by decoded text: a tail cut
  // inside a UTF-8 sequence decodes to U+FFFD, whose re-encoded length is not the bytes on disk.
  const validBytes = bytes.lastIndexOf(0x0a) + 1;
  const bad = (line: number, msg: string): never => {
    throw new FormatError(`run log ${path}: line ${line}: ${msg}`);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, validBytes));
  } catch {
    let line = 0;
    for (let i = 0; i < validBytes; i++) if (bytes[i] === 0x0a) line++;
    return bad(line, `not UTF-8: got invalid bytes in the first ${line} lines, expected UTF-8 JSON lines`);
  }
  const parts = text.split('\n');
  parts.pop(); // '' after the last newline
  let torn: RunLog['torn'] = null;
  if (validBytes < bytes.length) torn = { line: parts.length + 1, text: new TextDecoder().decode(bytes.subarray(validBytes, validBytes + 200)) };
  if (parts.length === 0) bad(1, `no header: got ${torn ? 'a torn first line' : 'an empty file'}, expected {"kind":"header",...}`);
  let header: RunLogHeader | null = null;
  const rounds: RoundLine[] = [];
  const snapshots: SnapshotLine[] = [];
  let lastT = 0;
  parts.forEach((raw, i) => {
    const n = i + 1;
    const fail = (msg: string): never => bad(n, msg);
    let v: unknown;
    try {
      v = parseJson(raw, { maxDepth: MAX_JSON_DEPTH });
    } catch (e) {
      if (!(e instanceof JsonError)) throw e;
      bad(n, `${e.message}; expected one JSON object per line`);
    }
    if (!isObj(v)) return bad(n, `not an object: got ${describeValue(v)}, expected {"kind":...}`);
    if (n === 1) {
      if (v.kind !== 'header') bad(n, `first line is not the header: got kind ${describeValue(v.kind)}, expected "header"`);
      assertLine<RunLogHeader>(v, checkHeader, fail, 'header');
      header = v;
      return;
    }
    if (v.kind === 'round') {
      assertLine<RoundLine>(v, checkRound, fail, 'round');
      if (v.t !== lastT + 1) bad(n, `rounds out of order: got t = ${v.t}, expected ${lastT + 1}`);
      lastT = v.t;
      if (v.finalConf === null) v.finalConf = NaN; // JSON has no NaN: a C_L not observed is written as null
      rounds.push(v);
    } else if (v.kind === 'snapshot') {
      assertLine<SnapshotLine>(v, checkSnapshot, fail, 'snapshot');
      if (v.t !== lastT) bad(n, `snapshot out of place: got t = ${v.t}, expected t = ${lastT} (the last round)`);
      snapshots.push(v);
    } else {
      bad(n, `unknown kind: got ${describeValue(v.kind)}, expected "round" or "snapshot"`);
    }
  });
  return { header: header!, rounds, snapshots, torn, validBytes };
}

export interface ResumedRun {
  log: RunLog;
  /** The policy as it was after the last logged round. */
  policy: AnyPolicy;
  /** The round to run next (last logged t + 1). */
  nextT: number;
  /** Appends to the same file (a torn last line was cut off first). */
  writer: RunLogWriter;
}

/** Replays one logged round through a stage policy: its decisions must be the logged ones. */
function replayStageRound(policy: StagePolicy, r: RoundLine, path: string): void {
  const L = policy.numExits;
  const stop = r.split;
  if (!(stop >= 1 && stop <= L && r.confidences.length === stop)) {
    throw new FormatError(`run log ${path}: round ${r.t} is not a stage round: got split ${stop} with ${r.confidences.length} confidences, expected a stage in 1..${L} and C_1..C_stop`);
  }
  const want = r.outcome === 'fallback' ? 'offload' : r.outcome;
  for (let s = 1; s <= stop; s++) {
    const a = policy.decide(r.t, s, r.confidences);
    const expected = s < stop ? 'continue' : want;
    if (a !== expected && !(s === L && want === 'final')) {
      throw new FormatError(`run log ${path}: round ${r.t} does not replay: got '${String(a).slice(0, 20)}' at stage ${s} from the restored policy, expected '${expected}' as logged; the log and the policy code disagree`);
    }
  }
  policy.update(stageObservationOf(r));
}

/** Restores a run from its log and opens the log for appending. */
export function resumeRunLog(path: string, opts: RunLogWriterOptions = {}): ResumedRun {
  const log = readRunLog(path);
  const snap = log.snapshots.length > 0 ? log.snapshots[log.snapshots.length - 1] : { t: 0, policyState: log.header.policyState };
  const policy = restoreAnyPolicy(snap.policyState);
  for (const r of log.rounds) {
    if (r.t <= snap.t) continue;
    if (policy.execution === 'stage') {
      replayStageRound(policy, r, path);
      continue;
    }
    const chosen = policy.choose(r.t);
    if (chosen !== r.chosen) {
      throw new FormatError(`run log ${path}: round ${r.t} does not replay: got split ${chosen} from the restored policy, expected ${r.chosen} as logged; the log and the policy code disagree`);
    }
    policy.update(observationOf(r));
  }
  if (log.torn !== null) {
    try {
      truncateSync(path, log.validBytes);
    } catch (e) {
      throw ioError('cut off the torn last line', path, e);
    }
  }
  const lastT = log.rounds.length > 0 ? log.rounds[log.rounds.length - 1].t : 0;
  return { log, policy, nextT: lastT + 1, writer: RunLogWriter.append(path, lastT, opts) };
}
