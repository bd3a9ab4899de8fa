// The run report: a self-contained page; the decisions per stage drawn as grouped bars.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decisionsSvg, runReportHtml } from '../../../src/node/report/run-report.js';
import type { RunScore } from '../../../src/splitee/run-summary.js';

const curves = { t: [1, 2], cost: [0.1, 0.2], finalCost: [0.3, 0.3], accuracy: [1, 0.5], finalAccuracy: [1, 1], regret: [0, 0.1] };
const score: RunScore = {
  samples: 10, accuracy: 0.9, finalLayerAccuracy: 0.9, costPerSample: 0.2, finalLayerCostPerSample: 0.3, costReduction: 1 / 3, accuracyDrop: 0, offloadFraction: 0.3,
  splitCounts: [0, 4, 3, 3], decisions: { exits: [0, 3, 1, 0], offloads: [0, 1, 2, 0], finals: 3 }, outcomes: { exit: 4, final: 3, offload: 3, fallback: 0 },
  cloudFailures: 0, bytesSent: 300, predictionMismatches: 0, regret: { total: 0.1, perSample: 0.01, bestArm: 3, armMeanRewards: [0.5, 0.6, 0.7] }, curves,
};

test('decisions per stage: one bar per stage and kind, with the counts as titles', () => {
  const svg = decisionsSvg(score, 1);
  assert.match(svg, /Decisions per stage/);
  for (const t of ['exit 1: 3', 'offload 1: 1', 'exit 2: 1', 'offload 2: 2', 'final 3: 3']) assert.ok(svg.includes(`<title>${t}</title>`), t);
  assert.ok(!svg.includes('<title>exit 3:'), 'no exit bar where there was none');
});

test('the report page carries the decisions plot among its plots, and no script', () => {
  const html = runReportHtml({ policy: 'layerwise', subtitle: 'toy', unit: 'lambda', score, params: { alpha: 0.8 }, modelCard: null });
  assert.is((html.match(/<svg /g) ?? []).length, 5);
  assert.match(html, /Decisions per stage/);
  assert.ok(!/<script/i.test(html));
});

test.run();
