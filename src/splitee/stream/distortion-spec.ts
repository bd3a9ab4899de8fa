/**
 * Distortion specs of a sample stream (distortions.ts has the exact definitions): the names, the
 * severity tables (SEVERITY_TABLES, or a model config.json's "distortions", with each distortion's
 * deployment severity for "NAME:deploy"), and parsing / formatting "NAME:SEVERITY".
 */
import { ArgumentError, ConfigError, describeValue } from '../../tensor/errors.js';

export const DISTORTION_NAMES = ['gaussian-noise', 'gaussian-blur', 'contrast', 'brightness', 'rotation', 'occlusion'] as const;
export type DistortionName = (typeof DISTORTION_NAMES)[number];
export type SeverityTables = Readonly<Record<DistortionName, readonly number[]>>;

/** Default severity tables (parameter p_s at index s-1). The one place to adjust them. */
export const SEVERITY_TABLES: SeverityTables = Object.freeze({
  'gaussian-noise': Object.freeze([0.05, 0.1, 0.15, 0.2, 0.3]), // sigma
  'gaussian-blur': Object.freeze([0.5, 0.75, 1.0, 1.25, 1.5]), // sigma
  contrast: Object.freeze([0.7, 0.5, 0.3, 0.2, 0.1]), // factor f
  brightness: Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5]), // offset b
  rotation: Object.freeze([5, 10, 15, 20, 30]), // degrees, counter-clockwise
  occlusion: Object.freeze([4, 6, 8, 10, 12]), // square side in pixels
});

export interface DistortionSettings {
  tables: SeverityTables;
  /** The deployment severity of each distortion, where a model config names one. */
  deployment: Readonly<Partial<Record<DistortionName, number>>>;
}

export const DEFAULT_DISTORTION_SETTINGS: DistortionSettings = Object.freeze({ tables: SEVERITY_TABLES, deployment: Object.freeze({}) });

/** A parsed distortion; `param` is the table value resolved at parse time. */
export type Distortion = { name: 'none' } | { name: DistortionName; severity: number; param: number };

export const CLEAN_DISTORTION: Distortion = Object.freeze({ name: 'none' });

function isName(s: string): s is DistortionName {
  return (DISTORTION_NAMES as readonly string[]).includes(s);
}

/**
 * Where the remaining parameters mean what distortions.ts says they do (the range a table value must lie in):
 * - contrast f > 0: y = m + f (x - m) scales the spread about the mean; f = 0 flattens the image to
 *   its mean and f < 0 inverts it (neither is a contrast change). f > 1 raises contrast (clipped).
 * - brightness b in (-1, 1): y = clip(x + b); with |b| >= 1 every pixel of a [0, 1] image clips to
 *   the same value (the image is erased). Negative b darkens.
 * - rotation in [-360, 360] degrees (negative = clockwise): one turn either way covers every angle;
 *   a larger magnitude is a unit or typing error, not a rotation anyone means.
 */
const PARAM_RANGES: Partial<Record<DistortionName, { ok: (v: number) => boolean; what: string; expected: string }>> = {
  contrast: { ok: (v) => v > 0, what: 'contrast factor', expected: '> 0 (0 flattens the image, < 0 inverts it)' },
  brightness: { ok: (v) => v > -1 && v < 1, what: 'brightness offset', expected: 'a value in (-1, 1) (beyond, every pixel clips to one value)' },
  rotation: { ok: (v) => v >= -360 && v <= 360, what: 'rotation angle', expected: 'degrees in [-360, 360]' },
};

function checkParam(where: string, name: DistortionName, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ConfigError(`${where}: ${name} severity value is not a finite number: got ${describeValue(v)}, expected a finite number`);
  }
  if ((name === 'gaussian-blur' && v <= 0) || (name === 'gaussian-noise' && v < 0)) {
    throw new ConfigError(`${where}: ${name} sigma out of range: got ${v}, expected ${name === 'gaussian-blur' ? '> 0' : '>= 0'}`);
  }
  if (name === 'occlusion' && (!Number.isInteger(v) || v < 0)) {
    throw new ConfigError(`${where}: occlusion side is not a non-negative integer: got ${v}, expected pixels`);
  }
  const range = PARAM_RANGES[name];
  if (range !== undefined && !range.ok(v)) throw new ConfigError(`${where}: ${range.what} out of range: got ${v}, expected ${range.expected}`);
  return v;
}

/**
 * Severity tables and deployment severities from a model config (the whole parsed config.json),
 * falling back to the defaults for every distortion it does not list. Accepted shapes of
 * config.distortions[NAME]: an array of numbers, or {severities: number[], deployment?: number, ...}
 * (the form tools/resnet/export.py writes). An unknown name is an error.
 */
