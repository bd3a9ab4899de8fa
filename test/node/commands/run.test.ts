// `splitee run` end to end: a real process (node --import tsx src/node/cli.ts run), a real cloud
// server on a loopback port, the trace in a worker thread; then --resume after a crash mid-write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { traceHeader } from '../../../src/splitee/trace.js';
import { readRunLog } from '../../../src/node/run-log.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';
import { tmpRoot } from '../../helpers/tiny-model-dir.js';

const model = fmnistModelDir();
const root = tmpRoot('splitee-run-');
const SAMPLES = 40;

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'run', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A held-out trace for --alpha-trace: 10 rows, the final exit always right; exit 1 wrong once with
 *  C_1 = 0.70, so the per-split worst drop is 10 points up to 0.70 and 0 above: alpha auto = 0.71. */
function heldout(L: number): string {
  const row = (c1: number, p1: number) => [c1, p1, ...Array.from({ length: L - 1 }, () => [0.99, 0]).flat(), 0].join(',');
  const rows = [...Array.from({ length: 9 }, () => row(0.95, 0)), row(0.7, 1)];
  const path = join(root, 'heldout.csv');
  writeFileSync(path, traceHeader(L) + '\n' + rows.join('\n') + '\n');
  return path;
}

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

const L = (JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8')) as { exits: unknown[] }).exits.length;
const log1 = join(root, 'run1.jsonl');
const rep1 = join(root, 'report1');
let first: Record<string, any> = {};

test('run --json: fields, invariants, one log record per sample, report files', () => {
  const r = cli(['--model', model.dir, '--samples', String(SAMPLES), '--seed', '3', '--alpha', 'auto', '--alpha-trace', heldout(L), '--log', log1, '--report', rep1, '--json']);
  assert.is(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  first = s;
  for (const k of ['samples', 'accuracy', 'finalLayerAccuracy', 'costPerSample', 'finalLayerCostPerSample', 'costReduction', 'accuracyDrop', 'offloadFraction', 'splitCounts', 'cloudFailures', 'bytesSent', 'regret', 'alpha', 'model', 'params']) {
    assert.ok(k in s, `missing ${k}`);
  }
  assert.is(s.samples, SAMPLES);
  assert.is(s.alpha, 0.71);
  assert.is(s.alphaAuto.source, join(root, 'heldout.csv'));
  assert.is(s.splitCounts.length, L + 1);
  assert.is(s.splitCounts.reduce((a: number, b: number) => a + b, 0), SAMPLES);
  const o = s.outcomes;
  assert.is(o.exit + o.final + o.offload + o.fallback, SAMPLES);
  close(s.offloadFraction * SAMPLES, o.offload + o.fallback);
  close(s.costReduction, 1 - s.costPerSample / s.finalLayerCostPerSample);
  close(s.accuracyDrop, (s.finalLayerAccuracy - s.accuracy) * 100);
  close(s.finalLayerCostPerSample, 0.1 * L); // paper costs, lambda 0.1
  assert.is(s.cloudFailures, 0);
  assert.is(s.bytesSent > 0, o.offload > 0);
  assert.is(s.predictionMismatches, 0); // f32 on the wire: the cloud answers what the trace says
  assert.ok(s.regret >= -1e-9);
  assert.is(s.model.hash.length, 64);
  assert.ok(s.params.cloud.startsWith('local (http://127.0.0.1:'));
  const log = readRunLog(log1);
  assert.is(log.rounds.length, SAMPLES);
  assert.equal(log.rounds.map((x) => x.t), Array.from({ length: SAMPLES }, (_, i) => i + 1));
  assert.equal(log.rounds.map((x) => x.index), Array.from({ length: SAMPLES }, (_, i) => i));
  for (const f of ['report.html', 'summary.json', 'trace.csv']) assert.ok(existsSync(join(rep1, f)), f);
  const html = readFileSync(join(rep1, 'report.html'), 'utf8');
  assert.ok((html.match(/<svg /g) ?? []).length >= 4);
  assert.ok(!/<script/i.test(html));
  assert.is(readFileSync(join(rep1, 'trace.csv'), 'utf8').trim().split('\n').length, SAMPLES + 1);
});

test('run --resume after a crash mid-write: continues, one record per sample, same result', () => {
  const lines = readFileSync(log1, 'utf8').split('\n');
  const keep = 1 + 17; // header + rounds 1..17
  const log2 = join(root, 'run2.jsonl');
  writeFileSync(log2, lines.slice(0, keep).join('\n') + '\n' + lines[keep].slice(0, 40)); // round 18 torn
  const r = cli(['--resume', '--log', log2, '--report', join(root, 'report2'), '--json']);
  assert.is(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.is(s.resumedAt, 18);
  assert.is(s.samples, SAMPLES);
  const log = readRunLog(log2);
  assert.is(log.torn, null);
  assert.equal(log.rounds.map((x) => x.t), Array.from({ length: SAMPLES }, (_, i) => i + 1));
  // deterministic: the resumed run decides exactly as the uninterrupted one
  assert.equal(s.splitCounts, first.splitCounts);
  assert.is(s.accuracy, first.accuracy);
  close(s.costPerSample, first.costPerSample);
});

test('run: bad flags are clear errors', () => {
  const r = cli(['--model', model.dir, '--encoding', 'f8', '--json']);
  assert.is(r.code, 1);
  assert.match(r.err, /--encoding: invalid encoding: got 'f8'/);
});

test.run();
