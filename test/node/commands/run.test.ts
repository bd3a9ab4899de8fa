// `splitee run` end to end: a real process (node --import tsx src/node/cli.ts run), a real cloud
// server on a loopback port, the trace in a worker thread; then --resume after a crash mid-write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { traceHeader } from '../../../src/splitee/trace.js';
import { readRunLog } from '../../../src/node/run-log.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';
import { tmpRoot } from '../../helpers/tiny-model-dir.js';
import { listeningUrl } from '../../helpers/serve-child.js';
import { changedPaths, snapshotTree } from '../../helpers/package-out.js';

const packageOut = snapshotTree(); // every run below writes its log and report under a temporary folder

const model = fmnistModelDir();
const root = tmpRoot('splitee-run-');
const SAMPLES = 40;

function cli(args: string[], timeout = 60_000): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'run', ...args], { encoding: 'utf8', timeout });
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
  // which table ran: auto takes simd here; said in --json, the log header and the report
  assert.is(s.kernels.name, 'simd');
  assert.ok(s.traceWorkers >= 1);
  const extra = log.header.extra as { settings: { kernels?: string }; kernels: { name: string; relaxed: boolean } };
  assert.is(extra.settings.kernels, 'auto');
  assert.equal(extra.kernels, s.kernels);
  assert.match(html, /kernels simd \((relaxed SIMD|SIMD128)\)/);
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

test('run --resume of a log written before --kernels (no kernels in its header): resumes on fast, as it ran', () => {
  const lines = readFileSync(log1, 'utf8').split('\n');
  const head = JSON.parse(lines[0]);
  delete head.extra.kernels;
  delete head.extra.settings.kernels;
  const logOld = join(root, 'run-old.jsonl');
  writeFileSync(logOld, [JSON.stringify(head), ...lines.slice(1, 1 + 25)].join('\n') + '\n');
  const r = cli(['--resume', '--log', logOld, '--report', join(root, 'report-old'), '--json']);
  assert.is(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.is(s.resumedAt, 26);
  assert.is(s.samples, SAMPLES);
  assert.equal(s.kernels, { name: 'fast', relaxed: false });
  assert.equal(readRunLog(logOld).rounds.map((x) => x.t), Array.from({ length: SAMPLES }, (_, i) => i + 1));
});

/** `splitee run` as a child process; `onStderr` sees its stderr as it comes (for the interrupt test). */
function cliAsync(args: string[], onLine?: (child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  onLine?.(child);
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(killer), resolve({ code, out, err }))));
}

