/**
 * The cloud under load, loopback only, with autocannon: throughput and p50/p99 latency of
 * POST /v1/models/fmnist-resnet/resume (a real split-1 f32 body of the shipped ResNet) at 1, 10, 50 and
 * 200 concurrent devices (connections), for 1 replica, `splitee serve --workers 2`, and 2 replicas
 * behind nginx (deploy/nginx.conf; skipped without nginx); then a single replica's RSS (its /metrics)
 * every 2,000 requests over 20,000.
 *
 * Servers are separate processes (`splitee serve`), so the load generator does not share their event loop.
 * Bounded: SECONDS per level, 12 levels, 20,000 requests for RSS. Run under `flock /tmp/bench.lock`.
 * `npm run bench -- cloud`, or node --import tsx bench/cloud/load.bench.ts
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { loadModel } from '../../src/node/models/load.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { goldenBatch } from '../models/resnet.bench.js';
import { freePort } from '../../test/helpers/free-port.js';

/** Bounds, overridable for a loaded machine: SPLITEE_LOAD_SECONDS (per level), SPLITEE_LOAD_RSS (requests for the RSS series). */
const SECONDS = Number(process.env.SPLITEE_LOAD_SECONDS ?? 4);
const LEVELS = [1, 10, 50, 200];
const RSS_TOTAL = Number(process.env.SPLITEE_LOAD_RSS ?? 20_000);
const RSS_STEP = RSS_TOTAL / 10;
const DIR = 'weights/fmnist-resnet';
const ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../..' : '../../..', import.meta.url));
const CLI = import.meta.url.endsWith('.ts') ? ['--import', 'tsx', join(ROOT, 'src/node/cli.ts')] : [fileURLToPath(new URL('../../src/node/cli.js', import.meta.url))];

function serve(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve', '--model', join(ROOT, DIR), '--port', String(port), '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('listening on')) resolve(child);
    });
    child.stderr!.on('data', (c) => (out += c));
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out.slice(0, 400)}`)));
  });
}

function body(): Buffer {
  const m = loadModel(join(ROOT, DIR));
  const x = m.network.runStages(0, 1, goldenBatch(join(ROOT, DIR), 1));
  return Buffer.from(encodeResumeRequest({ modelHash: m.hash, split: 1, activation: x, encoding: 'f32' }));
}

interface Row {
  setup: string;
  c: number;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  s503: number;
  errors: number;
}

async function level(setup: string, url: string, b: Buffer, c: number): Promise<Row> {
  const r = await autocannon({ url: `${url}/v1/models/fmnist-resnet/resume`, method: 'POST', body: b, headers: { 'content-type': 'application/octet-stream' }, connections: c, duration: SECONDS, timeout: 10 });
  const s503 = r.statusCodeStats['503']?.count ?? 0;
  return { setup, c, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], s503, errors: r.errors + r.timeouts + (r.non2xx - s503) };
}

const fmt = (r: Row): string =>
  `${r.setup.padEnd(20)} ${String(r.c).padStart(4)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${String(r.ok).padStart(7)} ${String(r.s503).padStart(6)} ${String(r.errors).padStart(6)}`;

async function levels(setup: string, url: string, b: Buffer): Promise<Row[]> {
  await autocannon({ url: `${url}/v1/models/fmnist-resnet/resume`, method: 'POST', body: b, headers: { 'content-type': 'application/octet-stream' }, connections: 4, amount: 400 }); // warm-up
  const rows: Row[] = [];
  for (const c of LEVELS) {
    const r = await level(setup, url, b, c);
    console.log(fmt(r));
    rows.push(r);
  }
  const at10 = rows.find((r) => r.c === 10)!;
  const at200 = rows.find((r) => r.c === 200)!;
  console.log(`${setup}: p99 at 200 / p99 at 10 = ${(at200.p99 / Math.max(1, at10.p99)).toFixed(2)} (target <= 4)`);
  return rows;
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))))));
}

async function rss(url: string, b: Buffer): Promise<void> {
  const read = async (): Promise<number> => Number(/^splitee_process_resident_memory_bytes (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN) / 2 ** 20;
  const seen: string[] = [`0:${(await read()).toFixed(0)}`];
  for (let n = RSS_STEP; n <= RSS_TOTAL; n += RSS_STEP) {
    const r = await autocannon({ url: `${url}/v1/models/fmnist-resnet/resume`, method: 'POST', body: b, headers: { 'content-type': 'application/octet-stream' }, connections: 50, amount: RSS_STEP, timeout: 10 });
    seen.push(`${n}:${(await read()).toFixed(0)}${r.non2xx + r.errors ? `(!${r.non2xx + r.errors})` : ''}`);
  }
  console.log(`RSS MiB after N requests (1 replica, 50 connections): ${seen.join(' ')}`);
}

export async function run(): Promise<void> {
  const b = body();
  console.log(`body ${b.length} bytes (split 1, f32); ${SECONDS} s per level; loopback`);
  console.log(`${'setup'.padEnd(20)} conc   req/s p50(ms) p99(ms)     2xx    503 errors`);
  // 1 replica
  let port = await freePort();
  let kids = [await serve(port)];
  await levels('1 replica', `http://127.0.0.1:${port}`, b);
  await rss(`http://127.0.0.1:${port}`, b);
  await stop(kids);
  // 2 workers
  port = await freePort();
  kids = [await serve(port, ['--workers', '2'])];
  await levels('2 workers', `http://127.0.0.1:${port}`, b);
  await stop(kids);
  // 2 replicas behind nginx
  const nginx = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
  if (!nginx) {
    console.log('2 replicas + nginx: skipped (nginx not installed; apt-get install -y nginx)');
    return;
  }
  const ports = [await freePort(), await freePort()];
  const lb = await freePort();
  kids = await Promise.all(ports.map((p) => serve(p)));
  const tmp = mkdtempSync(join(tmpdir(), 'splitee-bench-nginx-'));
  mkdirSync(join(tmp, 'tmp'));
  let i = 0;
  const conf = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8')
    .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${lb};`)
    .replace(/ *server 127\.0\.0\.1:808[1-3] [^\n]*\n/g, (line) => (i < ports.length ? line.replace(/808[1-3]/, String(ports[i++])) : ''))
    .replace('access_log access.log;', 'access_log off;');
  writeFileSync(join(tmp, 'nginx.conf'), conf);
  const ng = spawn(nginx, ['-c', join(tmp, 'nginx.conf'), '-p', tmp, '-g', 'daemon off;'], { stdio: 'ignore' });
  try {
    for (let k = 0; k < 100 && !(await fetch(`http://127.0.0.1:${lb}/nginx-health`).then((r) => r.ok, () => false)); k++) await new Promise((r) => setTimeout(r, 50));
    await levels('2 replicas + nginx', `http://127.0.0.1:${lb}`, b);
  } finally {
    await stop([ng, ...kids]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
