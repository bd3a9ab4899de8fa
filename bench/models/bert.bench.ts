/**
 * The multi-exit BERT at length 128: ms/sample for the whole encoder (every layer and every exit, as a trace
 * runs it) and per layer, and the GFLOP/s of the GEMMs and the attention kernel on the model's own shapes.
 * FLOPs: 2 x multiply-adds (gemm 2*M*N*K; attention 4*T*T*H: scores and context), as bertLayerFlops.
 * Model: weights/spam-bert when it loads, else random weights of the same sizes (timing does not depend on
 * the values). Median latency of tinybench samples (wall), one thread, and beside it the process CPU time
 * per call (`cpuMedian` of bench/tensor/kernels.bench.ts: median of repetitions, calls batched to >= 20 ms),
 * which is the figure to read on a shared, loaded machine. Figures are reported, never asserted.
 *
 * If bench/peers has been installed (bench/README.md) and weights/spam-bert loads, its ONNX export is run in
 * onnxruntime-node (one thread and default threading) and onnxruntime-web (wasm, one thread): logits on the
 * golden inputs against ours and PyTorch's, then ms/sample at T = 128, batch 1, interleaved with ours.
 *
 * For bench/index.ts: `await run()`. Alone: node dist-bench/bench/models/bert.bench.js after `npx tsc -p tsconfig.bench.json` (or node --import tsx bench/models/bert.bench.ts)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { buildBert, type BertModel } from '../../src/layers/bert.js';
import { bertLayerFlops } from '../../src/layers/bert-config.js';
import type { NamedTensor } from '../../src/layers/weights.js';
import { loadModel } from '../../src/node/models/load.js';
import { Arena } from '../../src/tensor/arena.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { attentionPlan, fastKernels, gemmPlan, type Activation } from '../../src/tensor/kernels/index.js';
import { Rng } from '../../src/splitee/rng.js';
import { parseSafetensors, tensorAsFloat32 } from '../../src/tensor/io/safetensors.js';
import type { OrtInput, PeerCheck } from '../peers/ort.bench-peer.js';
import { loadPeers } from './resnet.bench.js';
import { cpuMedian } from '../tensor/kernels.bench.js';

const T = 128;

async function median(name: string, fn: () => void, iterations: number, time: number): Promise<number> {
  const bench = new Bench({ name, time, iterations, warmupIterations: 2, warmupTime: 0 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (!r || !('latency' in r)) throw new Error(`bench ${name}: no result (${r?.state ?? 'not run'})`);
  return r.latency.p50;
}

function random(rng: Rng, n: number, scale = 0.05): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (rng.float() * 2 - 1);
  return a;
}

/** spam-bert's sizes with random weights (when the export is not there or does not load). */
function randomSpamSized(): BertModel {
  const [V, H, L, heads, I, K] = [8000, 128, 6, 2, 512, 2];
  const rng = Rng.seeded(1);
  const m = new Map<string, NamedTensor>();
  const put = (name: string, shape: number[], center = 0) => m.set(name, { shape, data: random(rng, shape.reduce((a, b) => a * b, 1)).map((v) => v + center) });
  const lin = (p: string, o: number, i: number) => (put(`${p}.weight`, [o, i]), put(`${p}.bias`, [o]));
  const ln = (p: string) => (put(`${p}.weight`, [H], 1), put(`${p}.bias`, [H]));
  put('bert.embeddings.word_embeddings.weight', [V, H]);
  put('bert.embeddings.position_embeddings.weight', [T, H]);
  put('bert.embeddings.token_type_embeddings.weight', [2, H]);
  ln('bert.embeddings.LayerNorm');
  for (let l = 0; l < L; l++) {
    const p = `bert.encoder.layer.${l}`;
    for (const q of ['query', 'key', 'value']) lin(`${p}.attention.self.${q}`, H, H);
    lin(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, I, H);
    lin(`${p}.output.dense`, H, I);
    ln(`${p}.output.LayerNorm`);
    lin(`exits.${l}.pooler.dense`, H, H);
    lin(`exits.${l}.classifier`, K, H);
  }
  const config = { vocab_size: V, hidden_size: H, num_hidden_layers: L, num_attention_heads: heads, intermediate_size: I, max_position_embeddings: T, splitee: { id: 'random-spam-sized', architecture: 'bert-multi-exit', num_classes: K, max_length: T } };
  return buildBert(config, m);
}

function model(): { net: BertModel; what: string } {
  const dir = join(process.cwd(), 'weights', 'spam-bert');
  if (existsSync(join(dir, 'model.safetensors'))) {
    try {
      return { net: loadModel(dir).network as BertModel, what: 'weights/spam-bert' };
    } catch (e) {
      console.log(`(weights/spam-bert does not load: ${(e as Error).message.slice(0, 120)}; using random weights of its sizes)`);
    }
  }
  return { net: randomSpamSized(), what: 'random weights, spam-bert sizes' };
}

