/**
 * layerwise: a per-sample, per-layer stopping policy learned online from unlabeled observations
 * (issue 14; design and figures in src/splitee/README.md "layerwise").
 *
 * State after stage i: (i, b) with b the bin of C_i. Bins: `lowBins` equal bins on [0, alpha) and
 * `highBins` on [alpha, 1], so alpha is an edge and a bin either allows exit or not. Per state it learns
 *   - P(b' | i, b): the bin of C_{i+1} given the bin of C_i (observed for free whenever the device
 *     continues: side information along the path);
 *   - E[C_L | i, b]: from the C_L of rounds offloaded at (i, b), and for its continued rounds by the
 *     chain sum_b' P(b' | i, b) E[C_L | i + 1, b'] (credit 'chain'; 'path' credits every observed C_L
 *     to every state of the path, which is biased: see `credit`);
 *   - the mean C_i of the bin (the exit value inside the backward induction).
 * Backward induction over the bins gives V(i, b) = max(exit, offload, continue) with
 *   exit     = C_i - mu * device[i]                             (bins >= alpha only)
 *   offload  = E[C_L | i, b] - mu * (device[i] + offload[i])
 *   continue = sum_b' P(b' | i, b) V(i + 1, b'),   V(L, b) = mean C_L of bin b - mu * device[L],
 *              mixed with the continuation returns (the realized rewards of the rounds that continued
 *              from (i, b), mc times each, from round mcFrom on; mc 0: the chain alone).
 * A decision compares the exact exit value (it knows C_i) with optimistic offload and continue values
 * (UCB bonuses c * sqrt(ln t / (n + 1)) on the counts of C_L and of transitions): it explores only
 * where an optimistic estimate beats the best known action. The C_L prior is one pseudo-count of
 * max(bin mean C_i, floor = 0.95) (optimistic), an unseen transition counts 0.25 times as the top bin (transPrior
 * 'top'; 'stay': the same bin). No random stream: the choices are a deterministic function of the
 * observations.
 *
 * Incremental: an update changes the statistics of the states on the round's path only, and V(i, .)
 * depends on stages >= i, so only those states and the states upstream whose continuation reaches a
 * changed value are re-induced (refreshDirty: exact; one state, B multiply-adds, for a round that ended
 * at stage 1; a sliding window also re-induces the evicted round's path). Discounting (gamma < 1) is lazy: increments
 * weigh gamma^-t (rescaled at RESCALE_AT), so a round costs nothing extra; the pseudo-counts' relative
 * weight then moves everywhere, so the whole induction is refreshed every FULL_EVERY rounds.
 *
 * Layouts: state s = (i - 1) * B + b (i = 1..L); trans[s * B + b'] for i < L. Flat Float64Arrays.
 */
import { ArgumentError, FormatError } from '../../tensor/errors.js';
import { costTableFromJSON, costTableToJSON, type CostTableJSON } from '../cost.js';
import { resolveLayerwise, type LayerwiseOptions } from './layerwise-options.js';
import { exits, rewardModel, roundReward, type RewardModel } from '../reward.js';
import { ObservationWindow } from './layerwise-window.js';
import { stageCost, type StageAction, type StageObservation, type StagePolicy, type StagePolicyState } from '../stage.js';

export type { LayerwiseOptions } from './layerwise-options.js';

const STATS = ['visits', 'confSum', 'trans', 'transN', 'clSum', 'clN', 'exits', 'offloads'] as const;
/** Continuation returns: absent from snapshots made before them (restored as zeros, with mc 0). */
const RETURNS = ['retSum', 'retN'] as const;
const VALUES = ['value', 'offVal', 'contVal', 'clVal'] as const;
/** With gamma < 1, every FULL_EVERY rounds the whole induction is refreshed (the priors' relative weight moves everywhere). */
const FULL_EVERY = 16;
/** Lazy discount: increments weigh gamma^-t; all statistics are rescaled when the weight passes this. */
const RESCALE_AT = 1e100;

