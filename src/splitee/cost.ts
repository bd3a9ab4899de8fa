/**
 * Cost models. Both reduce to one CostTable: per arm, what the device pays to run up to the split and
 * what sending the split's activation to the cloud adds. Arms are split layers 1..L, plus arm 0 (cloud
 * only: the raw input is sent, nothing runs on the device) when the model supports it.
 *
 *   cost of a round at arm i = device[i] + (offloaded ? offload[i] : 0)      (arm 0 is always offloaded)
 *
 * - paperCosts: the paper's constants (docs/DESIGN.md): device[i] = lambda * i, offload[i] = o, units of
 *   "lambda". The cloud's own compute is free, as in the paper.
 * - measuredCosts: milliseconds (or millijoules) from a NetworkProfile: FLOPs of the stages and exit
 *   heads the device runs, divided by the device speed; bytes of the activation at the split under an
 *   encoding, divided by the link bandwidth, plus the link latency.
 */
import { ArgumentError, FormatError, describeValue } from '../tensor/errors.js';
import { isRecord } from './is-record.js';
import type { NetworkProfile } from '../layers/network.js';

export interface CostTable {
  /** 'paper' or 'measured' (informational). */
  readonly kind: string;
  /** The unit every entry is in: 'lambda' (paper), 'ms' (latency) or 'mJ' (energy). */
  readonly unit: string;
  /** L: the number of exits; arrays have length L + 1 and are indexed by arm (split layer). */
  readonly numExits: number;
  /** Whether arm 0 (cloud only: offload the raw input) is available. */
  readonly cloudOnly: boolean;
  /** device[i]: cost of stages 1..i and the exit head(s) on the device; device[0] = 0. */
  readonly device: Float64Array;
  /** offload[i]: extra cost of sending the activation after stage i (offload[0]: the raw input); offload[L] = 0. */
  readonly offload: Float64Array;
}

/** A CostTable as plain JSON (policy snapshots carry it). */
export interface CostTableJSON {
  kind: string;
  unit: string;
  numExits: number;
  cloudOnly: boolean;
  device: number[];
  offload: number[];
}

/** Cost of one round: arm i, offloaded or not. Arm 0 always counts its offload; arm L never does. */
export function roundCost(costs: CostTable, arm: number, offloaded: boolean): number {
  return arm === 0 ? costs.offload[0] : offloaded ? costs.device[arm] + costs.offload[arm] : costs.device[arm];
}

export interface PaperCostOptions {
  numExits: number;
  /** Compute cost per stage (the paper's lambda; 0.1 in the published code). */
  lambda: number;
  /** Offload cost o of an activation, the same at every split (the paper sweeps 0.1..0.6). */
  offload: number;
  /** Cost of sending the raw input (arm 0, cloud only); omitted or null: no arm 0 (as in the paper). */
  cloudOnly?: number | null;
  /** Layers in stage s at [s-1] (NetworkProfile.stageLayers), for exits after only some layers: lambda is
   *  paid per layer run. Omitted: one layer per stage (device[i] = lambda * i). */
  stageLayers?: readonly number[];
}

/** The paper's model: device[i] = lambda * (layers in stages 1..i; = i with one layer a stage), offload[i] = o (i < L), offload[L] = 0. */
export function paperCosts(opts: PaperCostOptions): CostTable {
  const { numExits: L, lambda, offload: o } = opts;
  checkInt('paperCosts', 'numExits', L, 1);
  checkNonNeg('paperCosts', 'lambda', lambda);
  checkNonNeg('paperCosts', 'offload', o);
  const raw = opts.cloudOnly ?? null;
  if (raw !== null) checkNonNeg('paperCosts', 'cloudOnly', raw);
  const layers = opts.stageLayers;
  if (layers !== undefined && (layers.length !== L || !layers.every((n) => Number.isInteger(n) && n >= 1))) {
    throw new ArgumentError(`paperCosts: invalid stageLayers: got ${layers.length} entries, expected ${L} integers >= 1 (layers per stage)`);
  }
  const device = new Float64Array(L + 1);
  const off = new Float64Array(L + 1);
  let run = 0;
  for (let i = 1; i <= L; i++) {
    run += layers === undefined ? 1 : layers[i - 1];
    device[i] = lambda * run;
  }
  for (let i = 1; i < L; i++) off[i] = o;
  off[0] = raw ?? 0;
  return { kind: 'paper', unit: 'lambda', numExits: L, cloudOnly: raw !== null, device, offload: off };
}

