// deploy/nginx.conf as shipped (ports rewritten for loopback ephemeral ports): nginx
// + 3 `splitee serve` replicas; `splitee run --cloud` streams 500 samples through nginx; one replica is
// killed with SIGKILL mid-stream and restarted on its port. Every sample has exactly one outcome, none
// falls back, and the restarted replica serves resume calls again (its /metrics). Then the balancer's own
// admission: past every replica's max_conns, or with none reachable, nginx answers 503 + Retry-After.
// Skipped, with the install command, when nginx is not installed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmnistModelDir } from '../helpers/model-dir.js';
import { freePort } from '../helpers/free-port.js';

const NGINX = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
const CLI = ['--import', 'tsx', 'src/node/cli.ts'];

/** `splitee serve` on `port`; resolves once it listens. */
function replica(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve', '--model', dir, '--port', String(port), '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('listening on')) resolve(child);
    });
    child.stderr!.on('data', (c) => (out += c));
    child.once('exit', (code) => reject(new Error(`replica on ${port} exited ${code}: ${out.slice(0, 500)}`)));
  });
}

/** The shipped config with its ports (8080, 8081..8083) rewritten, and optionally its max_conns. */
function config(lb: number, ports: number[], maxConns?: number): string {
  let i = 0;
  const conf = readFileSync('deploy/nginx.conf', 'utf8')
    .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${lb};`)
    .replace(/server 127\.0\.0\.1:808[1-3] /g, () => `server 127.0.0.1:${ports[i++]} `);
  return maxConns === undefined ? conf : conf.replace(/max_conns=\d+/g, `max_conns=${maxConns}`);
}

/** Starts nginx on `conf` in `tmp` (a prefix with tmp/); resolves once it answers on `lb`. */
async function startNginx(tmp: string, conf: string, lb: number): Promise<ChildProcess> {
  writeFileSync(join(tmp, 'nginx.conf'), conf);
  const nginx = spawn(NGINX, ['-c', join(tmp, 'nginx.conf'), '-p', tmp, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  nginx.stderr!.on('data', (c) => (err += c));
  for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${lb}/nginx-health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(nginx.exitCode === null, `nginx exited: ${err}`);
  return nginx;
}

const rounds = (log: string): { t: number; outcome: string; attempts: number }[] =>
  existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"kind":"round"')).map((l) => JSON.parse(l)) : [];

const resumeCount = async (port: number): Promise<number> => {
  const m = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...m.matchAll(/^splitee_requests_total\{route="resume"[^}]*code="200"\} (\d+)/gm)].reduce((a, x) => a + Number(x[1]), 0);
};

if (!NGINX) {
  console.log('SKIPPED test/deploy/nginx.test.ts: nginx is not installed; install it with: apt-get install -y nginx');
} else {
  test('nginx + 3 replicas: 500 samples, one replica SIGKILLed and restarted mid-stream: one outcome each, 0 fallbacks', async () => {
    const dir = fmnistModelDir().dir;
    const tmp = mkdtempSync(join(tmpdir(), 'splitee-nginx-'));
    mkdirSync(join(tmp, 'tmp'));
    const children: ChildProcess[] = [];
    let nginx: ChildProcess | null = null;
    const guard = setTimeout(() => children.concat(nginx ? [nginx] : []).forEach((c) => c.kill('SIGKILL')), 150_000);
    try {
      const ports = [await freePort(), await freePort(), await freePort()];
      const lb = await freePort();
      const reps = await Promise.all(ports.map((p) => replica(p, dir)));
      children.push(...reps);
      nginx = await startNginx(tmp, config(lb, ports), lb);

      const log = join(tmp, 'run.jsonl');
      const run = spawn(process.execPath, [...CLI, 'run', '--cloud', `http://127.0.0.1:${lb}`, '--samples', '500', '--policy', 'fixed:1', '--alpha', '0.99', '--log', log, '--report', join(tmp, 'report'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(run);
      let runErr = '';
      run.stderr!.on('data', (c) => (runErr += c));
      const runExit = new Promise<number | null>((resolve) => run.once('exit', resolve));

      // kill replica 1 once the stream is going, then bring it back on its port
      while (rounds(log).length < 100 && run.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const killedAt = rounds(log).length;
      reps[1].kill('SIGKILL');
      await new Promise((r) => reps[1].once('exit', r));
      const back = await replica(ports[1], dir);
      children.push(back);
      const restartedAt = rounds(log).length;

      assert.is(await runExit, 0, runErr.slice(-800));
      const rs = rounds(log);
      assert.equal(rs.map((r) => r.t), Array.from({ length: 500 }, (_, i) => i + 1), 'each sample exactly once, in order');
      const fallbacks = rs.filter((r) => r.outcome === 'fallback').length;
      const offloads = rs.filter((r) => r.outcome === 'offload').length;
      assert.is(fallbacks, 0);
      assert.ok(offloads >= 300, `offloads ${offloads}`);
      assert.ok(killedAt < 500 && restartedAt < 500, `killed at round ${killedAt}, restarted at ${restartedAt}: mid-stream`);
      const served = await resumeCount(ports[1]);
      assert.ok(served > 0, `the restarted replica served ${served} resume calls`);
      console.log(`  nginx: 500 rounds, ${offloads} offloads, 0 fallbacks; replica killed at round ${killedAt}, back at ${restartedAt}, then served ${served}; client retries ${rs.filter((r) => r.attempts > 1).length}`);
    } finally {
      clearTimeout(guard);
      nginx?.kill('SIGTERM');
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

if (NGINX) {
  test('nginx answers 503 + Retry-After itself past every replica\'s max_conns, and when no replica is reachable', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'splitee-nginx-'));
    mkdirSync(join(tmp, 'tmp'));
    // Three "replicas" that accept and never answer: each holds the one connection max_conns=1 allows.
    const held: Socket[] = [];
    const stuck = await Promise.all([0, 1, 2].map(() => new Promise<ReturnType<typeof createServer>>((resolve) => {
      const srv = createServer((sock) => void held.push(sock.on('error', () => undefined)));
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })));
    const ports = stuck.map((srv) => (srv.address() as { port: number }).port);
    const lb = await freePort();
    const aborts = new AbortController();
    let nginx: ChildProcess | null = null;
    const post = (signal?: AbortSignal) => fetch(`http://127.0.0.1:${lb}/v1/models/m/resume`, { method: 'POST', body: new Uint8Array(16), signal });
    try {
      nginx = await startNginx(tmp, config(lb, ports, 1), lb);
      const pending = [0, 1, 2].map(() => post(aborts.signal).catch(() => null));
      for (let i = 0; i < 100 && held.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      assert.is(held.length, 3, 'each replica holds one request');
      const t0 = performance.now();
      const full = await post();
      const ms = performance.now() - t0;
      assert.is(full.status, 503);
      assert.is(full.headers.get('retry-after'), '1');
      assert.is(((await full.json()) as { error: { code: string } }).error.code, 'overloaded');
      assert.ok(ms < 2000, `answered at once, not after a timeout: ${ms.toFixed(0)} ms`);
      assert.is(held.length, 3, 'no fourth connection reached a replica');
      aborts.abort();
      await Promise.all(pending);

      // No replica reachable (nothing listens on their ports): 503 + Retry-After too, not 502.
      await new Promise<void>((resolve) => {
        held.forEach((sock) => sock.destroy());
        let open = stuck.length;
        stuck.forEach((srv) => srv.close(() => --open === 0 && resolve()));
      });
      const none = await post();
      assert.is(none.status, 503);
      assert.is(none.headers.get('retry-after'), '1');
      assert.is(((await none.json()) as { error: { code: string } }).error.code, 'overloaded');
    } finally {
      aborts.abort();
      nginx?.kill('SIGTERM');
      held.forEach((sock) => sock.destroy());
      stuck.forEach((srv) => srv.close());
      await new Promise((r) => setTimeout(r, 200));
      if (nginx?.exitCode === null) nginx.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test.run();
