import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ComputeQueue, type QueueJob } from '../../src/node/server-queue.js';

/** A fake clock and jobs that log what happened to them; each run takes `stepMs` of fake time. */
function harness(budgetMs: number, stepMs: number) {
  const clock = { t: 0 };
  const q = new ComputeQueue(budgetMs, () => clock.t);
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

test('admits while the predicted wait (queued x mean) is within the budget', async () => {
  const h = harness(250, 100);
  h.q.push(h.job('warm'));
  await h.idle();
  const admitted: boolean[] = [];
  for (let i = 0; i < 5; i++) {
    admitted.push(h.q.admits());
    if (admitted[i]) h.q.push(h.job(String(i)));
  }
  assert.equal(admitted, [true, true, true, false, false]);
  assert.is(h.q.predictedWaitMs(), 300);
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
