/**
 * Bytes the live runner allocates per round in steady state (issue 11 item 5), two networks:
 *   - static: 10,000 rounds over a toy network that itself allocates nothing (its stages and heads
 *     write into buffers owned by the network, as the arena contract allows), so what is measured is
 *     the runner's own allocation plus the policy's, the record and the step;
 *   - resnet: 500 rounds (after 100 warm-up rounds; a round costs up to ~30 ms) over the real network
 *     of weights/fmnist-resnet built on the fast kernel table, cycling over 64 prepared Fashion-MNIST
 *     inputs of its stream (prepare returns a prepared tensor: the caller's preprocessing is not counted).
 * Every round stays on the device (alpha 0.8 with C = 0.9 on the static network; alpha 0 on the ResNet,
 * where every exit is taken), so no cloud is called; one more ResNet row, `fixed:3 offload`, sends every
 * round to an in-process LocalCloud serving a second copy of the network (alpha 1): its figure includes
 * the wire encoding, the transport's promise and the cloud side's own allocation.
 * Each row is measured through `await runner.step()` (the async API) and, where the runner has it,
 * through `runner.stepEager()` (the synchronous path of a round that stays on the device).
 *
 * Method: with young-generation space large enough that no GC runs during the loop
 * (--min-semi-space-size=512 --max-semi-space-size=512, checked with a PerformanceObserver on 'gc' entries: the figure is
 * printed only when 0 GCs ran), bytes allocated = the growth of process.memoryUsage().heapUsed
 * plus that of .arrayBuffers (typed-array backing stores outside the heap) across the loop, after a
 * warm-up of 2,000 rounds and a forced gc(). Garbage is counted, since nothing is collected.
 *
 * Alone: flock /tmp/bench.lock node --expose-gc --min-semi-space-size=512 --max-semi-space-size=512 --import tsx -e "import('./bench/splitee/runner-alloc.bench.ts').then((m) => m.run())"
 * (under bench/index.ts without --expose-gc it prints that it needs the flag and skips).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Tensor } from '../../src/tensor/tensor.js';
import type { MultiExitNetwork, NetworkProfile } from '../../src/layers/network.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { createPolicy } from '../../src/splitee/policy.js';
import { SplitRunner } from '../../src/splitee/runner.js';
import { LocalCloud, type CloudTransport } from '../../src/splitee/transport.js';
import { CloudService } from '../../src/splitee/cloud.js';
import type { ResNetModel } from '../../src/layers/resnet.js';
import { loadModel } from '../../src/node/models/load.js';
import { readIdxFile } from '../../src/node/datasets/idx-file.js';

const L = 6;
const W = 64; // activation elements per stage
const K = 10;

/** Stage s: y = 0.5 x + s into a buffer per stage; exit k: logits from x[0] (the wanted confidence). */
class StaticNetwork implements MultiExitNetwork {
  readonly id = 'static';
  readonly numStages = L;
  readonly numClasses = K;
  readonly profile: NetworkProfile = {
    stageFlops: new Array<number>(L).fill(2 * W),
    exitFlops: new Array<number>(L).fill(K),
    activationElements: new Array<number>(L + 1).fill(W),
    rawInputBytes: 4 * W,
  };
  private readonly outs = Array.from({ length: L + 1 }, () => Tensor.zeros([1, W]));
  private readonly logits = Tensor.zeros([1, K]);
  private readonly shape: readonly number[] = [W];

  activationShape(): readonly number[] {
    return this.shape;
  }

  runStages(from: number, to: number, x: Tensor): Tensor {
    let src = x.flat();
    for (let s = from + 1; s <= to; s++) {
      const dst = this.outs[s].flat();
      dst[0] = src[0];
      for (let j = 1; j < W; j++) dst[j] = 0.5 * src[j] + s;
      src = dst;
    }
    return this.outs[to];
  }

  exitLogits(_k: number, x: Tensor): Tensor {
    const c = x.flat()[0]; // softmax max = c at class 0: logit_0 = log(c (K-1) / (1 - c))
    const out = this.logits.flat();
    out.fill(0);
    out[0] = Math.log((c * (K - 1)) / (1 - c));
    return this.logits;
  }
}

const noCloud: CloudTransport = {
  name: 'none',
  resume: () => Promise.reject(new Error('runner-alloc: every round exits on the device')),
};

/** The runner as built here, with the synchronous path when it has one (not on older runners). */
type Runner = SplitRunner<number> & { stepEager?: (s: number) => unknown };
export type Mode = 'step' | 'eager';

export interface Case {
  runner: Runner;
  rounds: number;
  warmup: number;
}

export async function play(runner: Runner, mode: Mode, from: number, count: number): Promise<void> {
  if (mode === 'step') {
    for (let i = from; i < from + count; i++) await runner.step(i);
    return;
  }
  const eager = runner.stepEager!.bind(runner);
  for (let i = from; i < from + count; i++) {
    const r = eager(i);
    if (r instanceof Promise) await r; // an offloading round
  }
}