/** How an activation travels: bytes per element, plus per-channel parameters for int8. */
export type Encoding = 'f32' | 'f16' | 'int8';

/** Bytes per activation element of each encoding. */
export const ENCODING_BYTES: Readonly<Record<Encoding, number>> = { f32: 4, f16: 2, int8: 1 };

/**
 * Payload bytes of one sample's activation:
 *   f32:  4 * elements
 *   f16:  2 * elements
 *   int8: 1 * elements + channels * paramBytesPerChannel
 *         (per-channel affine quantization: a float32 scale and a float32 zero point per channel,
 *          so paramBytesPerChannel = 8 by default)
 */
export function activationBytes(elements: number, encoding: Encoding, channels = 1, paramBytesPerChannel = 8): number {
  const per = ENCODING_BYTES[encoding];
  if (per === undefined) throw new ArgumentError(`activationBytes: unknown encoding: got '${encoding}', expected f32, f16 or int8`);
  return encoding === 'int8' ? elements + channels * paramBytesPerChannel : elements * per;
}

export interface MeasuredCostOptions {
  profile: NetworkProfile;
  encoding: Encoding;
  /** Device compute speed in GFLOP/s (1 GFLOP/s = 1e6 FLOPs per ms). */
  deviceGflops: number;
  /** Link bandwidth in megabits per second (1 Mbit/s = 125 bytes per ms). */
  bandwidthMbps: number;
  /** Added once per offload (request + response), ms. */
  latencyMs: number;
  /** Cloud compute speed in GFLOP/s; when given, the cloud's stages i+1..L count toward the offload
   *  latency; omitted: the cloud is free, as in the paper. */
  cloudGflops?: number;
  /** Channels of the activation after stage s at [s] (length L + 1), for int8's per-channel
   *  parameters; omitted: one channel (per-tensor quantization). */
  activationChannels?: number[];
  /** Bytes of quantization parameters per channel for int8 (default 8: f32 scale + f32 zero point). */
  int8ParamBytesPerChannel?: number;
  /** Which exit heads the device evaluates for arm i: 'split' (only head i; default) or 'path'
   *  (heads 1..i, what SplitEE-S's side observations require). */
  exitHeads?: 'split' | 'path';
  /** Whether arm 0 (cloud only: send profile.rawInputBytes) is available (default true). */
  cloudOnly?: boolean;
  /** Energy instead of latency: millijoules per FLOP on the device and per byte sent. When given, the
   *  table is in mJ: device[i] = flops * mJPerFlop, offload[i] = bytes * mJPerByte (no latency term). */
  energy?: { mJPerFlop: number; mJPerByte: number };
}

/**
 * The measured model. With F_i = sum of stageFlops[1..i] + head FLOPs (head i, or heads 1..i for
 * exitHeads 'path') and B_i = activationBytes(activationElements[i]) (B_0 = rawInputBytes):
 *
 *   latency (ms):  device[i]  = F_i / (deviceGflops * 1e6)
 *                  offload[i] = B_i / (bandwidthMbps * 125) + latencyMs [+ cloud FLOPs of stages i+1..L / (cloudGflops * 1e6)]
 *   energy (mJ):   device[i]  = F_i * mJPerFlop,   offload[i] = B_i * mJPerByte
 */
