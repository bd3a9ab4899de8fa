/**
 * The load of bench/cloud/nginx-backlog.sh: autocannon at CONC connections for SECS seconds on nginx
 * (127.0.0.1:18080), POSTing a split-1 resume body of the shipped ResNet; prints throughput and p50/p99
 * of the 2xx and of the 503s; creates the file STARTED when the measured run begins.
 * node --import tsx bench/cloud/nginx-backlog-load.ts CONC SECS STARTED
 */
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/node/models/load.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { goldenBatch } from '../models/resnet.bench.js';

const DIR = join(fileURLToPath(new URL('../..', import.meta.url)), 'weights/fmnist-resnet');
const [conc, secs] = process.argv.slice(2, 4).map(Number);
const started = process.argv[4];
const m = loadModel(DIR);
const body = Buffer.from(encodeResumeRequest({ modelHash: m.hash, split: 1, activation: m.network.runStages(0, 1, goldenBatch(DIR, 1)), encoding: 'f32' }));
const opts = { url: 'http://127.0.0.1:18080/v1/models/fmnist-resnet/resume', method: 'POST' as const, body, headers: { 'content-type': 'application/octet-stream' } };
await autocannon({ ...opts, connections: 4, amount: 200 });
const ms: Record<string, number[]> = { '2xx': [], '503': [] };
writeFileSync(started, '');
const r = await autocannon({ ...opts, connections: conc, duration: secs, timeout: 10 }).on('response', (_c, status, _b, t) => void (status < 300 ? ms['2xx'] : status === 503 ? ms['503'] : []).push(t));
const q = (a: number[], p: number) => (a.length === 0 ? NaN : a[Math.min(a.length - 1, Math.floor(p * a.length))]);
const line = Object.entries(ms).map(([k, a]) => (a.sort((x, y) => x - y), `${k} ${a.length} p50 ${q(a, 0.5).toFixed(0)} p99 ${q(a, 0.99).toFixed(0)} ms`));
console.log(`${conc} connections, ${secs} s: ${r.requests.average.toFixed(0)} req/s; ${line.join('; ')}; errors ${r.errors + r.timeouts}`);
