// Issue 11 item 5, at the runner: two live runs in one process, each over its own network (different
// weights) with a LocalCloud serving a second copy of it, all four networks on ONE kernel table or on
// one table per run ('fast' and 'simd'), stepped alternately round by round (B's round runs while A's
// offload is pending), give each exactly the records of its run alone (timings aside). It fails when
// two runners share their round state (tried: one record object for every runner fails every case).
// Networks sharing arenas per table are caught one layer down (test/layers/stages.test.ts), not here:
// the runner copies every stage output it keeps, and compute is synchronous.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKernels, type Kernels, type KernelsKind } from '../../src/tensor/kernels/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { buildResNet } from '../../src/layers/resnet.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { createPolicy } from '../../src/splitee/policy.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { LocalCloud } from '../../src/splitee/transport.js';
import { SplitRunner, copyRecord, type RoundRecord } from '../../src/splitee/runner.js';
import { Rng } from '../../src/splitee/rng.js';
import { randomArray } from '../helpers/random.js';
import { tinyConfig, tinyTensors } from '../helpers/tiny-resnet.js';

const ROUNDS = 24;
const HASH = { 7: 'a7'.repeat(32), 8: 'b8'.repeat(32) } as const;

/** A run: the tiny ResNet of `seed` on `k` (device) and a copy on `k` (the cloud), policy splitee-s. */
function makeRun(seed: 7 | 8, k: Kernels, alpha: number): SplitRunner<Tensor> {
  const network = buildResNet(tinyConfig(), tinyTensors(seed), k);
  const cloud = new LocalCloud(new CloudService([{ network: buildResNet(tinyConfig(), tinyTensors(seed), k), hash: HASH[seed] }]));
  const costs = paperCosts({ numExits: network.numStages, lambda: 0.1, offload: 0.5 });
  const policy = createPolicy('splitee-s', { costs, alpha, seed });
  return new SplitRunner<Tensor>({ network, modelHash: HASH[seed], policy, prepare: (x) => x, cloud, label: () => null, index: (_x, t) => t - 1 });
}

/** The record without its timings (the only fields that differ between two equal runs). */
function sansTime(r: RoundRecord): RoundRecord {
  return { ...copyRecord(r), deviceMs: 0, cloudMs: 0, latencyMs: 0 };
}

function inputs(seed: number): Tensor[] {
  const rng = Rng.seeded(seed);
  return Array.from({ length: ROUNDS }, () => new Tensor(randomArray(rng, 64), [1, 1, 8, 8]));
}

async function solo(seed: 7 | 8, kind: KernelsKind, alpha: number, xs: Tensor[]): Promise<RoundRecord[]> {
  const run = makeRun(seed, createKernels(kind), alpha);
  const out: RoundRecord[] = [];
  for (const x of xs) out.push(sansTime(await run.step(x)));
  return out;
}

const ALPHA = 0.45; // tiny ResNet confidences straddle it: both exits and offloads occur

for (const kind of ['fast', 'simd'] as const) {
  for (const tables of ['one table', 'two tables'] as const) {
    test(`two runs on ${tables} (${kind}), stepped alternately, each equal to its run alone`, async () => {
      const xa = inputs(1);
      const xb = inputs(2);
      const soloA = await solo(7, kind, ALPHA, xa);
      const soloB = await solo(8, kind, ALPHA, xb);
      const outcomes = new Set([...soloA, ...soloB].map((r) => r.outcome));
      assert.ok(outcomes.has('exit') && outcomes.has('offload'), `both device and cloud rounds, or the test proves less: got ${[...outcomes]}`);
      const ka = createKernels(kind);
      const kb = tables === 'one table' ? ka : createKernels(kind);
      const a = makeRun(7, ka, ALPHA);
      const b = makeRun(8, kb, ALPHA);
      for (let i = 0; i < ROUNDS; i++) {
        // A's round starts, B's round runs while A's offload (if any) is pending, then A's completes
        const pa = a.step(xa[i]);
        const rb = sansTime(await b.step(xb[i]));
        const ra = sansTime(await pa);
        assert.equal(ra, soloA[i], `A round ${i + 1}`);
        assert.equal(rb, soloB[i], `B round ${i + 1}`);
      }
    });
  }
}

test.run();
