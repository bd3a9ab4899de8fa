import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../src/tensor/errors.js';
import { parseTrace, traceHeader } from '../../src/splitee/trace.js';
import { chooseAlpha, DEFAULT_ALPHA_GRID } from '../../src/splitee/alpha.js';

/** A trace from rows [C_1, p_1, ..., C_L, p_L, label]. */
const trace = (L: number, rows: number[][]) => parseTrace(traceHeader(L) + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n');

// L = 3, 10 rows, the final exit right on every row (label 0, p_3 = 0).
//   exit 1: right with C 0.95 on 7 rows; wrong (pred 1) with C 0.70 and with C 0.55
//   exit 2: right with C 0.99 everywhere except one wrong row with C 0.60
// drop_1(a) = 10 points per wrong row passing: a <= .55: 20, .56-.70: 10, above: 0
// drop_2(a): a <= .60: 10, above: 0  ->  worst: <= .55: 20, .56-.70: 10, .71+: 0
const rows: number[][] = [];
for (let i = 0; i < 7; i++) rows.push([0.95, 0, 0.99, 0, 0.99, 0, 0]);
rows.push([0.7, 1, 0.99, 0, 0.99, 0, 0]);
rows.push([0.55, 1, 0.99, 0, 0.99, 0, 0]);
rows.push([0.95, 0, 0.6, 1, 0.99, 0, 0]);
const hand = trace(3, rows);

test('the default grid is 0.50..0.99 by 0.01', () => {
  assert.is(DEFAULT_ALPHA_GRID.length, 50);
  assert.is(DEFAULT_ALPHA_GRID[0], 0.5);
  assert.is(DEFAULT_ALPHA_GRID[49], 0.99);
  assert.is(DEFAULT_ALPHA_GRID[21], 0.71);
});

test('hand-made trace: worst drop per alpha and the lowest alpha within the margin', () => {
  const c = chooseAlpha(hand, { margin: 1 });
  const at = (a: number) => c.table.find((r) => r.alpha === a)!;
  assert.is(at(0.5).worstDrop, 20);
  assert.is(at(0.5).worstExit, 1);
  assert.is(at(0.6).worstDrop, 10);
  assert.is(at(0.7).worstDrop, 10);
  assert.is(at(0.71).worstDrop, 0);
  assert.is(c.alpha, 0.71);
  assert.ok(c.met);
  assert.is(c.finalAccuracy, 1);
  assert.is(c.rows, 10);
  // exit 1 passes on every row at 0.5 (every C_1 >= 0.55), on all but the 0.55 row at 0.6
  assert.is(at(0.5).exitShareAt1, 1);
  assert.is(at(0.6).exitShareAt1, 0.9);
  // a 10-point margin accepts the 10-point drops from 0.56 up
  assert.is(chooseAlpha(hand, { margin: 10 }).alpha, 0.56);
  assert.is(chooseAlpha(hand, { margin: 20 }).alpha, 0.5);
});

test('a lucky dip at a low threshold is not taken: every larger grid value must meet the margin too', () => {
  // row A: final wrong, exit 1 right with C 0.60 (helps at a <= .60); row B: final right, exit 1 wrong with C 0.80
  // worst(a): a <= .60: 0 (they cancel); .61-.80: 10; above: 0  ->  0.81, not 0.5
  const t = trace(2, [
    [0.6, 0, 0.9, 1, 0],
    [0.8, 1, 0.9, 0, 0],
    ...Array.from({ length: 8 }, () => [0.3, 0, 0.9, 0, 0]),
  ]);
  const c = chooseAlpha(t, { margin: 5 });
  assert.is(c.table[0].worstDrop, 0);
  assert.is(c.table.find((r) => r.alpha === 0.7)!.worstDrop, 10);
  assert.is(c.alpha, 0.81);
});

test('no threshold meets the margin: alpha 1 (no early exit), met false', () => {
  const t = trace(2, [
    [1, 1, 0.9, 0, 0],
    [0.3, 0, 0.9, 0, 0],
  ]);
  const c = chooseAlpha(t, { margin: 1 });
  assert.is(c.alpha, 1);
  assert.is(c.met, false);
});

test('bad options and unlabelled traces are refused', () => {
  assert.throws(() => chooseAlpha(hand, { margin: -1 }), (e: unknown) => e instanceof ArgumentError && /margin/.test((e as Error).message));
  assert.throws(() => chooseAlpha(hand, { grid: [0.8, 0.7] }), (e: unknown) => e instanceof ArgumentError && /ascending/.test((e as Error).message));
  assert.throws(() => chooseAlpha(hand, { grid: [] }), (e: unknown) => e instanceof ArgumentError);
  const unlabelled = trace(2, [[0.9, 0, 0.9, 0, -1]]);
  assert.throws(() => chooseAlpha(unlabelled), (e: unknown) => e instanceof ArgumentError && /unlabelled/.test((e as Error).message));
});

test.run();
