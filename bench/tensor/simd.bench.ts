/**
 * Issue #13 item 7 in one command: the simd kernel table against the fast TypeScript kernels and
 * onnxruntime, in one process, interleaved (rounds alternate the contenders; medians of the rounds).
 *   0. ceiling: bench/tensor/ceiling.ts's register-only peaks (timed in the first sgemm line's rounds) and
 *      the GEMM tile from L1 (timed in every kernel line's rounds); every simd kernel line reads "of L1
 *      tile" (its GFLOP/s over its build's tile in the same rounds): comparable across days, and across
 *      minutes, when the host's clock is not. Printed after section 1.
 *   1. kernels: sgemm 512^3, the ResNet's conv shapes (bench/tensor) at N = 1 and 64 and its exit heads'
 *      global average pooling at N = 64, GFLOP/s of
 *      process CPU time per call, for fast, simd (SIMD128) and simd-relaxed (f32x4.relaxed_madd, where
 *      the runtime validates it: Node 22+, or Node 20 with --experimental-wasm-relaxed-simd).
 *   2. models: fmnist-resnet batch 1 and 64 and spam-bert T = 128 (forwardAll: every exit), ms/sample for
 *      the same tables and for onnxruntime-web (wasm, 1 thread) and onnxruntime-node (1 thread and default
 *      threads) on the ONNX export, with onnxruntime's logits checked against ours and PyTorch's first.
 *      Needs bench/peers installed (bench/README.md "onnxruntime peers"); without it, only our tables.
 *   3. a summary: ms/sample per contender and simd / ort-web (wall and CPU).
 * Run with plain node, not tsx (tsx's loader detaches an ArrayBuffer: bench/README.md "A 25% trap"):
 *   npx tsc -p tsconfig.bench.json && flock /tmp/bench.lock node --experimental-wasm-relaxed-simd dist-bench/bench/tensor/simd.bench.js
 * (flock: one benchmark at a time on a shared machine). About 2 minutes on 2 cores; with the argument
 * `kernels` (node ... simd.bench.js kernels), sections 0 and 1 only (~30 s).
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKernels, createSimdKernels, simdValidates, gemmPlan, conv2dPlan, adaptiveAvgPool2dPlan, type Kernels } from '../../src/tensor/kernels/index.js';
import type { ResNetModel } from '../../src/layers/resnet.js';
import type { BertModel } from '../../src/layers/bert.js';
import { loadModel } from '../../src/node/models/load.js';
import type { PeerCase, PeerCheck, PeerRow } from '../peers/ort.bench-peer.js';
import { goldenBatch, loadPeers, resnetOrtInput, resnetPeerCheck } from '../models/resnet.bench.js';
import { bertPeerData } from '../models/bert.bench.js';
import { ceilingProbes, type Probe } from './ceiling.js';

function cpuMs(fn: () => void, reps: number): number {
  fn();
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000 / reps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A function timed by raceFns, reps calls per round. */
interface Timed {
  run: () => void;
  reps: number;
}

/** Median CPU ms per call of each fn, rounds interleaved. */
function raceFns(fns: Timed[], rounds = 5): number[] {
  const ms: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) fns.forEach((f, i) => ms[i].push(cpuMs(f.run, f.reps)));
  return ms.map(median);
}

function rnd(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 12.9898) * 0.5;
  return a;
}

/** The ResNet's conv layers (bench/tensor): [C, O, H, stride, kernel]. */
const CONV_SHAPES = [[16, 16, 28, 1, 3], [16, 32, 28, 2, 3], [32, 32, 14, 1, 3], [32, 64, 14, 2, 3], [64, 64, 7, 1, 3], [16, 32, 28, 2, 1]] as const;

/** The table name whose build a probe times: 'simd' (SIMD128) or 'simd-relaxed'. */
const probeTable = (p: Probe) => (p.label.startsWith('relaxed') ? 'simd-relaxed' : 'simd');

/**
 * Sections 0 and 1. Every line races the tables with the L1-tile probes of both builds (one call each per
 * round), so "of L1 tile" divides by the tile timed in the same rounds (the host's speed moves within
 * minutes); the register-only peaks run in the first line's rounds only.
 */
