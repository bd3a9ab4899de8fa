/**
 * layerwise: a per-sample, per-layer stopping policy learned online from unlabeled observations
 * (issue 14; design and figures in src/splitee/README.md "layerwise").
 *
 * State after stage i: (i, b) with b the bin of C_i. Bins: `lowBins` equal bins on [0, alpha) and
 * `highBins` on [alpha, 1], so alpha is an edge and a bin either allows exit or not. Per state it learns
 *   - P(b' | i, b): the bin of C_{i+1} given the bin of C_i (observed for free whenever the device
 *     continues: side information along the path);
 *   - E[C_L | i, b]: credited to every state of the path whenever C_L is observed (offload, final);
 *   - the mean C_i of the bin (the exit value inside the backward induction).
 * Backward induction over the bins gives V(i, b) = max(exit, offload, continue) with
 *   exit     = C_i - mu * device[i]                             (bins >= alpha only)
 *   offload  = E[C_L | i, b] - mu * (device[i] + offload[i])
 *   continue = sum_b' P(b' | i, b) V(i + 1, b'),   V(L, b) = mean C_L of bin b - mu * device[L].
 * A decision compares the exact exit value (it knows C_i) with optimistic offload and continue values
 * (UCB bonuses c * sqrt(ln t / (n + 1)) on the counts of C_L and of transitions): it explores only
 * where an optimistic estimate beats the best known action. Unseen C_L starts at 1 (optimistic, one
 * pseudo-count), unseen transitions stay in the same bin (one pseudo-count). No random stream: the
 * choices are a deterministic function of the observations.
 *
 * Layouts: state s = (i - 1) * B + b (i = 1..L); trans[s * B + b'] for i < L. Flat Float64Arrays.
 */
import { ArgumentError, FormatError } from '../../tensor/errors.js';
import { costTableFromJSON, costTableToJSON, type CostTable, type CostTableJSON } from '../cost.js';
import { exits } from '../reward.js';
import type { StageAction, StageObservation, StagePolicy, StagePolicyState } from '../stage.js';

export interface LayerwiseOptions {
  costs: CostTable;
  alpha?: number;
  mu?: number;
  /** UCB width on values (default 0.02; README 'layerwise' has the sweep). */
  c?: number;
  lowBins?: number;
  highBins?: number;
  /** Discount applied to every statistic per round (default 1: stationary; < 1 forgets for drift). */
  gamma?: number;
  /** Pseudo-count of the prior on E[C_L | state] (default 1). */
  prior?: number;
  /** The prior's value is max(bin mean C_i, floor) (default 1: optimistic). */
  floor?: number;
  /** Prior pseudo-count of an unseen transition: 'top' (to the top bin: optimistic; default) or 'stay'. */
  transPrior?: 'top' | 'stay';
  /** Accepted for the common interface; the policy draws no random numbers. */
  seed?: number;
}

const STATS = ['visits', 'confSum', 'trans', 'transN', 'clSum', 'clN', 'exits', 'offloads'] as const;

export class LayerwisePolicy implements StagePolicy {
  readonly name: string;
  readonly numExits: number;
  readonly execution = 'stage' as const;
  readonly alpha: number;
  readonly mu: number;
  readonly c: number;
  readonly gamma: number;
  readonly B: number;
  private readonly lowBins: number;
  private readonly highBins: number;
  private readonly options: LayerwiseOptions;
  private readonly device: Float64Array;
  private readonly offloadCost: Float64Array;
  /** Visits of state s, sum of C_i there; transitions out of s (i < L) and their total. */
  private readonly visits: Float64Array;
  private readonly confSum: Float64Array;
  private readonly trans: Float64Array;
  private readonly transN: Float64Array;
  /** Observed C_L credited to state s. */
  private readonly clSum: Float64Array;
  private readonly clN: Float64Array;
  /** Mean-value estimates (no bonus): V(s), offload value and continue value of s. */
  private readonly value: Float64Array;
  private readonly offVal: Float64Array;
  private readonly contVal: Float64Array;
  private readonly exits: Float64Array;
  private readonly offloads: Float64Array;
  /** Pseudo-count of the C_L prior (the bin's own mean confidence, at least `floor`). */
  private readonly prior: number;
  private readonly floor: number;
  /** Prior of an unseen transition: to the top bin (optimistic) or the same bin. */
  private readonly optimistic: boolean;
  private finals = 0;
  private rounds = 0;
  private readonly path: Int32Array;

