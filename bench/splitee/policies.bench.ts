/**
 * Decisions + updates per second of every built-in policy at L = 12 (target: >= 10 million/s for
 * SplitEE, so that the policy costs nothing next to a forward pass).
 *
 * The observations are precomputed (one per synthetic row and split, as a live runner would build
 * them), so the loop measures choose() + update() alone. Median of 5 repetitions.
 *
 * For bench/index.ts: `import { run } from './splitee/policies.bench.js'; await run();`
 * Alone: node dist-bench/bench/splitee/policies.bench.js after `npx tsc -p tsconfig.bench.json` (or node --import tsx bench/splitee/policies.bench.ts)
 */
import { pathToFileURL } from 'node:url';
import { paperCosts } from '../../src/splitee/cost.js';
import { createPolicy, isStagePolicyName, POLICY_NAMES, type Observation } from '../../src/splitee/policy.js';
import { syntheticTrace } from '../../src/splitee/synthetic.js';

const L = 12;
const ROWS = 4096;
const ALPHA = 0.8;

function observations(): Observation[] {
  const trace = syntheticTrace({ rows: ROWS, exits: L, seed: 1 });
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });
  const out: Observation[] = [];
  for (let r = 0; r < ROWS; r++) {
    for (let s = 0; s <= L; s++) {
      const conf = new Float64Array(L).fill(NaN);
      for (let j = 0; j < s; j++) conf[j] = trace.conf[r * L + j];
      const cl = trace.conf[r * L + L - 1];
      const exit = s > 0 && s < L && conf[s - 1] >= ALPHA;
      out.push({ split: s, confidences: conf, offloaded: !exit && s < L, finalConf: exit ? NaN : cl, cost: costs.device[s] + (!exit && s < L ? 0.5 : 0), hindsightFinalConf: undefined });
    }
  }
  return out;
}

export async function run(): Promise<void> {
  const obs = observations();
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5, cloudOnly: 0.6 });
  const costsNoCloud = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });
  const rounds = 2_000_000;
  console.log(`policies: decisions + updates per second, L = ${L}, ${rounds / 1e6}M rounds, median of 5`);
  for (const spec of POLICY_NAMES.filter((n) => !isStagePolicyName(n))) { // stage policies: layerwise.bench.ts
    const name = spec === 'fixed:K' ? 'fixed:4' : spec;
    const c = name === 'cloud' ? costs : costsNoCloud;
    const times: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const p = createPolicy(name, { costs: c, alpha: ALPHA, split: 4, seed: 1 });
      const t0 = performance.now();
      let row = 0;
      for (let t = 1; t <= rounds; t++) {
        const s = p.choose(t);
        p.update(obs[row * (L + 1) + (name === 'threshold' ? L : s)]);
        if (++row === ROWS) row = 0;
      }
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const perSec = rounds / (times[2] / 1000);
    console.log(`  ${name.padEnd(13)} ${(perSec / 1e6).toFixed(1).padStart(6)} M/s`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
