/**
 * The outputs of `splitee claims` (claims.ts), pure: claims.md (tables), the SVG plots and
 * claims.json, from the numbers of claims-compute.ts.
 */
import { barChart, lineChart } from '../report/plots.js';
import { formatKernelsInfo, type KernelsInfo } from '../../tensor/kernels/index.js';
import { ALPHAS, HEADLINE_O, HEADLINE_POLICIES, LEARNED, LAMBDA, OFFLOADS, TARGET_DROP, TARGET_REDUCTION, type Cell, type ClaimsResult } from './claims-compute.js';

/** What the report says about the run besides the numbers. */
export interface ClaimsContext {
  model: { id: string; hash: string; rawInputBytes: number; numExits: number };
  streams: string[];
  alpha: number;
  alphaNote: string;
  runs: number;
  seed: number;
  deviceGflops: number;
  bandwidthMbps: number;
  rttMs: number;
  seconds: number;
  /** The kernel table this process ran (alpha auto, device speed, new traces). */
  kernels: KernelsInfo;
  /** The command that reproduces this run, and where the traces are cached. */
  command: string;
  tracesDir: string;
}

const p1 = (x: number): string => (100 * x).toFixed(1);
const p2 = (x: number): string => (100 * x).toFixed(2);
const both = (c: Cell): string => `${p1(c.costReduction)} / ${c.accuracyDrop.toFixed(2)}`;

function verdict(c: Cell): string {
  const red = c.costReduction >= TARGET_REDUCTION;
  const drop = c.accuracyDrop <= TARGET_DROP;
  return red && drop ? 'yes' : !red && !drop ? 'no (both)' : !red ? 'no (reduction)' : 'no (drop)';
}

function headlineTable(r: ClaimsResult, x: ClaimsContext): string[] {
  const L = x.model.numExits;
  return [
    `# The paper's claim on ${x.model.id} (${x.model.hash.slice(0, 12)})`,
    '',
    `Claim: cost reduction >= 50% with accuracy drop <= 2 points against final-layer inference (lambda ${LAMBDA}, o ${HEADLINE_O}, paper costs: final layer ${(LAMBDA * L).toFixed(1)} per sample).`,
    `${x.alphaNote}. ${x.runs} replays per cell (fresh permutations, seed ${x.seed}); ${r.streamInfo[0]?.rows ?? 0} samples per stream; side observations observable-only.`,
    '',
    '| stream | final-layer acc (%) | policy | accuracy (%) | drop (points) | cost / sample | reduction (%) | offloaded (%) | most played split | best fixed split | claim met |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...r.headline.map(
      (c) =>
        `| ${c.stream} | ${p2(c.finalLayerAccuracy)} | ${c.policy} | ${p2(c.accuracy)} | ${c.accuracyDrop.toFixed(2)} | ${c.costPerSample.toFixed(3)} | ${p1(c.costReduction)} | ${p1(c.offloadFraction)} | ${c.modeSplit} | ${c.bestArm} | ${c.policy === 'threshold' ? '(device only)' : verdict(c)} |`,
    ),
    '',
    `Side by side (o ${HEADLINE_O}): cost reduction % / accuracy drop (points); layerwise decides per sample after every stage (exit, continue or offload).`,
    '',
    `| stream | ${HEADLINE_POLICIES.join(' | ')} |`,
    `|---|${HEADLINE_POLICIES.map(() => '---:').join('|')}|`,
    ...x.streams.map((s) => `| ${s} | ${HEADLINE_POLICIES.map((p) => r.headline.find((c) => c.stream === s && c.policy === p)).map((c) => (c ? both(c) : '-')).join(' | ')} |`),
    ...stageDecisions(r),
  ];
}

/** The stage policies' decisions per stage at the headline setting: % of rounds that exit / offload at each stage. */
function stageDecisions(r: ClaimsResult): string[] {
  const cells = r.headline.filter((c) => c.stage !== undefined);
  if (cells.length === 0) return [];
  const L = cells[0].stage!.exits.length;
  const rows = cells.map((c) => {
    const st = c.stage!;
    const n = st.exits.reduce((a, b) => a + b, 0) + st.offloads.reduce((a, b) => a + b, 0) + st.finals;
    const at = (i: number) => `${p1(st.exits[i] / n)} / ${p1(st.offloads[i] / n)}`;
    return `| ${c.stream} | ${c.policy} | ${Array.from({ length: L - 1 }, (_, i) => at(i)).join(' | ')} | ${p1(st.finals / n)} |`;
  });
  return ['', `Decisions per stage (o ${HEADLINE_O}): % of rounds that exit / offload after stage i; final: ran to the last exit.`, '', `| stream | policy | ${Array.from({ length: L - 1 }, (_, i) => `stage ${i + 1}`).join(' | ')} | final |`, `|---|---|${Array.from({ length: L }, () => '---:').join('|')}|`, ...rows];
}

