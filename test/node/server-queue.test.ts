import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMPUTE_SLICE_MS, ComputeQueue, type QueueJob } from '../../src/node/server-queue.js';

/** A fake clock and jobs that log what happened to them; each run takes `stepMs` of fake time. */
function harness(budgetMs: number, stepMs: number, maxQueued = 1000) {
  const clock = { t: 0 };
  const q = new ComputeQueue({ maxWaitMs: budgetMs, maxQueued }, () => clock.t);
  const log: string[] = [];
  const job = (name: string, gone = () => false): QueueJob => ({
    at: clock.t,
    gone,
    run: () => void (log.push(`run ${name}`), (clock.t += stepMs)),
    shed: (w) => void log.push(`shed ${name} ${w}`),
  });
  const idle = () => new Promise((r) => setTimeout(r, 5));
  return { clock, q, log, job, idle };
}

test('runs one job per turn, in order, and learns the mean compute time', async () => {
  const h = harness(1000, 100);
  assert.is(h.q.predictedWaitMs(), 0);
  for (const n of ['a', 'b', 'c']) h.q.push(h.job(n));
  assert.is(h.q.length, 3);
  assert.equal(h.log, [], 'nothing runs synchronously in push');
  await new Promise((r) => setImmediate(r));
  assert.equal(h.log, ['run a'], 'one per turn');
  await h.idle();
  assert.equal(h.log, ['run a', 'run b', 'run c']);
  assert.is(h.q.meanComputeMs, 100);
});

test('computes in slices: a turn runs queued jobs until it has computed for COMPUTE_SLICE_MS, then yields', async () => {
  const step = COMPUTE_SLICE_MS / 2.5; // 3 jobs per slice: started at 0, 0.4 and 0.8 of it
  const h = harness(1000, step);
  for (const n of ['a', 'b', 'c', 'd', 'e']) h.q.push(h.job(n));
  await new Promise((r) => setImmediate(r));
  assert.equal(h.log, ['run a', 'run b', 'run c'], 'one slice');
  await h.idle();
  assert.equal(h.log, ['run a', 'run b', 'run c', 'run d', 'run e']);
});

test('admits while the predicted wait (queued x mean) is within the budget', async () => {
  const h = harness(250, 100);
  h.q.push(h.job('warm'));
  await h.idle();
  const refusals: (string | null)[] = [];
  for (let i = 0; i < 5; i++) {
    refusals.push(h.q.refusal());
    if (refusals[i] === null) h.q.push(h.job(String(i)));
  }
  assert.equal(refusals, [null, null, null, 'predicted_wait', 'predicted_wait']);
  assert.is(h.q.predictedWaitMs(), 300);
});

test('admits at most maxQueued waiting requests, however cheap their computes, and again once one starts', async () => {
  const h = harness(1000, COMPUTE_SLICE_MS, 3); // one compute per turn
  h.q.push(h.job('warm'));
  await h.idle();
  const refusals: (string | null)[] = [];
  for (let i = 0; i < 5; i++) {
    refusals.push(h.q.refusal());
    if (refusals[i] === null) h.q.push(h.job(String(i)));
  }
  assert.equal(refusals, [null, null, null, 'queue_full', 'queue_full']);
  assert.ok(h.q.predictedWaitMs() < 1000, 'the wait alone would admit them');
  await new Promise((r) => setImmediate(r));
  assert.is(h.q.length, 2);
  assert.is(h.q.refusal(), null);
});

test('sheds a job that waited past the budget at its turn, and drops gone jobs without running them', async () => {
  const h = harness(250, 400);
  let left = false;
  for (const n of ['a', 'b']) h.q.push(h.job(n));
  h.q.push(h.job('gone', () => left));
  left = true;
  await h.idle();
  assert.equal(h.log, ['run a', 'shed b 400']);
  assert.is(h.q.length, 0);
});

test.run();