/**
 * Bytes allocated per round over c.rounds rounds after c.warmup, and the GCs that ran meanwhile. A GC
 * (here: a major one, started by the heap growth of building the networks, not by the loop) voids the
 * figure; the loop is then measured again, up to 3 times.
 */
export async function measure(c: Case, mode: Mode): Promise<{ perRound: number; gcs: number }> {
  await play(c.runner, mode, 0, c.warmup);
  let from = c.warmup;
  let last = { perRound: NaN, gcs: -1 };
  for (let attempt = 0; attempt < 3 && last.gcs !== 0; attempt++) {
    let gcs = 0;
    const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
    obs.observe({ entryTypes: ['gc'] });
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 10)); // let the forced gc's entry arrive before counting
    gcs = 0;
    const m0 = process.memoryUsage();
    await play(c.runner, mode, from, c.rounds);
    const m1 = process.memoryUsage();
    await new Promise((r) => setTimeout(r, 10));
    obs.disconnect();
    from += c.rounds;
    last = { perRound: (m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers)) / c.rounds, gcs };
  }
  return last;
}

export function staticCase(policyName: string, clock?: () => number): Case {
  const net = new StaticNetwork();
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });
  const policy = createPolicy(policyName, { costs, alpha: 0.8 });
  const input = Tensor.zeros([1, W]);
  input.flat()[0] = 0.9; // every exit has C = 0.9 >= alpha: exit (or final at L), never the cloud
  const runner = new SplitRunner<number>({ network: net, modelHash: 'ab'.repeat(32), policy, costs, alpha: 0.8, prepare: () => input, cloud: noCloud, label: () => 0, index: (_s, t) => t - 1, clock });
  return { runner, rounds: 10_000, warmup: 2000 };
}

const RESNET_DIR = 'weights/fmnist-resnet';
const INPUTS = 64;

/** 64 prepared inputs [1,1,28,28] from the model's stream. */
function resnetInputs(net: ResNetModel): Tensor[] {
  const images = readIdxFile(`${RESNET_DIR}/stream/t2k-images-idx3-ubyte.gz`).data;
  const out: Tensor[] = [];
  for (let i = 0; i < INPUTS; i++) {
    const px = new Float32Array(784);
    for (let j = 0; j < 784; j++) px[j] = images[i * 784 + j] / 255;
    out.push(net.prepareInput(px));
  }
  return out;
}

export function resnetCase(policyName: string, offload: boolean): Case {
  const m = loadModel(RESNET_DIR, { kernels: 'fast' });
  const net = m.network as ResNetModel;
  const inputs = resnetInputs(net);
  const costs = paperCosts({ numExits: net.numStages, lambda: 0.1, offload: 0.5 });
  const alpha = offload ? 1 : 0; // 1: no exit, fixed:3 always offloads; 0: every exit is taken
  const policy = createPolicy(policyName, { costs, alpha });
  const cloud = offload ? new LocalCloud(new CloudService([loadModel(RESNET_DIR, { kernels: 'fast' })])) : noCloud;
  const labels = new Int32Array(INPUTS);
  const runner = new SplitRunner<number>({ network: net, modelHash: m.hash, policy, costs, alpha, prepare: (i) => inputs[i % INPUTS], cloud, label: (i) => labels[i % INPUTS], index: (i) => i });
  return { runner, rounds: 500, warmup: 100 };
}

function cell(r: { perRound: number; gcs: number } | null): string {
  if (r === null) return '(no stepEager)'.padStart(16);
  return r.gcs === 0 ? `${r.perRound.toFixed(0).padStart(6)} bytes/round` : `invalid: ${r.gcs} GCs`;
}

export async function run(): Promise<void> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('runner-alloc: needs node --expose-gc --min-semi-space-size=512 --max-semi-space-size=512 (see the file header); skipped');
    return;
  }
  console.log(`runner-alloc: bytes allocated per round, no GC during the loop (else "invalid": raise --max-semi-space-size)`);
  console.log(`  network  policy            rounds  step()              stepEager()`);
  const rows: [string, string, () => Case][] = [
    ['static', 'fixed:3', () => staticCase('fixed:3')],
    ['static', 'final', () => staticCase('final')],
    ['static', 'splitee-s', () => staticCase('splitee-s')],
    ['resnet', 'fixed:3', () => resnetCase('fixed:3', false)],
    ['resnet', 'final', () => resnetCase('final', false)],
    ['resnet', 'splitee-s', () => resnetCase('splitee-s', false)],
    ['resnet', 'fixed:3 offload', () => resnetCase('fixed:3', true)],
  ];
  for (const [netName, policy, make] of rows) {
    const a = make();
    const viaStep = await measure(a, 'step');
    const b = make();
    const viaEager = typeof b.runner.stepEager === 'function' ? await measure(b, 'eager') : null;
    console.log(`  ${netName.padEnd(8)} ${policy.padEnd(17)} ${String(a.rounds).padStart(6)}  ${cell(viaStep)}  ${cell(viaEager)}`);
  }
}
