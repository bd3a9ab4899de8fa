/**
 * Evaluation of `layerwise` (issue 14 item 3) over traces, 20 permutations each: mean reward, cost per
 * sample and accuracy drop of layerwise, SplitEE-S, the device cascade, the best fixed split in
 * hindsight and the best per-layer-threshold rule in hindsight (stage-oracle.ts), with layerwise's
 * regret against that rule. Prints one markdown table per cost model and a front check.
 *
 *   node --import tsx bench/splitee/layerwise-eval.ts [--streams a,b] [--costs paper:0.1,paper:0.6,f32,int8]
 *        [--alphas 0.5,...] [--runs 20] [--synthetic 6,9,12] [--json out.json]
 * Run under flock /tmp/bench.lock (CPU: ~1-3 s per stream, cost and alpha).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measuredCosts, paperCosts, type CostTable, type Encoding } from '../../src/splitee/cost.js';
import { replay } from '../../src/splitee/replay.js';
import { replayStage } from '../../src/splitee/replay-stage.js';
import { bestThresholdRule } from '../../src/splitee/stage-oracle.js';
import { rewardModel } from '../../src/splitee/reward.js';
import { LayerwisePolicy, type LayerwiseOptions } from '../../src/splitee/policies/layerwise.js';
import { parseTrace, type Trace } from '../../src/splitee/trace.js';
import { syntheticTrace } from '../../src/splitee/synthetic.js';
import { loadModel } from '../../src/node/models/load.js';
import { activationChannels } from '../../src/node/commands/device-speed.js';

const arg = (k: string, d: string): string => {
  const i = process.argv.indexOf(`--${k}`);
  return i >= 0 ? process.argv[i + 1] : d;
};
const FM = 'weights/fmnist-resnet/traces';
const STREAMS: Record<string, string> = { clean: 'pytorch-clean-test.csv', 'gaussian-noise:2': 'pytorch-gaussian-noise-s2-test.csv', 'gaussian-blur:3': 'pytorch-gaussian-blur-s3-test.csv', 'brightness:5': 'pytorch-brightness-s5-test.csv', 'contrast:5': 'pytorch-contrast-s5-test.csv' };
const runs = Number(arg('runs', '20'));
const alphas = arg('alphas', '0.5,0.6,0.7,0.8,0.9,0.95').split(',').map(Number);
const costNames = arg('costs', 'paper:0.1,paper:0.3,paper:0.6,f32,int8').split(',');
const extra: Partial<LayerwiseOptions> = JSON.parse(arg('lw', '{}'));

function traces(): [string, Trace][] {
  const out: [string, Trace][] = [];
  for (const s of arg('streams', Object.keys(STREAMS).join(',')).split(',').filter(Boolean)) out.push([s, parseTrace(readFileSync(join(FM, STREAMS[s]), 'utf8'), s)]);
  for (const l of arg('synthetic', '6,9,12').split(',').filter(Boolean)) out.push([`synthetic-L${l}`, syntheticTrace({ rows: 10000, exits: Number(l), seed: 7 })]);
  return out;
}

let fmModel: ReturnType<typeof loadModel> | null = null;
function costsFor(name: string, L: number): { costs: CostTable; mu: number } {
  if (name.startsWith('paper:')) return { costs: paperCosts({ numExits: L, lambda: 0.1, offload: Number(name.slice(6)) }), mu: 1 };
  if (L !== 12) {
    // synthetic: a measured-like table (device ms ~ layer, offload ms shrinking with depth)
    const device = new Float64Array(L + 1);
    const offload = new Float64Array(L + 1);
    for (let i = 1; i <= L; i++) device[i] = 3 * i;
    for (let i = 1; i < L; i++) offload[i] = 20 + (name === 'f32' ? 40 : 10) * (1 - i / L);
    const costs: CostTable = { kind: 'measured', unit: 'ms', numExits: L, cloudOnly: false, device, offload };
    return { costs, mu: (0.1 * L) / device[L] };
  }
  fmModel ??= loadModel('weights/fmnist-resnet');
  const costs = measuredCosts({ profile: fmModel.network.profile, encoding: name as Encoding, deviceGflops: 2.246, bandwidthMbps: 10, latencyMs: 20, exitHeads: 'path', cloudOnly: false, activationChannels: activationChannels(fmModel.network) });
  return { costs, mu: (0.1 * L) / costs.device[L] };
}

interface Row { stream: string; cost: string; alpha: number; policy: string; reward: number; costPerSample: number; drop: number; regret?: number; regretHalf?: number }
const rows: Row[] = [];
for (const [stream, tr] of traces()) {
  const L = tr.numExits;
  for (const cn of costNames) {
    const { costs, mu } = costsFor(cn, L);
    for (const alpha of alphas) {
      const base = { costs, alpha, mu, runs, seed: 1, order: 'shuffle' as const };
      const push = (policy: string, r: { meanReward: number; costPerSample: number; accuracyDropVsFinal: number }, extraF: Partial<Row> = {}): void => {
        rows.push({ stream, cost: cn, alpha, policy, reward: r.meanReward, costPerSample: r.costPerSample, drop: r.accuracyDropVsFinal, ...extraF });
      };
      const ss = replay(tr, 'splitee-s', base);
      push('splitee-s', ss);
      push('threshold', replay(tr, 'threshold', base));
      push('best-fixed', replay(tr, 'oracle', { ...base, runs: 1 }));
      const rule = bestThresholdRule(tr, rewardModel(alpha, mu, costs));
      const lw = replayStage(tr, ({ seed }) => new LayerwisePolicy('layerwise', { costs, alpha, mu, seed, ...extra }), { ...base, reference: rule.meanReward });
      const half = lw.regret.curve.mean[Math.floor(lw.regret.curve.mean.length / 2) - 1];
      push('layerwise', lw, { regret: lw.regret.total, regretHalf: half });
      rows.push({ stream, cost: cn, alpha, policy: 'rule-oracle', reward: rule.meanReward, costPerSample: NaN, drop: NaN });
      process.stderr.write('.');
    }
  }
}
process.stderr.write('\n');
const json = arg('json', '');
if (json) writeFileSync(json, JSON.stringify(rows, null, 1));

// reward table: per stream x cost, alphas where layerwise's reward is below a baseline
const f = (x: number, d = 4): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log('| stream | cost | alpha | layerwise | splitee-s | threshold | best fixed | rule oracle | regret T/2 -> T | cost lw / ss / thr | drop lw / ss / thr |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
const key = (r: Row): string => `${r.stream}|${r.cost}|${r.alpha}`;
const by = new Map<string, Map<string, Row>>();
for (const r of rows) {
  const m = by.get(key(r)) ?? new Map<string, Row>();
  m.set(r.policy, r);
  by.set(key(r), m);
}
let losses = 0;
for (const [, m] of by) {
  const lw = m.get('layerwise')!;
  const ss = m.get('splitee-s')!;
  const th = m.get('threshold')!;
  const bf = m.get('best-fixed')!;
  const win = lw.reward > ss.reward && lw.reward > th.reward && lw.reward > bf.reward;
  if (!win) losses++;
  console.log(`| ${lw.stream} | ${lw.cost} | ${lw.alpha} | ${f(lw.reward)}${win ? '' : ' **'} | ${f(ss.reward)} | ${f(th.reward)} | ${f(bf.reward)} | ${f(m.get('rule-oracle')!.reward)} | ${f(lw.regretHalf!, 1)} -> ${f(lw.regret!, 1)} | ${f(lw.costPerSample, 3)} / ${f(ss.costPerSample, 3)} / ${f(th.costPerSample, 3)} | ${f(lw.drop, 2)} / ${f(ss.drop, 2)} / ${f(th.drop, 2)} |`);
}
console.log(`\nreward target missed (layerwise <= a baseline) in ${losses} of ${by.size} cells`);
// fronts: per stream x cost, over alphas
const groups = new Map<string, Row[]>();
for (const r of rows) {
  const k = `${r.stream}|${r.cost}`;
  groups.set(k, [...(groups.get(k) ?? []), r]);
}
for (const [k, rs] of groups) {
  const lw = rs.filter((r) => r.policy === 'layerwise');
  const miss: string[] = [];
  for (const p of ['splitee-s', 'threshold']) {
    for (const q of rs.filter((r) => r.policy === p)) {
      const ok = lw.some((l) => l.costPerSample <= q.costPerSample * 1.01 + 1e-12 && l.drop <= q.drop + 0.2);
      if (!ok) {
        const gap = Math.min(...lw.map((l) => Math.max(l.costPerSample / q.costPerSample - 1.01, 0) * 100 + Math.max(l.drop - q.drop - 0.2, 0)));
        miss.push(`${p}@${q.alpha} (cost ${f(q.costPerSample, 3)}, drop ${f(q.drop, 2)}; nearest excess ${f(gap, 2)})`);
      }
    }
  }
  console.log(`front ${k}: ${miss.length === 0 ? 'dominates' : `not dominated: ${miss.join('; ')}`}`);
}
