/**
 * simd vs fast kernels, interleaved in one process (rounds alternate the tables; the median of each
 * is reported): sgemm 512^3, the ResNet's conv shapes (bench/tensor), the fmnist ResNet's forwardAll
 * at batch 1 and 64, the spam-bert forwardAll at T = 128. CPU time per call (process.cpuUsage), which
 * a loaded machine distorts less than wall time. The simd table runs the SIMD128 build (Node 20
 * validates relaxed SIMD only with --experimental-wasm-relaxed-simd; with it the relaxed build runs too).
 * Alone: node --import tsx bench/tensor/simd.bench.ts   (wrap in flock /tmp/bench.lock on shared machines)
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createKernels, createSimdKernels, simdValidates, gemmPlan, conv2dPlan, type Kernels } from '../../src/tensor/kernels/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadModel } from '../../src/node/models/load.js';

function cpuMs(fn: () => void, reps: number): number {
  fn();
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000 / reps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms per call of each table's fn, rounds interleaved. */
function race(tables: Kernels[], make: (k: Kernels) => () => void, reps: number, rounds = 5): number[] {
  const fns = tables.map(make);
  const ms: number[][] = tables.map(() => []);
  for (let r = 0; r < rounds; r++) fns.forEach((f, i) => ms[i].push(cpuMs(f, reps)));
  return ms.map(median);
}

function rnd(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 12.9898) * 0.5;
  return a;
}

export async function run(): Promise<void> {
  const tables: Kernels[] = [createKernels('fast'), createSimdKernels({ relaxed: false })];
  if (simdValidates(true)) tables.push({ ...createSimdKernels({ relaxed: true }), name: 'simd-relaxed' });
  const names = tables.map((t) => t.name);
  console.log(`tables: ${names.join(', ')} (relaxed SIMD ${simdValidates(true) ? 'validates' : 'does not validate'} here); ${process.version}`);
  const line = (label: string, ms: number[], flop: number) => console.log(`${label.padEnd(34)} ${ms.map((m, i) => `${names[i]} ${m.toFixed(3)} ms ${(flop / m / 1e6).toFixed(1)} GFLOP/s`).join(' | ')} | fast/simd ${(ms[0] / ms[1]).toFixed(2)}x`);

  const n = 512;
  const [a, b, c] = [rnd(n * n), rnd(n * n), new Float32Array(n * n)];
  const gp = gemmPlan([n, n], [n, n]);
  line('sgemm 512^3 (copy-in operands)', race(tables, (k) => () => k.gemm(c, a, b, null, gp), 3), 2 * n ** 3);

  for (const [C, O, H, s, kk] of [[16, 16, 28, 1, 3], [16, 32, 28, 2, 3], [32, 32, 14, 1, 3], [32, 64, 14, 2, 3], [64, 64, 7, 1, 3], [16, 32, 28, 2, 1]]) {
    for (const N of [1, 64]) {
      const p = conv2dPlan([N, C, H, H], [O, C, kk, kk], { stride: s, padding: kk === 3 ? 1 : 0, activation: 'relu' });
      const [x, w, bias, out, scratch] = [rnd(N * C * H * H), rnd(O * C * kk * kk), rnd(O), new Float32Array(N * O * p.Ho * p.Wo), new Float32Array(p.scratchSize)];
      const flop = 2 * N * O * C * kk * kk * p.Ho * p.Wo;
      line(`conv ${kk}x${kk}/${s} ${C}->${O} @${H} N=${N}`, race(tables, (k) => () => k.conv2d(out, x, w, bias, p, scratch), N === 1 ? 40 : 2), flop);
    }
  }

  const forNet = (dir: string, x: () => [Tensor, Float32Array | undefined], label: string, reps: number, samples: number) => {
    if (!existsSync(dir)) return console.log(`${label}: no ${dir}; skipped`);
    const nets = tables.map((k) => loadModel(dir, { kernels: k }).network as unknown as { forwardAll(x: Tensor, mask?: Float32Array): Tensor[] });
    const [input, mask] = x();
    const ms = race(tables, (k) => { const net = nets[tables.indexOf(k)]; return () => net.forwardAll(input, mask); }, reps, 3).map((m) => m / samples);
    console.log(`${label.padEnd(34)} ${ms.map((m, i) => `${names[i]} ${m.toFixed(2)} ms/sample`).join(' | ')} | fast/simd ${(ms[0] / ms[1]).toFixed(2)}x`);
  };
  const img = (N: number) => (): [Tensor, undefined] => [new Tensor(rnd(N * 784), [N, 1, 28, 28]), undefined];
  forNet('weights/fmnist-resnet', img(1), 'ResNet forwardAll batch 1', 20, 1);
  forNet('weights/fmnist-resnet', img(64), 'ResNet forwardAll batch 64', 1, 64);
  forNet('weights/spam-bert', () => [new Tensor(Float32Array.from({ length: 128 }, (_, i) => 5 + ((i * 7919) % 1000)), [1, 128]), undefined], 'BERT forwardAll T=128 batch 1', 3, 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
