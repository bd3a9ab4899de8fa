import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeXml, lineChart, niceTicks } from '../../../src/node/report/plots.js';

test('nice ticks cover the range with 1-2-5 steps', () => {
  assert.equal(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(niceTicks(0.1, 0.6), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  assert.equal(niceTicks(3, 3).length > 1, true);
  assert.equal(niceTicks(0, 1234), [0, 200, 400, 600, 800, 1000, 1200, 1400]);
});

test('a line chart is deterministic SVG with one polyline and legend entry per series, escaped', () => {
  const spec = { title: 'a < b & c', xLabel: 'x', yLabel: 'y', series: [{ name: 's1', x: [0, 1, 2], y: [1, 4, 9] }, { name: 's<2>', x: [0, 2], y: [0, NaN], dashed: true }] };
  const svg = lineChart(spec);
  assert.is(svg, lineChart(spec));
  assert.is((svg.match(/<polyline/g) ?? []).length, 2);
  assert.match(svg, /a &lt; b &amp; c/);
  assert.match(svg, /s&lt;2&gt;/);
  assert.match(svg, /stroke-dasharray/);
  assert.not.match(svg, /NaN/);
  assert.is(escapeXml('"'), '&quot;');
});

test('long legend names widen the SVG instead of being cut at its edge', () => {
  const short = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [0, 1], y: [0, 1] }] });
  const long = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'gaussian-noise:deploy splitee-s', x: [0, 1], y: [0, 1] }] });
  const width = (svg: string): number => Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
  assert.is(width(short), 640);
  assert.ok(width(long) >= 640 - 160 + 7 * 'gaussian-noise:deploy splitee-s'.length + 48, `got ${width(long)}`);
});

test.run();
