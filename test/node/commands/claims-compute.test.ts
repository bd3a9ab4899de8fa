// claims' numbers, pure: one replay pass; the regret curves are the headline replays' own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { computeClaims, HEADLINE_O, LAMBDA } from '../../../src/node/commands/claims-compute.js';
import { activationChannels } from '../../../src/node/commands/device-speed.js';
import { loadModel } from '../../../src/node/models/load.js';
import { paperCosts } from '../../../src/splitee/cost.js';
import { replay } from '../../../src/splitee/replay.js';
import { parseTrace, traceHeader } from '../../../src/splitee/trace.js';

const model = loadModel(join(process.cwd(), 'test', 'fixtures', 'tiny-bert'));
const L = model.network.numStages;

/** 40 rows with seeded-looking but fixed confidences (no randomness in the test). */
function trace(shift: number) {
  const rows = Array.from({ length: 40 }, (_, r) => {
    const label = r % 3;
    const cells = Array.from({ length: L }, (_, k) => [(0.4 + (((r * 7 + k * 13 + shift) % 60) / 100)).toFixed(3), k === L - 1 || (r + k) % 4 !== 0 ? label : (label + 1) % 3]);
    return [...cells.flat(), label].join(',');
  });
  return parseTrace(traceHeader(L) + '\n' + rows.join('\n') + '\n');
}

test('computeClaims: cells in table order, and the regret curves are those of the headline replays', () => {
  const traces = new Map([['a', trace(0)], ['b', trace(5)]]);
  const r = computeClaims({ streams: ['a', 'b'], traces, numExits: L, profile: model.network.profile, channels: activationChannels(model.network), alpha: 0.8, runs: 3, seed: 4, deviceGflops: 1, bandwidthMbps: 10, rttMs: 20 });
  assert.equal(r.headline.map((c) => `${c.stream} ${c.policy}`), ['a splitee', 'a splitee-s', 'a layerwise', 'a threshold', 'b splitee', 'b splitee-s', 'b layerwise', 'b threshold']);
  assert.equal(r.regret.map((c) => `${c.stream} ${c.policy}`), ['a splitee', 'a splitee-s', 'a layerwise', 'b splitee', 'b splitee-s', 'b layerwise']);
  assert.is(r.sweepO.length, 2 * 3 * 11);
  assert.is(r.sweepA.length, 2 * 10);
  assert.is(r.measured.length, 2 * 2 * 3);
  // layerwise's cells carry its decisions per stage: every round of every run counted once
  const lw = r.headline.find((c) => c.policy === 'layerwise')!;
  const st = lw.stage!;
  assert.is(st.exits.reduce((a, b) => a + b, 0) + st.offloads.reduce((a, b) => a + b, 0) + st.finals, 40 * 3);
  assert.is(r.headline.find((c) => c.policy === 'splitee-s')!.stage, undefined);
  const costs = paperCosts({ numExits: L, lambda: LAMBDA, offload: HEADLINE_O });
  for (const c of r.regret) {
    const again = replay(traces.get(c.stream)!, c.policy, { runs: 3, seed: 4, order: 'shuffle', costs, alpha: 0.8 });
    assert.equal(c.t, again.regret.curve.t);
    assert.equal(c.mean, again.regret.curve.mean);
    assert.is(r.headline.find((h) => h.stream === c.stream && h.policy === c.policy)!.regret, again.regret.total);
  }
});

test('computeClaims: a drifting stream (a distortion schedule) is replayed in its order, the others shuffled', () => {
  const traces = new Map([['clean>gaussian-noise:2', trace(0)], ['clean', trace(0)]]);
  const r = computeClaims({ streams: ['clean>gaussian-noise:2', 'clean'], traces, numExits: L, profile: model.network.profile, channels: activationChannels(model.network), alpha: 0.8, runs: 2, seed: 4, deviceGflops: 1, bandwidthMbps: 10, rttMs: 20 });
  const costs = paperCosts({ numExits: L, lambda: LAMBDA, offload: HEADLINE_O });
  const cellOf = (s: string) => r.headline.find((c) => c.stream === s && c.policy === 'splitee-s')!;
  for (const [s, order] of [['clean>gaussian-noise:2', 'asis'], ['clean', 'shuffle']] as const) {
    const again = replay(traces.get(s)!, 'splitee-s', { runs: 2, seed: 4, order, costs, alpha: 0.8 });
    assert.is(cellOf(s).regret, again.regret.total, s);
  }
  assert.is.not(cellOf('clean>gaussian-noise:2').regret, cellOf('clean').regret); // same rows, another order
});

test.run();
