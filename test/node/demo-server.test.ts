// The demo server without a browser: what the page is served (strict CSP, no inline script, the
// bundle, the settings, the model files, the stream sample gzip-encoded) and the same-origin proxy to
// the cloud; in --cors mode the cloud has its own origin and the page server refuses /v1/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCsp, startDemoServer } from '../../src/node/demo-server.js';
import { parseIdx } from '../../src/tensor/io/idx.js';
// @ts-expect-error: a plain .mjs build script without types
import { buildWeb } from '../../scripts/build-web.mjs';
import { fmnistModelDir } from '../helpers/model-dir.js';

const DIR = fmnistModelDir().dir;
const tmp = mkdtempSync(join(tmpdir(), 'splitee-demo-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Raw response (no decompression): status, headers, body bytes. node:http, never the global fetch. */
function get(url: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('demoCsp: scripts from self only, connect-src self (+ the cloud), nothing unsafe', () => {
  const same = demoCsp(null);
  assert.match(same, /script-src 'self';/);
  assert.match(same, /connect-src 'self';/);
  assert.match(demoCsp('http://127.0.0.1:9'), /connect-src 'self' http:\/\/127\.0\.0\.1:9;/);
  assert.not.match(same, /unsafe/);
});

test('same origin: page, bundle, settings, model, gzip IDX sample, proxied cloud', async () => {
  const webDir = await buildWeb(join(tmp, 'web'));
  const demo = await startDemoServer({ modelDir: DIR, webDir, alpha: 0.74, samples: 60 });
  try {
    const page = await get(demo.url);
    assert.is(page.status, 200);
    assert.is(page.headers['content-security-policy'], demo.csp);
    const html = page.body.toString();
    assert.match(html, /<script type="module" src="\/app.js"><\/script>/);
    assert.not.match(html, /<script>|<script type="module">|on(click|load)=/, 'no inline script or handler');
    assert.is((await get(`${demo.url}app.js`)).status, 200);
    const s = JSON.parse((await get(`${demo.url}demo/settings.json`)).body.toString());
    assert.is(s.cloud, '');
    assert.is(s.samples, 60);
    assert.is(s.model.id, 'fmnist-resnet');
    assert.equal((await get(`${demo.url}model/model.safetensors`)).body, readFileSync(join(DIR, 'model.safetensors')));
    const img = await get(`${demo.url}data/images.idx`);
    assert.is(img.headers['content-encoding'], 'gzip');
    const idx = parseIdx(new Uint8Array(gunzipSync(img.body)));
    assert.equal(idx.dims, [2000, 28, 28]);
    const models = await get(`${demo.url}v1/models`);
    assert.is(models.status, 200);
    assert.is(JSON.parse(models.body.toString()).models[0].hash, s.model.hash);
    assert.is((await get(`${demo.url}nope`)).status, 404);
    assert.is((await get(demo.url, 'POST')).status, 405);
  } finally {
    await demo.close();
  }
});

test('--cors: the cloud on its own origin, named in connect-src; the page server does not proxy', async () => {
  const demo = await startDemoServer({ modelDir: DIR, webDir: join(tmp, 'web'), alpha: 0.74, cors: true });
  try {
    const s = JSON.parse((await get(`${demo.url}demo/settings.json`)).body.toString());
    assert.is(s.cloud, demo.cloudUrl);
    assert.ok(demo.csp.includes(`connect-src 'self' ${demo.cloudUrl};`));
    assert.is((await get(`${demo.url}v1/models`)).status, 404);
    assert.is((await get(`${demo.cloudUrl}/healthz`)).status, 200);
  } finally {
    await demo.close();
  }
});

test('a missing page build says how to build it', async () => {
  try {
    await startDemoServer({ modelDir: DIR, webDir: join(tmp, 'nothing'), alpha: 0.5 });
    assert.unreachable('expected an error');
  } catch (e) {
    assert.match((e as Error).message, /npm run build/);
  }
});

test.run();
