import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer } from '../../src/node/server.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { ToyNetwork, TOY_HASH } from '../helpers/toy-network.js';
import { rawConnect, statusOf } from '../helpers/raw-http.js';
import { HttpCloud } from '../../src/splitee/transport.js';

const toy = new ToyNetwork({ L: 4 });
const models = [{ network: toy, hash: TOY_HASH }];
const good = () => encodeResumeRequest({ modelHash: TOY_HASH, split: 1, activation: toy.runStages(0, 1, toy.input({ index: 0, conf: [0.3, 0.4, 0.5, 0.9], cls: 3, label: 3 })), encoding: 'f32' });
const head = (n: number, extra = '') => `POST /v1/models/toy/resume HTTP/1.1\r\nhost: x\r\n${extra}content-length: ${n}\r\n\r\n`;

test('requests in flight past maxInFlight are answered 503 with Retry-After at once, then served again', async () => {
  const server = await startServer({ models, maxInFlight: 1, retryAfterS: 2 });
  try {
    const body = good();
    const slow = await rawConnect(server.port);
    slow.write(head(body.length, 'connection: close\r\n') + '');
    slow.write(body.subarray(0, 8)); // admitted, still reading its body
    await new Promise((r) => setTimeout(r, 50));
    const r = await fetch(`${server.url}/v1/models/toy/resume`, { method: 'POST', body });
    assert.is(r.status, 503);
    assert.is(r.headers.get('retry-after'), '2');
    assert.is(((await r.json()) as { error: { code: string } }).error.code, 'overloaded');
    slow.write(body.subarray(8));
    assert.is(statusOf(await slow.closed), 200);
    assert.is((await fetch(`${server.url}/v1/models/toy/resume`, { method: 'POST', body })).status, 200);
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(m, /splitee_rejected_total\{reason="in_flight"\} 1/);
  } finally {
    await server.close();
  }
});

/** A model whose every compute takes `stepMs` on the server's fake clock (fake time: no sleeping, no timed assertion). */
function slowModel(stepMs: number | ((call: number) => number)) {
  const clock = { t: 0 };
  let calls = 0;
  class Slow extends ToyNetwork {
    override runStages(...a: Parameters<ToyNetwork['runStages']>) {
      clock.t += typeof stepMs === 'number' ? stepMs : stepMs(calls++);
      return super.runStages(...a);
    }
  }
  return { models: [{ network: new Slow({ L: 4 }), hash: TOY_HASH }], clock: () => clock.t };
}

/**
 * `n` requests pipelined on one connection in one write: the server parses them all in one read, so they
 * reach the queue together however loaded the machine (separate connections may be read in separate turns).
 * Returns the statuses and the answers' texts, in order.
 */
async function burst(port: number, n: number): Promise<{ codes: number[]; answers: string[] }> {
  const body = good();
  const c = await rawConnect(port);
  c.write(Buffer.concat(Array.from({ length: n }, (_, i) => [Buffer.from(head(body.length, i === n - 1 ? 'connection: close\r\n' : '')), body]).flat()));
  const answers = (await c.closed).split(/(?=HTTP\/1\.1 \d{3} )/);
  return { codes: answers.map(statusOf), answers };
}

test('queue wait budget: N+k requests at once on a slow model give k 503s with Retry-After at once, the rest 200', async () => {
  const slow = slowModel(100); // 100 ms per compute; budget 250 ms: queued ahead 0, 1, 2 are admitted, 3 x 100 > 250 is not
  const server = await startServer({ models: slow.models, clock: slow.clock, maxQueueWaitMs: 250, retryAfterS: 3 });
  try {
    assert.is((await fetch(`${server.url}/v1/models/toy/resume`, { method: 'POST', body: good() })).status, 200); // measures the compute time
    const { codes, answers } = await burst(server.port, 8);
    assert.equal(codes, [200, 200, 200, 503, 503, 503, 503, 503]);
    for (const t of answers.slice(3)) {
      assert.match(t, /retry-after: 3\r\n/i);
      assert.match(t, /"code":"overloaded".*predicted wait of \d+ ms \(\d requests queued\), expected at most 250 ms/);
    }
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /splitee_rejected_total\{reason="predicted_wait"\} 5/);
  } finally {
    await server.close();
  }
});

test('queue length bound: past maxQueued waiting requests, 503 with Retry-After at once, however short the predicted wait', async () => {
  const slow = slowModel(1); // 1 ms per compute: the 10 s budget alone would admit every one
  const server = await startServer({ models: slow.models, clock: slow.clock, maxQueued: 2, maxQueueWaitMs: 10_000 });
  try {
    assert.is((await fetch(`${server.url}/v1/models/toy/resume`, { method: 'POST', body: good() })).status, 200);
    const { codes, answers } = await burst(server.port, 6);
    assert.equal(codes, [200, 200, 503, 503, 503, 503]);
    for (const t of answers.slice(2)) assert.match(t, /retry-after: 1\r\n[\s\S]*"code":"overloaded".*got 2 requests queued, expected at most 2 requests queued/i);
    assert.is(slow.models[0].network.calls.runStages, 3, 'the refused requests were not computed');
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /splitee_rejected_total\{reason="queue_full"\} 4/);
  } finally {
    await server.close();
  }
});

