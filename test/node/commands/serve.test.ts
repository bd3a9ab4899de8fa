// `splitee serve` as a user runs it (a child process on a loopback ephemeral port), with the real
// ResNet when its folder is present: a few samples split over HTTP must predict exactly what the
// in-process cloud predicts. Skipped (with a note) when no model folder exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { paperCosts } from '../../../src/splitee/cost.js';
import { createPolicy } from '../../../src/splitee/policy.js';
import { CloudService } from '../../../src/splitee/cloud.js';
import { HttpCloud, LocalCloud, type CloudTransport } from '../../../src/splitee/transport.js';
import { SplitRunner, copyRecord } from '../../../src/splitee/runner.js';
import { loadModel } from '../../../src/node/models/load.js';
import { queuedPerWorker, run } from '../../../src/node/commands/serve.js';
import { goldenBatch } from '../../../bench/models/resnet.bench.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';
import { listeningUrl } from '../../helpers/serve-child.js';
import { childPids, hasProcNet, holdsSocket, listeningInodes } from '../../helpers/proc-sockets.js';

const DIR = fmnistModelDir().dir;

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected a rejection');
}

test('usage errors', async () => {
  await rejects(run([]), /no model/);
  await rejects(run(['--model', 'x', '--port', '70000']), /--port/);
  await rejects(run(['--bogus']), /bogus/);
  await rejects(run(['--model', 'x', '--cors', 'https://a.example/path']), /--cors/);
  await rejects(run(['--model', 'x', '--workers', '0']), /workers/);
  await rejects(run(['--model', 'x', '--max-in-flight', '-3']), /max-in-flight/);
  await rejects(run(['--model', 'x', '--max-queue-wait', '0']), /max-queue-wait/);
  await rejects(run(['--model', 'x', '--max-queued', '0']), /max-queued/);
});

test('queuedPerWorker: --max-queued is the server\'s total, each of W workers queues ceil(N / W)', () => {
  assert.equal([[16, 1], [16, 2], [16, 3], [5, 2], [1, 4]].map(([n, w]) => queuedPerWorker(n, w)), [16, 8, 6, 3, 1]);
});

test('serve --workers 2 --cors --max-queued 5: both workers answer on one port with CORS, each queues 3; SIGTERM stops them all, exit 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'serve', '--model', DIR, '--workers', '2', '--cors', 'https://app.example', '--max-queued', '5', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const url = await listeningUrl(child, /listening on (http:\/\/127\.0\.0\.1:\d+) .*with 2 workers/);
    const rs = await Promise.all(Array.from({ length: 8 }, () => fetch(`${url}/readyz`, { headers: { origin: 'https://app.example', connection: 'close' } })));
    assert.ok(rs.every((r) => r.status === 200 && r.headers.get('access-control-allow-origin') === 'https://app.example'));
    const limits = await Promise.all(Array.from({ length: 8 }, async () => /splitee_limit\{limit="max_queued"\} (\d+)/.exec(await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text())?.[1]));
    assert.equal(limits, Array(8).fill('3'));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

/** Polls `f` every 50 ms until it returns true; false after `ms` (a deadline, not a timed assertion). */
async function until(f: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (f()) return true;
  return f();
}

/** `serve --workers 2` with `env` added; the URL, the port, the worker pids once both listen, and a stop that asserts exit 0. */
async function startWorkers(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'serve', '--model', DIR, '--workers', '2', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const url = await listeningUrl(child, /listening on (http:\/\/127\.0\.0\.1:\d+) .*with 2 workers/);
  const port = Number(new URL(url).port);
  const workers = (): number[] => childPids(child.pid!, 'serve');
  const stop = async (): Promise<void> => {
    try {
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      assert.is(await exited, 0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
  return { child, url, port, workers, stop, stderr: () => stderr };
}

const readyAll = async (url: string, n: number): Promise<boolean> =>
  (await Promise.all(Array.from({ length: n }, () => fetch(`${url}/readyz`, { headers: { connection: 'close' } })))).every((r) => r.status === 200);

test('serve --workers 2: each worker accepts from the listening socket itself (SCHED_NONE); a SIGKILLed worker is replaced, which does too', async () => {
  if (!hasProcNet()) return console.log('  SKIP: no /proc/net/tcp (Linux only)');
  const s = await startWorkers({ NODE_CLUSTER_SCHED_POLICY: '' });
  try {
    const inodes = listeningInodes(s.port);
    assert.ok(inodes.size > 0, `no listening socket on port ${s.port}`);
    assert.ok(await until(() => s.workers().length === 2 && s.workers().every((p) => holdsSocket(p, inodes)), 20_000), `workers ${s.workers().join(', ')}: expected 2, each holding the listening socket`);
    const [dead, kept] = s.workers();
    process.kill(dead, 'SIGKILL');
    assert.ok(await until(() => /died \(SIGKILL\); starting another/.test(s.stderr()), 20_000), `no restart: ${s.stderr()}`);
    assert.ok(await until(() => { const w = s.workers(); return w.length === 2 && !w.includes(dead) && w.includes(kept) && w.every((p) => holdsSocket(p, inodes)); }, 60_000), `after the restart, workers ${s.workers().join(', ')}: expected ${kept} and a new one, each holding the listening socket`);
    assert.ok(await readyAll(s.url, 8));
  } finally {
    await s.stop();
  }
});

test('serve --workers 2 with NODE_CLUSTER_SCHED_POLICY=rr: node\'s round-robin, only the primary holds the listening socket', async () => {
  if (!hasProcNet()) return console.log('  SKIP: no /proc/net/tcp (Linux only)');
  const s = await startWorkers({ NODE_CLUSTER_SCHED_POLICY: 'rr' });
  try {
    const inodes = listeningInodes(s.port);
    assert.ok(holdsSocket(s.child.pid!, inodes));
    assert.ok(await until(() => s.workers().length === 2, 20_000));
    assert.ok(await readyAll(s.url, 8));
    assert.equal(s.workers().map((p) => holdsSocket(p, inodes)), [false, false]);
  } finally {
    await s.stop();
  }
});

test('serve: real model over HTTP predicts as the in-process cloud does; stops on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'serve', '--model', DIR, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    const url = await listeningUrl(child);
    const m = loadModel(DIR);
    const batch = goldenBatch(DIR, 4);
    const predict = async (cloud: CloudTransport) => {
      const costs = paperCosts({ numExits: m.network.numStages, lambda: 0.1, offload: 0.5 });
      const r = new SplitRunner<number>({ network: m.network, modelHash: m.hash, policy: createPolicy('fixed:3', { costs, alpha: 1 }), costs, alpha: 1, prepare: (i) => batch.slice0(i, i + 1), cloud, encoding: 'f16' });
      const out = [];
      for (let i = 0; i < 4; i++) out.push(copyRecord(await r.step(i)));
      return out;
    };
    const http = await predict(new HttpCloud({ baseUrl: url, timeoutMs: 10_000, retries: 0 }));
    const local = await predict(new LocalCloud(new CloudService([m])));
    assert.equal(http.map((r) => r.outcome), ['offload', 'offload', 'offload', 'offload']);
    assert.equal(http.map((r) => [r.prediction, r.finalConf]), local.map((r) => [r.prediction, r.finalConf]));
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { models: { hash: string }[] };
    assert.is(models.models[0].hash, m.hash);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();