function kernelSection(tables: Kernels[], probes: Probe[]): void {
  const names = tables.map((t) => t.name);
  const tiles = probes.filter((p) => p.label.endsWith('L1 tile'));
  const peaks = probes.filter((p) => !tiles.includes(p));
  const line = (label: string, fns: (() => void)[], reps: number, flop: number, extra: Probe[] = []) => {
    const ms = raceFns([...fns.map((run) => ({ run, reps })), ...[...tiles, ...extra].map((p) => ({ run: p.run, reps: 1 }))]);
    const probeGf = [...tiles, ...extra].map((p, i) => p.flop / ms[fns.length + i] / 1e6);
    const tile = new Map(tiles.map((p, i) => [probeTable(p), probeGf[i]]));
    const gf = ms.slice(0, fns.length).map((m) => flop / m / 1e6);
    const of = names.flatMap((nm, i) => (tile.has(nm) ? [`${nm} ${(gf[i] / (tile.get(nm) ?? 1)).toFixed(2)}`] : []));
    console.log(`${label.padEnd(32)} ${gf.map((g, i) => `${names[i]} ${g.toFixed(1).padStart(5)}`).join(' | ')} | simd/fast ${(ms[0] / ms[1]).toFixed(1)}x | of L1 tile: ${of.join(', ')} (tile ${tiles.map((p, i) => probeGf[i].toFixed(1)).join(', ')})`);
    return [...tiles, ...extra].map((p, i) => `${p.label} ${probeGf[i].toFixed(1)}`);
  };
  console.log(`\n1. kernels: GFLOP/s (process CPU time per call, median of 5 interleaved rounds); ratio = simd / fast speed; of L1 tile = GFLOP/s / the same build's L1 tile (bench/tensor/ceiling.ts) timed in the same rounds`);
  const n = 512;
  const [a, b, c] = [rnd(n * n), rnd(n * n), new Float32Array(n * n)];
  const gp = gemmPlan([n, n], [n, n]);
  const ceiling = line('sgemm 512^3 (copy-in operands)', tables.map((k) => () => k.gemm(c, a, b, null, gp)), 3, 2 * n ** 3, peaks);
  const inMem = tables.map((k) => {
    if (!('allocate' in k)) return () => k.gemm(c, a, b, null, gp);
    const alloc = (k as Kernels & { allocate(n: number): Float32Array }).allocate;
    const [ta, tb, tc] = [alloc(n * n), alloc(n * n), alloc(n * n)];
    ta.set(a);
    tb.set(b);
    return () => k.gemm(tc, ta, tb, null, gp);
  });
  line('sgemm 512^3 (operands in memory)', inMem, 3, 2 * n ** 3);
  for (const [C, O, H, s, kk] of CONV_SHAPES) {
    for (const N of [1, 64]) {
      const p = conv2dPlan([N, C, H, H], [O, C, kk, kk], { stride: s, padding: kk === 3 ? 1 : 0, activation: 'relu' });
      const [x, w, bias, out, scratch] = [rnd(N * C * H * H), rnd(O * C * kk * kk), rnd(O), new Float32Array(N * O * p.Ho * p.Wo), new Float32Array(p.scratchSize)];
      const flop = 2 * N * O * C * kk * kk * p.Ho * p.Wo;
      line(`conv ${kk}x${kk}/${s} ${C}->${O} @${H} N=${N}`, tables.map((k) => () => k.conv2d(out, x, w, bias, p, scratch)), N === 1 ? 40 : 2, flop);
    }
  }
  // The exit heads' global average pooling (each head pools its stage's output to 1x1), operands in the
  // table's memory where it has one; "GFLOP/s" here counts one add per element read.
  for (const [C, H] of [[16, 28], [32, 14], [64, 7]] as const) {
    const N = 64;
    const p = adaptiveAvgPool2dPlan([N, C, H, H], 1);
    const pooled = tables.map((k) => {
      const alloc = 'allocate' in k ? (k as Kernels & { allocate(n: number): Float32Array }).allocate : (m: number) => new Float32Array(m);
      const [x, out] = [alloc(N * C * H * H), alloc(N * C)];
      x.set(rnd(x.length));
      return () => k.adaptiveAvgPool2d(out, x, p);
    });
    line(`global avg pool ${C}x${H}x${H} N=${N}`, pooled, 20, N * C * H * H);
  }
  console.log(`\n0. ceiling (bench/tensor/ceiling.ts), GFLOP/s, in the rounds of the first sgemm line: ${ceiling.join(' | ')}`);
}

/** One model's cases (ours = the first table, others = the rest) and onnxruntime's numeric check. */
interface ModelGroup {
  label: string;
  check: PeerCheck;
  onnx: string;
  cases: PeerCase[];
}

