// The demo page in Chromium (Debian's /usr/bin/chromium driven by playwright-core; never a
// downloaded browser): the page loads under its strict CSP with no violation, the network built in
// the page from the served bytes matches PyTorch's golden logits, and a live split of LIVE_SAMPLES
// rounds offloads at least once with no fallback: once same-origin (the demo server proxies the
// cloud) and once cross-origin (--cors: the cloud on its own port, allowed by CORS for the page).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startDemoServer } from '../../src/node/demo-server.js';
import { demoOptions } from '../../src/node/commands/demo.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser } from 'playwright-core';
import type { ProbeResult } from './probe.js';
import { binaryOrSkip, checkProbe, CHROMIUM_ARGS, LIVE_SAMPLES, printRow, startDemo, tempDir } from './helpers.js';

const bin = binaryOrSkip('chromium', 'apt-get install -y chromium (Debian; CHROMIUM=/path overrides)');
const test = suite('runtimes/chromium');
let browser: Browser | null = null;
const tmp = tempDir('splitee-chromium-');

test.before(async () => {
  if (bin !== null) browser = await chromium.launch({ executablePath: bin, headless: true, args: CHROMIUM_ARGS });
});
test.after(async () => {
  await browser?.close();
  tmp.remove();
});

/** Opens the demo page, waits for the stream to end, returns what the page reports. */
async function playDemo(cors: boolean, extra: string[] = []): Promise<{ result: ProbeResult; violations: string[]; csp: string | null; policy: string }> {
  const demo = await startDemo(tmp.dir, cors, extra);
  const page = await browser!.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`pageerror: ${e.message}`));
  try {
    const res = await page.goto(`${demo.url}?samples=${LIVE_SAMPLES}`);
    const csp = res?.headers()['content-security-policy'] ?? null;
    await page.waitForSelector('html[data-state="done"], html[data-state="error"]', { state: 'attached', timeout: 180_000 });
    const state = JSON.parse((await page.textContent('#state')) ?? '{}') as { state: string; error?: string; parity: ProbeResult['parity']; totals: ProbeResult['totals']; cloud: string };
    assert.is(state.state, 'done', `demo page: ${state.error ?? ''}`);
    assert.is(state.cloud, cors ? demo.cloudUrl : demo.url.replace(/\/$/, ''), 'the page offloads where the server says');
    const runtime = `Chromium/${browser!.version()}`;
    const policy = (await page.textContent('#policy')) ?? '';
    return { result: { runtime, parity: state.parity, totals: state.totals }, violations, csp, policy };
  } finally {
    await page.close();
    await demo.close();
  }
}

if (bin !== null) {
  test('same origin: strict CSP, golden parity in the page, live split with offloads and no fallback', async () => {
    const { result, violations, csp } = await playDemo(false);
    assert.ok(csp !== null && csp.includes("script-src 'self'") && csp.includes("connect-src 'self'") && !csp.includes('unsafe'), `CSP: ${csp}`);
    assert.equal(violations, []);
    checkProbe(result, 'chromium same-origin');
    const version = /Chrom(?:e|ium)\/(\d+)/.exec(result.runtime)?.[1] ?? '?';
    printRow(`Chromium ${version} (page, same origin)`, result, result.parity.msPerSample);
  });

  test('cross origin (--cors): the cloud on its own port, named in connect-src, allowed by CORS', async () => {
    const { result, violations, csp } = await playDemo(true);
    assert.ok(csp !== null && /connect-src 'self' http:\/\/127\.0\.0\.1:\d+/.test(csp), `CSP: ${csp}`);
    assert.equal(violations, []);
    checkProbe(result, 'chromium cross-origin');
    const version = /Chrom(?:e|ium)\/(\d+)/.exec(result.runtime)?.[1] ?? '?';
    printRow(`Chromium ${version} (page, cross origin)`, result, result.parity.msPerSample);
  });

  test('the per-layer policy (--policy layerwise) decides in the page: live split with offloads and no fallback', async () => {
    const { result, violations, policy } = await playDemo(false, ['--policy', 'layerwise']);
    assert.ok(policy.startsWith('policy layerwise,'), `the page shows its policy: ${policy.slice(0, 80)}`);
    assert.equal(violations, []);
    checkProbe(result, 'chromium layerwise');
  });
}

/** The README's page quickstart (examples/quickstart-page.ts) bundled as the page's app.js. */
async function buildQuickstart(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await build({ entryPoints: ['examples/quickstart-page.ts'], outfile: join(dir, 'app.js'), bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning' });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>quickstart</title><script type="module" src="/app.js"></script>');
  writeFileSync(join(dir, 'style.css'), '');
  return dir;
}

if (bin !== null) {
  test('the README page quickstart (examples/quickstart-page.ts) runs in the page under the CSP: 20 rounds, offloads, no fallback', async () => {
    const webDir = await buildQuickstart(join(tmp.dir, 'quickstart'));
    const opts = demoOptions(['--port', '0', '--quiet', '--alpha', '0.74']);
    assert.ok(opts !== null);
    const demo = await startDemoServer({ ...opts, webDir });
    const page = await browser!.newPage();
    const lines: string[] = [];
    const problems: string[] = [];
    page.on('console', (m) => (/^sample \d+:/.test(m.text()) ? lines.push(m.text()) : m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    try {
      await page.goto(demo.url);
      for (let k = 0; k < 600 && lines.length < 20 && problems.length === 0; k++) await page.waitForTimeout(100);
      assert.equal(problems, []);
      assert.is(lines.length, 20, lines.join('\n'));
      assert.ok(lines.some((l) => / offload /.test(l)), 'at least one offload');
      assert.not.ok(lines.some((l) => / fallback /.test(l)), 'no fallback');
    } finally {
      await page.close();
      await demo.close();
    }
  });
}

test.run();
