#!/usr/bin/env node
// The README's screenshot of `splitee demo`: starts the built CLI's demo (npm run build first), lets
// Debian's Chromium (playwright-core; CHROMIUM=/path overrides) play N samples, saves a PNG.
//   node scripts/demo-screenshot.mjs [OUT.png] [SAMPLES]      (default docs/demo.png, 200)
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const out = process.argv[2] ?? 'docs/demo.png';
const samples = process.argv[3] ?? '200';
const demo = spawn('node', ['bin/splitee.js', 'demo', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const url = await new Promise((ok, fail) => {
    let text = '';
    demo.stdout.on('data', (b) => {
      text += b;
      const m = /open (http:\/\/\S+\/)/.exec(text);
      if (m) ok(m[1]);
    });
    demo.on('exit', (code) => fail(new Error(`splitee demo exited ${code}`)));
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1180, height: 640 } });
    await page.goto(`${url}?samples=${samples}`);
    await page.waitForSelector('html[data-state="done"], html[data-state="error"]', { state: 'attached', timeout: 300_000 });
    await page.screenshot({ path: out });
    console.log(`demo-screenshot: ${out} (${await page.textContent('#status')})`);
  } finally {
    await browser.close();
  }
} finally {
  demo.kill('SIGTERM');
}
