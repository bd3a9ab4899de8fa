/**
 * Where a trace worker's time goes: W worker threads (W = 1 and 2, or argv) each do what a trace
 * worker does, step by step, on its share of the 2,000-image sample (contiguous, rows i*N/W..), and
 * report when each phase ended, in ms since the main thread created the workers:
 *   start    the worker's first statement (thread up, this module's static imports evaluated)
 *   import   the engine's modules imported (dynamic import, as a worker's entry would)
 *   read     config.json + model.safetensors read
 *   kernels  the kernel table built (createKernels; simd: decode, validate, compile, instantiate)
 *   build    buildModel (parse safetensors, build the layers, sha256 of the weights with node:crypto, as the loader does)
 *   sha256   the weights hashed again with the core's hash (@noble/hashes), and with node:crypto
 *   data     the data source resolved (read + decode the IDX files)
 *   compute  the trace of its rows
 *
 * node dist-bench/bench/live/trace-phases.js [KERNELS=simd] [W...] after `npx tsc -p tsconfig.bench.json`
 * (or node --import tsx bench/live/trace-phases.ts, slower start-up); wrap it in flock /tmp/bench.lock.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startWorker } from '../../src/node/worker-pool.js';
import { packageRoot } from '../../src/node/datasets/fashion-mnist.js';

interface PhaseJob {
  t0: number;
  modelDir: string;
  kernels: 'simd' | 'fast';
  start: number;
  end: number;
}

const now = (): number => performance.timeOrigin + performance.now();

async function phases(job: PhaseJob): Promise<Record<string, number>> {
  const t: Record<string, number> = { start: now() - job.t0 };
  const mark = (name: string): void => {
    t[name] = now() - job.t0;
  };
  const { createKernels, simdMemoryFor } = await import('../../src/tensor/kernels/index.js');
  const { buildModel, sha256Hex } = await import('../../src/layers/build-model.js');
  const { resolveSource } = await import('../../src/node/data-sources.js');
  const { nodeSha256 } = await import('../../src/node/models/load.js');
  const { computeTraceRows } = await import('../../src/node/commands/run-trace.js');
  mark('import');
  const config = JSON.parse(readFileSync(join(job.modelDir, 'config.json'), 'utf8')) as unknown;
  const weights = readFileSync(join(job.modelDir, 'model.safetensors'));
  mark('read');
  const kernels = createKernels(job.kernels, { memoryBytes: simdMemoryFor(weights.byteLength) });
  mark('kernels');
  const built = buildModel({ config, weights, name: 'fmnist-resnet' }, { kernels, sha256: nodeSha256 });
  mark('build');
  const a = performance.now();
  sha256Hex(weights);
  const b = performance.now();
  createHash('sha256').update(weights).digest('hex');
  t.shaNoble = b - a;
  t.shaNode = performance.now() - b;
  const model = { ...built, dir: job.modelDir };
  const src = resolveSource(model, { data: 'fashion-mnist:sample', labels: undefined, distortion: undefined, limit: undefined, seed: 0 });
  mark('data');
  const batches: number[] = [];
  let last = performance.now();
  computeTraceRows(model, src, job.start, job.end, 64, () => {
    const n = performance.now();
    batches.push(n - last);
    last = n;
  });
  mark('compute');
  batches.slice(0, 4).forEach((ms, i) => (t[`batch${i + 1}`] = ms));
  t.batchMedian = [...batches].sort((x, y) => x - y)[batches.length >> 1];
  return t;
}

async function main(): Promise<void> {
  const kernels = (process.env.KERNELS ?? 'simd') as 'simd' | 'fast';
  const counts = process.argv.slice(2).map(Number);
  const modelDir = join(packageRoot(), 'weights', 'fmnist-resnet');
  const N = 2000;
  for (const W of counts.length > 0 ? counts : [1, 2, 1, 2]) {
    const t0 = now();
    const entry = new URL(import.meta.url);
    const runs = Array.from({ length: W }, (_, i) => {
      const job: PhaseJob = { t0, modelDir, kernels, start: Math.floor((i * N) / W), end: Math.floor(((i + 1) * N) / W) };
      const w = startWorker(entry, job);
      return new Promise<Record<string, number>>((res, rej) => {
        w.once('message', res);
        w.once('error', rej);
      });
    });
    const results = await Promise.all(runs);
    const wall = now() - t0;
    console.log(`${kernels}, ${W} worker(s), wall ${wall.toFixed(0)} ms, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
    results.forEach((r, i) => {
      const keys = ['start', 'import', 'read', 'kernels', 'build', 'data', 'compute'];
      const ends = keys.map((k) => `${k} ${r[k].toFixed(0)}`).join(', ');
      console.log(`  worker ${i + 1}: ends at ${ends} ms; sha256 noble ${r.shaNoble.toFixed(1)} ms, node:crypto ${r.shaNode.toFixed(1)} ms`);
      console.log(`    batches of 64: first ${[1, 2, 3, 4].map((b) => r[`batch${b}`].toFixed(0)).join(', ')} ms, median ${r.batchMedian.toFixed(0)} ms`);
    });
  }
}

if (isMainThread) await main();
else parentPort?.postMessage(await phases(workerData as PhaseJob));
