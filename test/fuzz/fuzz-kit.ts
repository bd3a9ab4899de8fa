// Shared pieces of the fuzz campaigns (test/fuzz/*.test.ts): the one property every parser of
// untrusted input must hold (only the project's named errors escape, with a bounded message), input
// mutators for fast-check, and the corpus of inputs that once failed, replayed on every run.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpliteeError } from '../../src/tensor/errors.js';

/** Cases per campaign: issue 15 asks for at least 10,000. */
export const RUNS = 10_000;
/** Longest message a refusal may carry (paths included): never the untrusted input echoed whole. */
export const MAX_MESSAGE = 2000;

/** Runs `fn`; a thrown value that is not a SpliteeError (or has an unbounded message) fails the case. */
export function onlyNamed(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SpliteeError)) throw new Error(`escaped: ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : typeof e}`, { cause: e });
    if (e.message.length > MAX_MESSAGE) throw new Error(`unbounded message: ${e.message.length} chars: ${e.message.slice(0, 200)}...`);
  }
}

/** Async variant of onlyNamed. */
export async function onlyNamedAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof SpliteeError)) throw new Error(`escaped: ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : typeof e}`, { cause: e });
    if (e.message.length > MAX_MESSAGE) throw new Error(`unbounded message: ${e.message.length} chars`);
  }
}

/** The corpus files of one target (test/fuzz/corpus/<target>/*): inputs that once failed. */
export function corpus(target: string): { name: string; bytes: Uint8Array }[] {
  const dir = join(import.meta.dirname, 'corpus', target);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
}