function sweepTables(r: ClaimsResult, x: ClaimsContext): string[] {
  const md = ['', `## Sweep over o (alpha ${x.alpha}): cost reduction % / accuracy drop (points)`, ''];
  md.push(`| stream | policy | ${OFFLOADS.map((o) => `o=${o}`).join(' | ')} |`, `|---|---|${OFFLOADS.map(() => '---:').join('|')}|`);
  for (const s of x.streams) for (const p of LEARNED) md.push(`| ${s} | ${p} | ${r.sweepO.filter((c) => c.stream === s && c.policy === p).map(both).join(' | ')} |`);
  md.push('', `## Sweep over alpha (SplitEE-S, o ${HEADLINE_O}): cost reduction % / accuracy drop (points)`, '');
  md.push(`| stream | ${ALPHAS.map((a) => `a=${a}`).join(' | ')} |`, `|---|${ALPHAS.map(() => '---:').join('|')}|`);
  for (const s of x.streams) md.push(`| ${s} | ${r.sweepA.filter((c) => c.stream === s).map(both).join(' | ')} |`);
  return md;
}

function measuredTable(r: ClaimsResult, x: ClaimsContext): string[] {
  const m0 = r.measured[0];
  return [
    '',
    `## Measured cost model (ms): device ${x.deviceGflops} GFLOP/s (this engine, here), uplink ${x.bandwidthMbps} Mbit/s, round trip ${x.rttMs} ms`,
    '',
    `Cost = device FLOPs of stages and exit heads 1..i / device speed + (offloaded: activation bytes / bandwidth + round trip); cloud compute free; mu = lambda * L / (final-layer ms). Final layer on the device: ${m0 ? m0.finalLayerCostPerSample.toFixed(1) : '?'} ms per sample. Cloud only (the raw ${x.model.rawInputBytes}-byte input sent, final-layer accuracy): ${m0 ? m0.cloudOnlyCost.toFixed(1) : '?'} ms.`,
    '',
    '| stream | encoding | policy | accuracy (%) | drop (points) | ms / sample | reduction (%) | offloaded (%) | most played split | claim met |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...r.measured.map((c) => `| ${c.stream} | ${c.encoding} | ${c.policy} | ${p2(c.accuracy)} | ${c.accuracyDrop.toFixed(2)} | ${c.costPerSample.toFixed(2)} | ${p1(c.costReduction)} | ${p1(c.offloadFraction)} | ${c.modeSplit} | ${verdict(c)} |`),
  ];
}

function exitTable(r: ClaimsResult, x: ClaimsContext): string[] {
  const L = x.model.numExits;
  return [
    '',
    '## Per-exit accuracy (%) of each stream',
    '',
    `| stream | ${Array.from({ length: L }, (_, k) => `exit ${k + 1}`).join(' | ')} |`,
    `|---|${Array.from({ length: L }, () => '---:').join('|')}|`,
    ...r.streamInfo.map((si) => `| ${si.stream} | ${si.exitAccuracy.map((a) => p1(a)).join(' | ')} |`),
  ];
}

