/**
 * What every built-in policy shares: option checks, the arm <-> split mapping, play counts, the
 * seeded random stream and snapshot/load. BanditPolicy adds per-arm statistics and the reward
 * bookkeeping, including SplitEE-S's side observations under the 'observable' or 'full' rule.
 *
 * Internally arm k (0..numArms-1) is split layer first + k, first = 0 with the cloud-only arm, else 1.
 * Hot paths (choose/update) allocate nothing and read precomputed typed arrays.
 */
import { ArgumentError, FormatError, StateError, describeValue } from '../../tensor/errors.js';
import { Rng } from '../rng.js';
import { ArmStats } from '../stats.js';
import { armRewardUnchecked, exits, rewardModel, roundReward, type RewardModel } from '../reward.js';
import type { Execution, Observation, PolicyOptions, PolicyState, SideRule, SplitPolicy } from '../policy-types.js';
import type { CostTable } from '../cost.js';

export abstract class BasePolicy implements SplitPolicy {
  readonly name: string;
  readonly numArms: number;
  readonly numExits: number;
  readonly execution: Execution = 'split';
  /** The split layer of arm 0. */
  readonly first: number;
  readonly alpha: number;
  readonly mu: number;
  /** The run's reward/cost model, built once from the options (the runner settles rounds with it). */
  readonly model: RewardModel;
  protected readonly options: PolicyOptions;
  protected readonly costs: CostTable;
  protected readonly plays: Float64Array;
  protected rng: Rng;

  constructor(name: string, options: PolicyOptions) {
    const w = `policy '${name}'`;
    const costs = options.costs;
    if (costs === undefined || !(costs.device instanceof Float64Array)) throw new ArgumentError(`${w}: missing cost table: got ${typeof costs}, expected options.costs from paperCosts() or measuredCosts()`);
    this.name = name;
    this.options = options;
    this.costs = costs;
    this.numExits = costs.numExits;
    this.first = costs.cloudOnly ? 0 : 1;
    this.numArms = costs.numExits + 1 - this.first;
    this.alpha = options.alpha ?? 0.8;
    this.mu = options.mu ?? 1;
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw new ArgumentError(`${w}: invalid alpha: got ${this.alpha}, expected a threshold in [0, 1]`);
    if (!(Number.isFinite(this.mu) && this.mu >= 0)) throw new ArgumentError(`${w}: invalid mu: got ${this.mu}, expected a finite number >= 0`);
    this.model = rewardModel(this.alpha, this.mu, costs);
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) throw new ArgumentError(`${w}: invalid seed: got ${seed}, expected an integer`);
    this.rng = Rng.seeded(seed);
    this.plays = new Float64Array(this.numArms);
  }

  abstract choose(t: number): number;

  update(obs: Observation): void {
    this.plays[this.armOf(obs.split)] += 1;
  }

  playCounts(): number[] {
    return Array.from(this.plays);
  }

  /** Arm index of a split layer; throws for a split outside the arms. */
  protected armOf(split: number): number {
    const k = split - this.first;
    if (!(k >= 0 && k < this.numArms && Number.isInteger(split))) {
      throw new ArgumentError(`${this.name}.update: split out of range: got ${split}, expected an integer in [${this.first}, ${this.numExits}]`);
    }
    return k;
  }

  protected checkRound(t: number): void {
    if (!(t >= 1 && Number.isInteger(t))) throw new ArgumentError(`${this.name}.choose: invalid round: got ${t}, expected an integer t >= 1 (1-based)`);
  }

  protected statsState(): PolicyState['stats'] {
    return null;
  }

  snapshot(): PolicyState {
    const { costs, ...rest } = this.options;
    return {
      format: 'splitee-policy',
      version: 1,
      name: this.name,
      options: { ...rest, costs: { kind: costs.kind, unit: costs.unit, numExits: costs.numExits, cloudOnly: costs.cloudOnly, device: Array.from(costs.device), offload: Array.from(costs.offload) } },
      plays: Array.from(this.plays),
      stats: this.statsState(),
      rng: this.rng.snapshot(),
    };
  }

  /** Restores what snapshot() saved (called by restorePolicy on a freshly built policy). */
  load(state: PolicyState): void {
    if (!Array.isArray(state.plays) || state.plays.length !== this.numArms || !state.plays.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new FormatError(`restorePolicy: invalid plays: got ${describeValue(state.plays)}, expected ${this.numArms} integers >= 0`);
    }
    this.plays.set(state.plays);
    if (state.rng !== null) this.rng = Rng.restore(state.rng);
  }
}

/** A learning policy: per-arm statistics of rewards, optionally fed by side observations. */
export abstract class BanditPolicy extends BasePolicy {
  protected stats: ArmStats;
  readonly sideObservations: boolean;
  readonly side: SideRule;