export interface BertBenchResult {
  model: string;
  /** wall (tinybench median) */
  msPerSample: { encoderAllExits: number; encoderAllExitsBatch8: number; embeddings: number; layers: number[] };
  /** process CPU time */
  cpuMsPerSample: { encoderAllExits: number; encoderAllExitsBatch8: number; layers: number[] };
  gflops: { name: string; shape: string; gflops: number; cpuGflops: number }[];
}

export async function run(): Promise<BertBenchResult> {
  const { net, what } = model();
  const c = net.config;
  const H = c.hiddenSize;
  const rng = Rng.seeded(2);
  const ids = new Tensor(Float32Array.from({ length: T }, () => 5 + rng.int(c.vocabSize - 5)), [1, T]);
  const ids8 = new Tensor(Float32Array.from({ length: 8 * T }, () => 5 + rng.int(c.vocabSize - 5)), [8, T]);
  const all = await median('encoder', () => net.forwardAll(ids), 10, 1500);
  const all8 = (await median('encoder x8', () => net.forwardAll(ids8), 3, 1500)) / 8;
  const allCpu = cpuMedian(() => net.forwardAll(ids), 7);
  const all8Cpu = cpuMedian(() => net.forwardAll(ids8), 5) / 8;
  const arena = new Arena();
  const x = random(rng, T * H, 1);
  const out = new Float32Array(T * H);
  const emb = await median('embeddings', () => net.embeddings.forward(out, ids.flat(), 1, T), 20, 300);
  const layers: number[] = [];
  const layersCpu: number[] = [];
  for (const layer of net.layers) {
    layers.push(await median('layer', () => layer.forward(out, x, null, 1, T, arena), 8, 600));
    layersCpu.push(cpuMedian(() => layer.forward(out, x, null, 1, T, arena), 7));
  }

  const k = fastKernels;
  const gflops: BertBenchResult['gflops'] = [];
  const gemmCase = async (name: string, M: number, N: number, K: number, act: Activation) => {
    const a = random(rng, M * K, 1);
    const b = random(rng, N * K, 1);
    const bias = random(rng, N, 1);
    const cc = new Float32Array(M * N);
    const p = gemmPlan([M, K], [N, K], { transB: true, bias: 'col', activation: act });
    const ms = await median(name, () => k.gemm(cc, a, b, bias, p), 20, 400);
    const cpu = cpuMedian(() => k.gemm(cc, a, b, bias, p), 7);
    gflops.push({ name, shape: `[${M},${K}] x [${N},${K}]^T${act === 'none' ? '' : ` + ${act}`}`, gflops: (2 * M * N * K) / ms / 1e6, cpuGflops: (2 * M * N * K) / cpu / 1e6 });
  };
  await gemmCase('Q/K/V/output projection', T, H, H, 'none');
  await gemmCase('feed-forward in (GELU fused)', T, c.intermediateSize, H, 'gelu');
  await gemmCase('feed-forward out', T, H, c.intermediateSize, 'none');
  await gemmCase('exit pooler (gemv)', 1, H, H, 'none');
  for (const masked of [false, true]) {
    const s = [1, T, H];
    const ap = attentionPlan(s, s, s, c.numHeads, masked ? [1, T] : null);
    const q = random(rng, T * H, 1);
    const kk = random(rng, T * H, 1);
    const v = random(rng, T * H, 1);
    const mask = masked ? Float32Array.from({ length: T }, (_, t) => (t < 100 ? 1 : 0)) : null;
    const scratch = new Float32Array(ap.scratchSize);
    const ms = await median('attention', () => k.attention(out, q, kk, v, mask, ap, scratch), 20, 400);
    const cpu = cpuMedian(() => k.attention(out, q, kk, v, mask, ap, scratch), 7);
    gflops.push({ name: `attention${masked ? ' (masked)' : ''}`, shape: `[1,${T},${H}], ${c.numHeads} heads`, gflops: (4 * T * T * H) / ms / 1e6, cpuGflops: (4 * T * T * H) / cpu / 1e6 });
  }

  const flops = bertLayerFlops(c, T);
  console.log(`\nmulti-exit BERT (${what}): ${c.numLayers} layers, H ${H}, ${c.numHeads} heads, I ${c.intermediateSize}, T = ${T}; ${(flops / 1e6).toFixed(1)} MFLOP per layer`);
  const row = (part: string, wall: number, cpu: number, f: number) => ({ part, 'ms/sample': wall.toFixed(2), 'cpu ms/sample': cpu.toFixed(2), 'GFLOP/s': (f / wall / 1e6).toFixed(2), 'cpu GFLOP/s': (f / cpu / 1e6).toFixed(2) });
  console.table([
    row(`encoder + all ${c.numLayers} exits, batch 1`, all, allCpu, c.numLayers * flops),
    row(`encoder + all ${c.numLayers} exits, batch 8`, all8, all8Cpu, c.numLayers * flops),
    { part: 'embeddings (gather + LayerNorm)', 'ms/sample': emb.toFixed(3), 'cpu ms/sample': '-', 'GFLOP/s': '-', 'cpu GFLOP/s': '-' },
    ...layers.map((ms, i) => row(`layer ${i + 1}`, ms, layersCpu[i], flops)),
  ]);
  console.table(gflops.map((g) => ({ kernel: g.name, shape: g.shape, 'GFLOP/s': g.gflops.toFixed(2), 'cpu GFLOP/s': g.cpuGflops.toFixed(2) })));
  if (what === 'weights/spam-bert') await compareWithOrt(net, join(process.cwd(), 'weights', 'spam-bert'));
  else console.log('onnxruntime peers: weights/spam-bert does not load; skipped');
  return { model: what, msPerSample: { encoderAllExits: all, encoderAllExitsBatch8: all8, embeddings: emb, layers }, cpuMsPerSample: { encoderAllExits: allCpu, encoderAllExitsBatch8: all8Cpu, layers: layersCpu }, gflops };
}