export class LayerwisePolicy implements StagePolicy {
  readonly name: string;
  readonly numExits: number;
  readonly execution = 'stage' as const;
  readonly alpha: number;
  readonly mu: number;
  readonly c: number;
  readonly gamma: number;
  readonly B: number;
  readonly mc: number;
  readonly mcFrom: number;
  private readonly lowBins: number;
  private readonly highBins: number;
  private readonly options: LayerwiseOptions;
  /** alpha, mu and the costs: every value below is roundReward(model, C, stageCost(model, stage, outcome)). */
  private readonly model: RewardModel;
  /** Visits of state s, sum of C_i there; transitions out of s (i < L) and their total. */
  private readonly visits: Float64Array;
  private readonly confSum: Float64Array;
  private readonly trans: Float64Array;
  private readonly transN: Float64Array;
  /** Observed C_L credited to state s ('chain': only rounds offloaded at s). */
  private readonly clSum: Float64Array;
  private readonly clN: Float64Array;
  /** E[C_L | s] of the induction ('chain'). */
  private readonly clVal: Float64Array;
  /** Realized rewards of the rounds that continued from state s (their sum and weight). */
  private readonly retSum: Float64Array;
  private readonly retN: Float64Array;
  private readonly chain: boolean;
  private readonly warp: number;
  private readonly transWeight: number;
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
  /** Sliding window (null: every round counts). */
  private readonly win: ObservationWindow | null;
  /** Weight of this round's increments (gamma^-t, lazily discounted; 1 when gamma = 1). */
  private weight = 1;
  private finals = 0;
  private rounds = 0;
  /** ln(max(2, rounds + 1)), the UCB bonus's numerator (changes once per round). */
  private logT = Math.log(2);
  private readonly path: Int32Array;
  /** States whose statistics moved since the last induction, the deepest such stage; changed bins. */
  private readonly dirty: Uint8Array;
  private dirtyTop = 0;
  private readonly changedNext: Int32Array;
  private readonly changedCur: Int32Array;

  constructor(name: string, o: LayerwiseOptions) {
    const r = resolveLayerwise(name, o);
    this.name = name;
    this.options = o;
    this.numExits = o.costs.numExits;
    ({ alpha: this.alpha, mu: this.mu, c: this.c, gamma: this.gamma, optimistic: this.optimistic, chain: this.chain, warp: this.warp } = r);
    ({ transWeight: this.transWeight, prior: this.prior, floor: this.floor, lowBins: this.lowBins, highBins: this.highBins, mc: this.mc, mcFrom: this.mcFrom } = r);
    const window = r.window;
    const L = this.numExits;
    const B = (this.B = this.lowBins + this.highBins);
    this.model = rewardModel(this.alpha, this.mu, o.costs);
    this.visits = new Float64Array(L * B);
    this.confSum = new Float64Array(L * B);
    this.trans = new Float64Array(L * B * B);
    this.transN = new Float64Array(L * B);
    this.clSum = new Float64Array(L * B);
    this.clN = new Float64Array(L * B);
    this.clVal = new Float64Array(L * B);
    this.retSum = new Float64Array(L * B);
    this.retN = new Float64Array(L * B);
    this.value = new Float64Array(L * B);
    this.offVal = new Float64Array(L * B);
    this.contVal = new Float64Array(L * B);
    this.exits = new Float64Array(L);
    this.offloads = new Float64Array(L);
    this.path = new Int32Array(L);
    this.win = window > 0 ? new ObservationWindow(window, L) : null;
    this.dirty = new Uint8Array(L * B);
    this.changedNext = new Int32Array(B);
    this.changedCur = new Int32Array(B);
    this.refresh();
  }

  /**
   * Bin of a confidence: [0, alpha) in lowBins parts, [alpha, 1] in highBins, equal in u^warp with u the
   * relative distance from alpha (warp < 1: finer bins near alpha, where exit / continue / offload flip).
   */
  bin(conf: number): number {
    const a = this.alpha;
    const p = this.warp;
    if (conf < a) {
      const u = (a - conf) / a;
      return this.lowBins - 1 - Math.min(this.lowBins - 1, Math.floor((p === 1 ? u : Math.pow(u, p)) * this.lowBins));
    }
    if (a >= 1) return this.lowBins;
    const u = (conf - a) / (1 - a);
    return this.lowBins + Math.min(this.highBins - 1, Math.floor((p === 1 ? u : Math.pow(u, p)) * this.highBins));
  }

