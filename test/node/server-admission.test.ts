import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer } from '../../src/node/server.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { ToyNetwork, TOY_HASH } from '../helpers/toy-network.js';
import { rawConnect, statusOf } from '../helpers/raw-http.js';

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
  for (const bad of [{ maxInFlight: 0 }, { maxConnections: 1.5 }, { timeouts: { headersMs: -1 } }, { timeouts: { headersMs: 5000, requestMs: 1000 } }]) {
    let err: unknown = null;
    await startServer({ models, ...bad }).catch((e) => (err = e));
    assert.instance(err, Error);
    assert.is((err as Error).name, 'ArgumentError');
  }
});

test.run();
