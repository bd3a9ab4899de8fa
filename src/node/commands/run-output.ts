/**
 * The text `splitee run` (run.ts) prints at the end: the policy against the final-layer baseline, the
 * splits played, bytes, timings and where the files went.
 */
import type { RunScore } from '../../splitee/run-summary.js';
import type { LoadedModel } from '../models/load.js';
import { summaryRows } from '../report/run-report.js';
import type { RunSettings } from './run-options.js';
import { formatKernelsInfo, type KernelsInfo } from '../../tensor/kernels/index.js';

function bytesText(b: number): string {
  return b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`;
}

/** Text histogram of the splits played. */
export function splitHistogram(counts: number[], width = 30): string[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...counts);
  const lines: string[] = [];
  counts.forEach((c, i) => {
    if (c === 0) return;
    lines.push(`  split ${String(i).padStart(2)} ${'#'.repeat(Math.max(1, Math.round((c / max) * width))).padEnd(width)} ${String(c).padStart(6)} (${((100 * c) / n).toFixed(1)}%)`);
  });
  return lines;
}

/** 'stage:exits/offloads' for every stage with a decision, then the finals. */
export function decisionText(d: RunScore['decisions']): string {
  const parts = d.exits.flatMap((e, i) => (e + d.offloads[i] > 0 ? [`${i}:${e}/${d.offloads[i]}`] : []));
  return [...parts, `final ${d.finals}`].join(' ');
}

export function printTable(summary: { files: Record<string, string>; seconds: { wall: number; live: number; trace: number }; params: { cloud: string }; kernels: KernelsInfo; traceWorkers: number }, score: RunScore, unit: string, s: RunSettings, model: LoadedModel, description: string): void {
  const rows = summaryRows(score, unit).filter(([k]) => k !== 'split histogram');
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(s.policy.length, ...rows.map((r) => r[1].length));
  const lines = [
    `${model.id} (${model.hash.slice(0, 12)}) on ${description}`,
    `policy ${s.policy}, alpha ${s.alpha}${s.alphaAuto ? ' (auto)' : ''}, lambda ${s.lambda}, o ${s.offload}, mu ${Number(s.mu.toPrecision(4))}, cost ${s.cost}${s.deviceGflops ? ` (device ${s.deviceGflops} GFLOP/s, ${s.bandwidthMbps} Mbit/s, ${s.rttMs} ms)` : ''}, encoding ${s.encoding}, cloud ${summary.params.cloud}, kernels ${formatKernelsInfo(summary.kernels)}`,
    '',
    `${''.padEnd(w0)}  ${s.policy.padStart(w1)}  ${'final layer'.padStart(11)}`,
    ...rows.map(([k, a, b]) => `${k.padEnd(w0)}  ${a.padStart(w1)}  ${b.padStart(11)}`),
    '',
    'splits played:',
    ...splitHistogram(score.splitCounts),
    `decisions per stage (exit/offload): ${decisionText(score.decisions)}`,
    '',
    `bytes sent ${bytesText(score.bytesSent)}; cloud failures ${score.cloudFailures}; wall time ${summary.seconds.wall.toFixed(1)} s (live ${summary.seconds.live.toFixed(1)} s, trace ${summary.seconds.trace.toFixed(1)} s in parallel on ${summary.traceWorkers} worker${summary.traceWorkers === 1 ? '' : 's'})`,
    `report ${summary.files.report}; log ${summary.files.log}`,
  ];
  console.log(lines.join('\n'));
}
