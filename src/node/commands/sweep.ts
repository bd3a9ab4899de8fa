/**
 * `splitee sweep`: replay several policies over a range of offload costs, many runs each, and write
 * the paper's figures: sweep.csv, sweep.md, accuracy.svg, cost.svg (against o) and regret.svg
 * (cumulative regret over rounds at one o). The cells (policy, offload) are independent: with
 * --workers N > 1 they are split over a pool of worker threads (sweep-worker.ts), each reading the
 * trace itself, and the rows merged in order: the output is the same as in one thread.
 */
import cliProgress from 'cli-progress';
import { ArgumentError } from '../../tensor/errors.js';
import type { ReplayResult } from '../../splitee/replay.js';
import type { Trace } from '../../splitee/trace.js';
import { writeFiles } from '../report/write-files.js';
import { PAPER_OFFLOADS } from '../../splitee/defaults.js';
import { lineChart } from '../report/plots.js';
import { num, parseOptions, workersFlag, workersUsage } from './args.js';
import { chunkRanges, runInWorkers, workerEntry } from '../worker-pool.js';
import { COMMON_OPTIONS, params, readTrace, runPolicy, settings, USAGE_OPTIONS, type Settings } from './replay.js';

const DEFAULT_OFFLOADS = PAPER_OFFLOADS;
const DEFAULT_POLICIES = ['splitee', 'splitee-s', 'threshold', 'final'];

const USAGE = `usage: splitee sweep --trace FILE.csv --out DIR [options]

Replays each policy at each offload cost and writes DIR/sweep.csv, DIR/sweep.md, DIR/accuracy.svg,
DIR/cost.svg and DIR/regret.svg.

options:
  --trace FILE       the trace CSV
  --out DIR          output directory (created if missing)
  --policies LIST    comma-separated (default ${DEFAULT_POLICIES.join(',')})
  --offloads LIST    comma-separated offload costs (default ${DEFAULT_OFFLOADS.join(',')})
  --regret-offload O the offload cost of the regret plot (default: 0.5 if swept, else the largest)
${USAGE_OPTIONS.split('\n')
  .filter((l) => !l.includes('--offload O'))
  .join('\n')}
${workersUsage(21)}
  --help             this text`;

interface Row {
  policy: string;
  offload: number;
  r: ReplayResult;
}

const OPTIONS = { ...COMMON_OPTIONS, workers: { type: 'string' }, out: { type: 'string' }, policies: { type: 'string' }, offloads: { type: 'string' }, 'regret-offload': { type: 'string' } } as const;
type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>;

