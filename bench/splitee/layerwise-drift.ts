/**
 * Drift (issue 14 item 4): Fashion-MNIST clean -> gaussian-noise:2 -> gaussian-blur:3, 10 000 rows
 * each, each segment shuffled per run, played in that order. Mean reward per 1 000-round window of
 * layerwise (stationary), its discounted variants (gamma) and its sliding-window variants (window),
 * beside each segment's best per-layer-threshold rule in hindsight. Recovery after a change: the
 * shortfall against the segment's rule oracle over its first 1 000 and 2 000 rounds, and over the
 * segment's last 5 000. Paper costs lambda 0.1, o 0.3 (--o), alpha 0.8 (--alpha).
 *
 *   flock /tmp/bench.lock node --import tsx bench/splitee/layerwise-drift.ts [--runs 20] [--o 0.3] [--alpha 0.8]
 */
import { readFileSync } from 'node:fs';
import { paperCosts } from '../../src/splitee/cost.js';
import { Rng } from '../../src/splitee/rng.js';
import { rewardModel } from '../../src/splitee/reward.js';
import { replayStage } from '../../src/splitee/replay-stage.js';
import { bestThresholdRule } from '../../src/splitee/stage-oracle.js';
import { LayerwisePolicy, type LayerwiseOptions } from '../../src/splitee/policies/layerwise.js';
import { parseTrace, type Trace } from '../../src/splitee/trace.js';

const arg = (k: string, d: string): string => {
  const i = process.argv.indexOf(`--${k}`);
  return i >= 0 ? process.argv[i + 1] : d;
};
const dir = 'weights/fmnist-resnet/traces/';
const names = ['clean', 'gaussian-noise:2', 'gaussian-blur:3'];
const segs = ['pytorch-clean-test.csv', 'pytorch-gaussian-noise-s2-test.csv', 'pytorch-gaussian-blur-s3-test.csv'].map((f) => parseTrace(readFileSync(dir + f, 'utf8'), f));
const L = segs[0].numExits;
const costs = paperCosts({ numExits: L, lambda: 0.1, offload: Number(arg('o', '0.3')) });
const alpha = Number(arg('alpha', '0.8'));
const m = rewardModel(alpha, 1, costs);
const runs = Number(arg('runs', '20'));
const SEG = segs[0].numRows / 1000;

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
const f = (xs: number[], d = 3): string => xs.map((x) => x.toFixed(d)).join(' ');
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`alpha ${alpha}, o ${arg('o', '0.3')}, ${runs} runs; segment rule oracles: ${names.map((n, i) => `${n} ${oracle[i].toFixed(4)}`).join(', ')}\n`);
console.log('| variant | segment means | shortfall vs oracle, first 1 000 after the start / each change | first 2 000 | last 5 000 of each segment |');
console.log('|---|---|---|---|---|');
const variants: [string, Partial<LayerwiseOptions>][] = [['stationary', {}], ['gamma 0.999', { gamma: 0.999 }], ['gamma 0.995', { gamma: 0.995 }], ['window 2000', { window: 2000 }], ['window 5000', { window: 5000 }]];
const detail: string[] = [];
for (const [label, v] of variants) {
  const win = new Float64Array(3 * SEG);
  for (let run = 0; run < runs; run++) {
    const tr = concat(Rng.seeded(1 + run));
    const r = replayStage(tr, ({ seed }) => new LayerwisePolicy('layerwise', { costs, alpha, seed, ...v }), { costs, alpha, runs: 1, order: 'asis', regretPoints: 3 * SEG });
    const c = r.regret.curve.mean;
    for (let k = 0; k < 3 * SEG; k++) win[k] += -(c[k] - (k > 0 ? c[k - 1] : 0)) / 1000 / runs;
  }
  const seg = [0, 1, 2].map((s) => Array.from(win.slice(s * SEG, s * SEG + SEG)));
  const short = (n: number, from: number): string => seg.map((s, i) => (oracle[i] - mean(from >= 0 ? s.slice(from, from + n) : s.slice(s.length - n))).toFixed(4)).join(' / ');
  console.log(`| ${label} | ${seg.map((s) => mean(s).toFixed(4)).join(' -> ')} | ${short(1, 0)} | ${short(2, 0)} | ${short(5, -1)} |`);
  detail.push(`${label}: per 1 000 rounds\n  ${names.map((n, i) => `${n.padEnd(17)} ${f(seg[i])}`).join('\n  ')}`);
}
console.log(`\n${detail.join('\n')}`);
