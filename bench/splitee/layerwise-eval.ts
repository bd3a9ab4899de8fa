/**
 * Evaluation of `layerwise` (issue 14 item 3) over traces, 20 permutations each: mean reward, cost per
 * sample and accuracy drop of layerwise, SplitEE-S, the device cascade, the best fixed split in
 * hindsight, the best per-layer-threshold rule in hindsight (stage-oracle.ts; layerwise's regret is
 * against it) and the best bin policy in hindsight (layerwise's own class fitted on the whole trace with
 * full information: what an online learner of that class can at most reach). Prints every cell, then
 * the summary per stream and cost model (layerwise-eval-format.ts).
 *
 *   flock /tmp/bench.lock node --import tsx bench/splitee/layerwise-eval.ts [--streams clean,spam-bert,...]
 *        [--costs paper:0.1,paper:0.3,paper:0.6,f32,int8] [--alphas 0.5,...] [--runs 20] [--synthetic 6,9,12]
 *        [--lw '{"c":0.05}'] [--cache baselines.json] [--json out.json]
 * --cache keeps the baselines (independent of layerwise's options) across runs. CPU: ~1-3 s per cell.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
import { DEFAULTS } from '../../src/splitee/defaults.js';
import { formatEval, type EvalRow } from './layerwise-eval-format.js';

const arg = (k: string, d: string): string => {
  const i = process.argv.indexOf(`--${k}`);
  return i >= 0 ? process.argv[i + 1] : d;
};
const FM = 'weights/fmnist-resnet';
/** stream -> [model folder, trace CSV]. The spam traces are spam-assassin:target (the paper's target domain). */
const STREAMS: Record<string, [string, string]> = {
  clean: [FM, 'traces/pytorch-clean-test.csv'],
  'gaussian-noise:2': [FM, 'traces/pytorch-gaussian-noise-s2-test.csv'],
  'gaussian-blur:3': [FM, 'traces/pytorch-gaussian-blur-s3-test.csv'],
  'brightness:5': [FM, 'traces/pytorch-brightness-s5-test.csv'],
  'contrast:5': [FM, 'traces/pytorch-contrast-s5-test.csv'],
  'spam-bert': ['weights/spam-bert', 'traces/pytorch-target.csv'],
  'spam-deebert': ['weights/spam-deebert', 'traces/splitee-target.csv'],
};
const runs = Number(arg('runs', '20'));
const alphas = arg('alphas', '0.5,0.6,0.7,0.8,0.9,0.95').split(',').map(Number);
const costNames = arg('costs', 'paper:0.1,paper:0.3,paper:0.6,f32,int8').split(',');
const extra: Partial<LayerwiseOptions> = JSON.parse(arg('lw', '{}')) as Partial<LayerwiseOptions>;
/** Link of the measured cost model (claims' defaults; Fashion-MNIST's measured device speed). */
const LINK = { deviceGflops: 2.246, bandwidthMbps: DEFAULTS.bandwidthMbps, latencyMs: DEFAULTS.rttMs };

interface Source { name: string; trace: Trace; model: string | null }
function sources(): Source[] {
  const out: Source[] = [];
  for (const s of arg('streams', 'clean').split(',').filter(Boolean)) {
    const [dir, file] = STREAMS[s];
    out.push({ name: s, trace: parseTrace(readFileSync(`${dir}/${file}`, 'utf8'), s), model: dir });
  }
  for (const l of arg('synthetic', '').split(',').filter(Boolean)) out.push({ name: `synthetic-L${l}`, trace: syntheticTrace({ rows: 10000, exits: Number(l), seed: 7 }), model: null });
  return out;
}

