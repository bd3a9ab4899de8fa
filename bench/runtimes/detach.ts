/**
 * The ArrayBuffer-detach slowdown ("A 25% trap", bench/README.md) outside Node: Chromium (Debian's, via
 * playwright-core), Deno and Bun (test/runtimes). Each runtime runs detach-probe.ts in a fresh process
 * (a fresh browser for Chromium) once per event, none and transfer, and reports the ResNet's ms/sample
 * before and after the event; a slowdown shows as after/before > 1 for transfer and ~1 for none.
 *
 *   node --import tsx bench/runtimes/detach.ts          (wrap in flock /tmp/bench.lock on a shared machine)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { BINARIES, binaryPath, CHROMIUM_ARGS, startDemo, tempDir } from '../../test/runtimes/helpers.js';
import type { DetachResult } from './detach-probe.js';

const tmp = tempDir('splitee-detach-');
const demo = await startDemo(tmp.dir, false);
const base = demo.url.replace(/\/$/, '');
const bundle = async (entry: string, platform: 'neutral' | 'browser'): Promise<string> => {
  const out = join(tmp.dir, entry.split('/').pop()!.replace(/\.ts$/, '.js'));
  await build({ entryPoints: [join('bench/runtimes', entry)], outfile: out, bundle: true, format: 'esm', platform, target: 'es2022', logLevel: 'warning', mainFields: ['module', 'main'] });
  return out;
};
const rows: { runtime: string; r: DetachResult }[] = [];
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => promisify(execFile)(cmd, args, { encoding: 'utf8', env });
try {
  const cli = await bundle('detach-cli.ts', 'neutral');
  for (const event of ['none', 'transfer']) {
    // asynchronous: the demo server the probes fetch from runs in this process
    const d = await run(binaryPath('deno'), ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', cli, base, event], { ...process.env, DENO_DIR: join(tmp.dir, 'deno'), DENO_NO_UPDATE_CHECK: '1' });
    rows.push({ runtime: 'Deno', r: JSON.parse(d.stdout.trim()) as DetachResult });
    const b = await run(binaryPath('bun'), [cli, base, event], process.env);
    rows.push({ runtime: 'Bun', r: JSON.parse(b.stdout.trim()) as DetachResult });
  }
  // Chromium: the probe as the page's app.js, one fresh browser per event
  const page = await bundle('../../web/bench/detach-page.ts', 'browser');
  const { copyFileSync } = await import('node:fs');
  copyFileSync(page, join(tmp.dir, 'web', 'app.js'));
  const d2 = await startDemoServerWith(join(tmp.dir, 'web'));
  for (const event of ['none', 'transfer']) {
    const browser = await chromium.launch({ executablePath: BINARIES.chromium, headless: true, args: CHROMIUM_ARGS });
    const p = await browser.newPage();
    await p.goto(`${d2.url}?event=${event}`);
    await p.waitForSelector('html[data-state]', { state: 'attached', timeout: 120_000 });
    rows.push({ runtime: `Chromium ${browser.version().split('.')[0]}`, r: JSON.parse((await p.textContent('#state')) ?? '{}') as DetachResult });
    await browser.close();
  }
  await d2.close();
} finally {
  await demo.close();
  tmp.remove();
}
console.log('| runtime | event | ms/sample before | after | after / before |\n|---|---|---|---|---|');
for (const { runtime, r } of rows) console.log(`| ${runtime} | ${r.event} | ${r.beforeMs.toFixed(1)} | ${r.afterMs.toFixed(1)} | ${(r.afterMs / r.beforeMs).toFixed(2)} |`);

async function startDemoServerWith(webDir: string) {
  const { startDemoServer } = await import('../../src/node/demo-server.js');
  return startDemoServer({ modelDir: 'weights/fmnist-resnet', webDir, alpha: 0.74 });
}
