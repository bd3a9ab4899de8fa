/**
 * The cloud under load, loopback only, with autocannon: throughput and p50/p99 latency of
 * POST /v1/models/fmnist-resnet/resume (a real split-1 f32 body of the shipped ResNet) at 1, 10, 50 and
 * 200 concurrent connections, for 1 replica, `splitee serve --workers 2`, and 2 replicas behind nginx
 * (deploy/nginx.conf; skipped without nginx). autocannon does not retry, so its 503s are admission
 * (`--max-queue-wait`, `--max-in-flight`) answered at once; p50/p99 are given over every answer and over
 * the 2xx alone. Then the same levels as devices (HttpCloud, which retries 503s after Retry-After and
 * falls back to local compute; bench/cloud/devices.ts): samples offloaded, fallen back, lost (target 0).
 * Last, one replica's RSS (its /metrics) every 2,000 requests over 20,000, on the cheapest body (split 11).
 *
 * Servers are separate processes (`splitee serve`), so the load generator does not share their event loop.
 * Bounded: SECONDS per level, 24 levels, 20,000 requests for RSS (~3.5 min in all on an idle 2-core
 * machine). Run under `flock /tmp/bench.lock`.
 * `npm run bench -- cloud`, or node --import tsx bench/cloud/load.bench.ts; SPLITEE_LOAD_SETUPS=nginx (or
 * replica, workers, comma-separated) runs only those setups, SPLITEE_NGINX_CONF=FILE puts another nginx
 * configuration in place of deploy/nginx.conf (its 8080-8083 ports are rewritten the same way),
 * SPLITEE_SERVE_ARGS="--max-queued 8" (space-separated) adds flags to every `splitee serve` started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { loadModel } from '../../src/node/models/load.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { goldenBatch } from '../models/resnet.bench.js';
import { freePort } from '../../test/helpers/free-port.js';
import { devices, type DeviceRow } from './devices.js';

/** Bounds, overridable for a loaded machine: SPLITEE_LOAD_SECONDS (per level), SPLITEE_LOAD_RSS (requests for the RSS series). */
const SECONDS = Number(process.env.SPLITEE_LOAD_SECONDS ?? 3);
const LEVELS = [1, 10, 50, 200];
const RSS_TOTAL = Number(process.env.SPLITEE_LOAD_RSS ?? 20_000);
const RSS_STEP = RSS_TOTAL / 10;
/** Which setups run (SPLITEE_LOAD_SETUPS, comma-separated; default all): replica (with the RSS series), workers, nginx. */
const SETUP_NAMES = ['replica', 'workers', 'nginx'];
const SETUPS = new Set((process.env.SPLITEE_LOAD_SETUPS ?? SETUP_NAMES.join(',')).split(','));
for (const name of SETUPS) if (!SETUP_NAMES.includes(name)) throw new Error(`load bench: unknown setup in SPLITEE_LOAD_SETUPS: got '${name.slice(0, 40)}', expected ${SETUP_NAMES.join(', ')}`);
/** The balancer's configuration (SPLITEE_NGINX_CONF; default the shipped deploy/nginx.conf). */
const NGINX_CONF = process.env.SPLITEE_NGINX_CONF ?? 'deploy/nginx.conf';
/** Flags added to every `splitee serve` (SPLITEE_SERVE_ARGS, space-separated; default none). */
const SERVE_ARGS = (process.env.SPLITEE_SERVE_ARGS ?? '').split(' ').filter((a) => a !== '');
/** The split of the load bodies, and the cheap one of the RSS series (only the last stage left to compute). */
const SPLIT = 1;
const RSS_SPLIT = 11;
/** A device that falls back finishes the sample locally: modelled as this wait, ms (about one split-1 compute). */
const LOCAL_MS = 30;
const MODEL = 'fmnist-resnet';
const DIR = 'weights/fmnist-resnet';
const ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../..' : '../../..', import.meta.url));
const CLI = import.meta.url.endsWith('.ts') ? ['--import', 'tsx', join(ROOT, 'src/node/cli.ts')] : [fileURLToPath(new URL('../../src/node/cli.js', import.meta.url))];

