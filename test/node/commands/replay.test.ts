// The replay and sweep commands, spawned as a user runs them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const trace = fileURLToPath(new URL('../../splitee/fixtures/reference-l12.csv', import.meta.url));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', ['--import', 'tsx', 'src/node/cli.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('replay --json prints every field of the contract', () => {
  const r = cli('replay', '--trace', trace, '--policy', 'splitee-s', '--runs', '3', '--json');
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ['policy', 'runs', 'accuracy', 'accuracyStd', 'costPerSample', 'costPerSampleStd', 'offloadFraction', 'armCounts', 'finalLayerAccuracy', 'finalLayerCostPerSample', 'costReductionVsFinal', 'accuracyDropVsFinal', 'regret', 'params']) {
    assert.ok(k in j, `missing ${k}`);
  }
  assert.is(j.policy, 'splitee-s');
  assert.is(j.runs, 3);
  assert.is(j.armCounts.length, 12);
  assert.is(j.armCounts.reduce((a: number, b: number) => a + b, 0), 3 * 400);
  assert.ok(j.accuracy > 0 && j.accuracy <= 1);
  assert.ok(Array.isArray(j.regret.curve.t) && j.regret.curve.t.length === j.regret.curve.mean.length);
  assert.equal(j.params, { alpha: 0.8, lambda: 0.1, offload: 0.5, mu: 1, c: 1, side: 'observable', runs: 3, seed: 1, order: 'shuffle', compat: null, cloudCost: null });
});

test('replay --compat reference --order asis matches the Python re-implementation', () => {
  const expected = JSON.parse(readFileSync(new URL('../../splitee/fixtures/reference-expected.json', import.meta.url), 'utf8'));
  const c = expected.cases.find((x: { trace: string; script: string; alpha: number }) => x.trace === 'reference-l12.csv' && x.script === 'splitee_s.py' && x.alpha === 0.7);
  const r = cli('replay', '--trace', trace, '--policy', 'splitee-s', '--compat', 'reference', '--order', 'asis', '--runs', '1', '--alpha', '0.7', '--offload', '0.5', '--json');
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.accuracy, c.accuracy);
  assert.is(j.costPerSample, c.costPerSample);
  assert.equal(j.reference.rewardSums, c.rewardSums);
  assert.is(j.params.side, 'full');
});

test('replay: human table, --help, and clean errors with exit code 1', () => {
  const h = cli('replay', '--trace', trace, '--policy', 'final', '--runs', '1');
  assert.is(h.status, 0, h.stderr);
  assert.match(h.stdout, /accuracy/);
  assert.match(h.stdout, /cost reduction vs final layer: 0\.00%/);
  const help = cli('replay', '--help');
  assert.is(help.status, 0);
  assert.match(help.stdout, /--compat reference/);
  assert.match(help.stdout, /sw-ucb-s/);
  const bad = cli('replay', '--trace', trace, '--policy', 'splitee', '--compat', 'reference', '--c', '2');
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /--c is fixed: got 2, expected 1/);
  const missing = cli('replay', '--trace', '/nonexistent.csv', '--policy', 'final');
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /cannot read/);
  assert.match(help.stdout, /--mc M .*continuation returns/);
  const mc = cli('replay', '--trace', trace, '--policy', 'layerwise', '--runs', '1', '--mc', '0', '--json');
  assert.is(mc.status, 0, mc.stderr);
  const badMc = cli('replay', '--trace', trace, '--policy', 'layerwise', '--mc=-1');
  assert.is(badMc.status, 1);
  assert.match(badMc.stderr, /--mc: invalid value: got '-1', expected a finite number >= 0/);
  const unknown = cli('replay', '--trace', trace, '--policy', 'final', '--frobnicate');
  assert.is(unknown.status, 1);
  assert.is(unknown.stderr, "splitee replay: unknown option: got '--frobnicate', expected one of the options of `splitee replay --help`\n");
});

test('replay --stage-layers: lambda is paid per layer of each stage run (exits after only some layers); bad lists are clean errors', () => {
  const cost = (...extra: string[]) => {
    const r = cli('replay', '--trace', trace, '--policy', 'final', '--runs', '1', '--json', ...extra);
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { costPerSample: number; params: Record<string, unknown> };
  };
  assert.ok(Math.abs(cost().costPerSample - 0.1 * 12) < 1e-9);
  const two = cost('--stage-layers', Array(12).fill(2).join(','));
  assert.ok(Math.abs(two.costPerSample - 0.1 * 24) < 1e-9, String(two.costPerSample));
  assert.equal(two.params.stageLayers, Array(12).fill(2));
  for (const [list, re] of [['1,2', /--stage-layers: wrong count: got 2 stages, expected 12 \(the trace's exits\)/], ['1,0,x', /--stage-layers: invalid list: got '1,0,x', expected comma-separated integers >= 1/]] as const) {
    const bad = cli('replay', '--trace', trace, '--policy', 'final', '--stage-layers', list);
    assert.is(bad.status, 1);
    assert.match(bad.stderr, re);
  }
  const ref = cli('replay', '--trace', trace, '--policy', 'splitee', '--compat', 'reference', '--stage-layers', Array(12).fill(1).join(','));
  assert.is(ref.status, 1);
  assert.match(ref.stderr, /--stage-layers is fixed/);
});

test('sweep writes CSV, Markdown and three SVG plots', () => {
  const out = mkdtempSync(join(tmpdir(), 'splitee-sweep-'));
  try {
    const r = cli('sweep', '--trace', trace, '--out', out, '--runs', '2', '--offloads', '0.1,0.3,0.5', '--policies', 'splitee,final', '--json');
    assert.is(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.is(j.rows.length, 6);
    for (const f of ['sweep.csv', 'sweep.md', 'accuracy.svg', 'cost.svg', 'regret.svg']) assert.ok(existsSync(join(out, f)), f);
    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    assert.is(csv.length, 7);
    assert.ok(csv[0].startsWith('policy,offload,accuracy,'));
    assert.match(readFileSync(join(out, 'regret.svg'), 'utf8'), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*Cumulative regret \(o = 0.5\)[^]*<\/svg>\n$/);
    assert.match(readFileSync(join(out, 'sweep.md'), 'utf8'), /\| splitee \| 0.3 \|/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