/**
 * The onnxruntime comparison's data for a BERT folder: the numeric check on every golden input (our logits
 * from `net`), and the timed input: the golden email with the most real tokens, batch 1 (compute does not
 * depend on the mask), as our engine and as onnxruntime take it.
 */
export function bertPeerData(net: BertModel, dir: string): { check: PeerCheck; x1: Tensor; m1: Float32Array; inputs1: OrtInput[]; label: string } {
  const g = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'golden.safetensors'))));
  const get = (name: string) => {
    const e = g.tensors.get(name);
    if (e === undefined) throw new Error(`${dir}/golden.safetensors has no '${name}'`);
    return { shape: e.shape, data: tensorAsFloat32(e) };
  };
  const ids = get('input_ids');
  const mask = get('attention_mask');
  const [N, L] = ids.shape;
  const outputs = Array.from({ length: net.numStages }, (_, e) => `exit_${e + 1}`);
  const golden = outputs.map((o) => get(`${o}.logits`).data);
  const ours = net.forwardAll(new Tensor(ids.data, [N, L]), mask.data).map((t) => Float32Array.from(t.flat()));
  const inputs = (rows: number[]): OrtInput[] => {
    const pick = (a: Float32Array) => BigInt64Array.from(rows.flatMap((r) => Array.from(a.subarray(r * L, (r + 1) * L), (v) => BigInt(v))));
    return [
      { name: 'input_ids', type: 'int64', data: pick(ids.data), dims: [rows.length, L] },
      { name: 'attention_mask', type: 'int64', data: pick(mask.data), dims: [rows.length, L] },
    ];
  };
  let best = 0;
  const used = (r: number) => mask.data.subarray(r * L, (r + 1) * L).reduce((a, b) => a + b, 0);
  for (let r = 1; r < N; r++) if (used(r) > used(best)) best = r;
  return {
    check: { inputs: inputs([...Array(N).keys()]), outputs, numClasses: golden[0].length / N, ours, golden },
    x1: new Tensor(ids.data.slice(best * L, (best + 1) * L), [1, L]),
    m1: mask.data.slice(best * L, (best + 1) * L),
    inputs1: inputs([best]),
    label: `T ${L}, batch 1 (golden row ${best}, ${used(best)} of ${L} tokens real)`,
  };
}

/** weights/spam-bert in onnxruntime beside ours (bench/peers/ort.bench-peer.ts), when installed: fast and simd kernels. */
async function compareWithOrt(net: BertModel, dir: string): Promise<void> {
  const peers = await loadPeers();
  const onnx = join(dir, 'model.onnx');
  if (peers === null || !existsSync(onnx)) {
    console.log(`onnxruntime peers: ${peers === null ? 'not installed (cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm install)' : `no ${onnx}`}; skipped`);
    return;
  }
  const d = bertPeerData(net, dir);
  const simd = loadModel(dir, { kernels: 'simd' }).network as BertModel;
  console.log(`\nonnxruntime: timed input ${d.label}`);
  await peers.compareOrt(onnx, d.check, [
    { label: d.label.split(' (')[0], inputs: d.inputs1, samples: 1, reps: 4, ours: () => net.forwardAll(d.x1, d.m1), others: [{ name: 'simd', run: () => simd.forwardAll(d.x1, d.m1) }] },
  ], 3, 'fast');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