test('run: Ctrl-C between rounds exits 130 with the resume command, and --resume finishes the log', async () => {
  // A cloud that never answers: every offload waits --timeout 150 ms, then falls back to the device, so
  // each round takes >= 150 ms and the interrupt lands mid-stream, whatever the machine's speed.
  const silent: Server = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  const log3 = join(root, 'run3.jsonl');
  try {
    const args = ['--model', model.dir, '--samples', '30', '--policy', 'fixed:1', '--alpha', '1', '--cloud', url, '--timeout', '150', '--retries', '0', '--log', log3, '--report', join(root, 'report3'), '--json'];
    const stopped = await cliAsync(args, (child) => {
      const poll = setInterval(() => {
        const rounds = existsSync(log3) ? readFileSync(log3, 'utf8').split('\n').filter((l) => l.includes('"t":')).length : 0;
        if (rounds >= 3) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 50);
      child.on('close', () => clearInterval(poll));
    });
    assert.is(stopped.code, 130, stopped.err);
    const m = /interrupted after round (\d+) of 30; continue with: splitee run --resume --log (\S+)/.exec(stopped.err);
    assert.ok(m !== null, stopped.err);
    const done = Number(m[1]);
    assert.ok(done >= 3 && done < 30, `interrupted after ${done}`);
    assert.is(m[2], log3);
    assert.is(readRunLog(log3).rounds.length, done);
    const resumed = await cliAsync(['--resume', '--log', log3, '--report', join(root, 'report3-resumed'), '--json']);
    assert.is(resumed.code, 0, resumed.err);
    const s = JSON.parse(resumed.out);
    assert.equal([s.resumedAt, s.samples, s.cloudFailures], [done + 1, 30, 30]);
    assert.equal(readRunLog(log3).rounds.map((x) => x.t), Array.from({ length: 30 }, (_, i) => i + 1));
  } finally {
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  }
});

/** `splitee serve` as a child process on a loopback ephemeral port; resolves with its URL and a stop(). */
async function serve(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'serve', '--model', dir, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const stop = async (): Promise<void> => {
    clearTimeout(killer);
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const url = await listeningUrl(child).catch(async (e) => {
    await stop();
    throw e;
  });
  return { url, stop };
}

test('run --policy layerwise over HTTP against splitee serve: per-stage decisions logged and plotted; SIGKILL at round k, --resume reproduces the uninterrupted run', async () => {
  const cloud = await serve(model.dir);
  try {
    const N = 80;
    // a cheap offload (o 0.1) and alpha 0.9: layerwise both exits and offloads, after various stages
    const base = ['--model', model.dir, '--samples', String(N), '--seed', '2', '--alpha', '0.9', '--offload', '0.1', '--policy', 'layerwise', '--cloud', cloud.url];
    const logA = join(root, 'lw-a.jsonl');
    const a = await cliAsync([...base, '--log', logA, '--report', join(root, 'lw-a'), '--json']);
    assert.is(a.code, 0, a.err);
    const s = JSON.parse(a.out);
    assert.equal([s.policy, s.samples, s.cloudFailures, s.predictionMismatches], ['layerwise', N, 0, 0]);
    assert.ok(s.outcomes.offload > 0 && s.bytesSent > 0, JSON.stringify(s.outcomes));
    assert.ok(s.params.cloud === cloud.url, s.params.cloud);
    const d = s.decisions as { exits: number[]; offloads: number[]; finals: number };
    assert.is(d.exits.reduce((x, y) => x + y, 0) + d.offloads.reduce((x, y) => x + y, 0) + d.finals, N);
    const rounds = readRunLog(logA).rounds;
    for (const r of rounds) {
      assert.is(r.chosen, r.split); // a stage policy: the stage it stopped at
      assert.is(r.confidences.length, r.split);
      if (r.outcome === 'exit') assert.ok(r.split < L && r.confidences[r.split - 1] >= 0.9);
      if (r.outcome === 'final') assert.is(r.split, L);
    }
    assert.ok(new Set(rounds.map((r) => `${r.split}:${r.outcome}`)).size >= 3, 'decisions vary with the sample');
    const html = readFileSync(join(root, 'lw-a', 'report.html'), 'utf8');
    assert.match(html, /Decisions per stage/);
    // the same run killed (SIGKILL, no clean close) once a few rounds are logged, then resumed
    const logB = join(root, 'lw-b.jsonl');
    const killed = await cliAsync([...base, '--log', logB, '--report', join(root, 'lw-b'), '--json'], (child) => {
      const poll = setInterval(() => {
        const n = existsSync(logB) ? readFileSync(logB, 'utf8').split('\n').filter((l) => l.includes('"kind":"round"')).length : 0;
        if (n >= 5) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 10);
      child.on('close', () => clearInterval(poll));
    });
    assert.is(killed.code, null, 'killed by a signal');
    const k = readRunLog(logB).rounds.length;
    assert.ok(k >= 5 && k < N, `killed after ${k} rounds`);
    const b = await cliAsync(['--resume', '--log', logB, '--report', join(root, 'lw-b'), '--json']);
    assert.is(b.code, 0, b.err);
    assert.is(JSON.parse(b.out).resumedAt, k + 1);
    const pick = (rs: typeof rounds) => rs.map((r) => [r.t, r.split, r.outcome, r.prediction, r.confidences, r.finalConf, r.cost, r.reward, r.bytesSent]);
    assert.equal(pick(readRunLog(logB).rounds), pick(rounds));
  } finally {
    await cloud.stop();
  }
});

test('run: bad flags are clear errors', () => {
  const r = cli(['--model', model.dir, '--encoding', 'f8', '--json']);
  assert.is(r.code, 1);
  assert.match(r.err, /--encoding: invalid encoding: got 'f8'/);
});

test('run: an invalid policy or log fails before the worker and the server start, and the process exits', () => {
  const existing = join(root, 'exists.jsonl');
  writeFileSync(existing, '');
  const cases: [string[], RegExp][] = [
    [['--policy', 'foo'], /^splitee run: createPolicy: unknown policy: got 'foo'/],
    [['--policy', 'oracle'], /^splitee run: createPolicy: 'oracle' needs a split/],
    [['--policy', 'fixed:13'], /^splitee run: policy 'fixed:13': split out of range: got 13/],
    [['--policy', 'cloud'], /^splitee run: --policy cloud: no cloud-only arm: got no --cloud-cost/],
    [['--log', existing], /^splitee run: /],
  ];
  for (const [args, re] of cases) {
    // a process kept alive by the worker or the server would hit the timeout (code null)
    const r = cli(['--model', model.dir, '--samples', '5', '--alpha', '0.8', '--log', join(root, `never-${args[1]}.jsonl`), ...args], 20_000);
    assert.is(r.code, 1, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
  }
  assert.not.ok(existsSync(join(root, 'never-foo.jsonl')), 'no log for a run that never started');
});

test('run --cloud-cost: arm 0 (cloud only) with paper costs; --policy cloud offloads every raw input', () => {
  const r = cli(['--model', model.dir, '--samples', '12', '--alpha', '0.8', '--policy', 'cloud', '--cloud-cost', '0.6', '--log', join(root, 'cloud.jsonl'), '--report', join(root, 'cloud-report'), '--json']);
  assert.is(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.splitCounts, [12, ...new Array(L).fill(0)]);
  assert.is(s.outcomes.offload, 12);
  close(s.costPerSample, 0.6);
  assert.is(s.accuracy, s.finalLayerAccuracy); // the cloud runs the whole network
  assert.is(s.predictionMismatches, 0);
  assert.is(s.params.cloudCost, 0.6);
  // a bandit may play arm 0 too; measured costs take 'auto' (the raw input's bytes on the link)
  const m = cli(['--model', model.dir, '--samples', String(L + 3), '--alpha', '0.8', '--policy', 'splitee', '--cost', 'measured', '--device-gflops', '2', '--cloud-cost', 'auto', '--log', join(root, 'cloud2.jsonl'), '--report', join(root, 'cloud2-report'), '--json']);
  assert.is(m.code, 0, m.err);
  const sm = JSON.parse(m.out);
  assert.ok(sm.splitCounts[0] >= 1, `arm 0 never played: ${sm.splitCounts}`); // UCB plays every arm once
  assert.is(sm.params.cloudCost, 'auto');
  const bad = cli(['--model', model.dir, '--cost', 'measured', '--cloud-cost', '3', '--json']);
  assert.is(bad.code, 1);
  assert.match(bad.err, /--cloud-cost: invalid value with --cost measured: got '3', expected auto/);
});

test('run --report where a file is: one clean line naming the path (an IoError), no stack', () => {
  const file = join(root, 'not-a-folder');
  writeFileSync(file, '');
  const r = cli(['--model', model.dir, '--samples', '4', '--alpha', '0.8', '--log', join(root, 'report-fails.jsonl'), '--report', join(file, 'report'), '--json']);
  assert.is(r.code, 1, r.err);
  assert.match(r.err, /^splitee run: --report: cannot create the folder: got '.*not-a-folder\/report' \(ENOTDIR\)/);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
});

test('run: the tests above wrote nothing into the package\'s splitee-out/', () => {
  assert.equal(changedPaths(packageOut, snapshotTree()), []);
});

test.run();
