// `splitee sweep` in process, end to end on a tiny hand-made trace (L = 2, four rows) whose every
// number is computable by hand, plus the typed errors of its own flags.
// (test/node/commands/replay.test.ts spawns it once on the reference trace.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/node/commands/sweep.js';
import { ArgumentError } from '../../../src/tensor/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'splitee-sweep-test-'));
// alpha 0.8: rows 1 and 3 exit at split 1 (row 3 wrongly), rows 2 and 4 are offloaded and answered
// by exit 2 (both right). The final layer is right on all four.
const trace = join(dir, 'tiny.csv');
writeFileSync(trace, ['exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,label', '0.9,1,0.95,1,1', '0.5,0,0.9,1,1', '0.95,2,0.99,3,3', '0.3,4,0.7,4,4', ''].join('\n'));

/** Runs the command, returning its exit code and what it printed. */
async function sweep(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    const code = await run(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

async function rejects(argv: string[], re: RegExp): Promise<void> {
  try {
    await sweep(...argv);
  } catch (e) {
    assert.ok(e instanceof ArgumentError, `${argv.join(' ')}: ${(e as Error).name}: ${(e as Error).message}`);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`${argv.join(' ')} did not throw`);
}

const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('sweep --json: one row per (policy, o), hand-computed accuracy and cost', async () => {
  const out = join(dir, 'nested', 'out'); // created, parents included
  const r = await sweep('--trace', trace, '--out', out, '--policies', 'fixed:1, final', '--offloads', '0.1,0.4', '--runs', '2', '--alpha', '0.8', '--json');
  assert.is(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(
    j.rows.map((x: { policy: string; offload: number }) => [x.policy, x.offload]),
    [['fixed:1', 0.1], ['fixed:1', 0.4], ['final', 0.1], ['final', 0.4]],
  );
  const [f1, f4, fin1, fin4] = j.rows;
  // fixed:1: device 0.1 per row, plus o on the two offloaded rows
  near(f1.costPerSample, 0.1 + 0.1 / 2);
  near(f4.costPerSample, 0.1 + 0.4 / 2);
  for (const x of [f1, f4]) {
    near(x.accuracy, 0.75);
    near(x.offloadFraction, 0.5);
    near(x.accuracyDropVsFinal, 25);
    assert.is(x.accuracyStd, 0);
  }
  near(f1.costReductionVsFinal, 1 - 0.15 / 0.2);
  near(f4.costReductionVsFinal, 1 - 0.3 / 0.2); // dearer than the final layer: a negative reduction
  // final: lambda * L whatever o, never offloaded, always right
  for (const x of [fin1, fin4]) {
    near(x.costPerSample, 0.2);
    assert.is(x.accuracy, 1);
    assert.is(x.offloadFraction, 0);
    assert.is(x.finalLayerAccuracy, 1);
    near(x.finalLayerCostPerSample, 0.2);
  }
  assert.equal(j.params.offloads, [0.1, 0.4]);
  assert.equal(j.params.policies, ['fixed:1', 'final']);
  assert.is(j.params.regretOffload, 0.4); // 0.5 not swept: the largest o
  assert.equal(j.files, ['sweep.csv', 'sweep.md', 'accuracy.svg', 'cost.svg', 'regret.svg'].map((f) => join(out, f)));
  for (const f of j.files) assert.ok(existsSync(f), f);
  // the CSV holds the same rows as the JSON, column for column
  const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
  assert.equal(csv[0], Object.keys(f1));
  assert.is(csv.length, 5);
  csv.slice(1).forEach((cells, i) => assert.equal(cells, Object.values(j.rows[i]).map(String)));
  const md = readFileSync(join(out, 'sweep.md'), 'utf8');
  assert.match(md, /\| fixed:1 \| 0\.1 \| 75\.00 ± 0\.00 \| 0\.150 ± 0\.000 \| 50\.0 \| 25\.0 \| 25\.00 \|/);
  assert.match(md, /Trace `[^`]*tiny\.csv`: 4 rows, L = 2; 2 runs per cell/);
  assert.match(readFileSync(join(out, 'regret.svg'), 'utf8'), /Cumulative regret \(o = 0\.4\)/);
});

test('sweep --policies with layerwise: the stage policy gets its rows, replayed as replay() replays it', async () => {
  const r = await sweep('--trace', trace, '--out', join(dir, 'lw'), '--policies', 'fixed:1,layerwise', '--offloads', '0.1,0.4', '--runs', '2', '--alpha', '0.8', '--json');
  const rows = JSON.parse(r.out).rows as { policy: string; offload: number; costPerSample: number; accuracy: number }[];
  assert.equal(rows.map((x) => [x.policy, x.offload]), [['fixed:1', 0.1], ['fixed:1', 0.4], ['layerwise', 0.1], ['layerwise', 0.4]]);
  // every round costs at most the dearest option (run to L, or offload after stage 1)
  for (const x of rows.slice(2)) assert.ok(x.costPerSample > 0 && x.costPerSample <= 0.2 + x.offload && x.accuracy >= 0.5, JSON.stringify(x));
});

test('sweep without --json prints the table and the files written; --help prints usage', async () => {
  const out = join(dir, 'human');
  const r = await sweep('--trace', trace, '--out', out, '--policies', 'final', '--offloads', '0.5', '--runs', '1');
  assert.is(r.code, 0);
  assert.match(r.out, /^\| policy \| o \| accuracy \(%\)/m);
  assert.match(r.out, /\| final \| 0\.5 \| 100\.00 ± 0\.00 \| 0\.200 ± 0\.000 \|/);
  assert.match(r.out, new RegExp(`wrote ${join(out, 'sweep.csv').replace(/[.\\/]/g, '\\$&')}, `));
  const h = await sweep('--help');
  assert.is(h.code, 0);
  assert.match(h.out, /^usage: splitee sweep --trace FILE\.csv --out DIR/);
  assert.match(h.out, /--regret-offload O/);
  assert.not.match(h.out, /--offload O /); // the single-o flag of replay is not listed
});

test('invalid flags: one ArgumentError each, nothing written', async () => {
  const out = join(dir, 'never');
  await rejects(['--trace', trace], /^--out: missing: got no directory, expected --out DIR$/);
  await rejects(['--trace', trace, '--out', out, '--offloads', '0.1,x'], /^--offloads: invalid cost: got 'x', expected finite numbers >= 0$/);
  await rejects(['--trace', trace, '--out', out, '--offloads=0.1,-0.5'], /got '-0\.5'/);
  await rejects(['--trace', trace, '--out', out, '--offloads', 'Infinity'], /got 'Infinity'/);
  await rejects(['--trace', trace, '--out', out, '--offloads', ' , '], /^sweep: nothing to do: got 4 policies and 0 offload costs, expected at least one of each$/);
  await rejects(['--trace', trace, '--out', out, '--policies', ','], /got 0 policies and 11 offload costs/);
  await rejects(['--trace', trace, '--out', out, '--offloads', '0.1,0.2', '--regret-offload', '0.3'], /^--regret-offload: not swept: got 0\.3, expected one of 0\.1, 0\.2$/);
  await rejects(['--trace', trace, '--out', out, '--regret-offload', 'abc'], /^--regret-offload: invalid value: got 'abc', expected a finite number$/);
  await rejects(['--trace', trace, '--out', out, '--offloads', '0,0.5', '--regret-offload', ''], /^--regret-offload: invalid value: got '', expected a finite number$/);
  await rejects(['--trace', trace, '--out', out, '--frobnicate'], /^sweep: unknown option: got '--frobnicate', expected one of the options of `splitee sweep --help`$/);
  await rejects(['--out', out], /^--trace: missing/);
  assert.not.ok(existsSync(out));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('--workers: the cells split over 1, 2 and 3 worker threads give the same files and rows', async () => {
  // 120 rows, L = 3, pseudo-random but fixed
  const rows = Array.from({ length: 120 }, (_, i) => {
    const c = (k: number) => (0.3 + (((i * 37 + k * 11) % 70) / 100)).toFixed(2);
    const label = i % 5;
    return [c(1), (i * 7) % 5, c(2), (i * 3) % 4 === 0 ? (label + 1) % 5 : label, c(3), label, label].join(',');
  });
  const big = join(dir, 'big.csv');
  writeFileSync(big, ['exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,exit_3_conf,exit_3_pred,label', ...rows, ''].join('\n'));
  const outs = [1, 2, 3].map((w) => join(dir, `workers-${w}`));
  const results = [];
  for (const [i, w] of [1, 2, 3].entries()) {
    const r = await sweep('--trace', big, '--out', outs[i], '--runs', '3', '--offloads', '0.1,0.5,0.9', '--policies', 'splitee,splitee-s,threshold,final,random', '--workers', String(w), '--json');
    assert.is(r.code, 0);
    results.push(JSON.parse(r.out).rows);
  }
  assert.is(results[0].length, 15);
  for (const i of [1, 2]) {
    assert.equal(results[i], results[0]);
    for (const f of ['sweep.csv', 'sweep.md', 'regret.svg']) assert.is(readFileSync(join(outs[i], f), 'utf8'), readFileSync(join(outs[0], f), 'utf8'), `${f}, ${i + 1} workers`);
  }
  await rejects(['--trace', big, '--out', join(dir, 'w0'), '--workers', '0'], /^--workers: invalid value: got '0'/);
});

test.run();
