/**
 * Bytes the live runner allocates per round in steady state (issue 11 item 5), two networks:
 *   - static: 10,000 rounds over a toy network that itself allocates nothing (its stages and heads
 *     write into buffers owned by the network, as the arena contract allows), so what is measured is
 *     the runner's own allocation plus the policy's, the record and the step;
 *   - resnet: 500 rounds over the real network of weights/fmnist-resnet built on the fast kernel table,
 *     cycling over 64 prepared Fashion-MNIST inputs of its stream (prepare returns a prepared tensor:
 *     the caller's preprocessing is not counted).
 * Every round stays on the device (alpha 0.8 with C = 0.9 on the static network; alpha 0 on the ResNet,
 * where every exit is taken), so no cloud is called; one more ResNet row, `fixed:3 offload`, sends every
 * round to an in-process LocalCloud serving a second copy of the network (alpha 1): its figure includes
 * the wire encoding, the transport's promise and the cloud side's own allocation (100 rounds: more
 * would start a GC, by the cloud side's copies of the activation); and a static row, `fixed:3 offload`,
 * whose every round goes to a stub cloud that answers at once with a reply made beforehand: the runner's
 * own part of an offloading round (its request body is written in place: wire-encode.ts ResumeBody).
 * Each figure is a runner of its own, warmed up (50,000 static rounds, 2,000 ResNet rounds, 500 for
 * `final`, whose 250-round loops cost ~30 ms a round: V8 is still compiling after 2,000 static rounds,
 * and code is heap too), then measured through
 *   - `runner.stepEager()` (the synchronous path of a round that stays on the device);
 *   - the same with the runner's clock reading 0 instead of performance.now(), which on Node 20 returns
 *     a fresh 16-byte heap number per reading (3 readings a round): the runner's own allocation;
 *   - `await runner.step()` (the async API), after its own warm-up; this includes the bench loop's
 *     `await`, which costs the caller about 200 bytes on Node 20 whatever it awaits.
 *
 * Method: with young-generation space large enough that no GC runs during the loop
 * (--min-semi-space-size=512 --max-semi-space-size=512, checked with a PerformanceObserver on 'gc' entries: the figure is
 * printed only when 0 GCs ran), bytes allocated = the growth of process.memoryUsage().heapUsed
 * plus that of .arrayBuffers (typed-array backing stores outside the heap) across the loop, after a
 * forced gc(); each figure is the least of 3 loops (2 for the ResNet `final`) without a GC. Garbage is counted,
 * since nothing is collected. Resolution: the measurement's own
 * objects and late compilation leave about 2 KB per window, i.e. 0.2 bytes a round over 10,000 rounds
 * and about 4 over 500. Attribution: bench/splitee/runner-alloc-profile.ts.
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
import { ENCODINGS, ResumeBody } from '../../src/splitee/wire-encode.js';
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

/** The runner's clock: the default (performance.now()), or one that reads 0 (no heap number per reading). */
const zero = (): number => 0;

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

export interface Figure {
  perRound: number;
  gcs: number;
}

/**
 * Bytes allocated per round in steady state: `windows` loops of c.rounds rounds of `mode` (after
 * `warmup` more rounds of it), each measured alone; the figure is the least of the loops during which
 * no GC ran (a late compilation only adds bytes: code and feedback are heap too), with the count of
 * loops a GC voided when none was clean. A loop across which the heap shrank (the forced gc's sweeping
 * ended late, seen under load) gives no figure either.
 */
export async function measure(c: Case, mode: Mode, warmup = c.warmup, windows = 3): Promise<Figure> {
  // the heap grew by a model load just before: let that collection (incremental marking, sweeping) end first
  for (let i = 0; i < 2; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
  await play(c.runner, mode, 0, warmup);
  let from = warmup;
  let best: Figure = { perRound: Infinity, gcs: 0 };
  let voided = 0;
  for (let w = 0; w < windows; w++) {
    let gcs = 0;
    const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
    obs.observe({ entryTypes: ['gc'] });
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 50)); // let the forced gc's entry arrive, and its sweeping end
    gcs = 0;
    const m0 = process.memoryUsage();
    await play(c.runner, mode, from, c.rounds);
    const m1 = process.memoryUsage();
    await new Promise((r) => setTimeout(r, 10));
    obs.disconnect();
    from += c.rounds;
    const perRound = (m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers)) / c.rounds;
    if (gcs > 0) voided += gcs;
    else if (perRound >= 0 && perRound < best.perRound) best = { perRound, gcs: 0 }; // < 0: the heap shrank (late sweeping): no figure
  }
  return best.perRound === Infinity ? { perRound: NaN, gcs: voided } : best;
}

/**
 * A cloud that answers at once with one reply made beforehand (one Promise, resolved to it): what an
 * offloading round costs the runner itself, with no wire decoding, network or cloud compute.
 */
function stubCloud(bytesSent: number): CloudTransport {
  const probs = Array.from({ length: K }, (_, k) => (k === 0 ? 0.91 : 0.01));
  const reply = Promise.resolve({ response: { prediction: 0, confidence: 0.91, probs }, attempts: 1, bytesSent });
  return { name: 'stub', resume: () => reply };
}

