// deploy/nginx.conf as shipped (ports rewritten for loopback ephemeral ports): nginx
// + 3 `splitee serve` replicas; `splitee run --cloud` streams 500 samples through nginx; one replica is
// killed with SIGKILL mid-stream and restarted on its port. Every sample has exactly one outcome, none
// falls back, and the restarted replica serves resume calls again (its /metrics).
// Skipped, with the install command, when nginx is not installed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The shipped config with its ports (8080, 8081..8083) rewritten. */
function config(lb: number, ports: number[]): string {
  let i = 0;
  return readFileSync('deploy/nginx.conf', 'utf8')
    .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${lb};`)
    .replace(/server 127\.0\.0\.1:808[1-3] /g, () => `server 127.0.0.1:${ports[i++]} `);
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
      writeFileSync(join(tmp, 'nginx.conf'), config(lb, ports));
      nginx = spawn(NGINX, ['-c', join(tmp, 'nginx.conf'), '-p', tmp, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let nginxErr = '';
      nginx.stderr!.on('data', (c) => (nginxErr += c));
      for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${lb}/nginx-health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(nginx.exitCode === null, `nginx exited: ${nginxErr}`);

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

test.run();
