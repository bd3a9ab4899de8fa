/**
 * Plots the cost / accuracy-drop fronts of layerwise, SplitEE-S and the cascade (one point per alpha,
 * joined in alpha order) from the rows layerwise-eval.ts wrote with --json: one SVG per stream and cost
 * model into DIR (deterministic bytes: src/node/report/plots.ts).
 *
 *   node --import tsx bench/splitee/layerwise-fronts.ts DIR rows.json [rows2.json ...]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart } from '../../src/node/report/plots.js';
import type { EvalRow } from './layerwise-eval-format.js';

const [dir, ...files] = process.argv.slice(2);
const rows = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as EvalRow[]);
const keys = [...new Set(rows.map((r) => `${r.stream}|${r.cost}`))];
for (const k of keys) {
  const [stream, cost] = k.split('|');
  const series = ['layerwise', 'splitee-s', 'threshold'].map((p) => {
    const pts = rows.filter((r) => r.stream === stream && r.cost === cost && r.policy === p).sort((a, b) => a.alpha - b.alpha);
    return { name: p === 'threshold' ? 'cascade' : p, x: pts.map((r) => r.costPerSample), y: pts.map((r) => r.drop), dashed: p !== 'layerwise' };
  });
  const svg = lineChart({ title: `${stream}, ${cost}: cost / accuracy drop over alpha 0.5..0.95`, xLabel: 'cost per sample', yLabel: 'accuracy drop (points)', series });
  const file = join(dir, `front-${stream}-${cost}.svg`.replace(/[^a-z0-9.-]+/gi, '-'));
  writeFileSync(file, svg);
  console.log(file);
}