  /** Mid-point of bin b (the exit value of an unvisited bin). */
  private mid(b: number): number {
    const a = this.alpha;
    const inv = 1 / this.warp;
    if (b < this.lowBins) return a - a * Math.pow((this.lowBins - 1 - b + 0.5) / this.lowBins, inv);
    return a + (1 - a) * Math.pow((b - this.lowBins + 0.5) / this.highBins, inv);
  }

  decide(t: number, stage: number, confidences: ArrayLike<number>): StageAction {
    const L = this.numExits;
    const ci = confidences[stage - 1];
    if (stage >= L) return 'exit';
    const s = (stage - 1) * this.B + this.bin(ci);
    const lt = this.logT;
    const w = this.weight;
    const nOff = this.chain ? this.clN[s] + this.transN[s] : this.clN[s];
    const off = this.offVal[s] + this.c * Math.sqrt(lt / (nOff / w + 1));
    const cont = this.contVal[s] + this.c * Math.sqrt(lt / (this.transN[s] / w + 1));
    const ex = exits(this.alpha, ci) ? roundReward(this.model, ci, stageCost(this.model, stage, 'exit')) : -Infinity;
    if (ex >= off && ex >= cont) return 'exit';
    return cont > off ? 'continue' : 'offload';
  }

  update(obs: StageObservation): void {
    const L = this.numExits;
    const stop = obs.stop;
    if (!(Number.isInteger(stop) && stop >= 1 && stop <= L)) throw new ArgumentError(`policy '${this.name}': stop out of range: got ${stop}, expected an integer in [1, ${L}]`);
    for (let i = 0; i < stop; i++) {
      const ci = obs.confidences[i];
      if (!(ci >= 0 && ci <= 1)) throw new ArgumentError(`policy '${this.name}': invalid confidence C_${i + 1}: got ${ci}, expected a value in [0, 1]`);
    }
    const fc = obs.finalConf;
    // -1: exited (the reward is C_stop's), -2: C_L not observed (no reward to credit)
    const cl = obs.outcome === 'exit' ? -1 : fc >= 0 && fc <= 1 ? fc : -2;
    if (this.gamma < 1) {
      this.weight /= this.gamma;
      if (this.weight > RESCALE_AT) this.rescale();
    }
    if (this.win !== null) {
      const old = this.win.evictable();
      if (old >= 0) {
        const os = this.win.stop[old];
        // the evicted round was round number rounds - size (0-based): its return was credited iff that was >= mcFrom
        this.accumulate(this.win.conf.subarray(old * L, old * L + os), os, this.win.cl[old], -1, this.credits(this.rounds - this.win.size));
      }
      this.win.push(obs.confidences, stop, cl);
    }
    this.accumulate(obs.confidences, stop, cl, this.weight, this.credits(this.rounds));
    if (obs.outcome === 'exit') this.exits[stop - 1] += 1;
    else if (obs.outcome === 'offload') this.offloads[stop - 1] += 1;
    else this.finals += 1;
    this.rounds += 1;
    this.logT = Math.log(Math.max(2, this.rounds + 1));
    if (this.gamma < 1 && this.rounds % FULL_EVERY === 0) this.refresh();
    else this.refreshDirty();
  }

  /** Whether the round of 0-based number r credits its return (mc > 0, and past the optimistic start). */
  private credits(r: number): boolean {
    return this.mc > 0 && r >= this.mcFrom;
  }

  /** Adds (w > 0) or removes (w = -1, the window) one round's statistics along its path. */
  private accumulate(conf: ArrayLike<number>, stop: number, cl: number, w: number, credit: boolean): void {
    const B = this.B;
    if (stop > this.dirtyTop) this.dirtyTop = stop;
    const ret = this.realizedReward(conf, stop, cl);
    for (let i = 1; i <= stop; i++) {
      const ci = conf[i - 1];
      const s = (i - 1) * B + this.bin(ci);
      this.path[i - 1] = s;
      this.dirty[s] = 1;
      this.visits[s] += w;
      this.confSum[s] += w * ci;
      if (i > 1) {
        const p = this.path[i - 2];
        this.trans[p * B + (s - (i - 1) * B)] += w;
        this.transN[p] += w;
      }
      if (cl >= 0 && (!this.chain || (i === stop && stop < this.numExits))) {
        this.clSum[s] += w * cl;
        this.clN[s] += w;
      }
    }
    if (credit && ret === ret) this.creditReturns(stop, ret, w);
  }

