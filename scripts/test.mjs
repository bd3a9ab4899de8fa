#!/usr/bin/env node
// The project's one test command (`npm test`). It runs, in order:
//   1. the type checks: everything with Node's types, then the core alone without them
//      (which proves src/tensor, src/layers and src/splitee use no Node API);
//   2. every uvu suite under test/;
//   3. the core's suites again under --disallow-code-generation-from-strings (no eval, no
//      new Function: the core must run under a strict CSP). Files named *.oracle.test.ts use
//      ndarray-ops as an oracle, which generates code, so they are skipped in that run.
//   4. the runtime suites (test/runtimes/: the demo page in Chromium, the device side in Deno, Bun,
//      workerd) run within step 2; a runtime not installed on this machine prints a line
//      `SKIP <suite>: ...; install: <command>`, counted here as one skipped suite.
// and ends with one line `N passed, N failed` (each type check counts as one test), followed by
// `, N skipped` when runtime suites were skipped (each listed above it with its install command).
import { spawnSync } from 'node:child_process';

const steps = [
  { name: 'typecheck (all, Node types)', cmd: ['npx', 'tsc', '-p', 'tsconfig.json'], kind: 'check' },
  { name: 'typecheck (core, no Node types)', cmd: ['npx', 'tsc', '-p', 'tsconfig.core.json'], kind: 'check' },
  { name: 'typecheck (demo page, DOM types)', cmd: ['npx', 'tsc', '-p', 'web/tsconfig.json'], kind: 'check' },
  { name: 'uvu: all suites', cmd: ['node', '--import', 'tsx', 'scripts/uvu.mjs', 'test', '.test.ts$'], kind: 'uvu' },
  {
    name: 'uvu: core suites under --disallow-code-generation-from-strings',
    cmd: ['node', '--disallow-code-generation-from-strings', '--import', 'tsx', 'scripts/uvu.mjs', 'test', '^(tensor|layers|splitee)/.*(?<!oracle)\\.test\\.ts$'],
    kind: 'uvu',
  },
];

let passed = 0;
let failed = 0;
const skipped = [];
const rows = []; // RUNTIME-ROW lines of test/runtimes: the README's runtime table

for (const step of steps) {
  process.stdout.write(`\n== ${step.name}\n`);
  const r = spawnSync(step.cmd[0], step.cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, FORCE_COLOR: '0' } });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  process.stdout.write(out);
  if (step.kind === 'check') {
    if (r.status === 0) passed++;
    else failed++;
    continue;
  }
  for (const m of out.matchAll(/RUNTIME-ROW (\{.*\})$/gm)) rows.push(JSON.parse(m[1]));
  for (const m of out.matchAll(/\bSKIP ([\w -]+: .*; install: .+)$/gm)) skipped.push(m[1]);
  const total = /Total:\s+(\d+)/.exec(out);
  const ok = /Passed:\s+(\d+)/.exec(out);
  if (!total || !ok) {
    // The runner died before its summary (a crash at import time): count the step as one failure.
    process.stdout.write(`\n!! ${step.name}: no uvu summary (exit ${r.status})\n`);
    failed++;
    continue;
  }
  const t = Number(total[1]);
  const p = Number(ok[1]);
  passed += p;
  failed += t - p;
  if (r.status !== 0 && t === p) failed++; // a non-zero exit with every test passing still fails the step
}
if (rows.length > 0) {
  process.stdout.write('\n| runtime | golden parity (max abs diff) | ms/sample | live split: samples | offloads | fallbacks |\n|---|---|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.runtime} | ${r.parity.toExponential(1)} | ${r.msPerSample.toFixed(1)} | ${r.samples} | ${r.offloads} | ${r.fallbacks} |\n`);
}
if (skipped.length > 0) process.stdout.write(`\nskipped (not installed here; CI installs them):\n${skipped.map((s) => `  ${s}`).join('\n')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}\n`);
process.exit(failed === 0 ? 0 : 1);
