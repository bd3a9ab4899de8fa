/**
 * The same-process ceiling of bench/tensor/simd.bench.ts: asm/ceiling.ts (built by scripts/build-wasm.mjs
 * into bench/tensor/ceiling-*.wasm) timed in the rounds of the kernels it bounds, so a kernel's GFLOP/s
 * can be read as a fraction of what this host gives in that minute (the VM's clock has moved 2x between
 * days). Each probe is one call of ~250 MFLOP:
 *   peak    register-only chains, no loads: relaxed = 12 f32x4.relaxed_madd chains (the host's 128-bit FMA
 *           rate); SIMD128 = 6 f32x4.mul + 6 f32x4.add chains (latency-bound on some hosts: a floor of
 *           the mul+add rate, not its ceiling).
 *   tileL1  the GEMM's own tile (4x8 SIMD128, 6x8 relaxed) over K = 256 steps of panels that stay in
 *           L1 (no miss, no packing): the best its inner loop does here; sgemm / tileL1 is the kernel's
 *           efficiency.
 * Loaded from the committed .wasm files (not compiled here: the compiler grows its own memory, which
 * would detach a buffer and slow every typed array of the process; bench/README.md "A 25% trap").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CeilingExports {
  peak(out: number, src: number, n: number): void;
  tileL1(c: number, pa: number, pb: number, kc: number, reps: number, edge: number): void;
  rows(): number;
}

/** The WebAssembly members used here (tsconfig's lib has no WebAssembly values; see simd-module.ts). */
const wasm = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: unknown };
  };
}).WebAssembly;

export interface Probe {
  label: string;
  /** Float operations of one call. */
  flop: number;
  run: () => void;
}

const PEAK_N = 2_500_000;
const KC = 256;
const TILE_REPS = 16_000;

/** The probes of one build (relaxed: f32x4.relaxed_madd), from bench/tensor/ceiling-*.wasm under dir. */
function probes(relaxed: boolean, dir: string): Probe[] {
  const name = relaxed ? 'relaxed' : 'simd';
  const memory = new wasm.Memory({ initial: 1, maximum: 1 }); // fixed, never grown
  const module = new wasm.Module(readFileSync(join(dir, `ceiling-${name}.wasm`)));
  const e = new wasm.Instance(module, { env: { memory } }).exports as unknown as CeilingExports;
  const f = new Float32Array(memory.buffer);
  const [src, pa, pb, c, edge] = [256, 1024, 8192, 512, 768]; // byte offsets: pa <= 6 KiB, pb 8 KiB
  f.fill(1, src / 4, src / 4 + 4); // s = 1
  f.fill(0, src / 4 + 4, src / 4 + 8); // u = 0
  for (let i = src / 4 + 8; i < src / 4 + 56; i++) f[i] = 0.5 + (i % 7) / 8; // chain seeds
  for (let i = pa / 4; i < pb / 4 + KC * 8; i++) f[i] = Math.sin(i * 12.9898) * 0.5;
  return [
    { label: relaxed ? 'relaxed_madd peak (12 chains)' : 'mul+add chains (6+6)', flop: (relaxed ? 8 : 4) * 12 * PEAK_N, run: () => e.peak(0, src, PEAK_N) },
    { label: `${name} L1 tile`, flop: 16 * e.rows() * KC * TILE_REPS, run: () => e.tileL1(c, pa, pb, KC, TILE_REPS, edge) },
  ];
}

/** SIMD128 probes, then the relaxed ones when relaxed SIMD validates; dir holds ceiling-*.wasm. */
export function ceilingProbes(relaxed: boolean, dir = 'bench/tensor'): Probe[] {
  return relaxed ? [...probes(false, dir), ...probes(true, dir)] : probes(false, dir);
}