  /**
   * The round's reward as the paper's rule pays it (stage.ts): exited (cl -1) C_stop - mu * device[stop];
   * offloaded or final, C_L - mu * its cost; NaN when C_L was not observed (cl -2: nothing to credit).
   */
  private realizedReward(conf: ArrayLike<number>, stop: number, cl: number): number {
    const m = this.model;
    if (cl === -1) return roundReward(m, conf[stop - 1], stageCost(m, stop, 'exit'));
    if (cl < 0) return Number.NaN;
    return roundReward(m, cl, stageCost(m, stop, stop === this.numExits ? 'final' : 'offload'));
  }

  /**
   * Credits the round's realized reward to every state it continued from (stages 1..stop-1): what
   * continuing from there actually paid under the policy of the time.
   */
  private creditReturns(stop: number, ret: number, w: number): void {
    for (let i = 1; i < stop; i++) {
      const p = this.path[i - 1];
      this.retSum[p] += w * ret;
      this.retN[p] += w;
    }
  }

  /** Divides every weighted statistic by the current weight (the ratios, hence the values, stay). */
  private rescale(): void {
    const k = 1 / this.weight;
    for (const a of [this.visits, this.confSum, this.trans, this.transN, this.clSum, this.clN, this.retSum, this.retN]) for (let j = 0; j < a.length; j++) a[j] *= k;
    this.weight = 1;
  }

  /** Re-induces the whole table (L * B^2). */
  private refresh(): void {
    for (let i = this.numExits; i >= 1; i--) for (let b = 0; b < this.B; b++) this.induce(i, b);
    this.dirty.fill(0);
    this.dirtyTop = 0;
  }

  /**
   * Re-induces only what changed: from the deepest stage with a dirty state (its statistics moved) down
   * to 1, a state is recomputed when it is dirty or when it can move to a next-stage bin whose value
   * changed (a transition seen, or the prior's target). Exact: every other state's inputs are unchanged.
   */
  private refreshDirty(): void {
    const B = this.B;
    let nNext = 0;
    for (let i = this.dirtyTop; i >= 1; i--) {
      let nCur = 0;
      for (let b = 0; b < B; b++) {
        const s = (i - 1) * B + b;
        let need = this.dirty[s] === 1;
        if (!need && nNext > 0) {
          const pt = this.optimistic ? B - 1 : b;
          for (let q = 0; q < nNext && !need; q++) {
            const k = this.changedNext[q];
            need = k === pt || this.trans[s * B + k] !== 0;
          }
        }
        if (!need) continue;
        this.dirty[s] = 0;
        const old = this.value[s];
        const oldCl = this.clVal[s];
        if (this.induce(i, b) !== old || this.clVal[s] !== oldCl) this.changedCur[nCur++] = b;
      }
      this.changedNext.set(this.changedCur.subarray(0, nCur));
      nNext = nCur;
    }
    this.dirtyTop = 0;
  }

  /** V(i, b) = max(exit, offload, continue) from the statistics of (i, b) and V(i + 1, .); returns it. */
  private induce(i: number, b: number): number {
    const B = this.B;
    const m = this.model;
    const w = this.weight;
    const s = (i - 1) * B + b;
    const n = this.visits[s];
    const meanC = n > 1e-9 * w ? this.confSum[s] / n : this.mid(b);
    if (i === this.numExits) {
      this.clVal[s] = meanC;
      return (this.value[s] = roundReward(m, meanC, stageCost(m, i, 'final')));
    }
    const pw = this.prior * w;
    const next = i * B;
    const pv = this.value[next + (this.optimistic ? B - 1 : b)];
    let cont = pv;
    let clAcc = 0;
    const tn = this.transN[s];
    if (tn > 1e-9 * w) {
      const tw = this.transWeight * w;
      let acc = pv * tw;
      const row = s * B;
      for (let k = 0; k < B; k++) {
        acc += this.trans[row + k] * this.value[next + k];
        clAcc += this.trans[row + k] * this.clVal[next + k];
      }
      const rn = this.mc * this.retN[s];
      cont = (acc + this.mc * this.retSum[s]) / (tn + tw + rn);
    }
    const prior = pw * Math.max(meanC, this.floor);
    const ecl = this.chain ? (this.clSum[s] + clAcc + prior) / (this.clN[s] + tn + pw) : (this.clSum[s] + prior) / (this.clN[s] + pw);
    this.clVal[s] = ecl;
    const off = roundReward(m, ecl, stageCost(m, i, 'offload'));
    this.offVal[s] = off;
    this.contVal[s] = cont;
    let v = off > cont ? off : cont;
    if (this.alpha < 1 && b >= this.lowBins) {
      const ex = roundReward(m, meanC, stageCost(m, i, 'exit'));
      if (ex > v) v = ex;
    }
    return (this.value[s] = v);
  }