const models = new Map<string, ReturnType<typeof loadModel>>();
function costsFor(name: string, src: Source): { costs: CostTable; mu: number } {
  const L = src.trace.numExits;
  const m = src.model === null ? null : (models.get(src.model) ?? models.set(src.model, loadModel(src.model)).get(src.model)!);
  if (name.startsWith('paper:')) return { costs: paperCosts({ numExits: L, lambda: DEFAULTS.lambda, offload: Number(name.slice(6)), stageLayers: m?.network.profile.stageLayers }), mu: 1 };
  if (m === null) {
    // synthetic: a measured-like table (device ms ~ layer, offload ms shrinking with depth)
    const device = new Float64Array(L + 1);
    const offload = new Float64Array(L + 1);
    for (let i = 1; i <= L; i++) device[i] = 3 * i;
    for (let i = 1; i < L; i++) offload[i] = 20 + (name === 'f32' ? 40 : 10) * (1 - i / L);
    return { costs: { kind: 'measured', unit: 'ms', numExits: L, cloudOnly: false, device, offload }, mu: (DEFAULTS.lambda * L) / device[L] };
  }
  const costs = measuredCosts({ profile: m.network.profile, encoding: name as Encoding, ...LINK, exitHeads: 'path', cloudOnly: false, activationChannels: activationChannels(m.network) });
  return { costs, mu: (DEFAULTS.lambda * L) / costs.device[L] };
}

/**
 * The best policy of layerwise's class in hindsight: its tables filled with every row's full trajectory,
 * then frozen. Pinned to the induction alone (mc 0): with full information the Markov fit is the oracle,
 * and it must not move with --lw '{"mc": ...}' (the baselines cache is keyed without it).
 */
function binOracle(tr: Trace, costs: CostTable, alpha: number, mu: number): number {
  const L = tr.numExits;
  const p = new LayerwisePolicy('bin-oracle', { costs, alpha, mu, c: 0, prior: 1e-9, mc: 0, lowBins: extra.lowBins, highBins: extra.highBins });
  for (let r = 0; r < tr.numRows; r++) p.update({ stop: L, outcome: 'final', confidences: tr.conf.subarray(r * L, r * L + L), finalConf: tr.conf[r * L + L - 1], cost: 0 });
  const frozen = Object.assign(Object.create(p) as LayerwisePolicy, { update: (): void => {} });
  return replayStage(tr, () => frozen, { costs, alpha, mu, runs: 1, order: 'asis' }).meanReward;
}

const cachePath = arg('cache', '');
const cache: Record<string, EvalRow[]> = cachePath && existsSync(cachePath) ? (JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, EvalRow[]>) : {};
const rows: EvalRow[] = [];
for (const src of sources()) {
  const tr = src.trace;
  for (const cn of costNames) {
    const { costs, mu } = costsFor(cn, src);
    for (const alpha of alphas) {
      const base = { costs, alpha, mu, runs, seed: 1, order: 'shuffle' as const };
      const row = (policy: string, r: { meanReward: number; costPerSample: number; accuracyDropVsFinal: number }, more: Partial<EvalRow> = {}): EvalRow => ({ stream: src.name, cost: cn, alpha, policy, reward: r.meanReward, costPerSample: r.costPerSample, drop: r.accuracyDropVsFinal, ...more });
      const key = `${src.name}|${cn}|${alpha}|${runs}|${extra.lowBins ?? 8}/${extra.highBins ?? 4}`;
      cache[key] ??= [
        row('splitee-s', replay(tr, 'splitee-s', base)),
        row('threshold', replay(tr, 'threshold', base)),
        row('best-fixed', replay(tr, 'oracle', { ...base, runs: 1 })),
        { ...row('rule-oracle', { meanReward: bestThresholdRule(tr, rewardModel(alpha, mu, costs)).meanReward, costPerSample: NaN, accuracyDropVsFinal: NaN }) },
        { ...row('bin-oracle', { meanReward: binOracle(tr, costs, alpha, mu), costPerSample: NaN, accuracyDropVsFinal: NaN }) },
      ];
      rows.push(...cache[key]);
      const ref = cache[key].find((r) => r.policy === 'rule-oracle')!.reward;
      const lw = replayStage(tr, ({ seed }) => new LayerwisePolicy('layerwise', { costs, alpha, mu, seed, ...extra }), { ...base, reference: ref });
      const half = lw.regret.curve.mean[Math.floor(lw.regret.curve.mean.length / 2) - 1];
      rows.push(row('layerwise', lw, { regret: lw.regret.total, regretHalf: half }));
      process.stderr.write('.');
    }
  }
}
process.stderr.write('\n');
if (cachePath) writeFileSync(cachePath, JSON.stringify(cache));
const json = arg('json', '');
if (json) writeFileSync(json, JSON.stringify(rows, null, 1));
console.log(formatEval(rows));
