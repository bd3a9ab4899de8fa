// Shared by the runtime suites (test/runtimes/*.test.ts): the demo server they talk to, the probe
// bundle, where each runtime's binary is, how a missing one is reported (a SKIP line that
// scripts/test.mjs counts, with the command that installs it) and the row each suite adds to the
// README's runtime table (a RUNTIME-ROW line).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { startDemoServer, type RunningDemo } from '../../src/node/demo-server.js';
import { demoOptions } from '../../src/node/commands/demo.js';
// @ts-expect-error: a plain .mjs build script without types
import { buildWeb } from '../../scripts/build-web.mjs';
import type { ProbeResult } from './probe.js';

export const RUNTIMES_DIR = resolve('test/runtimes');
export const INSTALL_RUNTIMES = '(cd test/runtimes && npm ci)';
/** Samples of each live split (>= 50 by the issue; ResNet only, so the suites stay short). */
export const LIVE_SAMPLES = 60;
export const PARITY_TOL = 1e-4;

/** The runtime binaries as npm installs them (optionalDependencies; no install script needed). */
export const BINARIES = {
  deno: join(RUNTIMES_DIR, 'node_modules/@deno/linux-x64-glibc/deno'),
  // npm ci leaves Bun's binary at bun/bin/bun.exe (the @oven package's bin/ may be emptied, as seen
  // here on a fresh install); an older install has it only under @oven
  bun: [join(RUNTIMES_DIR, 'node_modules/bun/bin/bun.exe'), join(RUNTIMES_DIR, 'node_modules/@oven/bun-linux-x64/bin/bun')],
  workerd: join(RUNTIMES_DIR, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd'),
  chromium: process.env.CHROMIUM ?? '/usr/bin/chromium',
} as const;

function candidates(name: keyof typeof BINARIES): readonly string[] {
  const b = BINARIES[name];
  return typeof b === 'string' ? [b] : b;
}

/** The path of a runtime's binary: the first candidate that exists (else the first, for the error). */
export function binaryPath(name: keyof typeof BINARIES): string {
  const all = candidates(name);
  return all.find((p) => existsSync(p)) ?? all[0];
}

/** The path of a runtime's binary, or null after printing the SKIP line scripts/test.mjs counts. */
export function binaryOrSkip(name: keyof typeof BINARIES, install: string): string | null {
  const bin = candidates(name).find((p) => existsSync(p));
  if (bin !== undefined) return bin;
  console.log(`SKIP ${name}: no ${candidates(name).join(' or ')}; install: ${install}`);
  return null;
}

/** A temporary folder, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `splitee demo` (its options parsed as the command does) with the page built into `dir`. */
export async function startDemo(dir: string, cors: boolean, extra: string[] = []): Promise<RunningDemo> {
  const webDir = await buildWeb(join(dir, 'web'));
  const opts = demoOptions(['--port', '0', '--samples', String(LIVE_SAMPLES), '--quiet', ...(cors ? ['--cors'] : []), ...extra]);
  assert.ok(opts !== null);
  return startDemoServer({ ...opts, webDir });
}

/** Bundles a probe entry (probe-cli.ts, probe-worker.ts) into one ESM file in `dir`. */
export async function bundleProbe(entry: string, dir: string, platform: 'neutral' | 'browser' = 'neutral'): Promise<string> {
  const out = join(dir, entry.replace(/\.ts$/, '.js'));
  await build({ entryPoints: [join(RUNTIMES_DIR, entry)], outfile: out, bundle: true, format: 'esm', platform, target: 'es2022', logLevel: 'warning', mainFields: ['module', 'main'] });
  return out;
}

/** The bar for a runtime: golden parity within 1e-4 with the same argmax, >= 50 live rounds, >= 1 offload, 0 fallbacks. */
export function checkProbe(r: ProbeResult, where: string): void {
  assert.ok(r.parity.maxDiff <= PARITY_TOL, `${where}: golden parity: got max |diff| ${r.parity.maxDiff}, expected <= ${PARITY_TOL}`);
  assert.ok(r.parity.argmaxAgree, `${where}: golden argmax differs from PyTorch's`);
  assert.ok(r.totals.rounds >= 50, `${where}: live rounds: got ${r.totals.rounds}, expected >= 50`);
  assert.ok(r.totals.offloads >= 1, `${where}: offloads: got ${r.totals.offloads}, expected >= 1 (last error: ${r.totals.lastError})`);
  assert.is(r.totals.fallbacks, 0, `${where}: fallbacks: got ${r.totals.fallbacks}, expected 0 (last error: ${r.totals.lastError})`);
}

/** One row of the README's runtime table, printed for scripts/test.mjs's log. */
export function printRow(label: string, r: ProbeResult, msPerSample: number): void {
  const row = { runtime: label, version: r.runtime, parity: r.parity.maxDiff, msPerSample, samples: r.totals.rounds, offloads: r.totals.offloads, fallbacks: r.totals.fallbacks };
  console.log(`RUNTIME-ROW ${JSON.stringify(row)}`);
}

/** Chromium's launch flags (headless, no sandbox in containers, no network chatter, no GPU). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
