/**
 * Per-arm reward statistics, composed with selection rules (UCB, Thompson, epsilon-greedy) instead of
 * one class per combination. Arms are indexed 0..numArms-1 here (the policy maps them to split layers).
 *
 * A round of updates is `beginRound(); add(arm, r) ...;` (several adds per round with side
 * observations, at most one per arm; hot callers stage the reward: `staged[0] = r; addStaged(arm)`). Readers use the public arrays directly (no calls in hot loops):
 *   n[a]        effective count (discounted or windowed for those kinds)
 *   mean[a]     sum[a] / n[a] (0 while n[a] = 0)
 *   invSqrtN[a] 1 / sqrt(n[a]) (Infinity while n[a] = 0)
 *
 * - plain:      every observation counts forever (UCB1, SplitEE).
 * - discounted: before each round every n and sum is multiplied by gamma (Garivier & Moulines 2011,
 *               D-UCB); horizon = sum of the discounted counts.
 * - windowed:   only the last `window` rounds count (SW-UCB); horizon = min(rounds, window).
 */
import { ArgumentError, FormatError, describeValue } from '../tensor/errors.js';
import { isRecord } from './is-record.js';

export type StatsKind = 'plain' | 'discounted' | 'windowed';

export interface StatsState {
  kind: StatsKind;
  numArms: number;
  rounds: number;
  n: number[];
  sum: number[];
  gamma?: number;
  window?: number;
  /** windowed: the ring of the last `window` rounds, [window * numArms] rewards with null = no observation. */
  ring?: (number | null)[];
}

/** Bound on a windowed statistic's ring (window * numArms rewards, 9 bytes each: 144 MiB at most). */
export const MAX_RING_ENTRIES = 2 ** 24;

export class ArmStats {
  readonly kind: StatsKind;
  readonly numArms: number;
  readonly gamma: number;
  readonly window: number;
  readonly n: Float64Array;
  readonly sum: Float64Array;
  readonly mean: Float64Array;
  readonly invSqrtN: Float64Array;
  /** The reward addStaged() adds. */
  readonly staged = new Float64Array(1);
  /** Rounds begun so far. */
  rounds = 0;
  private readonly ringR: Float64Array;
  private readonly ringM: Uint8Array;
  private slot = 0;

  constructor(kind: StatsKind, numArms: number, opts: { gamma?: number; window?: number } = {}) {
    if (kind !== 'plain' && kind !== 'discounted' && kind !== 'windowed') {
      throw new ArgumentError(`ArmStats: unknown kind: got '${kind}', expected plain, discounted or windowed`);
    }
    if (!Number.isInteger(numArms) || numArms < 1) throw new ArgumentError(`ArmStats: invalid numArms: got ${numArms}, expected an integer >= 1`);
    this.kind = kind;
    this.numArms = numArms;
    this.gamma = opts.gamma ?? 0.999;
    this.window = opts.window ?? 1000;
    if (kind === 'discounted' && !(this.gamma > 0 && this.gamma <= 1)) {
      throw new ArgumentError(`ArmStats: invalid gamma: got ${this.gamma}, expected a discount in (0, 1]`);
    }
    if (kind === 'windowed' && !(Number.isInteger(this.window) && this.window >= 1)) {
      throw new ArgumentError(`ArmStats: invalid window: got ${this.window}, expected an integer >= 1 (rounds)`);
    }
    if (kind === 'windowed' && this.window * numArms > MAX_RING_ENTRIES) {
      throw new ArgumentError(`ArmStats: window too large: got ${this.window} rounds over ${numArms} arms (${this.window * numArms} ring entries), expected at most ${MAX_RING_ENTRIES} ring entries (window * numArms)`);
    }
    this.n = new Float64Array(numArms);
    this.sum = new Float64Array(numArms);
    this.mean = new Float64Array(numArms);
    this.invSqrtN = new Float64Array(numArms).fill(Infinity);
    const ringSize = kind === 'windowed' ? this.window * numArms : 0;
    this.ringR = new Float64Array(ringSize);
    this.ringM = new Uint8Array(ringSize);
  }

  beginRound(): void {
    this.rounds++;
    const A = this.numArms;
    if (this.kind === 'discounted') {
      const g = this.gamma;
      for (let a = 0; a < A; a++) {
        this.n[a] *= g;
        this.sum[a] *= g;
      }
    } else if (this.kind === 'windowed') {
      this.slot = (this.rounds - 1) % this.window;
      const base = this.slot * A;
      for (let a = 0; a < A; a++) {
        if (this.ringM[base + a] === 1) {
          this.ringM[base + a] = 0;
          this.n[a] -= 1;
          this.sum[a] = this.n[a] === 0 ? 0 : this.sum[a] - this.ringR[base + a];
          this.refresh(a);
        }
      }
    }
  }

