/**
 * The report of one `splitee run`: a self-contained report.html (inline SVG plots from plots.ts, no
 * script, no external resource), beside summary.json and trace.csv (written by the command).
 *
 * Plots: running mean of cost per sample and of accuracy over rounds (the policy against the final
 * layer on the same stream), cumulative pseudo-regret against the best fixed split in hindsight, and
 * the split histogram, and the decisions per stage (rounds that exited on the device / went to the
 * cloud after each stage, and ran to the final exit: a stage policy's per-layer choices). Then the summary table, the parameters and a link to the model card.
 */
import { escapeXml, barChart, lineChart } from './plots.js';
import type { RunScore } from '../../splitee/run-summary.js';

export interface RunReportInput {
  policy: string;
  /** e.g. 'fmnist-resnet (75a1838bd381) on fashion-mnist:sample (contrast:1, seed 1)'. */
  subtitle: string;
  unit: string;
  score: RunScore;
  /** Shown as a two-column table, in order. */
  params: Record<string, unknown>;
  /** URL or relative path of the model card (MODEL_CARD.md), or null. */
  modelCard: string | null;
  /** Extra lines under the summary (e.g. the alpha choice). */
  notes?: string[];
}

const pct = (x: number, d = 2): string => (Number.isFinite(x) ? `${(100 * x).toFixed(d)}%` : 'n/a');
const num = (x: number, d = 4): string => (Number.isFinite(x) ? String(Number(x.toFixed(d))) : 'n/a');

/** Rows of the summary table: [label, policy, final layer]. */
export function summaryRows(s: RunScore, unit: string): [string, string, string][] {
  const L = s.splitCounts.length - 1;
  return [
    ['samples', String(s.samples), String(s.samples)],
    ['accuracy', pct(s.accuracy), pct(s.finalLayerAccuracy)],
    [`cost per sample (${unit})`, num(s.costPerSample), num(s.finalLayerCostPerSample)],
    ['cost reduction vs final layer', pct(s.costReduction, 1), '-'],
    ['accuracy drop vs final layer (points)', num(s.accuracyDrop, 2), '-'],
    ['offloaded', pct(s.offloadFraction, 1), '0%'],
    ['exited on the device (early)', pct(s.outcomes.exit / s.samples, 1), '0%'],
    ['cloud failures (device fallbacks)', String(s.cloudFailures), '0'],
    ['bytes sent', String(s.bytesSent), '0'],
    ['cumulative regret (best fixed split ' + s.regret.bestArm + ')', num(s.regret.total, 2), '-'],
    ['split histogram', s.splitCounts.map((c, i) => (c > 0 ? `${i}:${c}` : '')).filter(Boolean).join(' '), `${L}:${s.samples}`],
  ];
}

/** The report's four SVG plots: cost, accuracy, regret (running, over rounds) and the splits played. */
function runReportPlots(r: RunReportInput): string {
  const s = r.score;
  const c = s.curves;
  const L = s.splitCounts.length - 1;
  const costSvg = lineChart({
    title: 'Cost per sample (running mean)',
    xLabel: 'round t',
    yLabel: `cost per sample (${r.unit})`,
    series: [
      { name: r.policy, x: c.t, y: c.cost },
      { name: 'final layer', x: c.t, y: c.finalCost, dashed: true },
    ],
    yZero: true,
  });
  const accSvg = lineChart({
    title: 'Accuracy (running mean)',
    xLabel: 'round t',
    yLabel: 'accuracy (%)',
    series: [
      { name: r.policy, x: c.t, y: c.accuracy.map((v) => 100 * v) },
      { name: 'final layer', x: c.t, y: c.finalAccuracy.map((v) => 100 * v), dashed: true },
    ],
  });
  const regretSvg = lineChart({
    title: `Cumulative regret (vs split ${s.regret.bestArm})`,
    xLabel: 'round t',
    yLabel: 'cumulative pseudo-regret',
    series: [{ name: r.policy, x: c.t, y: c.regret }],
    yZero: true,
  });
  const first = s.splitCounts[0] > 0 ? 0 : 1;
  const cats: string[] = [];
  const vals: number[] = [];
  for (let i = first; i <= L; i++) {
    cats.push(String(i));
    vals.push(s.splitCounts[i]);
  }
  const histSvg = barChart({ title: 'Splits played', xLabel: 'split layer (stages on the device)', yLabel: 'rounds', categories: cats, series: [{ name: r.policy, values: vals }] });
  return `${costSvg}${accSvg}${regretSvg}${histSvg}${decisionsSvg(s, first)}`;
}

/** Decisions per stage: rounds that exited / offloaded after stage s (s = first..L-1) and ran to L. */
export function decisionsSvg(s: RunScore, first: number): string {
  const d = s.decisions;
  const L = d.exits.length - 1;
  const stages = Array.from({ length: L - first + 1 }, (_, k) => first + k);
  return barChart({
    title: 'Decisions per stage',
    xLabel: 'stage (0: cloud only; L: final exit)',
    yLabel: 'rounds',
    categories: stages.map(String),
    series: [
      { name: 'exit', values: stages.map((i) => d.exits[i]) },
      { name: 'offload', values: stages.map((i) => d.offloads[i]) },
      { name: 'final', values: stages.map((i) => (i === L ? d.finals : 0)) },
    ],
  });
}

export function runReportHtml(r: RunReportInput): string {
  const s = r.score;
  const rows = summaryRows(s, r.unit)
    .map(([k, a, b]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(a)}</td><td>${escapeXml(b)}</td></tr>`)
    .join('\n');
  const params = Object.entries(r.params)
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`)
    .join('\n');
  const notes = (r.notes ?? []).map((n) => `<p>${escapeXml(n)}</p>`).join('\n');
  const card = r.modelCard ? `<p>Model card: <a href="${escapeXml(r.modelCard)}">${escapeXml(r.modelCard)}</a></p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>splitee run: ${escapeXml(r.policy)}</title>
<style>
body { font-family: sans-serif; max-width: 1340px; margin: 24px auto; padding: 0 16px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
th { text-align: left; background: #f6f6f6; font-weight: normal; }
.plots { display: flex; flex-wrap: wrap; gap: 8px; }
</style>
</head>
<body>
<h1>splitee run: ${escapeXml(r.policy)} against the final layer</h1>
<p>${escapeXml(r.subtitle)}</p>
<h2>Summary</h2>
<table>
<tr><th></th><th>${escapeXml(r.policy)}</th><th>final layer</th></tr>
${rows}
</table>
${notes}
<h2>Plots</h2>
<div class="plots">
${runReportPlots(r)}</div>
<h2>Parameters</h2>
<table>
${params}
</table>
${card}
<p>Files beside this report: summary.json (every number above), trace.csv (every exit's confidence and prediction on every sample of the stream).</p>
</body>
</html>
`;
}
