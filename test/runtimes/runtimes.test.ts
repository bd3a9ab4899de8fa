// The device side in Node (as a baseline), Deno, Bun and workerd (binaries from npm: `cd test/runtimes && npm ci`): in each,
// the probe (probe.ts, bundled to one ESM file) builds the ResNet from the bytes a demo server sends,
// checks PyTorch's golden logits, and splits LIVE_SAMPLES rounds live against the cloud server
// (startServer, what `splitee serve` runs) on its own loopback port. workerd reaches loopback through a
// network service that allows local addresses. A runtime that is not installed is a SKIP line.
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { get } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningDemo } from '../../src/node/demo-server.js';
import type { ProbeResult } from './probe.js';
import { binaryOrSkip, bundleProbe, checkProbe, INSTALL_RUNTIMES, LIVE_SAMPLES, printRow, startDemo, tempDir } from './helpers.js';
import { freePort } from '../helpers/free-port.js';

const deno = binaryOrSkip('deno', INSTALL_RUNTIMES);
const bun = binaryOrSkip('bun', INSTALL_RUNTIMES);
const workerd = binaryOrSkip('workerd', INSTALL_RUNTIMES);
const test = suite('runtimes/deno-bun-workerd');
const tmp = tempDir('splitee-runtimes-');
let demo: RunningDemo;
let cliProbe = '';

test.before(async () => {
  demo = await startDemo(tmp.dir, true); // the cloud on its own port: the probes talk to it directly
  cliProbe = await bundleProbe('probe-cli.ts', tmp.dir);
});
test.after(async () => {
  await demo?.close();
  tmp.remove();
});

const base = (): string => demo.url.replace(/\/$/, '');

/** Runs a CLI runtime on the probe; its last stdout line is the ProbeResult. */
async function runCli(cmd: string, args: string[], env: Record<string, string> = {}): Promise<ProbeResult> {
  const child = spawn(cmd, [...args, cliProbe, base(), demo.cloudUrl, String(LIVE_SAMPLES)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  assert.is(code, 0, `${cmd} exited ${code}: ${err.slice(-2000)}`);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ProbeResult;
}

test('Node (the same probe; global fetch, as a page would use): build from bytes, golden parity, live split', async () => {
  const r = await runCli(process.execPath, []);
  checkProbe(r, 'node');
  printRow(`Node ${process.versions.node} (global fetch)`, { ...r, runtime: `Node ${process.versions.node}` }, r.parity.msPerSample);
});

if (deno !== null) {
  test('Deno: build from bytes, golden parity, live split against the cloud on loopback', async () => {
    const r = await runCli(deno, ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1'], { DENO_DIR: join(tmp.dir, 'deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' });
    checkProbe(r, 'deno');
    printRow(r.runtime, r, r.parity.msPerSample);
  });
}

if (bun !== null) {
  test('Bun: build from bytes, golden parity, live split against the cloud on loopback', async () => {
    const r = await runCli(bun, ['run', '--silent'], { BUN_INSTALL_CACHE_DIR: join(tmp.dir, 'bun'), NO_COLOR: '1' });
    checkProbe(r, 'bun');
    printRow(r.runtime, r, r.parity.msPerSample);
  });
}

/** GET url -> [status, body]; node:http, not the global fetch (it would detach ArrayBuffers in this process). */
function httpGet(url: string): Promise<[number, string]> {
  return new Promise((ok, fail) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => ok([res.statusCode ?? 0, body]));
    }).on('error', fail);
  });
}

/** Waits until something accepts connections on the port. */
async function waitPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const up = await new Promise<boolean>((ok) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.end();
        ok(true);
      }).on('error', () => ok(false));
    });
    if (up) return;
    if (Date.now() > until) throw new Error(`workerd: nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The workerd config: the probe worker on `port`, its fetches through a network service that allows loopback. */
export function workerdConfig(port: number, module: string): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .probe),
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const probe :Workerd.Worker = (
  modules = [(name = "probe.js", esModule = embed "${module}")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
`;
}

if (workerd !== null) {
  test('workerd: build from bytes, golden parity, live split against the cloud on loopback', async () => {
    const module = await bundleProbe('probe-worker.ts', tmp.dir, 'browser');
    const port = await freePort();
    const cfg = join(tmp.dir, 'probe.capnp');
    writeFileSync(cfg, workerdConfig(port, module.split('/').pop()!));
    const check = spawnSync(workerd, ['--version'], { encoding: 'utf8' });
    const child = spawn(workerd, ['serve', cfg], { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    try {
      await waitPort(port, 20_000);
      const q = `base=${encodeURIComponent(base())}`;
      const [status, body] = await httpGet(`http://127.0.0.1:${port}/?${q}&cloud=${encodeURIComponent(demo.cloudUrl)}&samples=${LIVE_SAMPLES}`);
      assert.is(status, 200, `workerd probe: ${body.slice(0, 500)} ${err.slice(-1000)}`);
      const r = JSON.parse(body) as ProbeResult;
      checkProbe(r, 'workerd');
      // workerd stops its clocks while a request computes: time R passes over the golden batch from outside
      const reps = 2;
      const t0 = performance.now();
      const [fs, fb] = await httpGet(`http://127.0.0.1:${port}/forward?${q}&reps=${reps}`);
      const ms = performance.now() - t0;
      assert.is(fs, 200, fb);
      const inputs = (JSON.parse(fb) as { inputs: number }).inputs;
      printRow(`workerd ${check.stdout.trim().split(' ').pop()}`, { ...r, runtime: check.stdout.trim() }, ms / inputs);
    } finally {
      child.kill('SIGTERM');
      await new Promise((ok) => child.on('close', ok));
    }
  });
}

test.run();
