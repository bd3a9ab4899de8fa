/**
 * A/B of two builds of the simd kernel module in one process, rounds interleaved: sgemm 512^3 and the
 * ResNet's conv shapes (bench/tensor/simd.bench.ts's cases, operands in the table's memory, conv weights
 * pre-packed), GFLOP/s of process CPU time, median of 7 rounds, and new/old. Each build is a directory
 * holding wasm/kernels-simd.wasm and wasm/kernels-relaxed.wasm, e.g. `node scripts/build-wasm.mjs --out DIR`
 * run on the variant's asm/ (both builds must export what this tree's src/tensor/kernels/simd-module.ts
 * calls). Not a bench module (bench/index.ts runs *.bench.ts only):
 *   npx tsc -p tsconfig.bench.json && flock /tmp/bench.lock node --experimental-wasm-relaxed-simd \
 *     dist-bench/bench/tensor/simd-ab.js OLD_DIR NEW_DIR [relaxed]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createSimdKernels, conv2dPlan, gemmPlan, type SimdKernels } from '../../src/tensor/kernels/index.js';

const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;

function cpuMs(fn: () => void, reps: number): number {
  fn();
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000 / reps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function fill(dst: Float32Array): Float32Array {
  for (let i = 0; i < dst.length; i++) dst[i] = Math.sin(i * 12.9898) * 0.5;
  return dst;
}

/** GFLOP/s of each fn (median of 7 interleaved rounds of reps calls). */
function race(fns: (() => void)[], reps: number, flop: number): number[] {
  const ms: number[][] = fns.map(() => []);
  for (let r = 0; r < 7; r++) fns.forEach((f, i) => ms[i].push(cpuMs(f, reps)));
  return ms.map((m) => flop / median(m) / 1e6);
}

function print(label: string, g: number[]): void {
  console.log(`${label.padEnd(28)} old ${g[0].toFixed(1).padStart(5)} | new ${g[1].toFixed(1).padStart(5)} | new/old ${(g[1] / g[0]).toFixed(3)}`);
}

export function run(oldDir: string, newDir: string, relaxed: boolean): void {
  const build = relaxed ? 'relaxed' : 'simd';
  const tables: SimdKernels[] = [oldDir, newDir].map((d) => createSimdKernels({ relaxed, module: new wasm.Module(readFileSync(join(d, 'wasm', `kernels-${build}.wasm`))) }));
  console.log(`simd-ab (${build}): old ${oldDir}, new ${newDir}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
  const n = 512;
  const gp = gemmPlan([n, n], [n, n]);
  print('sgemm 512^3 (in memory)', race(tables.map((k) => {
    const [a, b, c] = [fill(k.allocate(n * n)), fill(k.allocate(n * n)), k.allocate(n * n)];
    return () => k.gemm(c, a, b, null, gp);
  }), 3, 2 * n ** 3));
  for (const [C, O, H, s, kk] of [[16, 16, 28, 1, 3], [16, 32, 28, 2, 3], [32, 32, 14, 1, 3], [32, 64, 14, 2, 3], [64, 64, 7, 1, 3], [16, 32, 28, 2, 1]]) {
    for (const N of [1, 64]) {
      const p = conv2dPlan([N, C, H, H], [O, C, kk, kk], { stride: s, padding: kk === 3 ? 1 : 0, activation: 'relu' });
      const w = fill(new Float32Array(O * C * kk * kk));
      const fns = tables.map((k) => {
        const [x, bias, out] = [fill(k.allocate(N * C * H * H)), fill(k.allocate(O)), k.allocate(N * O * p.Ho * p.Wo)];
        const pw = k.packConvWeights(w, p);
        return () => k.conv2d(out, x, w, bias, p, null, pw);
      });
      print(`conv ${kk}x${kk}/${s} ${C}->${O} @${H} N=${N}`, race(fns, N === 1 ? 40 : 2, 2 * N * O * C * kk * kk * p.Ho * p.Wo));
    }
  }
}

const [oldDir, newDir] = process.argv.slice(2);
if (oldDir === undefined || newDir === undefined) {
  console.error('usage: node dist-bench/bench/tensor/simd-ab.js OLD_DIR NEW_DIR [relaxed]');
  process.exit(1);
}
run(oldDir, newDir, process.argv.includes('relaxed'));
