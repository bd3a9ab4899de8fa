/**
 * A seeded synthetic trace: L exits whose confidence and accuracy grow with depth, for tests,
 * benchmarks and trying policies before a real model's trace exists.
 *
 * Per sample: a difficulty d ~ U(0, 1) (after `driftAt`, d is drawn from U(drift, 1) instead: harder
 * samples, a simple distribution shift). For exit j (1-based), quality q_j = lo + (hi - lo) * j / L and
 *   C_j = clamp(q_j + spread * (0.5 - d) + noise * N(0, 1), 1 / K, 1)
 * The exit is right with probability C_j (calibrated by construction); a wrong prediction is a
 * uniformly random other class. Labels are uniform over K classes.
 */
import { ArgumentError } from '../tensor/errors.js';
import { Rng } from './rng.js';
import type { Trace } from './trace.js';

export interface SyntheticTraceOptions {
  rows: number;
  exits: number;
  classes?: number;
  seed?: number;
  /** Quality of exit 1 and of exit L (defaults 0.55 and 0.95). */
  lo?: number;
  hi?: number;
  spread?: number;
  noise?: number;
  /** Row index from which difficulty shifts to U(drift, 1); omitted: stationary. */
  driftAt?: number;
  drift?: number;
}

export function syntheticTrace(o: SyntheticTraceOptions): Trace {
  const N = o.rows;
  const L = o.exits;
  const K = o.classes ?? 10;
  if (!Number.isInteger(N) || N < 1) throw new ArgumentError(`syntheticTrace: invalid rows: got ${N}, expected an integer >= 1`);
  if (!Number.isInteger(L) || L < 1) throw new ArgumentError(`syntheticTrace: invalid exits: got ${L}, expected an integer >= 1`);
  if (!Number.isInteger(K) || K < 2) throw new ArgumentError(`syntheticTrace: invalid classes: got ${K}, expected an integer >= 2`);
  const lo = o.lo ?? 0.55;
  const hi = o.hi ?? 0.95;
  const spread = o.spread ?? 0.5;
  const noise = o.noise ?? 0.05;
  const drift = o.drift ?? 0.5;
  const rng = Rng.seeded(o.seed ?? 1);
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  const label = new Int32Array(N);
  for (let r = 0; r < N; r++) {
    const y = rng.int(K);
    label[r] = y;
    const d = o.driftAt !== undefined && r >= o.driftAt ? drift + (1 - drift) * rng.float() : rng.float();
    for (let j = 1; j <= L; j++) {
      const q = lo + ((hi - lo) * j) / L;
      const c = Math.min(1, Math.max(1 / K, q + spread * (0.5 - d) + noise * rng.normal()));
      conf[r * L + j - 1] = c;
      pred[r * L + j - 1] = rng.float() < c ? y : (y + 1 + rng.int(K - 1)) % K;
    }
  }
  return { numExits: L, numRows: N, conf, pred, label };
}
