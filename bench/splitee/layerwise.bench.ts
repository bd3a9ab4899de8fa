/**
 * Decisions + updates per second of `layerwise` at L = 12 (issue 14 item 5): rounds of a synthetic
 * trace played as a live runner would (decide after every stage until exit / offload / final, then
 * update). Figures: rounds/s, and decide() + update() calls/s. Median of 5 repetitions.
 *
 *   flock /tmp/bench.lock node --import tsx bench/splitee/layerwise.bench.ts
 */
import { pathToFileURL } from 'node:url';
import { paperCosts } from '../../src/splitee/cost.js';
import { rewardModel } from '../../src/splitee/reward.js';
import { LayerwisePolicy } from '../../src/splitee/policies/layerwise.js';
import { resolveAction, stageCost, type StageObservation } from '../../src/splitee/stage.js';
import { syntheticTrace } from '../../src/splitee/synthetic.js';

const L = 12;
const ROWS = 20000;

/** One setting: alpha and o (0.8 / 0.3: most rounds end at stage 1; 0.95 / 0.6: rounds run deeper). */
export function run(alpha = 0.8, o = 0.3): { roundsPerSec: number; callsPerSec: number; stagesPerRound: number } {
  const tr = syntheticTrace({ rows: ROWS, exits: L, seed: 1 });
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: o });
  const m = rewardModel(alpha, 1, costs);
  const buf = new Float64Array(L);
  const obs: StageObservation = { stop: 1, outcome: 'exit', confidences: buf, finalConf: NaN, cost: 0 };
  const times: number[] = [];
  let calls = 0;
  for (let rep = 0; rep < 5; rep++) {
    const p = new LayerwisePolicy('layerwise', { costs, alpha });
    calls = 0;
    const t0 = performance.now();
    for (let r = 0; r < ROWS; r++) {
      let stop = 0;
      let o: string = 'continue';
      while (o === 'continue') {
        stop++;
        buf[stop - 1] = tr.conf[r * L + stop - 1];
        o = resolveAction(m, stop, buf[stop - 1], p.decide(r + 1, stop, buf), 'bench');
        calls++;
      }
      obs.stop = stop;
      obs.outcome = o as StageObservation['outcome'];
      obs.finalConf = o === 'exit' ? NaN : tr.conf[r * L + L - 1];
      obs.cost = stageCost(m, stop, obs.outcome);
      p.update(obs);
      calls++;
    }
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[2];
  const res = { roundsPerSec: (ROWS / ms) * 1000, callsPerSec: (calls / ms) * 1000, stagesPerRound: (calls - ROWS) / ROWS };
  console.log(`layerwise L=${L}, alpha ${alpha}, o ${o}: ${(res.roundsPerSec / 1e3).toFixed(1)} k rounds/s, ${(res.callsPerSec / 1e6).toFixed(2)} M decide+update calls/s, ${res.stagesPerRound.toFixed(2)} stages decided per round (median of 5 x ${ROWS} rounds)`);
  return res;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(0.8, 0.3);
  run(0.95, 0.6);
}