  constructor(name: string, options: PolicyOptions, sideObservations: boolean) {
    super(name, options);
    this.sideObservations = sideObservations;
    this.side = options.side ?? 'observable';
    if (this.side !== 'observable' && this.side !== 'full') {
      throw new ArgumentError(`policy '${name}': invalid side rule: got '${this.side}', expected observable or full`);
    }
    this.stats = new ArmStats(options.stats ?? 'plain', this.numArms, { gamma: options.gamma, window: options.window });
  }

  /**
   * The played arm's reward is (exit ? C_split : C_L) - mu * obs.cost, exit meaning 0 < split < L and
   * C_split >= alpha. Side observations (the *-s policies) update every shallower arm j whose reward
   * is known: C_j >= alpha, or C_L observed; rule 'full' also uses obs.hindsightFinalConf (replay only).
   */
  override update(obs: Observation): void {
    const s = obs.split;
    const k = this.armOf(s);
    const L = this.numExits;
    const m = this.model;
    const alpha = m.alpha;
    const conf = obs.confidences;
    const cl = obs.finalConf;
    this.checkConfidences(obs, k);
    const exited = s > 0 && s < L && exits(alpha, conf[s - 1]);
    if (!exited && Number.isNaN(cl)) throw new StateError(`${this.name}.update: C_L missing: got finalConf NaN (not observed) for split ${s}, expected C_L (the split did not exit on the device)`);
    this.plays[k] += 1;
    const st = this.stats;
    st.beginRound();
    // each branch stores its reward: V8 boxes a double merged with a tagged value or a call's result
    if (exited) st.staged[0] = roundReward(m, conf[s - 1], obs.cost);
    else st.staged[0] = roundReward(m, cl, obs.cost);
    st.addStaged(k);
    if (this.sideObservations && s > this.first) {
      // a shallower arm j's full-information reward (reward.ts) is known when C_j exits or C_L is known
      const known = !Number.isNaN(cl) ? cl : this.side === 'full' && obs.hindsightFinalConf !== undefined ? obs.hindsightFinalConf : NaN;
      for (let j = this.first; j < s; j++) {
        const cj = j > 0 ? conf[j - 1] : NaN;
        if (!Number.isNaN(known) || (j > 0 && exits(alpha, cj))) {
          st.staged[0] = armRewardUnchecked(m, j, cj, known);
          st.addStaged(j - this.first);
        }
      }
    }
    st.endRound();
  }

  /**
   * Confidences enter a policy here: every one update will read (C_split for an inner split, C_1..
   * with side observations, C_L when observed or used in hindsight) must be in [0, 1], checked before
   * anything changes. A NaN would otherwise count as an offload (C_j >= alpha is false).
   */
  private checkConfidences(obs: Observation, k: number): void {
    const s = obs.split;
    const L = this.numExits;
    const conf = obs.confidences;
    const hi = Math.min(s, L - 1); // C_s is read for 0 < s < L; C_L comes from finalConf
    for (let i = this.sideObservations && k > 0 ? 0 : Math.max(0, s - 1); i < hi; i++) {
      const v = conf[i];
      if (!(v >= 0 && v <= 1)) this.badConf(i + 1, v);
    }
    const cl = obs.finalConf;
    if (!Number.isNaN(cl) && !(cl >= 0 && cl <= 1)) this.badConf('L', cl);
    const h = obs.hindsightFinalConf;
    if (Number.isNaN(cl) && this.sideObservations && this.side === 'full' && h !== undefined && !(h >= 0 && h <= 1)) this.badConf('L (hindsight)', h);
  }

  private badConf(k: number | string, v: unknown): never {
    throw new ArgumentError(`${this.name}.update: invalid confidence C_${k}: got ${v}, expected a value in [0, 1]`);
  }

  /** Index of the shallowest arm never observed, or -1. */
  protected unplayed(): number {
    const n = this.stats.n;
    for (let a = 0; a < n.length; a++) if (n[a] === 0) return a;
    return -1;
  }

  /** Per-arm effective counts and means (for reports). */
  armStats(): { n: number[]; mean: number[] } {
    return { n: Array.from(this.stats.n), mean: Array.from(this.stats.mean) };
  }

  protected override statsState(): PolicyState['stats'] {
    return this.stats.snapshot();
  }

  override load(state: PolicyState): void {
    super.load(state);
    if (state.stats === null) throw new FormatError(`restorePolicy: '${this.name}' needs statistics: got stats null, expected a StatsState`);
    const st = ArmStats.restore(state.stats);
    if (st.numArms !== this.numArms || st.kind !== this.stats.kind) {
      throw new FormatError(`restorePolicy: statistics do not fit '${this.name}': got ${st.kind} over ${st.numArms} arms, expected ${this.stats.kind} over ${this.numArms}`);
    }
    this.stats = st;
  }
}