  constructor(name: string, o: LayerwiseOptions) {
    const w = `policy '${name}'`;
    if (o.costs === undefined || !(o.costs.device instanceof Float64Array)) throw new ArgumentError(`${w}: missing cost table: got ${typeof o.costs}, expected options.costs`);
    this.name = name;
    this.options = o;
    this.numExits = o.costs.numExits;
    this.alpha = o.alpha ?? 0.8;
    this.mu = o.mu ?? 1;
    this.c = o.c ?? 0.02;
    this.gamma = o.gamma ?? 1;
    this.optimistic = (o.transPrior ?? 'top') === 'top';
    this.prior = o.prior ?? 1;
    this.floor = o.floor ?? 1;
    this.lowBins = o.lowBins ?? 8;
    this.highBins = o.highBins ?? 4;
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new ArgumentError(`${w}: invalid alpha: got ${this.alpha}, expected a threshold in (0, 1]`);
    if (!(Number.isFinite(this.mu) && this.mu >= 0)) throw new ArgumentError(`${w}: invalid mu: got ${this.mu}, expected a finite number >= 0`);
    if (!(Number.isFinite(this.c) && this.c >= 0)) throw new ArgumentError(`${w}: invalid c: got ${this.c}, expected a finite number >= 0`);
    if (!(this.gamma > 0 && this.gamma <= 1)) throw new ArgumentError(`${w}: invalid gamma: got ${this.gamma}, expected a discount in (0, 1]`);
    for (const [k, v] of [['lowBins', this.lowBins], ['highBins', this.highBins]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 64) throw new ArgumentError(`${w}: invalid ${k}: got ${v}, expected an integer in [1, 64]`);
    }
    const seed = o.seed ?? 1;
    if (!Number.isInteger(seed)) throw new ArgumentError(`${w}: invalid seed: got ${seed}, expected an integer`);
    const L = this.numExits;
    const B = (this.B = this.lowBins + this.highBins);
    this.device = o.costs.device;
    this.offloadCost = o.costs.offload;
    this.visits = new Float64Array(L * B);
    this.confSum = new Float64Array(L * B);
    this.trans = new Float64Array(L * B * B);
    this.transN = new Float64Array(L * B);
    this.clSum = new Float64Array(L * B);
    this.clN = new Float64Array(L * B);
    this.value = new Float64Array(L * B);
    this.offVal = new Float64Array(L * B);
    this.contVal = new Float64Array(L * B);
    this.exits = new Float64Array(L);
    this.offloads = new Float64Array(L);
    this.path = new Int32Array(L);
    this.refresh();
  }

  /** Bin of a confidence: [0, alpha) in lowBins equal parts, [alpha, 1] in highBins. */
  bin(conf: number): number {
    const a = this.alpha;
    if (conf < a) return Math.min(this.lowBins - 1, Math.floor((conf / a) * this.lowBins));
    if (a >= 1) return this.lowBins;
    return this.lowBins + Math.min(this.highBins - 1, Math.floor(((conf - a) / (1 - a)) * this.highBins));
  }

  /** Mid-point of bin b (the exit value of an unvisited bin). */
  private mid(b: number): number {
    const a = this.alpha;
    return b < this.lowBins ? ((b + 0.5) / this.lowBins) * a : a + ((b - this.lowBins + 0.5) / this.highBins) * (1 - a);
  }

  decide(t: number, stage: number, confidences: ArrayLike<number>): StageAction {
    const L = this.numExits;
    const ci = confidences[stage - 1];
    if (stage >= L) return 'exit';
    const s = (stage - 1) * this.B + this.bin(ci);
    const lt = Math.log(Math.max(2, this.rounds + 1));
    const off = this.offVal[s] + this.c * Math.sqrt(lt / (this.clN[s] + 1));
    const cont = this.contVal[s] + this.c * Math.sqrt(lt / (this.transN[s] + 1));
    const ex = exits(this.alpha, ci) ? ci - this.mu * this.device[stage] : -Infinity;
    if (ex >= off && ex >= cont) return 'exit';
    return cont > off ? 'continue' : 'offload';
  }