function serve(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve', '--model', join(ROOT, DIR), '--port', String(port), '--quiet', ...SERVE_ARGS, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
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

function body(split: number): Buffer {
  const m = loadModel(join(ROOT, DIR));
  const x = m.network.runStages(0, split, goldenBatch(join(ROOT, DIR), 1));
  return Buffer.from(encodeResumeRequest({ modelHash: m.hash, split, activation: x, encoding: 'f32' }));
}

interface Row {
  setup: string;
  c: number;
  /** Answers per second (2xx and 503), and 2xx per second. */
  rps: number;
  okps: number;
  /** Over every answer. */
  p50: number;
  p99: number;
  /** Over the 2xx answers. */
  p50ok: number;
  p99ok: number;
  ok: number;
  s503: number;
  errors: number;
  /** CPU of this process (autocannon) over the level, % of one core: near 100, the generator is the bound. */
  genCpu: number;
}

const quantile = (sorted: number[], q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
const opts = (url: string, b: Buffer) => ({ url: `${url}/v1/models/${MODEL}/resume`, method: 'POST', body: b, headers: { 'content-type': 'application/octet-stream' } });

async function level(setup: string, url: string, b: Buffer, c: number): Promise<Row> {
  const ok: number[] = [];
  const cpu0 = process.cpuUsage();
  const r = await autocannon({ ...opts(url, b), connections: c, duration: SECONDS, timeout: 10 }).on('response', (_c, status, _b, ms) => void (status < 300 && ok.push(ms)));
  const cpu = process.cpuUsage(cpu0);
  ok.sort((x, y) => x - y);
  const s503 = r.statusCodeStats['503']?.count ?? 0;
  const rnd = (x: number) => Math.round(x);
  return { setup, c, rps: r.requests.average, okps: r['2xx'] / SECONDS, p50: r.latency.p50, p99: r.latency.p99, p50ok: rnd(quantile(ok, 0.5)), p99ok: rnd(quantile(ok, 0.99)), ok: r['2xx'], s503, errors: r.errors + r.timeouts + (r.non2xx - s503), genCpu: (cpu.user + cpu.system) / (r.duration * 1e4) };
}

const cols = (xs: (string | number)[], w: number[]): string => xs.map((x, i) => (i === 0 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join(' ');
const W_LOAD = [19, 5, 7, 6, 7, 7, 8, 8, 7, 6, 6, 8];
const W_DEV = [19, 7, 7, 8, 9, 5, 7, 7];
const fmt = (r: Row): string => cols([r.setup, r.c, r.rps.toFixed(0), r.okps.toFixed(0), r.p50, r.p99, r.p50ok, r.p99ok, r.ok, r.s503, r.errors, r.genCpu.toFixed(0)], W_LOAD);
const fmtDev = (setup: string, d: DeviceRow): string =>
  `${cols([setup, d.devices, d.samples, d.offloads, d.fallbacks, d.lost, d.p50, d.p99], W_DEV)}  ${Object.entries(d.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}`;

/**
 * Waits until the server has no request in flight but this one (its /metrics; at most 15 s), so levels do
 * not overlap: a load generator stopped mid-request can leave requests open on the server. Notes a wait over 100 ms.
 */
async function settle(url: string): Promise<string> {
  const t0 = performance.now();
  const inFlight = async () => Number(/^splitee_requests_in_flight (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 0);
  while ((await inFlight()) > 1 && performance.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 100));
  const ms = performance.now() - t0;
  return ms > 100 ? `  (settled in ${ms.toFixed(0)} ms)` : '';
}

async function levels(setup: string, url: string, b: Buffer): Promise<void> {
  await autocannon({ ...opts(url, b), connections: 4, amount: 400 }); // warm-up
  const rows: Row[] = [];
  for (const c of LEVELS) {
    rows.push(await level(setup, url, b, c));
    console.log(`${fmt(rows[rows.length - 1])}${await settle(url)}`);
  }
  const devs: DeviceRow[] = [];
  for (const n of LEVELS) {
    devs.push(await devices(url, MODEL, b, n, SECONDS, LOCAL_MS));
    console.log(`${fmtDev(setup + ' (devices)', devs[devs.length - 1])}${await settle(url)}`);
  }
  const ratio = (at200: number, at10: number) => (at200 / Math.max(1, at10)).toFixed(2);
  const [r10, r200] = [rows[LEVELS.indexOf(10)], rows[LEVELS.indexOf(200)]];
  const [d10, d200] = [devs[LEVELS.indexOf(10)], devs[LEVELS.indexOf(200)]];
  console.log(`${setup}: p99 at 200 / p99 at 10 (target <= 4): every answer ${ratio(r200.p99, r10.p99)}, 2xx ${ratio(r200.p99ok, r10.p99ok)}, devices' offloaded samples ${ratio(d200.p99, d10.p99)}; errors ${rows.reduce((n, r) => n + r.errors, 0)}, lost samples ${devs.reduce((n, d) => n + d.lost, 0)}, fallbacks ${devs.map((d) => d.fallbacks).join('/')}`);
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))))));
}

