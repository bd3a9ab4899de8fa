/**
 * The fmnist-resnet forward pass in the TypeScript engine: ms/sample for the whole network (every
 * exit head included, forwardAll) at batch 1 and batch 64, then per stage at batch 64 with its FLOPs,
 * the f32 bytes of its output activation and the GFLOP/s reached. FLOPs follow the model's profile
 * (2 x multiply-adds of convs and linears; see src/layers/resnet.ts). Median of repetitions; the
 * input is the golden set (standardized test images), tiled to the batch size.
 * If bench/peers has been installed (bench/README.md), the ONNX export is run in onnxruntime-node (one
 * thread and default threading) and onnxruntime-web (wasm, one thread): its logits on the golden inputs
 * against ours and PyTorch's, then ms/sample at batch 1 and 64 interleaved with ours (the fast kernels,
 * and the same network on the simd table), with the ratios.
 *
 * For bench/index.ts: `await run()`. Alone: node dist-bench/bench/models/resnet.bench.js [MODEL_DIR] after `npx tsc -p tsconfig.bench.json` (or node --import tsx bench/models/resnet.bench.ts [MODEL_DIR])
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseSafetensors, tensorAsFloat32 } from '../../src/tensor/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { ResNetModel } from '../../src/layers/resnet.js';
import { loadModel } from '../../src/node/models/load.js';
import type { OrtInput, PeerCheck } from '../peers/ort.bench-peer.js';

const MODEL_DIRS = ['weights/fmnist-resnet'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of fn over reps runs after `warm` warm-up runs. */
export function timeMs(fn: () => void, reps: number, warm = 2): number {
  for (let i = 0; i < warm; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** A standardized input batch [n,1,28,28] from golden.safetensors (tiled). */
export function goldenBatch(dir: string, n: number): Tensor {
  const g = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'golden.safetensors'))));
  const e = g.tensors.get('input');
  if (e === undefined) throw new Error(`${dir}/golden.safetensors has no 'input'`);
  const src = tensorAsFloat32(e);
  const per = 784;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) out.set(src.subarray((i % e.shape[0]) * per, (i % e.shape[0] + 1) * per), i * per);
  return new Tensor(out, [n, 1, 28, 28]);
}

/**
 * The peers module (../peers/ort.bench-peer, compiled or not, beside this file) when bench/peers has been
 * installed (bench/README.md: its node_modules stay in the source tree, under the working directory), else null.
 */
export async function loadPeers(): Promise<typeof import('../peers/ort.bench-peer.js') | null> {
  const peers = new URL(`../peers/ort.bench-peer${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!existsSync(join('bench', 'peers', 'node_modules', 'onnxruntime-node')) || !existsSync(peers)) return null;
  return (await import(peers.href)) as typeof import('../peers/ort.bench-peer.js');
}

/** An input batch as onnxruntime takes it. */
export function resnetOrtInput(x: Tensor): OrtInput[] {
  return [{ name: 'input', type: 'float32', data: x.flat(), dims: [...x.shape] }];
}

/** The onnxruntime numeric check's data: every golden input, our logits from `net` and PyTorch's, every exit. */
export function resnetPeerCheck(net: ResNetModel, dir: string): PeerCheck {
  const g = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'golden.safetensors'))));
  const gx = goldenBatch(dir, g.tensors.get('input')!.shape[0]);
  const outputs = Array.from({ length: net.numStages }, (_, e) => `exit_${e + 1}`);
  const ours = net.forwardAll(gx).map((t) => Float32Array.from(t.flat()));
  const golden = outputs.map((o) => tensorAsFloat32(g.tensors.get(`${o}.logits`)!));
  return { inputs: resnetOrtInput(gx), outputs, numClasses: golden[0].length / gx.shape[0], ours, golden };
}

export async function run(dirArg?: string): Promise<{ b1: number; b64: number }> {
  const dir = dirArg ?? MODEL_DIRS.find((d) => existsSync(join(d, 'model.safetensors')));
  if (dir === undefined) {
    console.log('resnet bench: no model folder (weights/fmnist-resnet); skipped');
    return { b1: NaN, b64: NaN };
  }
  const model = loadModel(dir);
  const net = model.network as ResNetModel;
  const p = net.profile;
  const total = p.stageFlops.reduce((a, b) => a + b, 0) + p.exitFlops.reduce((a, b) => a + b, 0);
  console.log(`model ${model.id} (${dir}, sha256 ${model.hash.slice(0, 12)}): ${(total / 1e6).toFixed(2)} MFLOP/sample with all exit heads`);
  const x1 = goldenBatch(dir, 1);
  const x64 = goldenBatch(dir, 64);
  const b1 = timeMs(() => net.forwardAll(x1), 30, 5);
  const b64 = timeMs(() => net.forwardAll(x64), 5, 1) / 64;
  console.log(`whole network (forwardAll, 12 exits): batch 1 ${b1.toFixed(2)} ms/sample (${(total / b1 / 1e6).toFixed(2)} GFLOP/s), batch 64 ${b64.toFixed(2)} ms/sample (${(total / b64 / 1e6).toFixed(2)} GFLOP/s)`);

  // Per stage at batch 64, from the real activation entering it (cloned: runStages reuses memory).
  const ins: Tensor[] = [x64];
  for (let s = 1; s < net.numStages; s++) ins.push(net.runStages(s - 1, s, ins[s - 1]).clone());
  console.log('stage | MFLOP/sample | out activation f32 bytes | ms/sample (b64) | GFLOP/s | exit head ms/sample');
  for (let s = 1; s <= net.numStages; s++) {
    const ms = timeMs(() => net.runStages(s - 1, s, ins[s - 1]), 3, 1) / 64;
    const out = net.runStages(s - 1, s, ins[s - 1]).clone();
    const headMs = timeMs(() => net.exitLogits(s, out), 3, 1) / 64;
    const f = p.stageFlops[s - 1];
    console.log(`${String(s).padStart(5)} | ${(f / 1e6).toFixed(2).padStart(12)} | ${String(4 * p.activationElements[s]).padStart(24)} | ${ms.toFixed(3).padStart(15)} | ${(f / ms / 1e6).toFixed(2).padStart(7)} | ${headMs.toFixed(4)}`);
  }

  const peers = await loadPeers();
  const onnx = join(dir, 'model.onnx');
  if (peers !== null && existsSync(onnx)) {
    const simd = loadModel(dir, { kernels: 'simd' }).network as ResNetModel;
    console.log('');
    await peers.compareOrt(onnx, resnetPeerCheck(net, dir), [
      { label: 'batch 1', inputs: resnetOrtInput(x1), samples: 1, reps: 10, ours: () => net.forwardAll(x1), others: [{ name: 'simd', run: () => simd.forwardAll(x1) }] },
      { label: 'batch 64', inputs: resnetOrtInput(x64), samples: 64, reps: 2, ours: () => net.forwardAll(x64), others: [{ name: 'simd', run: () => simd.forwardAll(x64) }] },
    ], 3, 'fast');
  } else {
    console.log(`onnxruntime peers: ${peers === null ? 'not installed (cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm install)' : `no ${onnx}`}; skipped`);
  }
  return { b1, b64 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run(process.argv[2]);