/** Runs a seeded campaign of RUNS cases of `arb` through `check`. */
export function campaign<T>(arb: fc.Arbitrary<T>, check: (v: T) => void, seed: number, numRuns = RUNS): void {
  const r = fc.check(fc.property(arb, check), { seed, numRuns, endOnFailure: true });
  if (!r.failed) return;
  // A short report (the counterexample may be megabytes): what escaped, and how to replay the case.
  const err = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
  throw new Error(`fuzz case failed after ${r.numRuns} runs (seed ${r.seed}, path ${r.counterexamplePath}): ${err.slice(0, 500)}; input: ${show(r.counterexample?.[0])}`);
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes: ${Buffer.from(v.subarray(0, 160)).toString('latin1')}...`;
  if (typeof v === 'string') return `${v.length} chars: ${v.slice(0, 160)}...`;
  try {
    return (JSON.stringify(v) ?? String(v)).slice(0, 300);
  } catch {
    return typeof v;
  }
}

type Op = readonly [kind: number, pos: number, byte: number];

function applyOps(base: Uint8Array, ops: readonly Op[]): Uint8Array {
  let b = base;
  for (const [kind, pos, byte] of ops) {
    const p = b.length === 0 ? 0 : pos % (b.length + 1);
    if (kind === 0 && b.length > 0) {
      b = b.slice();
      b[p % b.length] = byte; // overwrite
    } else if (kind === 1) {
      b = concat(b.subarray(0, p), Uint8Array.of(byte), b.subarray(p)); // insert
    } else if (kind === 2) {
      b = concat(b.subarray(0, p), b.subarray(p + 1 + (byte % 8))); // delete a run
    } else if (kind === 3) {
      b = b.subarray(0, p); // truncate
    } else if (kind === 4 && b.length > 0) {
      const q = (p + byte) % b.length;
      b = concat(b.subarray(0, p), b.subarray(Math.min(p, q), Math.max(p, q)), b.subarray(p)); // duplicate a span
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte-level mutations (overwrite, insert, delete, truncate, duplicate) of one of `bases`. */
export function mutatedBytes(bases: readonly Uint8Array[], maxOps = 4): fc.Arbitrary<Uint8Array> {
  const op = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 }));
  const interesting = fc.constantFrom(0x00, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x0a, 0xff, 0x30, 0x39, 0x2d, 0x2e, 0x65);
  const opI = fc.tuple(fc.integer({ min: 0, max: 1 }), fc.nat(), interesting);
  return fc.tuple(fc.constantFrom(...bases), fc.array(fc.oneof(op, opI), { maxLength: maxOps })).map(([b, ops]) => applyOps(b, ops));
}

const DEEP = 5000;
/** Values a hostile file puts where a small one belongs. */
export const HOSTILE_VALUES: readonly unknown[] = [
  null, true, 0, -1, 1.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, Number.MAX_SAFE_INTEGER,
  '', '0', '1', 'x'.repeat(5000), '__proto__', 'constructor', [], [0], [1, 2, 3], [2 ** 53, 2 ** 53, 0], {}, { a: 1 },
  Array.from({ length: 5000 }, (_, i) => i),
  deepArray(DEEP), deepObject(DEEP),
];

/** HOSTILE_VALUES that JSON.stringify can serialize (the deep ones overflow its stack). */
export const SHALLOW_HOSTILE: readonly unknown[] = HOSTILE_VALUES.slice(0, -2);

/**
 * JSON text of a mutated `base` (shallow hostile values), then, half the time, one scalar value
 * (the one after the k-th ':') replaced by a 5,000-deep array or object as text.
 */
export function mutatedJsonText(base: unknown, maxOps = 3): fc.Arbitrary<string> {
  return fc.tuple(mutatedJson(base, maxOps, SHALLOW_HOSTILE), fc.nat(), fc.integer({ min: 0, max: 3 })).map(([v, k, deep]) => {
    const text = JSON.stringify(v) ?? 'null';
    if (deep > 1) return text;
    const colons: number[] = [];
    for (let i = 0; i < text.length; i++) if (text[i] === ':') colons.push(i);
    if (colons.length === 0) return deep === 0 ? deepText(DEEP) : text;
    const at = colons[k % colons.length] + 1;
    let end = at;
    while (end < text.length && text[end] !== ',' && text[end] !== '}' && text[end] !== ']') end++;
    const nested = deep === 0 ? deepText(DEEP) : '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP);
    return text.slice(0, at) + nested + text.slice(end);
  });
}

export function deepArray(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

export function deepObject(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

/** A JSON text nested `n` levels deep (built as text: JSON.stringify of it may itself overflow). */
export const deepText = (n: number): string => '['.repeat(n) + ']'.repeat(n);

type Path = (string | number)[];

function paths(v: unknown, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  out.push(prefix);
  if (depth > 6 || typeof v !== 'object' || v === null) return out;
  for (const [k, x] of Object.entries(v)) paths(x, [...prefix, Array.isArray(v) ? Number(k) : k], out, depth + 1);
  return out;
}

/** A copy of `root` with the value at `path` replaced (or deleted); only the path is copied. */
function setAt(root: unknown, path: Path, value: unknown, del: boolean): unknown {
  if (path.length === 0) return value;
  if (typeof root !== 'object' || root === null) return root;
  const [k, ...rest] = path;
  const c = (Array.isArray(root) ? [...root] : { ...root }) as Record<string | number, unknown>;
  if (rest.length === 0 && del) delete c[k];
  else Object.defineProperty(c, k, { value: rest.length === 0 ? value : setAt(c[k], rest, value, del), enumerable: true, writable: true, configurable: true });
  return c;
}

/**
 * Structural mutations of a JSON-like value: up to `maxOps` times, a field (any depth) is replaced
 * by a hostile value or a small random JSON value, or deleted. Deep hostile values are shared, not copied.
 */
export function mutatedJson(base: unknown, maxOps = 3, pool: readonly unknown[] = HOSTILE_VALUES): fc.Arbitrary<unknown> {
  const all = paths(base);
  const value = fc.oneof(fc.constantFrom(...pool), fc.jsonValue({ maxDepth: 2 }), fc.integer(), fc.double());
  const op = fc.tuple(fc.nat(all.length - 1), value, fc.integer({ min: 0, max: 5 }));
  return fc.array(op, { minLength: 1, maxLength: maxOps }).map((ops) => {
    let v = base;
    for (const [i, x, kind] of ops) {
      const ps = paths(v);
      const p = ps[i % ps.length];
      v = setAt(v, p, x, kind === 0 && p.length > 0);
    }
    return v;
  });
}