async function rss(url: string, b: Buffer): Promise<void> {
  const read = async (): Promise<number> => Number(/^splitee_process_resident_memory_bytes (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN) / 2 ** 20;
  const seen: string[] = [`0:${(await read()).toFixed(0)}`];
  let done = 0;
  let refused = 0;
  while (done < RSS_TOTAL) {
    const r = await autocannon({ ...opts(url, b), connections: 10, amount: RSS_STEP, timeout: 10 });
    done += r['2xx'];
    refused += r.non2xx + r.errors + r.timeouts;
    seen.push(`${done}:${(await read()).toFixed(0)}`);
  }
  console.log(`RSS MiB after N 2xx requests (1 replica, split ${RSS_SPLIT} body of ${b.length} bytes, 10 connections; ${refused} non-2xx/errors): ${seen.join(' ')}`);
}

export async function run(): Promise<void> {
  const b = body(SPLIT);
  console.log(`${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}; load average at start ${loadAverage()}`);
  console.log(`body ${b.length} bytes (split ${SPLIT}, f32); ${SECONDS} s per level; loopback; serve ${SERVE_ARGS.length > 0 ? SERVE_ARGS.join(' ') + ', other' : ''} defaults (--max-queued, --max-queue-wait, --max-in-flight)`);
  console.log(cols(['autocannon', 'conc', 'req/s', '2xx/s', 'p50', 'p99', 'p50 2xx', 'p99 2xx', '2xx', '503', 'errors', 'gen CPU%'], W_LOAD));
  console.log(cols(['devices', 'devices', 'samples', 'offloads', 'fallbacks', 'lost', 'p50', 'p99'], W_DEV) + '  (latency of offloaded samples, ms)');
  if (SETUPS.has('replica')) {
    const port = await freePort();
    const kids = [await serve(port)];
    await levels('1 replica', `http://127.0.0.1:${port}`, b);
    await rss(`http://127.0.0.1:${port}`, body(RSS_SPLIT));
    await stop(kids);
  }
  if (SETUPS.has('workers')) {
    const port = await freePort();
    const kids = [await serve(port, ['--workers', '2'])];
    await levels('2 workers', `http://127.0.0.1:${port}`, b);
    await stop(kids);
  }
  if (SETUPS.has('nginx')) await behindNginx(b);
  console.log(`load average at end ${loadAverage()}`);
}

const loadAverage = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** 2 replicas behind nginx (NGINX_CONF with its ports rewritten), in a temporary prefix. */
async function behindNginx(b: Buffer): Promise<void> {
  const nginx = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
  if (!nginx) {
    console.log('2 replicas + nginx: skipped (nginx not installed; apt-get install -y nginx)');
    return;
  }
  const ports = [await freePort(), await freePort()];
  const lb = await freePort();
  const kids = await Promise.all(ports.map((p) => serve(p)));
  const tmp = mkdtempSync(join(tmpdir(), 'splitee-bench-nginx-'));
  mkdirSync(join(tmp, 'tmp'));
  let i = 0;
  const conf = readFileSync(resolve(ROOT, NGINX_CONF), 'utf8')
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
