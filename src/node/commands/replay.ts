/**
 * `splitee replay`: run a policy over a trace CSV and report accuracy, cost, offloads, arm counts and
 * regret against the best fixed split in hindsight (src/splitee/replay.ts; docs in src/splitee/README.md).
 */
import { ArgumentError } from '../../tensor/errors.js';
import type { Trace } from '../../splitee/trace.js';
import { paperCosts } from '../../splitee/cost.js';
import { describePolicies, type PolicyOptions, type SideRule } from '../../splitee/policy.js';
import { replay, replayReference, type ReplayResult, type RowOrder } from '../../splitee/replay.js';
import type { StatsKind } from '../../splitee/stats.js';
import { int, nonNeg, num, parseOptions } from './args.js';
import { readTraceFile } from './trace-file.js';
import { DEFAULTS } from '../../splitee/defaults.js';
import { LAYERWISE_MC } from '../../splitee/policies/layerwise-options.js';

export const USAGE_OPTIONS = `  --alpha A          exit threshold on the split's confidence (default ${DEFAULTS.alpha})
  --lambda L         compute cost per layer, paper units (default ${DEFAULTS.lambda})
  --stage-layers N,N layers in each stage, for a model whose exits sit after only some layers (e.g.
                     2,2,2 for weights/spam-deebert): a stage costs lambda x its layers, as in
                     \`run\` and \`claims\` (default: 1 per stage, every layer has its exit)
  --offload O        offload cost o of an activation (default ${DEFAULTS.offload})
  --mu M             cost weight in the reward (default ${DEFAULTS.mu})
  --c C              UCB width (default ${DEFAULTS.c})
  --side RULE        side observations of the *-s policies: observable (default) | full (replay only)
  --runs R           independent runs (default ${DEFAULTS.runs}); run r is seeded with seed + r
  --seed S           (default ${DEFAULTS.seed})
  --order ORDER      shuffle (default; a fresh permutation per run) | asis (file order)
  --compat reference reproduce Div290/SplitEE's splitee.py (--policy splitee) or splitee_s.py
                     (--policy splitee-s) bit for bit; see src/splitee/README.md
  --cloud-cost X     cost of sending the raw input: adds arm 0 (cloud only); needed by --policy cloud
  --gamma G          discount of d-ucb (default 0.999)      --window W   window of sw-ucb (default 1000)
  --mc M             weight of layerwise's continuation returns (default ${LAYERWISE_MC}; 0: its induction alone)
  --epsilon E        eps-greedy exploration (default 0.1)   --sigma S    Thompson scale (default 0.5)
  --stats KIND       statistics of a bandit policy: plain | discounted | windowed
  --json             print one JSON object`;

const USAGE = `usage: splitee replay --trace FILE.csv --policy NAME [options]

Replays a policy over a trace (header exit_1_conf,exit_1_pred,...,exit_L_conf,exit_L_pred,label).

options:
  --trace FILE       the trace CSV
  --policy NAME      one of the policies below
${USAGE_OPTIONS}
  --help             this text

policies:
${describePolicies()
  .map((l) => `  ${l}`)
  .join('\n')}`;

