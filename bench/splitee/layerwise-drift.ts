/**
 * Drift (issue 14 item 4): Fashion-MNIST clean -> gaussian-noise:2 -> gaussian-blur:3, 10 000 rows
 * each, each segment shuffled per run (20 runs), played in that order. Mean reward per 1 000-round
 * window of layerwise (stationary, gamma 1) and its discounted variants, beside each segment's best
 * per-layer-threshold rule in hindsight. Paper costs lambda 0.1, o 0.3, alpha 0.8.
 *
 *   flock /tmp/bench.lock node --import tsx bench/splitee/layerwise-drift.ts
 */
import { readFileSync } from 'node:fs';
import { paperCosts } from '../../src/splitee/cost.js';
import { Rng } from '../../src/splitee/rng.js';
import { rewardModel } from '../../src/splitee/reward.js';
import { replayStage } from '../../src/splitee/replay-stage.js';
import { bestThresholdRule } from '../../src/splitee/stage-oracle.js';
import { LayerwisePolicy } from '../../src/splitee/policies/layerwise.js';
import { parseTrace, type Trace } from '../../src/splitee/trace.js';

const dir = 'weights/fmnist-resnet/traces/';
const segs = ['pytorch-clean-test.csv', 'pytorch-gaussian-noise-s2-test.csv', 'pytorch-gaussian-blur-s3-test.csv'].map((f) => parseTrace(readFileSync(dir + f, 'utf8'), f));
const L = segs[0].numExits;
const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.3 });
const alpha = 0.8;
const m = rewardModel(alpha, 1, costs);
const runs = Number(process.argv[2] ?? 20);

function concat(rng: Rng): Trace {
  const N = segs.reduce((a, s) => a + s.numRows, 0);
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  const label = new Int32Array(N);
  let o = 0;
  for (const s of segs) {
    const idx = Array.from({ length: s.numRows }, (_, i) => i);
    rng.shuffle(idx);
    for (const r of idx) {
      conf.set(s.conf.subarray(r * L, r * L + L), o * L);
      pred.set(s.pred.subarray(r * L, r * L + L), o * L);
      label[o++] = s.label[r];
    }
  }
  return { numExits: L, numRows: N, conf, pred, label };
}

const oracle = segs.map((s) => bestThresholdRule(s, m).meanReward);
console.log(`segment rule oracles (mean reward): ${oracle.map((x) => x.toFixed(4)).join(' -> ')}`);
for (const gamma of [1, 0.999, 0.995]) {
  const win = new Float64Array(30);
  for (let run = 0; run < runs; run++) {
    const tr = concat(Rng.seeded(1 + run));
    const r = replayStage(tr, ({ seed }) => new LayerwisePolicy('layerwise', { costs, alpha, seed, gamma }), { costs, alpha, runs: 1, order: 'asis', regretPoints: 30 });
    const c = r.regret.curve.mean;
    for (let k = 0; k < 30; k++) win[k] += -(c[k] - (k > 0 ? c[k - 1] : 0)) / 1000 / runs;
  }
  const seg = [0, 1, 2].map((s) => Array.from(win.slice(s * 10, s * 10 + 10)));
  const f = (xs: number[]): string => xs.map((x) => x.toFixed(3)).join(' ');
  console.log(`gamma ${gamma}: per 1000 rounds\n  clean  ${f(seg[0])}\n  noise  ${f(seg[1])}\n  blur   ${f(seg[2])}`);
  console.log(`  segment means ${seg.map((s) => (s.reduce((a, b) => a + b, 0) / 10).toFixed(4)).join(' -> ')}; shortfall vs the segment oracle ${seg.map((s, i) => (oracle[i] - s.reduce((a, b) => a + b, 0) / 10).toFixed(4)).join(', ')}`);
}