export function measuredCosts(opts: MeasuredCostOptions): CostTable {
  const p = opts.profile;
  const L = p.stageFlops.length;
  const w = 'measuredCosts';
  checkInt(w, 'profile.stageFlops.length', L, 1);
  if (p.exitFlops.length !== L || p.activationElements.length !== L + 1) {
    throw new ArgumentError(`${w}: profile arrays disagree: got stageFlops ${L}, exitFlops ${p.exitFlops.length}, activationElements ${p.activationElements.length}, expected L, L, L + 1`);
  }
  checkPos(w, 'deviceGflops', opts.deviceGflops);
  checkPos(w, 'bandwidthMbps', opts.bandwidthMbps);
  checkNonNeg(w, 'latencyMs', opts.latencyMs);
  if (opts.cloudGflops !== undefined) checkPos(w, 'cloudGflops', opts.cloudGflops);
  const channels = opts.activationChannels;
  if (channels !== undefined && channels.length !== L + 1) {
    throw new ArgumentError(`${w}: activationChannels has the wrong length: got ${channels.length}, expected L + 1 = ${L + 1}`);
  }
  const paramBytes = opts.int8ParamBytesPerChannel ?? 8;
  const path = (opts.exitHeads ?? 'split') === 'path';
  const energy = opts.energy;
  if (energy) {
    checkNonNeg(w, 'energy.mJPerFlop', energy.mJPerFlop);
    checkNonNeg(w, 'energy.mJPerByte', energy.mJPerByte);
  }
  const device = new Float64Array(L + 1);
  const offload = new Float64Array(L + 1);
  const devFlopsPerMs = opts.deviceGflops * 1e6;
  const bytesPerMs = opts.bandwidthMbps * 125;
  let stages = 0;
  let heads = 0;
  const totalFlops = p.stageFlops.reduce((a, b) => a + b, 0);
  for (let i = 0; i <= L; i++) {
    if (i > 0) {
      stages += p.stageFlops[i - 1];
      heads += p.exitFlops[i - 1];
      const flops = stages + (path ? heads : p.exitFlops[i - 1]);
      device[i] = energy ? flops * energy.mJPerFlop : flops / devFlopsPerMs;
    }
    if (i === L) break;
    const bytes = i === 0 ? p.rawInputBytes : activationBytes(p.activationElements[i], opts.encoding, channels ? channels[i] : 1, paramBytes);
    if (energy) offload[i] = bytes * energy.mJPerByte;
    else {
      offload[i] = bytes / bytesPerMs + opts.latencyMs;
      if (opts.cloudGflops !== undefined) offload[i] += (totalFlops - stages + p.exitFlops[L - 1]) / (opts.cloudGflops * 1e6);
    }
  }
  const cloudOnly = opts.cloudOnly ?? true;
  if (!cloudOnly) offload[0] = 0;
  return { kind: 'measured', unit: energy ? 'mJ' : 'ms', numExits: L, cloudOnly, device, offload };
}

export function costTableToJSON(c: CostTable): CostTableJSON {
  return { kind: c.kind, unit: c.unit, numExits: c.numExits, cloudOnly: c.cloudOnly, device: Array.from(c.device), offload: Array.from(c.offload) };
}

/** A bounded description of a claimed cost table (never serialized whole: it is untrusted). */
function describeTable(j: unknown): string {
  if (!isRecord(j)) return describeValue(j);
  return `numExits ${describeValue(j.numExits)}, device ${describeValue(j.device)}, offload ${describeValue(j.offload)}`;
}

export function costTableFromJSON(j: CostTableJSON): CostTable {
  const ok =
    j !== null && typeof j === 'object' && Number.isInteger(j.numExits) && j.numExits >= 1 && Array.isArray(j.device) && Array.isArray(j.offload) &&
    typeof j.kind === 'string' && typeof j.unit === 'string' && j.device.length === j.numExits + 1 && j.offload.length === j.numExits + 1 && [...j.device, ...j.offload].every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok) throw new FormatError(`costTableFromJSON: invalid cost table: got ${describeTable(j)}, expected {kind, unit} strings and {numExits, device[L+1], offload[L+1]} of finite numbers`);
  return { kind: j.kind, unit: j.unit, numExits: j.numExits, cloudOnly: Boolean(j.cloudOnly), device: Float64Array.from(j.device), offload: Float64Array.from(j.offload) };
}

function checkInt(where: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new ArgumentError(`${where}: invalid ${name}: got ${v}, expected an integer >= ${min}`);
}
function checkNonNeg(where: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new ArgumentError(`${where}: invalid ${name}: got ${v}, expected a finite number >= 0`);
}
function checkPos(where: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new ArgumentError(`${where}: invalid ${name}: got ${v}, expected a finite number > 0`);
}