  decisionCounts(): { exits: number[]; offloads: number[]; finals: number } {
    return { exits: Array.from(this.exits), offloads: Array.from(this.offloads), finals: this.finals };
  }

  snapshot(): StagePolicyState {
    const { costs, ...rest } = this.options;
    const state: Record<string, number[] | number> = { rounds: this.rounds, finals: this.finals, weight: this.weight };
    for (const k of [...STATS, ...RETURNS]) state[k] = Array.from(this[k]);
    if (this.win !== null) Object.assign(state, this.win.toJSON());
    // with gamma < 1 stages can be up to FULL_EVERY rounds stale: the values themselves round-trip
    if (this.gamma < 1) for (const k of VALUES) state[k] = Array.from(this[k]);
    return {
      format: 'splitee-stage-policy',
      version: 1,
      name: this.name,
      options: { ...rest, mc: this.mc, mcFrom: this.mcFrom, costs: costTableToJSON(costs) },
      state,
    };
  }

  /** Loads a snapshot of a policy built with the same options. */
  load(st: StagePolicyState): void {
    const who = `policy '${this.name}'`;
    for (const k of [...STATS, ...RETURNS]) {
      const src = st.state[k];
      if (src === undefined && (RETURNS as readonly string[]).includes(k)) {
        this[k].fill(0);
        continue;
      }
      const dst = this[k];
      if (!Array.isArray(src) || src.length !== dst.length) throw new FormatError(`${who}: bad snapshot field ${k}: got ${Array.isArray(src) ? `${src.length} values` : typeof src}, expected ${dst.length} values`);
      dst.set(src);
    }
    this.rounds = Number(st.state.rounds);
    this.logT = Math.log(Math.max(2, this.rounds + 1));
    this.finals = Number(st.state.finals);
    const wt = st.state.weight === undefined ? 1 : Number(st.state.weight);
    if (!(Number.isFinite(wt) && wt >= 1)) throw new FormatError(`${who}: bad snapshot weight: got ${wt}, expected a finite number >= 1`);
    this.weight = wt;
    if (this.win !== null) this.win.load(st.state, who);
    if (this.gamma < 1 && VALUES.every((k) => Array.isArray(st.state[k]) && (st.state[k] as number[]).length === this[k].length)) {
      for (const k of VALUES) this[k].set(st.state[k] as number[]);
    } else this.refresh();
  }
}

/** Rebuilds a layerwise policy from snapshot(): its next decisions equal the original's. */
export function restoreLayerwise(st: StagePolicyState): LayerwisePolicy {
  if (st === null || typeof st !== 'object' || st.format !== 'splitee-stage-policy' || st.version !== 1 || typeof st.name !== 'string') {
    throw new FormatError(`restoreLayerwise: not a stage-policy snapshot: got ${typeof st === 'object' && st !== null ? `format ${String(st.format).slice(0, 40)}` : typeof st}, expected {format: 'splitee-stage-policy', version: 1, name, ...}`);
  }
  const o = st.options as Omit<LayerwiseOptions, 'costs'> & { costs: CostTableJSON };
  // a snapshot from before the continuation returns has no mc: it played the induction alone (mc 0)
  const p = new LayerwisePolicy(st.name, { ...o, mc: o.mc ?? 0, costs: costTableFromJSON(o.costs) });
  p.load(st);
  return p;
}