  update(obs: StageObservation): void {
    const L = this.numExits;
    const B = this.B;
    const stop = obs.stop;
    if (!(Number.isInteger(stop) && stop >= 1 && stop <= L)) throw new ArgumentError(`policy '${this.name}': stop out of range: got ${stop}, expected an integer in [1, ${L}]`);
    if (this.gamma < 1) this.discount();
    const cl = obs.outcome === 'exit' ? null : obs.finalConf;
    for (let i = 1; i <= stop; i++) {
      const ci = obs.confidences[i - 1];
      if (!(ci >= 0 && ci <= 1)) throw new ArgumentError(`policy '${this.name}': invalid confidence C_${i}: got ${ci}, expected a value in [0, 1]`);
      const s = (i - 1) * B + this.bin(ci);
      this.path[i - 1] = s;
      this.visits[s] += 1;
      this.confSum[s] += ci;
      if (i > 1) {
        const p = this.path[i - 2];
        this.trans[p * B + (s - (i - 1) * B)] += 1;
        this.transN[p] += 1;
      }
      if (cl !== null && cl >= 0 && cl <= 1) {
        this.clSum[s] += cl;
        this.clN[s] += 1;
      }
    }
    if (obs.outcome === 'exit') this.exits[stop - 1] += 1;
    else if (obs.outcome === 'offload') this.offloads[stop - 1] += 1;
    else this.finals += 1;
    this.rounds += 1;
    this.refresh();
  }

  private discount(): void {
    const g = this.gamma;
    for (const a of [this.visits, this.confSum, this.trans, this.transN, this.clSum, this.clN]) for (let k = 0; k < a.length; k++) a[k] *= g;
  }

  /** Backward induction over the bins (L * B * B operations). */
  private refresh(): void {
    const L = this.numExits;
    const B = this.B;
    const mu = this.mu;
    for (let i = L; i >= 1; i--) {
      for (let b = 0; b < B; b++) {
        const s = (i - 1) * B + b;
        const n = this.visits[s];
        const meanC = n > 0 ? this.confSum[s] / n : this.mid(b);
        if (i === L) {
          this.value[s] = meanC - mu * this.device[L];
          continue;
        }
        const off = (this.clSum[s] + this.prior * Math.max(meanC, this.floor)) / (this.clN[s] + this.prior) - mu * (this.device[i] + this.offloadCost[i]);
        const next = i * B;
        const pb = this.optimistic ? B - 1 : b;
        let cont = this.value[next + pb];
        const tn = this.transN[s];
        if (tn > 0) {
          let acc = this.value[next + pb];
          for (let k = 0; k < B; k++) acc += this.trans[s * B + k] * this.value[next + k];
          cont = acc / (tn + 1);
        }
        this.offVal[s] = off;
        this.contVal[s] = cont;
        let v = off > cont ? off : cont;
        if (b >= this.lowBins && this.alpha < 1) {
          const ex = meanC - mu * this.device[i];
          if (ex > v) v = ex;
        }
        this.value[s] = v;
      }
    }
  }

  decisionCounts(): { exits: number[]; offloads: number[]; finals: number } {
    return { exits: Array.from(this.exits), offloads: Array.from(this.offloads), finals: this.finals };
  }

  snapshot(): StagePolicyState {
    const { costs, ...rest } = this.options;
    const state: Record<string, number[] | number> = { rounds: this.rounds, finals: this.finals };
    for (const k of STATS) state[k] = Array.from(this[k]);
    return {
      format: 'splitee-stage-policy',
      version: 1,
      name: this.name,
      options: { ...rest, costs: costTableToJSON(costs) },
      state,
    };
  }

  /** Loads a snapshot of a policy built with the same options. */
  load(st: StagePolicyState): void {
    for (const k of STATS) {
      const src = st.state[k];
      const dst = this[k];
      if (!Array.isArray(src) || src.length !== dst.length) throw new FormatError(`policy '${this.name}': bad snapshot field ${k}: got ${Array.isArray(src) ? `${src.length} values` : typeof src}, expected ${dst.length} values`);
      dst.set(src);
    }
    this.rounds = Number(st.state.rounds);
    this.finals = Number(st.state.finals);
    this.refresh();
  }
}

/** Rebuilds a layerwise policy from snapshot(): its next decisions equal the original's. */
export function restoreLayerwise(st: StagePolicyState): LayerwisePolicy {
  if (st === null || typeof st !== 'object' || st.format !== 'splitee-stage-policy' || st.version !== 1 || typeof st.name !== 'string') {
    throw new FormatError(`restoreLayerwise: not a stage-policy snapshot: got ${typeof st === 'object' && st !== null ? `format ${String(st.format).slice(0, 40)}` : typeof st}, expected {format: 'splitee-stage-policy', version: 1, name, ...}`);
  }
  const o = st.options as Omit<LayerwiseOptions, 'costs'> & { costs: CostTableJSON };
  const p = new LayerwisePolicy(st.name, { ...o, costs: costTableFromJSON(o.costs) });
  p.load(st);
  return p;
}