/** The SVG plots, name -> svg, in the order they are listed in claims.md and claims.json. */
export function claimsPlots(r: ClaimsResult, x: ClaimsContext): [string, string][] {
  const out: [string, string][] = [];
  const pct = { yLabel: 'cost reduction vs final layer (%)', yZero: true };
  const drop = { yLabel: 'accuracy drop (points)', yZero: true };
  for (const p of LEARNED) {
    const series = (f: (c: Cell) => number) => x.streams.map((s) => ({ name: s, x: OFFLOADS, y: r.sweepO.filter((c) => c.stream === s && c.policy === p).map(f) }));
    out.push([`${p}-reduction-vs-o.svg`, lineChart({ title: `${p}: cost reduction vs offload cost (alpha ${x.alpha})`, xLabel: 'offload cost o', ...pct, series: series((c) => 100 * c.costReduction) })]);
    out.push([`${p}-drop-vs-o.svg`, lineChart({ title: `${p}: accuracy drop vs offload cost (alpha ${x.alpha})`, xLabel: 'offload cost o', ...drop, series: series((c) => c.accuracyDrop) })]);
  }
  const seriesA = (f: (c: Cell) => number) => x.streams.map((s) => ({ name: s, x: ALPHAS, y: r.sweepA.filter((c) => c.stream === s).map(f) }));
  out.push(['splitee-s-reduction-vs-alpha.svg', lineChart({ title: `splitee-s: cost reduction vs alpha (o ${HEADLINE_O})`, xLabel: 'alpha', ...pct, series: seriesA((c) => 100 * c.costReduction) })]);
  out.push(['splitee-s-drop-vs-alpha.svg', lineChart({ title: `splitee-s: accuracy drop vs alpha (o ${HEADLINE_O})`, xLabel: 'alpha', ...drop, series: seriesA((c) => c.accuracyDrop) })]);
  for (const c of r.headline.filter((h) => h.stage !== undefined)) out.push([`${c.policy}-decisions-${c.stream.replace(/[^a-z0-9-]+/gi, '_')}.svg`, decisionsChart(c)]);
  const regretSeries = r.regret.map((c) => ({ name: `${c.stream} ${c.policy}`, x: c.t, y: c.mean, dashed: c.policy === 'splitee' }));
  out.push(['regret.svg', lineChart({ title: `Cumulative regret (o ${HEADLINE_O}, alpha ${x.alpha}; dashed: SplitEE)`, xLabel: 'round t', yLabel: 'cumulative pseudo-regret', series: regretSeries, yZero: true, width: 760 })]);
  return out;
}

/** A stage policy's decisions per stage at the headline setting, % of rounds: exit / offload bars per stage, final at L. */
function decisionsChart(c: Cell): string {
  const st = c.stage!;
  const L = st.exits.length;
  const n = st.exits.reduce((a, b) => a + b, 0) + st.offloads.reduce((a, b) => a + b, 0) + st.finals;
  const pc = (v: number): number => (100 * v) / n;
  return barChart({
    title: `${c.policy} on ${c.stream}: decisions per stage (o ${c.offload}, alpha ${c.alpha})`,
    xLabel: 'stage',
    yLabel: 'rounds (%)',
    categories: Array.from({ length: L }, (_, i) => String(i + 1)),
    series: [
      { name: 'exit', values: st.exits.map(pc) },
      { name: 'offload', values: st.offloads.map(pc) },
      { name: 'final', values: st.exits.map((_, i) => (i === L - 1 ? pc(st.finals) : 0)) },
    ],
  });
}

/** claims.md (without its final newline): the tables, the command that reproduces them, and the plots (by file name). */
export function claimsMarkdown(r: ClaimsResult, x: ClaimsContext, plotNames: string[]): string {
  const md = [...headlineTable(r, x), ...sweepTables(r, x), ...measuredTable(r, x), ...exitTable(r, x)];
  md.push('', `Reproduce: \`${x.command}\` (${x.seconds.toFixed(0)} s here, kernels ${formatKernelsInfo(x.kernels)}; traces cached in ${x.tracesDir}; the device speed given, so that the measured cost model repeats exactly).`);
  md.push('', ...plotNames.map((f) => `![${f.replace(/\.svg$/, '')}](${f})`));
  return md.join('\n');
}

/** claims.json (`files`: the plots' paths). */
export function claimsJson(r: ClaimsResult, x: ClaimsContext, files: string[]) {
  return { model: { id: x.model.id, hash: x.model.hash }, alpha: x.alpha, alphaNote: x.alphaNote, lambda: LAMBDA, offload: HEADLINE_O, runs: x.runs, seed: x.seed, deviceGflops: x.deviceGflops, bandwidthMbps: x.bandwidthMbps, rttMs: x.rttMs, streams: r.streamInfo, headline: r.headline, sweepOffload: r.sweepO, sweepAlpha: r.sweepA, measured: r.measured, kernels: x.kernels, seconds: x.seconds, files };
}