export function distortionSettingsFromConfig(config: unknown): DistortionSettings {
  const where = 'distortionSettingsFromConfig';
  if (config === null || typeof config !== 'object') return DEFAULT_DISTORTION_SETTINGS;
  const d = (config as { distortions?: unknown }).distortions;
  if (d === undefined || d === null) return DEFAULT_DISTORTION_SETTINGS;
  if (typeof d !== 'object' || Array.isArray(d)) {
    throw new ConfigError(`${where}: "distortions" is not an object: got ${describeValue(d)}, expected {NAME: [severity values] | {severities, deployment}}`);
  }
  const tables: Record<DistortionName, readonly number[]> = { ...SEVERITY_TABLES };
  const deployment: Partial<Record<DistortionName, number>> = {};
  for (const [name, v] of Object.entries(d as Record<string, unknown>)) {
    if (!isName(name)) {
      throw new ConfigError(`${where}: unknown distortion in config: got '${name.length <= 40 ? name : `${name.slice(0, 32)}...`}', expected one of ${DISTORTION_NAMES.join(', ')}`);
    }
    const obj = Array.isArray(v) ? { severities: v } : (v as { severities?: unknown; deployment?: unknown } | null);
    if (obj === null || typeof obj !== 'object' || !Array.isArray(obj.severities) || obj.severities.length === 0) {
      throw new ConfigError(`${where}: distortions.${name} has no severity table: got ${describeValue(v)}, expected a non-empty array or {severities: [...]}`);
    }
    tables[name] = Object.freeze(obj.severities.map((x) => checkParam(`${where}: distortions.${name}`, name, x)));
    if (obj.deployment !== undefined) {
      const s = obj.deployment;
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > obj.severities.length) {
        throw new ConfigError(`${where}: distortions.${name}.deployment out of range: got ${describeValue(s)}, expected an integer in [1,${obj.severities.length}]`);
      }
      deployment[name] = s;
    }
  }
  return Object.freeze({ tables: Object.freeze(tables), deployment: Object.freeze(deployment) });
}

/**
 * Parses "NAME:SEVERITY" (e.g. "gaussian-noise:2"), "NAME:deploy" (the config's deployment severity),
 * or "none" / "clean". Unknown names and severities outside 1..table length throw ArgumentError.
 */
export function parseDistortion(spec: string, settings: DistortionSettings = DEFAULT_DISTORTION_SETTINGS): Distortion {
  const where = 'parseDistortion';
  if (typeof spec !== 'string') throw new ArgumentError(`${where}: spec is not a string: got ${describeValue(spec)}, expected 'NAME:SEVERITY' or 'none'`);
  const s = spec.trim();
  if (s === 'none' || s === 'clean') return CLEAN_DISTORTION;
  const colon = s.lastIndexOf(':');
  const name = colon < 0 ? s : s.slice(0, colon);
  if (name === 'none' || name === 'clean') {
    throw new ArgumentError(`${where}: '${name}' takes no severity: got '${s}', expected '${name}' alone`);
  }
  if (!isName(name)) {
    throw new ArgumentError(`${where}: unknown distortion: got '${name}', expected one of none, clean, ${DISTORTION_NAMES.join(', ')}`);
  }
  const table = settings.tables[name];
  if (colon < 0) {
    throw new ArgumentError(`${where}: missing severity: got '${spec}', expected '${name}:S' with S in 1..${table.length} or '${name}:deploy'`);
  }
  const sev = s.slice(colon + 1);
  let severity: number;
  if (sev === 'deploy' || sev === 'deployment') {
    const d = settings.deployment[name];
    if (d === undefined) {
      const have = DISTORTION_NAMES.filter((n) => settings.deployment[n] !== undefined);
      const hint = have.length > 0 ? `the settings give one only for ${have.map((n) => `${n} (${settings.deployment[n]})`).join(', ')}` : "the settings give none; a model config's come from distortionSettingsFromConfig";
      throw new ArgumentError(`${where}: no deployment severity for ${name}: got '${spec}', expected a number 1..${table.length}; hint: ${hint}`);
    }
    severity = d;
  } else {
    severity = /^[1-9][0-9]*$/.test(sev) ? Number(sev) : NaN; // canonical only: no sign, no leading zero
  }
  if (!Number.isInteger(severity) || severity < 1 || severity > table.length) {
    throw new ArgumentError(`${where}: severity out of range for ${name}: got '${sev}', expected an integer in 1..${table.length}`);
  }
  return Object.freeze({ name, severity, param: table[severity - 1] });
}

/** The inverse of parseDistortion: "none" or "NAME:SEVERITY". */
export function formatDistortion(d: Distortion): string {
  return d.name === 'none' ? 'none' : `${d.name}:${d.severity}`;
}