export const COMMON_OPTIONS = {
  trace: { type: 'string' },
  alpha: { type: 'string' },
  lambda: { type: 'string' },
  'stage-layers': { type: 'string' },
  offload: { type: 'string' },
  mu: { type: 'string' },
  c: { type: 'string' },
  side: { type: 'string' },
  runs: { type: 'string' },
  seed: { type: 'string' },
  order: { type: 'string' },
  compat: { type: 'string' },
  'cloud-cost': { type: 'string' },
  gamma: { type: 'string' },
  window: { type: 'string' },
  mc: { type: 'string' },
  epsilon: { type: 'string' },
  sigma: { type: 'string' },
  stats: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CommonValues = { [K in keyof typeof COMMON_OPTIONS]?: (typeof COMMON_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** The --trace FILE of replay and sweep. */
export const readTrace = (path: string | undefined): Trace => readTraceFile(path, '--trace');

/** Everything replay needs besides the trace and the policy name, from the shared options. */
export interface Settings {
  alpha: number;
  lambda: number;
  /** Layers per stage (--stage-layers); null: one per stage. */
  stageLayers: number[] | null;
  offload: number;
  mu: number;
  c: number;
  side: SideRule;
  runs: number;
  seed: number;
  order: RowOrder;
  compat: 'reference' | null;
  cloudCost: number | null;
  extra: Partial<PolicyOptions>;
  sideGiven: boolean;
}

export function settings(v: CommonValues): Settings {
  const side = v.side ?? 'observable';
  if (side !== 'observable' && side !== 'full') throw new ArgumentError(`--side: invalid rule: got '${side}', expected observable or full`);
  const order = v.order ?? 'shuffle';
  if (order !== 'asis' && order !== 'shuffle') throw new ArgumentError(`--order: invalid order: got '${order}', expected asis or shuffle`);
  const compat = v.compat ?? null;
  if (compat !== null && compat !== 'reference') throw new ArgumentError(`--compat: invalid mode: got '${compat}', expected reference`);
  const stats = v.stats;
  if (stats !== undefined && stats !== 'plain' && stats !== 'discounted' && stats !== 'windowed') {
    throw new ArgumentError(`--stats: invalid kind: got '${stats}', expected plain, discounted or windowed`);
  }
  const extra: Partial<PolicyOptions> = {};
  if (v.gamma !== undefined) extra.gamma = num(v.gamma, 'gamma', 0.999);
  if (v.window !== undefined) extra.window = int(v.window, 'window', 1000, 1);
  if (v.mc !== undefined) extra.mc = num(v.mc, 'mc', LAYERWISE_MC, nonNeg, 'a finite number >= 0');
  if (v.epsilon !== undefined) extra.epsilon = num(v.epsilon, 'epsilon', 0.1);
  if (v.sigma !== undefined) extra.sigma = num(v.sigma, 'sigma', 0.5);
  if (stats !== undefined) extra.stats = stats as StatsKind;
  return {
    alpha: num(v.alpha, 'alpha', DEFAULTS.alpha, (x) => x >= 0 && x <= 1, 'a threshold in [0, 1]'),
    lambda: num(v.lambda, 'lambda', DEFAULTS.lambda, nonNeg, 'a finite number >= 0'),
    stageLayers: v['stage-layers'] === undefined ? null : stageLayersFlag(v['stage-layers']),
    offload: num(v.offload, 'offload', DEFAULTS.offload, nonNeg, 'a finite number >= 0'),
    mu: num(v.mu, 'mu', DEFAULTS.mu, nonNeg, 'a finite number >= 0'),
    c: num(v.c, 'c', DEFAULTS.c, nonNeg, 'a finite number >= 0'),
    side,
    runs: int(v.runs, 'runs', DEFAULTS.runs, 1),
    seed: num(v.seed, 'seed', DEFAULTS.seed, Number.isInteger, 'an integer'),
    order,
    compat,
    cloudCost: v['cloud-cost'] === undefined ? null : num(v['cloud-cost'], 'cloud-cost', 0, nonNeg, 'a finite number >= 0'),
    extra,
    sideGiven: v.side !== undefined,
  };
}

/** --stage-layers N,N,...: positive integers (their count is checked against the trace's exits by paperCosts). */
function stageLayersFlag(v: string): number[] {
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.length > 4096 || !xs.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new ArgumentError(`--stage-layers: invalid list: got '${v.slice(0, 100)}', expected comma-separated integers >= 1 (layers per stage)`);
  }
  return xs;
}

/** Runs one policy under the settings (default mode or --compat reference). */
export function runPolicy(trace: Trace, policy: string, s: Settings, onRun?: (run: number) => void): ReplayResult {
  if (s.compat === 'reference') {
    const script = policy === 'splitee' ? 'splitee.py' : policy === 'splitee-s' ? 'splitee_s.py' : null;
    const w = '--compat reference';
    if (script === null) throw new ArgumentError(`${w}: unsupported policy: got '${policy}', expected splitee (splitee.py) or splitee-s (splitee_s.py)`);
    if (s.c !== 1) throw new ArgumentError(`${w}: --c is fixed: got ${s.c}, expected 1 (the scripts hard-code c = 1)`);
    if (s.mu !== 1) throw new ArgumentError(`${w}: --mu is fixed: got ${s.mu}, expected 1 (the scripts have no mu)`);
    if (s.sideGiven && s.side !== 'full') throw new ArgumentError(`${w}: --side is fixed: got ${s.side}, expected full (the scripts' side updates read C_L always)`);
    if (s.stageLayers !== null) throw new ArgumentError(`${w}: --stage-layers is fixed: got ${s.stageLayers.length} stages, expected none (the scripts charge lambda per exit)`);
    if (s.cloudCost !== null) throw new ArgumentError(`${w}: no cloud-only arm: got --cloud-cost ${s.cloudCost}, expected none (the scripts have no arm 0)`);
    return replayReference(trace, script, { alpha: s.alpha, lambda: s.lambda, offload: s.offload, runs: s.runs, seed: s.seed, order: s.order, onRun });
  }
  if (s.stageLayers !== null && s.stageLayers.length !== trace.numExits) {
    throw new ArgumentError(`--stage-layers: wrong count: got ${s.stageLayers.length} stages, expected ${trace.numExits} (the trace's exits)`);
  }
  const costs = paperCosts({ numExits: trace.numExits, lambda: s.lambda, offload: s.offload, cloudOnly: s.cloudCost, stageLayers: s.stageLayers ?? undefined });
  return replay(trace, policy, { costs, alpha: s.alpha, mu: s.mu, runs: s.runs, seed: s.seed, order: s.order, side: s.side, policyOptions: { c: s.c, ...s.extra }, onRun });
}

export function params(s: Settings): Record<string, unknown> {
  return {
    alpha: s.alpha,
    lambda: s.lambda,
    ...(s.stageLayers === null ? {} : { stageLayers: s.stageLayers }),
    offload: s.offload,
    mu: s.mu,
    c: s.c,
    side: s.compat === 'reference' ? 'full' : s.side,
    runs: s.runs,
    seed: s.seed,
    order: s.order,
    compat: s.compat,
    cloudCost: s.cloudCost,
    ...s.extra,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function table(rows: string[][]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  ')).join('\n');
}

export function humanReport(r: ReplayResult, file: string): string {
  const sd = (m: number, s: number, f: (x: number) => string): string => (r.runs > 1 ? `${f(m)} ± ${f(s)}` : f(m));
  const lines = [
    `${r.policy} on ${file}: ${r.rows} rows, L = ${r.numExits}, ${r.runs} run${r.runs > 1 ? 's' : ''}`,
    '',
    table([
      ['', 'policy', 'final layer'],
      ['accuracy', sd(r.accuracy, r.accuracyStd, pct), pct(r.finalLayerAccuracy)],
      [`cost per sample (${r.unit})`, sd(r.costPerSample, r.costPerSampleStd, (x) => x.toFixed(4)), r.finalLayerCostPerSample.toFixed(4)],
      ['offloaded', pct(r.offloadFraction), '0.00%'],
    ]),
    '',
    `cost reduction vs final layer: ${pct(r.costReductionVsFinal)}; accuracy drop: ${r.accuracyDropVsFinal.toFixed(2)} points`,
    `regret vs best fixed split in hindsight (split ${r.regret.bestArm}): ${r.regret.total.toFixed(2)} (${r.regret.perSample.toFixed(5)} per sample)`,
    `splits played (1..L, summed over runs): ${r.armCounts.join(' ')}${r.cloudOnlyCount > 0 ? `; cloud only: ${r.cloudOnlyCount}` : ''}`,
  ];
  if (r.reference) lines.push(`reference scripts' "optimal arm" (argmax of reward sums): split ${r.reference.optimalArm}`);
  return lines.join('\n');
}

export function jsonReport(r: ReplayResult, s: Settings): Record<string, unknown> {
  const { perRun, ...rest } = r;
  return { ...rest, perRun, params: params(s) };
}

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('replay', argv, { ...COMMON_OPTIONS, policy: { type: 'string' } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const s = settings(values);
  if (values.policy === undefined) throw new ArgumentError(`--policy: missing: got no policy, expected one of: ${describePolicies().map((l) => l.split(' ')[0]).join(', ')}`);
  const trace = readTrace(values.trace);
  const r = runPolicy(trace, values.policy, s);
  if (values.json) console.log(JSON.stringify(jsonReport(r, s)));
  else console.log(humanReport(r, values.trace ?? ''));
  return 0;
}
