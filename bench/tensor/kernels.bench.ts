/**
 * GFLOP/s of the fast sgemm and conv2d beside a naive loop run in the same process (the ratio is
 * the figure that survives a noisy machine). FLOPs: 2*M*N*K for gemm, 2*N*O*C*9*Ho*Wo for a 3x3 conv.
 * Naive gemm: the textbook float32 i-j-k triple loop; naive conv: conv2dNaive (a direct loop nest).
 * Median latency of tinybench samples; the naive side runs fewer iterations (it is 5-20x slower).
 * `fast cpu` times the fast kernel by process CPU time (process.cpuUsage, median of repetitions):
 * on a shared, loaded machine wall time also counts the time the thread waits for a core (calls
 * longer than a scheduler slice, such as conv2d at N = 64, lose half or more), CPU time does not.
 *
 * For bench/index.ts: `await run()`. Alone: node dist-bench/bench/tensor/kernels.bench.js after `npx tsc -p tsconfig.bench.json` (or node --import tsx bench/tensor/kernels.bench.ts)
 */
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { gemm, gemmPlan } from '../../src/tensor/kernels/gemm.js';
import { conv2d, conv2dNaive, conv2dPlan } from '../../src/tensor/kernels/conv2d.js';
import { Rng } from '../../src/splitee/rng.js';

function random(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.float() * 2 - 1;
  return a;
}

/** c [M,N] = a [M,K] @ b [K,N] (or b [N,K] transposed): the loop everyone writes first. */
function naiveGemm(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, transB: boolean): void {
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[transB ? j * K + k : k * N + j];
      c[i * N + j] = s;
    }
}

interface Row {
  kernel: string;
  shape: string;
  fastGflops: number;
  naiveGflops: number;
  fastCpuGflops: number;
}

/** Median CPU ms (user + system of this process) per call of fn, calls batched to >= ~20 ms. */
export function cpuMedian(fn: () => void, reps: number): number {
  fn();
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  const one = Math.max((d.user + d.system) / 1000, 0.01);
  const inner = Math.max(1, Math.ceil(20 / one));
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const u0 = process.cpuUsage();
    for (let i = 0; i < inner; i++) fn();
    const u = process.cpuUsage(u0);
    t.push((u.user + u.system) / 1000 / inner);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

async function median(name: string, fn: () => void, iterations: number, time: number): Promise<number> {
  const bench = new Bench({ name, time, iterations, warmupIterations: 1, warmupTime: 0 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (!r || !('latency' in r)) throw new Error(`bench ${name}: no result (${r?.state ?? 'not run'})`);
  return r.latency.p50;
}

export async function run(): Promise<Row[]> {
  const rng = Rng.seeded(1);
  const rows: Row[] = [];
  const gemmCases: [number, number, number, boolean][] = [[256, 256, 256, false], [512, 512, 512, false], [128, 256, 1024, true], [128, 1024, 256, false], [1, 512, 512, true]];
  for (const [M, N, K, transB] of gemmCases) {
    const a = random(rng, M * K);
    const b = random(rng, K * N);
    const c = new Float32Array(M * N);
    const p = gemmPlan([M, K], transB ? [N, K] : [K, N], { transB });
    const flops = 2 * M * N * K;
    const fast = await median('gemm', () => gemm(c, a, b, null, p), 10, 400);
    const naive = await median('naive', () => naiveGemm(c, a, b, M, N, K, transB), 2, 200);
    const cpu = cpuMedian(() => gemm(c, a, b, null, p), 7);
    rows.push({ kernel: M === 1 ? 'gemv' : 'sgemm', shape: `${M}x${N}x${K}${transB ? ' (B^T)' : ''}`, fastGflops: flops / fast / 1e6, naiveGflops: flops / naive / 1e6, fastCpuGflops: flops / cpu / 1e6 });
  }
  for (const [C, H] of [[16, 28], [32, 14], [64, 7]]) {
    for (const N of [1, 64]) {
      const p = conv2dPlan([N, C, H, H], [C, C, 3, 3], { padding: 1 });
      const x = random(rng, N * C * H * H);
      const w = random(rng, C * C * 9);
      const bias = random(rng, C);
      const out = new Float32Array(N * C * H * H);
      const scratch = new Float32Array(p.scratchSize);
      const flops = 2 * N * C * C * 9 * H * H;
      const fast = await median('conv2d', () => conv2d(out, x, w, bias, p, scratch), 10, 400);
      const naive = await median('naive', () => conv2dNaive(out, x, w, bias, p), 2, 200);
      const cpu = cpuMedian(() => conv2d(out, x, w, bias, p, scratch), 7);
      rows.push({ kernel: 'conv2d 3x3', shape: `[${N},${C},${H},${H}]->${C}`, fastGflops: flops / fast / 1e6, naiveGflops: flops / naive / 1e6, fastCpuGflops: flops / cpu / 1e6 });
    }
  }
  console.log('\ntensor kernels (GFLOP/s, median of tinybench samples, single thread)');
  console.table(rows.map((r) => ({ kernel: r.kernel, shape: r.shape, fast: r.fastGflops.toFixed(2), naive: r.naiveGflops.toFixed(2), ratio: `${(r.fastGflops / r.naiveGflops).toFixed(1)}x`, 'fast cpu': r.fastCpuGflops.toFixed(2) })));
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
