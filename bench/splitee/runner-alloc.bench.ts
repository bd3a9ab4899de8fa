/**
 * Bytes the live runner allocates per round in steady state (issue 11 item 5): 10,000 rounds of
 * SplitRunner.step over a network that itself allocates nothing (its stages and heads write into
 * buffers owned by the network, as the arena contract allows), so what is measured is the runner's
 * own allocation plus the policy's, the record and the async step.
 *
 * Method: with young-generation space large enough that no GC runs during the loop
 * (--min-semi-space-size=512 --max-semi-space-size=512, checked with a PerformanceObserver on 'gc' entries: the figure is
 * printed only when 0 GCs ran), bytes allocated = the growth of process.memoryUsage().heapUsed
 * plus that of .arrayBuffers (typed-array backing stores outside the heap) across the loop, after a
 * warm-up of 2,000 rounds and a forced gc(). Garbage is counted, since nothing is collected.
 *
 * Alone: node --expose-gc --min-semi-space-size=512 --max-semi-space-size=512 --import tsx -e "import('./bench/splitee/runner-alloc.bench.ts').then((m) => m.run())"
 * (under bench/index.ts without --expose-gc it prints that it needs the flag and skips).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Tensor } from '../../src/tensor/tensor.js';
import type { MultiExitNetwork, NetworkProfile } from '../../src/layers/network.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { createPolicy } from '../../src/splitee/policy.js';
import { SplitRunner } from '../../src/splitee/runner.js';
import type { CloudTransport } from '../../src/splitee/transport.js';

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

  activationShape(): readonly number[] {
    return [W];
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

async function measure(policyName: string, rounds: number): Promise<{ perRound: number; gcs: number }> {
  const net = new StaticNetwork();
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });
  const policy = createPolicy(policyName, { costs, alpha: 0.8 });
  const input = Tensor.zeros([1, W]);
  input.flat()[0] = 0.9; // every exit has C = 0.9 >= alpha: exit (or final at L), never the cloud
  const runner = new SplitRunner<number>({ network: net, modelHash: 'ab'.repeat(32), policy, costs, alpha: 0.8, prepare: () => input, cloud: noCloud, label: () => 0, index: (_s, t) => t - 1 });
  for (let i = 0; i < 2000; i++) await runner.step(i);
  let gcs = 0;
  const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 10)); // let the forced gc's entry arrive before counting
  gcs = 0;
  const m0 = process.memoryUsage();
  for (let i = 0; i < rounds; i++) await runner.step(i);
  const m1 = process.memoryUsage();
  await new Promise((r) => setTimeout(r, 10));
  obs.disconnect();
  return { perRound: (m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers)) / rounds, gcs };
}

export async function run(): Promise<void> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('runner-alloc: needs node --expose-gc --min-semi-space-size=512 --max-semi-space-size=512 (see the file header); skipped');
    return;
  }
  const rounds = 10_000;
  console.log(`runner-alloc: L = ${L}, ${W} floats per activation, ${rounds} rounds, no GC during the loop`);
  for (const name of ['fixed:3', 'final', 'splitee-s']) {
    const { perRound, gcs } = await measure(name, rounds);
    console.log(`  ${name.padEnd(10)} ${gcs === 0 ? `${perRound.toFixed(0).padStart(6)} bytes/round` : `invalid: ${gcs} GCs ran during the loop (raise --max-semi-space-size)`}`);
  }
}
