import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type RunningServer } from '../../src/node/server.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { ToyNetwork, TOY_HASH } from '../helpers/toy-network.js';
import { rawConnect, statusOf } from '../helpers/raw-http.js';

const toy = new ToyNetwork({ L: 4 });
const good = () => encodeResumeRequest({ modelHash: TOY_HASH, split: 1, activation: toy.runStages(0, 1, toy.input({ index: 0, conf: [0.3, 0.4, 0.5, 0.9], cls: 3, label: 3 })), encoding: 'f32' });
const short = { headersMs: 150, bodyIdleMs: 150, requestMs: 2000, keepAliveMs: 150 };

let server: RunningServer;
test.before(async () => {
  server = await startServer({ models: [{ network: toy, hash: TOY_HASH }], timeouts: short, cors: ['https://app.example'] });
});
test.after(() => server.close());

test('slow headers: a client that never finishes its headers gets 408 and is closed', async () => {
  const c = await rawConnect(server.port);
  c.write('POST /v1/models/toy/resume HTTP/1.1\r\nhost: x\r\n'); // no blank line, ever
  const text = await c.closed;
  assert.is(statusOf(text), 408, text.slice(0, 80));
});

test('a connection that sends nothing is closed within the headers timeout', async () => {
  const c = await rawConnect(server.port);
  const text = await c.closed;
  assert.ok(!text.endsWith('TIMEOUT'), 'closed by the server');
});

test('slow body: headers then a pause longer than bodyIdleMs gets 408 request_timeout and close', async () => {
  const body = good();
  const c = await rawConnect(server.port);
  c.write(`POST /v1/models/toy/resume HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n`);
  c.write(body.subarray(0, 10)); // then nothing
  const text = await c.closed;
  assert.is(statusOf(text), 408, text.slice(0, 80));
  assert.match(text, /request_timeout/);
  assert.match(text, /connection: close/i);
});

test('a body that keeps trickling within bodyIdleMs is served', async () => {
  const body = good();
  const c = await rawConnect(server.port);
  c.write(`POST /v1/models/toy/resume HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n`);
  const half = body.length >> 1;
  c.write(body.subarray(0, half));
  await new Promise((r) => setTimeout(r, 60));
  c.write(body.subarray(half));
  assert.is(statusOf(await c.closed), 200);
});

test('headers larger than the server accepts get 431', async () => {
  const c = await rawConnect(server.port);
  c.write(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.is(statusOf(await c.closed), 431);
});

test('CORS: preflight answered 204 with method, headers and max-age for an allowed origin', async () => {
  const r = await fetch(`${server.url}/v1/models/toy/resume`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.is(r.status, 204);
  assert.is(r.headers.get('access-control-allow-origin'), 'https://app.example');
  assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(r.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  assert.ok(Number(r.headers.get('access-control-max-age')) > 0);
  const other = await fetch(`${server.url}/v1/models/toy/resume`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
  assert.is(other.headers.get('access-control-allow-origin'), null);
});

test('CORS: Access-Control-Allow-Origin on every answer, errors included', async () => {
  const o = { origin: 'https://app.example' };
  for (const [method, path, body, status] of [
    ['POST', '/v1/models/toy/resume', good(), 200],
    ['POST', '/v1/models/toy/resume', new Uint8Array(5), 400],
    ['POST', '/v1/models/nope/resume', good(), 404],
    ['GET', '/v1/models', undefined, 200],
    ['GET', '/v1/models/toy/resume', undefined, 405],
    ['POST', '/v1/models/toy/resume', new Uint8Array(200_000), 413],
  ] as const) {
    const r = await fetch(server.url + path, { method, body, headers: o });
    await r.arrayBuffer();
    assert.is(r.status, status, path);
    assert.is(r.headers.get('access-control-allow-origin'), 'https://app.example', `${method} ${path} ${status}`);
  }
});

test('CORS is off by default: OPTIONS is 405 and no Access-Control header', async () => {
  const plain = await startServer({ models: [{ network: toy, hash: TOY_HASH }] });
  try {
    const r = await fetch(`${plain.url}/v1/models/toy/resume`, { method: 'OPTIONS', headers: { origin: 'https://app.example' } });
    assert.is(r.status, 405);
    assert.is(r.headers.get('access-control-allow-origin'), null);
    const star = await startServer({ models: [{ network: toy, hash: TOY_HASH }], cors: ['*'] });
    const s = await fetch(`${star.url}/v1/models`, { headers: { origin: 'https://any.example' } });
    assert.is(s.headers.get('access-control-allow-origin'), '*');
    await star.close();
  } finally {
    await plain.close();
  }
});

test.run();
