/**
 * Choosing the exit threshold alpha from held-out labelled SOURCE data (the training domain), never
 * from the stream (`splitee run --alpha auto`).
 *
 * The rule ("per-split worst case"): for a threshold a and an on-device exit k < L, the split-k rule
 * predicts with exit k when C_k >= a and with the final exit otherwise (what SplitEE does at split k:
 * exit on the device, or offload and get the final answer). Its accuracy drop is
 *
 *     drop_k(a) = 100 * (acc(final exit) - acc(split-k rule))          in points, on the held-out rows
 *
 * and worst(a) = max over k = 1..L-1 of drop_k(a). Alpha is the LOWEST grid value a such that
 * worst(a') <= margin for a and for every larger grid value a' (so a lucky dip at a low threshold is
 * not taken). Because the bound holds for every split, it holds for any mixture of splits a bandit
 * settles on: on source data, early exiting costs at most `margin` points whichever split is played.
 * When no grid value qualifies, alpha = 1 (no early exit: every split below L offloads) and met = false.
 *
 * Defaults: grid 0.50, 0.51, ..., 0.99; margin 1 point.
 */
import { ArgumentError, describeValue } from '../tensor/errors.js';
import { requireLabels, validateTrace, type Trace } from './trace.js';
import { exits as exitsAt } from './reward.js';

export interface AlphaChoiceOptions {
  /** Ascending thresholds in [0, 1] (default 0.50..0.99 in steps of 0.01). */
  grid?: readonly number[];
  /** Largest accepted accuracy drop of any split, in points (default 1). */
  margin?: number;
}

export interface AlphaRow {
  alpha: number;
  /** max over k < L of drop_k(alpha), points. */
  worstDrop: number;
  /** The k attaining it (1-based). */
  worstExit: number;
  /** Fraction of rows exiting on the device at the shallowest exit (k = 1) at this alpha. */
  exitShareAt1: number;
  /** Mean over k < L of the fraction of rows with C_k >= alpha. */
  meanExitShare: number;
}

export interface AlphaChoice {
  alpha: number;
  /** Whether some grid value met the margin (false: alpha = 1). */
  met: boolean;
  margin: number;
  /** Accuracy of the final exit on the held-out rows. */
  finalAccuracy: number;
  rows: number;
  table: AlphaRow[];
}

export const DEFAULT_ALPHA_GRID: readonly number[] = Object.freeze(Array.from({ length: 50 }, (_, i) => Math.round((0.5 + i / 100) * 100) / 100));
export const DEFAULT_ALPHA_MARGIN = 1;

/** The table of worst(a) over the grid, and the chosen alpha (see the file comment). */
export function chooseAlpha(trace: Trace, opts: AlphaChoiceOptions = {}): AlphaChoice {
  const where = 'chooseAlpha';
  validateTrace(trace, where);
  requireLabels(trace, where);
  const grid = opts.grid ?? DEFAULT_ALPHA_GRID;
  const margin = opts.margin ?? DEFAULT_ALPHA_MARGIN;
  if (!(Number.isFinite(margin) && margin >= 0)) throw new ArgumentError(`${where}: invalid margin: got ${margin}, expected a finite number of points >= 0`);
  if (grid.length === 0) throw new ArgumentError(`${where}: empty grid: got [], expected thresholds in [0, 1]`);
  for (let i = 0; i < grid.length; i++) {
    if (!(grid[i] >= 0 && grid[i] <= 1) || (i > 0 && !(grid[i] > grid[i - 1]))) {
      throw new ArgumentError(`${where}: invalid grid: got ${describeValue(grid)}, expected strictly ascending thresholds in [0, 1]`);
    }
  }
  const L = trace.numExits;
  const N = trace.numRows;
  const { conf, pred, label } = trace;
  let finalCorrect = 0;
  for (let r = 0; r < N; r++) if (pred[r * L + L - 1] === label[r]) finalCorrect++;
  const table: AlphaRow[] = grid.map((a) => {
    let worst = L > 1 ? -Infinity : 0;
    let worstExit = L > 1 ? 1 : L;
    let share1 = 0;
    let shareSum = 0;
    for (let k = 1; k < L; k++) {
      let correct = 0;
      let exits = 0;
      for (let r = 0; r < N; r++) {
        const b = r * L;
        const out = exitsAt(a, conf[b + k - 1]);
        if (out) exits++;
        if ((out ? pred[b + k - 1] : pred[b + L - 1]) === label[r]) correct++;
      }
      const drop = (100 * (finalCorrect - correct)) / N;
      if (drop > worst) {
        worst = drop;
        worstExit = k;
      }
      if (k === 1) share1 = exits / N;
      shareSum += exits / N;
    }
    return { alpha: a, worstDrop: worst, worstExit, exitShareAt1: share1, meanExitShare: L > 1 ? shareSum / (L - 1) : 0 };
  });
  // Lowest a such that every grid value from a upward meets the margin.
  let pick = -1;
  for (let i = table.length - 1; i >= 0; i--) {
    if (table[i].worstDrop <= margin + 1e-9) pick = i;
    else break;
  }
  return { alpha: pick >= 0 ? grid[pick] : 1, met: pick >= 0, margin, finalAccuracy: finalCorrect / N, rows: N, table };
}