/** offload: C = 0.5 < alpha at every exit, so fixed:3 sends every round to stubCloud. */
export function staticCase(policyName: string, zeroClock = false, offload = false): Case {
  const net = new StaticNetwork();
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });
  const policy = createPolicy(policyName, { costs, alpha: 0.8 });
  const input = Tensor.zeros([1, W]);
  input.flat()[0] = offload ? 0.5 : 0.9; // 0.9 >= alpha at every exit: exit (or final at L), never the cloud
  const clock = zeroClock ? zero : undefined;
  const cloud = offload ? stubCloud(4 * W) : noCloud;
  const runner = new SplitRunner<number>({ network: net, modelHash: 'ab'.repeat(32), policy, costs, alpha: 0.8, prepare: () => input, cloud, label: () => 0, index: (_s, t) => t - 1, clock });
  return { runner, rounds: 10_000, warmup: 50_000 };
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

export function resnetCase(policyName: string, offload: boolean, zeroClock = false): Case {
  const m = loadModel(RESNET_DIR, { kernels: 'fast' });
  const net = m.network as ResNetModel;
  const inputs = resnetInputs(net);
  const costs = paperCosts({ numExits: net.numStages, lambda: 0.1, offload: 0.5 });
  const alpha = offload ? 1 : 0; // 1: no exit, fixed:3 always offloads; 0: every exit is taken
  const policy = createPolicy(policyName, { costs, alpha });
  const cloud = offload ? new LocalCloud(new CloudService([loadModel(RESNET_DIR, { kernels: 'fast' })])) : noCloud;
  const labels = new Int32Array(INPUTS);
  const clock = zeroClock ? zero : undefined;
  const runner = new SplitRunner<number>({ network: net, modelHash: m.hash, policy, costs, alpha, prepare: (i) => inputs[i % INPUTS], cloud, label: (i) => labels[i % INPUTS], index: (i) => i, clock });
  // a final round runs every stage, so its code is compiled after fewer rounds (each ~30 ms here)
  if (offload) return { runner, rounds: 100, warmup: 300 };
  return policyName === 'final' ? { runner, rounds: 250, warmup: 500 } : { runner, rounds: 500, warmup: 2000 };
}

/**
 * Bytes per ResumeBody.write of a [1,16,28,28] activation (the ResNet's split-3 shape, written again
 * and again as the runner does), per encoding: 20,000 writes of warm-up, then the least of 3 loops of
 * 2,000 (no GC check needed: ~0 bytes).
 */
function bodyWrites(): string {
  const shape = [1, 16, 28, 28];
  const a = Tensor.from(Float32Array.from({ length: 16 * 28 * 28 }, (_, i) => Math.sin(i) * 3), shape);
  return ENCODINGS.map((encoding) => {
    const body = new ResumeBody({ modelHash: 'ab'.repeat(32), split: 3, encoding }, shape);
    for (let i = 0; i < 20_000; i++) body.write(a);
    let best = Infinity;
    for (let w = 0; w < 3; w++) {
      (globalThis as { gc?: () => void }).gc?.();
      const m0 = process.memoryUsage();
      for (let i = 0; i < 2_000; i++) body.write(a);
      const m1 = process.memoryUsage();
      best = Math.min(best, (m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers)) / 2_000);
    }
    return `${encoding} ${best.toFixed(1)}`;
  }).join(' / ');
}

function cell(r: Figure | null): string {
  if (r === null) return '(no stepEager)'.padStart(16);
  return r.gcs === 0 ? `${r.perRound.toFixed(1).padStart(9)} B/round` : `invalid: ${r.gcs} GCs`.padStart(17);
}

/** One row: stepEager (default clock, then clock 0), then step(); each on a runner of its own. */
async function row(make: (zeroClock: boolean) => Case): Promise<[Figure | null, Figure | null, Figure, number]> {
  let rounds = 0;
  const figure = async (mode: Mode, zeroClock: boolean) => {
    const c = make(zeroClock);
    rounds = c.rounds;
    if (mode === 'eager' && typeof c.runner.stepEager !== 'function') return null;
    return measure(c, mode, c.warmup, c.rounds === 250 ? 2 : 3);
  };
  return [await figure('eager', false), await figure('eager', true), (await figure('step', false))!, rounds];
}

export async function run(): Promise<void> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('runner-alloc: needs node --expose-gc --min-semi-space-size=512 --max-semi-space-size=512 (see the file header); skipped');
    return;
  }
  console.log(`runner-alloc: bytes allocated per round, no GC during the loop (else "invalid": raise --max-semi-space-size)`);
  console.log(`  network  policy            rounds  stepEager()        stepEager(), clock 0  step()`);
  const rows: [string, string, (zeroClock: boolean) => Case][] = [
    ['static', 'fixed:3', (z) => staticCase('fixed:3', z)],
    ['static', 'final', (z) => staticCase('final', z)],
    ['static', 'splitee-s', (z) => staticCase('splitee-s', z)],
    ['static', 'fixed:3 offload', (z) => staticCase('fixed:3', z, true)],
    ['resnet', 'fixed:3', (z) => resnetCase('fixed:3', false, z)],
    ['resnet', 'final', (z) => resnetCase('final', false, z)],
    ['resnet', 'splitee-s', (z) => resnetCase('splitee-s', false, z)],
    ['resnet', 'fixed:3 offload', (z) => resnetCase('fixed:3', true, z)],
  ];
  for (const [netName, policy, make] of rows) {
    const [e, e0, st, rounds] = await row(make);
    console.log(`  ${netName.padEnd(8)} ${policy.padEnd(17)} ${String(rounds).padStart(6)}  ${cell(e)}  ${cell(e0)}     ${cell(st)}`);
  }
  console.log(`  request body, bytes per ResumeBody.write of [1,16,28,28]: ${bodyWrites()}`);
}