test('queue wait budget: a request that waited longer than the budget when its turn comes gets 503 without computing', async () => {
  const slow = slowModel((call) => (call === 0 ? 400 : 1)); // the first compute takes 400 ms > the 250 ms budget
  const server = await startServer({ models: slow.models, clock: slow.clock, maxQueueWaitMs: 250 });
  try {
    const { codes, answers } = await burst(server.port, 3); // no compute measured yet: all three admitted
    assert.equal(codes, [200, 503, 503]);
    for (const t of answers.slice(1)) assert.match(t, /retry-after: 1\r\n[\s\S]*wait of 400 ms in the compute queue, expected at most 250 ms/i);
    assert.is(slow.models[0].network.calls.runStages, 1, 'the shed requests were not computed');
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /splitee_rejected_total\{reason="waited"\} 2/);
  } finally {
    await server.close();
  }
});

test('queue wait budget: HttpCloud devices retry the 503s after Retry-After and every sample gets its answer', async () => {
  const slow = slowModel(100);
  const server = await startServer({ models: slow.models, clock: slow.clock, maxQueueWaitMs: 250 });
  try {
    const waits: number[] = [];
    const devices = Array.from({ length: 8 }, () => new HttpCloud({ baseUrl: server.url, retries: 10, breakerThreshold: 0, sleep: async (ms) => void waits.push(ms) }));
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(devices.map((d) => d.resume('toy', good())));
      assert.ok(replies.every((r) => r.response.prediction === 3), 'every sample answered');
    }
    const retries = devices.reduce((n, d) => n + d.stats.retries, 0);
    assert.ok(retries > 0, 'some were refused and retried');
    assert.is(waits.length, retries);
    assert.ok(waits.every((ms) => ms >= 1000), 'each retry waited at least Retry-After');
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.not.match(m, /splitee_requests_total\{[^}]*code="5(?!03)\d\d"/, 'no 5xx but 503');
    assert.match(m, new RegExp(`splitee_requests_total\\{route="resume",model="toy",split="",code="503"\\} ${retries}\\n`));
  } finally {
    await server.close();
  }
});

test('connections past maxConnections get a raw 503 with Retry-After and are closed', async () => {
  const server = await startServer({ models, maxConnections: 2 });
  try {
    const a = await rawConnect(server.port);
    const b = await rawConnect(server.port);
    const c = await rawConnect(server.port);
    const text = await c.closed;
    assert.is(statusOf(text), 503);
    assert.match(text, /retry-after: 1/i);
    a.socket.destroy();
    b.socket.destroy();
    await Promise.all([a.closed, b.closed]);
    await new Promise((r) => setTimeout(r, 20));
    assert.is((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});

test('graceful close: stops accepting, the admitted request finishes, a request pipelined behind it gets 503 draining', async () => {
  const server = await startServer({ models });
  const body = good();
  const keep = await rawConnect(server.port);
  keep.write('GET /readyz HTTP/1.1\r\nhost: x\r\n\r\n');
  const busy = await rawConnect(server.port);
  busy.write(head(body.length));
  busy.write(body.subarray(0, 8));
  await new Promise((r) => setTimeout(r, 50));
  let closed = false;
  const closing = server.close().then(() => void (closed = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.is(closed, false, 'waits for the request in flight');
  let refused = false;
  await fetch(`${server.url}/healthz`).catch(() => void (refused = true));
  assert.ok(refused, 'no new connection accepted');
  busy.write(body.subarray(8));
  busy.write('GET /readyz HTTP/1.1\r\nhost: x\r\n\r\n'); // pipelined: arrives while draining
  await closing;
  const text = await busy.closed;
  assert.is(statusOf(text), 200, text.slice(0, 60));
  const second = text.slice(text.indexOf('HTTP/1.1', 8));
  assert.is(statusOf(second), 503, second.slice(0, 60));
  assert.match(second, /draining/);
  assert.is(statusOf(await keep.closed), 200); // answered before close; then closed as idle
});

test('/healthz is alive, /readyz ready; both GET only', async () => {
  const server = await startServer({ models });
  try {
    assert.equal(await (await fetch(`${server.url}/readyz`)).json(), { status: 'ready', models: 1 });
    assert.equal(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok', models: 1 });
    assert.is((await fetch(`${server.url}/readyz`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('options are checked', async () => {
  for (const bad of [{ maxInFlight: 0 }, { maxQueueWaitMs: 0 }, { maxQueued: 0 }, { maxConnections: 1.5 }, { timeouts: { headersMs: -1 } }, { timeouts: { headersMs: 5000, requestMs: 1000 } }]) {
    let err: unknown = null;
    await startServer({ models, ...bad }).catch((e) => (err = e));
    assert.instance(err, Error);
    assert.is((err as Error).name, 'ArgumentError');
  }
});

test.run();
