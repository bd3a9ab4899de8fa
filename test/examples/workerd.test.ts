// examples/workerd (config.capnp + worker.ts, the weights as a data module) in the real workerd from
// test/runtimes: the cloud role answers /v1/models and resume requests exactly as the in-process
// CloudService does, and the device role splits 40 stream images with SplitEE-S, offloading to the
// cloud role (>= 1 offload, no fallback). Per-request times are measured from outside (workerd stops
// its clocks while a request computes; the work is compute-bound, so wall ~ CPU) and printed for the
// README's table against Cloudflare's published CPU limits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIdx } from '../../src/tensor/io/idx.js';
import { loadModel } from '../../src/node/models/load.js';
import type { ResNetModel } from '../../src/layers/resnet.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import type { RoundRecord } from '../../src/splitee/runner.js';
// @ts-expect-error: a plain .mjs build script without types
import { buildWorker } from '../../examples/workerd/build.mjs';
import { binaryOrSkip, INSTALL_RUNTIMES, tempDir } from '../runtimes/helpers.js';
import { fmnistModelDir } from '../helpers/model-dir.js';
import { freePort } from '../helpers/free-port.js';

const DIR = resolve(fmnistModelDir().dir);
const workerd = binaryOrSkip('workerd', INSTALL_RUNTIMES);
const tmp = tempDir('splitee-workerd-example-');
test.after(() => tmp.remove());

/** node:http (never the global fetch in the test process: it detaches ArrayBuffers). */
function http(url: string, method = 'GET', body?: Uint8Array): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    const req = request(url, { method, headers: body ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } : {} }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, text, ms: performance.now() - t0 }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function waitUp(url: string, dead: () => string | null): Promise<void> {
  for (let k = 0; k < 200; k++) {
    const why = dead();
    if (why !== null) throw new Error(why);
    try {
      if ((await http(url)).status > 0) return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`workerd: ${url} never answered`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (workerd !== null) {
  test('examples/workerd: cloud role = CloudService, device role splits 40 images with offloads and no fallback', async () => {
    await buildWorker(join(tmp.dir, 'worker.js'));
    for (const f of ['config.json', 'model.safetensors']) symlinkSync(join(DIR, f), join(tmp.dir, f)); // embed paths are relative to the config
    const [cp, dp] = [await freePort(), await freePort()];
    const cfg = readFileSync('examples/workerd/config.capnp', 'utf8').replaceAll('127.0.0.1:8787', `127.0.0.1:${cp}`).replaceAll('127.0.0.1:8788', `127.0.0.1:${dp}`).replaceAll('../../weights/fmnist-resnet/', '');
    writeFileSync(join(tmp.dir, 'config.capnp'), cfg);
    const child = spawn(workerd, ['serve', join(tmp.dir, 'config.capnp')], { cwd: tmp.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    try {
      const cloud = `http://127.0.0.1:${cp}`;
      await waitUp(`${cloud}/v1/models`, () => (child.exitCode !== null ? `workerd exited ${child.exitCode}: ${err.slice(-1000)}` : null));
      const model = loadModel(DIR);
      const net = model.network as ResNetModel;
      const listed = JSON.parse((await http(`${cloud}/v1/models`)).text) as { models: { id: string; hash: string }[] };
      assert.is(listed.models[0].hash, model.hash, 'the worker hashes the weights module as loadModel hashes the file');

      const images = parseIdx(gunzipSync(readFileSync(join(DIR, 'stream/t2k-images-idx3-ubyte.gz')))).data as Uint8Array;
      const local = new CloudService([model]);
      const cloudMs: number[] = [];
      let firstMs = 0;
      for (let i = 0; i < 8; i++) {
        const x = net.prepareInput(Float32Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
        const act = net.runStages(0, 1, x).contiguous();
        const body = encodeResumeRequest({ modelId: model.id, modelHash: model.hash, split: 1, activation: act, encoding: 'f32' });
        const r = await http(`${cloud}/v1/models/${model.id}/resume`, 'POST', body);
        assert.is(r.status, 200, r.text);
        const got = JSON.parse(r.text) as { prediction: number; confidence: number };
        const want = local.resume(model.id, body);
        assert.is(got.prediction, want.prediction);
        assert.ok(Math.abs(got.confidence - want.confidence) <= 1e-6);
        if (i > 0) cloudMs.push(r.ms); // the first request builds the network
        else firstMs = r.ms;
      }

      const records: RoundRecord[] = [];
      const deviceMs: number[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await http(`http://127.0.0.1:${dp}/device`, 'POST', images.subarray(i * 784, (i + 1) * 784));
        assert.is(r.status, 200, `${r.text} ${err.slice(-500)}`);
        records.push(JSON.parse(r.text) as RoundRecord);
        if (i > 0) deviceMs.push(r.ms);
      }
      assert.ok(records.some((r) => r.outcome === 'offload'), 'at least one offload');
      assert.equal(records.filter((r) => r.fallback).map((r) => r.error), []);
      const fig = { firstRequestMs: firstMs, cloudSplit1MedianMs: median(cloudMs), cloudSplit1MaxMs: Math.max(...cloudMs), deviceMedianMs: median(deviceMs), deviceMaxMs: Math.max(...deviceMs), offloads: records.filter((r) => r.offloaded).length, rounds: records.length };
      console.log(`WORKERD-EDGE ${JSON.stringify(fig)}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((ok) => child.on('close', ok));
    }
  });
}

test.run();
