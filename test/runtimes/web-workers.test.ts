// The batch trace over real Web Workers (traceInWebWorkers, src/splitee/trace-workers.ts): in Chromium (a
// page under a CSP that allows its own scripts, workers and WebAssembly), in Deno and in Bun (their Web
// Worker, from the CLI), 160 rows of the shipped Fashion-MNIST sample traced in one thread and over 3 workers in
// batches of 16 (10 tasks) give the same CSV byte for byte; under `fast` it is also the CSV Node computes
// here (traceInputs); under `auto` the runtime's own table (simd, relaxed where it validates) agrees
// with itself. The page and worker are test/runtimes/trace-page.ts and trace-worker.ts, bundled by esbuild.
import { writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, extname } from 'node:path';
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser } from 'playwright-core';
import { formatTrace } from '../../src/splitee/trace.js';
import { traceInputs } from '../../src/splitee/trace-workers.js';
import { loadModel } from '../../src/node/models/load.js';
import { resolveSource } from '../../src/node/data-sources.js';
import type { TraceCheck } from './trace-page.js';
import { binaryOrSkip, bundleProbe, CHROMIUM_ARGS, INSTALL_RUNTIMES, tempDir } from './helpers.js';

const chromiumBin = binaryOrSkip('chromium', 'apt-get install -y chromium (Debian; CHROMIUM=/path overrides)');
const deno = binaryOrSkip('deno', INSTALL_RUNTIMES);
const bun = binaryOrSkip('bun', INSTALL_RUNTIMES);
const test = suite('runtimes/web-workers');
const tmp = tempDir('splitee-web-workers-');
const ROWS = 160;
const BATCH = 16;
const WORKERS = 3;
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };
let server: Server | null = null;
let base = '';
let nodeFast = '';

/** The files the page and Deno read: the model, 160 rows (inputs.f32, labels.i32, meta.json), the bundles, index.html. */
async function writeSite(dir: string): Promise<string> {
  const modelDir = 'weights/fmnist-resnet';
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(modelDir, f), join(dir, f));
  const model = loadModel(modelDir, { kernels: 'fast' });
  const src = resolveSource(model, { data: 'fashion-mnist:sample', labels: undefined, distortion: 'gaussian-noise:2', seed: 3, limit: ROWS });
  const x = src.batch(0, ROWS);
  writeFileSync(join(dir, 'inputs.f32'), new Uint8Array(x.flat().buffer, x.flat().byteOffset, x.flat().byteLength));
  writeFileSync(join(dir, 'labels.i32'), new Uint8Array(src.labels.buffer, src.labels.byteOffset, src.labels.byteLength));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ shape: x.shape }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>trace</title><pre id="result"></pre><script type="module" src="/trace-page.js"></script>');
  await bundleProbe('trace-page.ts', dir, 'browser');
  await bundleProbe('trace-worker.ts', dir, 'browser');
  return formatTrace(traceInputs(model, { inputs: x, labels: src.labels }, BATCH));
}

test.before(async () => {
  nodeFast = await writeSite(tmp.dir);
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(tmp.dir, path === '/' ? 'index.html' : path.slice(1));
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
});
test.after(async () => {
  await new Promise((ok) => (server === null ? ok(null) : server.close(ok)));
  tmp.remove();
});

/** The checks every runtime passes: both CSVs of ROWS rows equal; under fast, Node's too. */
function checkTrace(r: TraceCheck, kind: string, where: string): void {
  assert.is(r.pooled.split('\n').length, ROWS + 2, `${where}: rows`);
  assert.ok(r.single === r.pooled, `${where} (${kind}): the pooled trace differs from the one-thread trace`);
  assert.is(r.pooledKernels, r.kernels, `${where}: the workers' table`);
  if (kind === 'fast') assert.ok(r.single === nodeFast, `${where}: the fast trace differs from Node's`);
  console.log(`  ${where} (${r.runtime}), ${kind} -> ${r.kernels}: one thread ${r.singleMs.toFixed(0)} ms, ${r.workers} workers ${r.pooledMs.toFixed(0)} ms`);
}

let browser: Browser | null = null;
if (chromiumBin !== null) {
  for (const kind of ['fast', 'auto']) {
    test(`Chromium: ${ROWS} rows over ${WORKERS} Web Workers (${kind}) = one thread, byte for byte${kind === 'fast' ? ' = Node' : ''}; no CSP violation`, async () => {
      browser ??= await chromium.launch({ executablePath: chromiumBin, headless: true, args: CHROMIUM_ARGS });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      try {
        await page.goto(`${base}/?kernels=${kind}&workers=${WORKERS}&batch=${BATCH}`);
        await page.waitForSelector('html[data-state="done"], html[data-state="error"]', { state: 'attached', timeout: 180_000 });
        const r = JSON.parse((await page.textContent('#result')) ?? '{}') as TraceCheck & { error?: string };
        assert.is(r.error, undefined);
        assert.equal(problems, []);
        checkTrace(r, kind, 'chromium');
        if (kind === 'auto') assert.is(r.kernels, 'simd', "the page's CSP allows WebAssembly: auto is simd");
      } finally {
        await page.close();
      }
    });
  }
  test.after(async () => {
    await browser?.close();
  });
}

/** The CLI entry (Deno, Bun): `cli-main.js BASE KIND` prints one TraceCheck as JSON. */
function writeCliMain(): string {
  const f = join(tmp.dir, 'cli-main.js');
  writeFileSync(f, `import { traceCheck } from './trace-page.js';
const g = globalThis;
const [base, kind] = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const runtime = g.Deno ? 'Deno ' + g.Deno.version.deno : 'Bun ' + g.Bun.version;
const r = await traceCheck(base, kind, ${WORKERS}, ${BATCH}, () => new Worker(new URL('./trace-worker.js', import.meta.url).href, { type: 'module' }), runtime);
console.log(JSON.stringify(r));
`);
  return f;
}

/** Runs a CLI runtime on cli-main.js for `fast`, then `auto`, and checks both. */
async function runCli(name: string, cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  const main = writeCliMain();
  for (const kind of ['fast', 'auto']) {
    const child = spawn(cmd, [...args, main, base, kind], { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((ok) => child.on('close', ok));
    assert.is(code, 0, `${name} exited ${code}: ${err.slice(-2000)}`);
    checkTrace(JSON.parse(out.trim().split('\n').pop() ?? '{}') as TraceCheck, kind, name);
  }
}

if (deno !== null) {
  test(`Deno: ${ROWS} rows over ${WORKERS} Web Workers (fast, then auto) = one thread, byte for byte; fast = Node`, async () => {
    await runCli('deno', deno, ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', `--allow-read=${tmp.dir}`], { DENO_DIR: join(tmp.dir, 'deno'), DENO_NO_UPDATE_CHECK: '1' });
  });
}

if (bun !== null) {
  test(`Bun: ${ROWS} rows over ${WORKERS} Web Workers (fast, then auto) = one thread, byte for byte; fast = Node`, async () => {
    await runCli('bun', bun, ['run', '--silent'], { BUN_INSTALL_CACHE_DIR: join(tmp.dir, 'bun') });
  });
}

test.run();