function modelGroups(tables: Kernels[]): ModelGroup[] {
  const groups: ModelGroup[] = [];
  const rdir = 'weights/fmnist-resnet';
  if (existsSync(join(rdir, 'model.safetensors'))) {
    const nets = tables.map((k) => loadModel(rdir, { kernels: k }).network as ResNetModel);
    const cases = [[1, 10], [64, 2]].map(([N, reps]): PeerCase => {
      const x = goldenBatch(rdir, N);
      const runs = nets.map((net) => () => net.forwardAll(x));
      return { label: `ResNet batch ${N}`, inputs: resnetOrtInput(x), samples: N, reps, ours: runs[0], others: runs.slice(1).map((run, i) => ({ name: tables[i + 1].name, run })) };
    });
    groups.push({ label: 'ResNet (weights/fmnist-resnet)', check: resnetPeerCheck(nets[0], rdir), onnx: join(rdir, 'model.onnx'), cases });
  } else console.log(`(no ${rdir}: ResNet skipped)`);
  const bdir = 'weights/spam-bert';
  if (existsSync(join(bdir, 'model.safetensors'))) {
    const nets = tables.map((k) => loadModel(bdir, { kernels: k }).network as BertModel);
    const d = bertPeerData(nets[0], bdir);
    const runs = nets.map((net) => () => net.forwardAll(d.x1, d.m1));
    const cases: PeerCase[] = [{ label: 'BERT T=128', inputs: d.inputs1, samples: 1, reps: 4, ours: runs[0], others: runs.slice(1).map((run, i) => ({ name: tables[i + 1].name, run })) }];
    groups.push({ label: `BERT (weights/spam-bert), timed input ${d.label}`, check: d.check, onnx: join(bdir, 'model.onnx'), cases });
  } else console.log(`(no ${bdir}: BERT skipped)`);
  return groups;
}

/** ms/sample (wall median, CPU) per contender of one case, from compareOrt's rows or our own rounds. */
type Summary = { label: string; cols: Map<string, { wall: number; cpu: number }> };

async function modelSection(tables: Kernels[]): Promise<Summary[]> {
  console.log(`\n2. models: forwardAll (every exit), ms/sample; onnxruntime on the ONNX export of the same weights`);
  const peers = await loadPeers();
  const out: Summary[] = [];
  for (const g of modelGroups(tables)) {
    console.log(`\n-- ${g.label}`);
    if (peers === null || !existsSync(g.onnx)) {
      console.log(`onnxruntime peers: ${peers === null ? 'not installed (cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci)' : `no ${g.onnx}`}; ours only, CPU time`);
      for (const c of g.cases) {
        const runs = [c.ours, ...(c.others ?? []).map((o) => o.run)];
        const ms = runs.map(() => [] as number[]);
        for (let r = 0; r < 3; r++) runs.forEach((f, i) => ms[i].push(cpuMs(f as () => void, c.reps) / c.samples));
        out.push({ label: c.label, cols: new Map(tables.map((t, i) => [t.name, { wall: NaN, cpu: median(ms[i]) }])) });
      }
      continue;
    }
    const rows: PeerRow[] = await peers.compareOrt(g.onnx, g.check, g.cases, 3, tables[0].name);
    for (const c of g.cases) {
      const mine = rows.filter((r) => r.case === c.label);
      const cols = new Map<string, { wall: number; cpu: number }>([[tables[0].name, mine[0].ours]]);
      for (const o of mine[0].others) cols.set(o.name, o.timing);
      for (const r of mine) cols.set(r.runtime.replace(/ \d+\.\d+\.\d+/, '').replace(/ \(\d+ cores\)/, ''), r.theirs);
      out.push({ label: c.label, cols });
    }
  }
  return out;
}

function printSummary(rows: Summary[]): void {
  console.log(`\n3. summary: ms/sample, wall median (process CPU in brackets); simd / ort-web < 1 means simd is faster`);
  for (const r of rows) {
    const web = [...r.cols.entries()].find(([k]) => k.startsWith('ort-web'))?.[1];
    const cells = [...r.cols.entries()].map(([k, v]) => `${k} ${Number.isNaN(v.wall) ? '-' : v.wall.toFixed(2)} (${v.cpu.toFixed(2)})`);
    const ratio = (name: string) => {
      const s = r.cols.get(name);
      return s === undefined || web === undefined ? '' : ` | ${name}/ort-web ${(s.wall / web.wall).toFixed(2)} (cpu ${(s.cpu / web.cpu).toFixed(2)})`;
    };
    console.log(`${r.label.padEnd(16)} ${cells.join(' | ')}${ratio('simd')}${ratio('simd-relaxed')}`);
  }
}

export async function run(): Promise<void> {
  const relaxed = simdValidates(true);
  const tables: Kernels[] = [createKernels('fast'), createSimdKernels({ relaxed: false })];
  if (relaxed) tables.push({ ...createSimdKernels({ relaxed: true }), name: 'simd-relaxed' });
  console.log(`simd bench: node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x ${cpus().length}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
  console.log(`tables: ${tables.map((t) => t.name).join(', ')} (relaxed SIMD ${relaxed ? 'validates' : 'does not validate here: run node with --experimental-wasm-relaxed-simd (Node 20) for simd-relaxed'})`);
  kernelSection(tables, ceilingProbes(relaxed));
  if (process.argv.includes('kernels')) return void console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const summary = await modelSection(tables);
  printSummary(summary);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