function list(v: string | undefined, dflt: string[]): string[] {
  return v === undefined ? dflt : v.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

const COLS = ['policy', 'offload', 'accuracy', 'accuracyStd', 'costPerSample', 'costPerSampleStd', 'offloadFraction', 'costReductionVsFinal', 'accuracyDropVsFinal', 'regret', 'regretStd', 'bestArm', 'finalLayerAccuracy', 'finalLayerCostPerSample'];

function vals(x: Row): (string | number)[] {
  const r = x.r;
  return [x.policy, x.offload, r.accuracy, r.accuracyStd, r.costPerSample, r.costPerSampleStd, r.offloadFraction, r.costReductionVsFinal, r.accuracyDropVsFinal, r.regret.total, r.regret.totalStd, r.regret.bestArm, r.finalLayerAccuracy, r.finalLayerCostPerSample];
}

/** The parsed options of sweep. */
interface SweepPlan {
  base: Settings;
  policies: string[];
  offloads: number[];
  regretO: number;
}

function plan(values: Values): SweepPlan {
  if (values.out === undefined) throw new ArgumentError(`--out: missing: got no directory, expected --out DIR`);
  const base = settings(values);
  const policies = list(values.policies, DEFAULT_POLICIES);
  const offloads = list(values.offloads, DEFAULT_OFFLOADS.map(String)).map((x) => {
    const o = Number(x);
    if (!(Number.isFinite(o) && o >= 0)) throw new ArgumentError(`--offloads: invalid cost: got '${x}', expected finite numbers >= 0`);
    return o;
  });
  if (policies.length === 0 || offloads.length === 0) throw new ArgumentError(`sweep: nothing to do: got ${policies.length} policies and ${offloads.length} offload costs, expected at least one of each`);
  const regretO = num(values['regret-offload'], 'regret-offload', offloads.includes(0.5) ? 0.5 : Math.max(...offloads));
  if (!offloads.includes(regretO)) throw new ArgumentError(`--regret-offload: not swept: got ${values['regret-offload']}, expected one of ${offloads.join(', ')}`);
  return { base, policies, offloads, regretO };
}

/** The sweep's cells in row order: every policy at every offload cost. */
function cells(p: Pick<SweepPlan, 'policies' | 'offloads'>): Array<[string, number]> {
  return p.policies.flatMap((policy) => p.offloads.map((offload): [string, number] => [policy, offload]));
}

/** Every policy at every offload cost; `onRun` after each replay run (progress). */
export function computeSweep(trace: Trace, p: SweepPlan, onRun: (policy: string, offload: number) => void): Row[] {
  return computeCells(trace, cells(p), p.base, onRun);
}

/** The rows of `list` (policy, offload) over `trace`. */
export function computeCells(trace: Trace, list: ReadonlyArray<readonly [string, number]>, base: Settings, onRun: (policy: string, offload: number) => void): Row[] {
  return list.map(([policy, offload]) => ({ policy, offload, r: runPolicy(trace, policy, { ...base, offload }, () => onRun(policy, offload)) }));
}

/** What a sweep worker is given: the trace file, the settings and its cells. */
export interface SweepChunkJob {
  traceFile: string;
  base: Settings;
  cells: Array<[string, number]>;
}

/** computeSweep with the cells split over `workers` worker threads (one thread: computeSweep here). */
export async function computeSweepInPool(traceFile: string, trace: Trace, p: SweepPlan, workers: number, onRun: () => void): Promise<Row[]> {
  const all = cells(p);
  if (workers <= 1 || all.length <= 1) return computeSweep(trace, p, onRun);
  const entry = workerEntry(import.meta.url, 'sweep-worker');
  const datas: SweepChunkJob[] = chunkRanges(all.length, workers, 1).map(([s, e]) => ({ traceFile, base: p.base, cells: all.slice(s, e) }));
  const last = new Array<number>(datas.length).fill(0);
  const parts = await runInWorkers<Row[]>(entry, datas, 'sweep worker', (i, done) => {
    for (; last[i] < done; last[i]++) onRun();
  }).results;
  return parts.flat();
}

function sweepCsv(rows: Row[]): string {
  return [COLS.join(','), ...rows.map((x) => vals(x).join(','))].join('\n') + '\n';
}

function sweepMarkdown(rows: Row[], trace: Trace, file: string | undefined, base: Settings): string[] {
  const unit = rows[0].r.unit;
  return [
    `# Sweep over offload cost`,
    '',
    `Trace \`${file}\`: ${trace.numRows} rows, L = ${trace.numExits}; ${base.runs} runs per cell (mean ± std); alpha ${base.alpha}, lambda ${base.lambda}, mu ${base.mu}, c ${base.c}, side ${base.side}, order ${base.order}${base.compat ? `, compat ${base.compat}` : ''}.`,
    `Final layer: accuracy ${(rows[0].r.finalLayerAccuracy * 100).toFixed(2)}%, cost ${rows[0].r.finalLayerCostPerSample.toFixed(3)} ${unit} per sample.`,
    '',
    `| policy | o | accuracy (%) | cost / sample (${unit}) | offloaded (%) | cost reduction (%) | accuracy drop (points) | regret | best split |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (x) =>
        `| ${x.policy} | ${x.offload} | ${(x.r.accuracy * 100).toFixed(2)} ± ${(x.r.accuracyStd * 100).toFixed(2)} | ${x.r.costPerSample.toFixed(3)} ± ${x.r.costPerSampleStd.toFixed(3)} | ${(x.r.offloadFraction * 100).toFixed(1)} | ${(x.r.costReductionVsFinal * 100).toFixed(1)} | ${x.r.accuracyDropVsFinal.toFixed(2)} | ${x.r.regret.total.toFixed(1)} | ${x.r.regret.bestArm} |`,
    ),
  ];
}

/** accuracy.svg, cost.svg (against o) and regret.svg (at --regret-offload). */
function sweepPlots(rows: Row[], p: SweepPlan): [string, string][] {
  const unit = rows[0].r.unit;
  const byPolicy = (f: (r: ReplayResult) => number) =>
    p.policies.map((policy) => {
      const mine = rows.filter((x) => x.policy === policy);
      return { name: policy, x: mine.map((x) => x.offload), y: mine.map((x) => f(x.r)) };
    });
  const atO = rows.filter((x) => x.offload === p.regretO);
  return [
    ['accuracy.svg', lineChart({ title: 'Accuracy vs offload cost', xLabel: 'offload cost o', yLabel: 'accuracy (%)', series: byPolicy((r) => r.accuracy * 100) })],
    ['cost.svg', lineChart({ title: 'Cost per sample vs offload cost', xLabel: 'offload cost o', yLabel: `cost per sample (${unit})`, series: byPolicy((r) => r.costPerSample), yZero: true })],
    ['regret.svg', lineChart({ title: `Cumulative regret (o = ${p.regretO})`, xLabel: 'round t', yLabel: 'cumulative pseudo-regret', series: atO.map((x) => ({ name: x.policy, x: x.r.regret.curve.t, y: x.r.regret.curve.mean })), yZero: true })],
  ];
}

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('sweep', argv, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const p = plan(values);
  const workers = workersFlag(values.workers);
  const trace = readTrace(values.trace);
  const bar = process.stderr.isTTY && !values.json ? new cliProgress.SingleBar({ format: 'sweep [{bar}] {value}/{total} runs | {task}', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  bar?.start(p.policies.length * p.offloads.length * p.base.runs, 0, { task: '' });
  let rows: Row[];
  try {
    rows = await computeSweepInPool(values.trace!, trace, p, workers, () => bar?.increment(1, { task: `${workers} workers` }));
  } finally {
    bar?.stop();
  }
  const md = sweepMarkdown(rows, trace, values.trace, p.base);
  const files = writeFiles(values.out!, [['sweep.csv', sweepCsv(rows)], ['sweep.md', md.join('\n') + '\n'], ...sweepPlots(rows, p)], 'sweep');
  if (values.json) {
    console.log(JSON.stringify({ files, params: { ...params(p.base), offloads: p.offloads, policies: p.policies, regretOffload: p.regretO }, rows: rows.map((x) => Object.fromEntries(COLS.map((c, i) => [c, vals(x)[i]]))) }));
  } else {
    console.log(md.slice(4).join('\n'));
    console.log(`\nwrote ${files.join(', ')}`);
  }
  return 0;
}