  add(arm: number, reward: number): void {
    this.staged[0] = reward;
    this.addStaged(arm);
  }

  /** add(arm, staged[0]): a hot caller writes the reward into the slot first, so no double crosses a
   *  call (V8 boxes a double argument, 16 bytes, when it does not inline the call). */
  addStaged(arm: number): void {
    const reward = this.staged[0];
    this.n[arm] += 1;
    this.sum[arm] += reward;
    if (this.kind === 'windowed') {
      const i = this.slot * this.numArms + arm;
      this.ringM[i] = 1;
      this.ringR[i] = reward;
    }
    if (this.kind !== 'discounted') this.refresh(arm);
  }

  /** For discounted stats, means change every round: call once after the round's adds. */
  endRound(): void {
    if (this.kind === 'discounted') for (let a = 0; a < this.numArms; a++) this.refresh(a);
  }

  /** The time argument of a UCB bonus at 1-based round t: t (plain), discounted total count, or min(t, window). */
  horizon(t: number): number {
    if (this.kind === 'plain') return t;
    if (this.kind === 'windowed') return Math.min(t, this.window);
    let s = 0;
    for (let a = 0; a < this.numArms; a++) s += this.n[a];
    return s;
  }

  private refresh(a: number): void {
    const n = this.n[a];
    if (n > 0) {
      this.mean[a] = this.sum[a] / n;
      this.invSqrtN[a] = 1 / Math.sqrt(n);
    } else {
      this.mean[a] = 0;
      this.invSqrtN[a] = Infinity;
    }
  }

  snapshot(): StatsState {
    const s: StatsState = { kind: this.kind, numArms: this.numArms, rounds: this.rounds, n: Array.from(this.n), sum: Array.from(this.sum) };
    if (this.kind === 'discounted') s.gamma = this.gamma;
    if (this.kind === 'windowed') {
      s.window = this.window;
      s.ring = Array.from(this.ringR, (r, i) => (this.ringM[i] === 1 ? r : null));
    }
    return s;
  }

  static restore(s: StatsState): ArmStats {
    const bad = (what: string): never => {
      // described, never serialized: the input is untrusted (deep JSON would overflow the stack)
      const shown = isRecord(s) ? `kind ${describeValue(s.kind)}, numArms ${describeValue(s.numArms)}, n ${describeValue(s.n)}, sum ${describeValue(s.sum)}` : describeValue(s);
      throw new FormatError(`ArmStats.restore: invalid state: ${what}; got ${shown}, expected a snapshot() of ArmStats`);
    };
    if (s === null || typeof s !== 'object') bad('not an object');
    // Sizes against the data actually present, before the constructor allocates numArms (and, windowed,
    // window * numArms) entries from the numbers the input claims.
    if (!Array.isArray(s.n) || s.n.length !== s.numArms || !Array.isArray(s.sum) || s.sum.length !== s.numArms) bad('n and sum must have numArms entries');
    if (s.kind === 'windowed' && (!Array.isArray(s.ring) || s.ring.length !== (s.window ?? 1000) * s.numArms)) bad('ring must have window * numArms entries');
    let st: ArmStats;
    try {
      st = new ArmStats(s.kind, s.numArms, { gamma: s.gamma, window: s.window });
    } catch (e) {
      if (e instanceof ArgumentError) return bad(`kind, numArms, gamma or window rejected (${e.message})`);
      throw e;
    }
    if (![...s.n, ...s.sum].every((v) => typeof v === 'number' && Number.isFinite(v)) || s.n.some((v) => v < 0)) bad('n and sum must be finite, n >= 0');
    if (!Number.isInteger(s.rounds) || s.rounds < 0) bad('rounds must be an integer >= 0');
    st.rounds = s.rounds;
    st.n.set(s.n);
    st.sum.set(s.sum);
    if (st.kind === 'windowed') {
      if (!s.ring!.every((r) => r === null || (typeof r === 'number' && Number.isFinite(r)))) bad('ring entries must be finite numbers or null');
      for (let a = 0; a < st.numArms; a++) {
        let c = 0;
        for (let i = a; i < s.ring!.length; i += st.numArms) if (s.ring![i] !== null) c++;
        if (c !== s.n[a]) bad(`n[${a}] must count the ring entries of arm ${a}`);
      }
      s.ring!.forEach((r, i) => {
        if (r !== null) {
          st.ringM[i] = 1;
          st.ringR[i] = r;
        }
      });
      st.slot = st.rounds === 0 ? 0 : (st.rounds - 1) % st.window;
    }
    for (let a = 0; a < st.numArms; a++) st.refresh(a);
    return st;
  }
}
