/**
 * Live split computing on loopback: samples/s and p50/p99 round latency of the device runner for
 * device-only inference (policy 'final') against split inference (every sample offloaded after
 * stage k to a cloud server on 127.0.0.1, per encoding), then the server's throughput with N = 1, 4,
 * 16 concurrent devices posting resume requests. The server runs in this process, so the client's
 * HTTP work (nodeFetch, src/node/http-fetch.ts) shares the one event loop with it: the throughput figures
 * are a lower bound.
 *
 * Model: the shipped fmnist-resnet (weights/fmnist-resnet) with its golden input, else the toy
 * network of test/helpers (named in the output). Every loop is bounded in count and in time (SECONDS each).
 *
 * For bench/index.ts: `await run()`. Alone: node dist-bench/bench/live/live.bench.js after `npx tsc -p tsconfig.bench.json` (or node --import tsx bench/live/live.bench.ts)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { MultiExitNetwork } from '../../src/layers/network.js';
import { paperCosts, type Encoding } from '../../src/splitee/cost.js';
import { createPolicy } from '../../src/splitee/policy.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { HttpCloud, LocalCloud } from '../../src/splitee/transport.js';
import { nodeFetch } from '../../src/node/http-fetch.js';
import { SplitRunner } from '../../src/splitee/runner.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { loadModel } from '../../src/node/models/load.js';
import { startServer } from '../../src/node/server.js';
import { goldenBatch } from '../models/resnet.bench.js';
import { ToyNetwork, TOY_HASH, toySamples } from '../../test/helpers/toy-network.js';

const SECONDS = 2;
const MAX_SAMPLES = 2000;

interface Subject {
  name: string;
  network: MultiExitNetwork;
  hash: string;
  /** The i-th input [1, ...activationShape(0)]. */
  input(i: number): Tensor;
  split: number;
}

function subject(): Subject {
  const dir = ['weights/fmnist-resnet'].find((d) => existsSync(join(d, 'model.safetensors')) && existsSync(join(d, 'golden.safetensors')));
  if (dir !== undefined) {
    const m = loadModel(dir);
    const batch = goldenBatch(dir, 16);
    return { name: `${m.id} (${dir})`, network: m.network, hash: m.hash, input: (i) => batch.slice0(i % 16, (i % 16) + 1), split: 4 };
  }
  const net = new ToyNetwork({ L: 4, width: 256 });
  const samples = toySamples(64, 4);
  return { name: 'toy network (test/helpers; no ResNet weights found)', network: net, hash: TOY_HASH, input: (i) => net.input(samples[i % 64]), split: 2 };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

interface Row {
  mode: string;
  samples: number;
  perSec: number;
  p50: number;
  p99: number;
  bytes: number;
}

async function runnerRow(s: Subject, mode: string, policyName: string, cloud: LocalCloud | HttpCloud, encoding: Encoding): Promise<Row> {
  const L = s.network.numStages;
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });
  // alpha = 1: a split never exits early, so every sample at split < L is offloaded
  const policy = createPolicy(policyName, { costs, alpha: 1 });
  const runner = new SplitRunner<number>({ network: s.network, modelHash: s.hash, policy, costs, alpha: 1, prepare: (i) => s.input(i), cloud, encoding, label: () => null, index: (i) => i });
  for (let i = 0; i < 5; i++) await runner.step(i); // warm-up
  const lat: number[] = [];
  let bytes = 0;
  const t0 = performance.now();
  let n = 0;
  while (n < MAX_SAMPLES && performance.now() - t0 < SECONDS * 1000) {
    const r = await runner.step(n++);
    if (r.fallback) throw new Error(`live bench: cloud failed: ${r.error}`);
    lat.push(r.latencyMs);
    bytes = r.bytesSent;
  }
  const secs = (performance.now() - t0) / 1000;
  return { mode, samples: n, perSec: n / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99), bytes };
}

async function throughput(url: string, s: Subject, devices: number): Promise<Row> {
  const body = encodeResumeRequest({ modelHash: s.hash, split: s.split, activation: s.network.runStages(0, s.split, s.input(0)).clone(), encoding: 'f32' });
  const cloud = new HttpCloud({ baseUrl: url, timeoutMs: 10_000, retries: 0, fetch: nodeFetch });
  const lat: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: devices }, async () => {
      while (n < MAX_SAMPLES && performance.now() < deadline) {
        n++;
        const a = performance.now();
        await cloud.resume(s.network.id, body);
        lat.push(performance.now() - a);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { mode: `server, ${devices} concurrent device${devices > 1 ? 's' : ''}`, samples: lat.length, perSec: lat.length / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99), bytes: body.length };
}

export async function run(): Promise<Row[]> {
  const s = subject();
  console.log(`live bench: ${s.name}, L = ${s.network.numStages}, split after stage ${s.split}, ${SECONDS} s per row`);
  const served = [{ network: s.network, hash: s.hash }];
  const server = await startServer({ models: served });
  const rows: Row[] = [];
  try {
    const local = new LocalCloud(new CloudService(served));
    rows.push(await runnerRow(s, 'device only (final layer)', 'final', local, 'f32'));
    rows.push(await runnerRow(s, `split ${s.split}, in-process cloud, f32`, `fixed:${s.split}`, local, 'f32'));
    for (const enc of ['f32', 'f16', 'int8'] as const) {
      rows.push(await runnerRow(s, `split ${s.split}, HTTP loopback, ${enc}`, `fixed:${s.split}`, new HttpCloud({ baseUrl: server.url, timeoutMs: 10_000, retries: 0, fetch: nodeFetch }), enc));
    }
    for (const n of [1, 4, 16]) rows.push(await throughput(server.url, s, n));
  } finally {
    await server.close();
  }
  console.log(`${'mode'.padEnd(40)} ${'samples'.padStart(8)} ${'per s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'bytes'.padStart(8)}`);
  for (const r of rows) {
    console.log(`${r.mode.padEnd(40)} ${String(r.samples).padStart(8)} ${r.perSec.toFixed(1).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.bytes).padStart(8)}`);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
