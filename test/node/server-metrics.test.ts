import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer } from '../../src/node/server.js';
import { encodeResumeRequest } from '../../src/splitee/wire.js';
import { ToyNetwork, TOY_HASH } from '../helpers/toy-network.js';

const toy = new ToyNetwork({ L: 4 });
const models = [{ network: toy, hash: TOY_HASH }];
const body = (split: number) => encodeResumeRequest({ modelHash: TOY_HASH, split, activation: toy.runStages(0, split, toy.input({ index: 0, conf: [0.3, 0.4, 0.5, 0.9], cls: 3, label: 3 })), encoding: 'f32' });

test('/metrics: requests by model, split and code; latency histogram; bytes in; in-flight; per server', async () => {
  const a = await startServer({ models });
  const b = await startServer({ models });
  try {
    const b1 = body(1);
    for (let i = 0; i < 3; i++) assert.is((await fetch(`${a.url}/v1/models/toy/resume`, { method: 'POST', body: b1 })).status, 200);
    assert.is((await fetch(`${a.url}/v1/models/toy/resume`, { method: 'POST', body: body(2) })).status, 200);
    assert.is((await fetch(`${a.url}/v1/models/toy/resume`, { method: 'POST', body: new Uint8Array(9) })).status, 400);
    assert.is((await fetch(`${a.url}/v1/models/${'x'.repeat(50)}/resume`, { method: 'POST', body: b1 })).status, 404);
    const r = await fetch(`${a.url}/metrics`);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const m = await r.text();
    assert.match(m, /splitee_requests_total\{route="resume",model="toy",split="1",code="200"\} 3/);
    assert.match(m, /splitee_requests_total\{route="resume",model="toy",split="2",code="200"\} 1/);
    assert.match(m, /splitee_requests_total\{route="resume",model="toy",split="",code="400"\} 1/);
    assert.match(m, /splitee_requests_total\{route="resume",model="\?",split="",code="404"\} 1/); // untrusted ids never become labels
    assert.match(m, /splitee_request_duration_seconds_count\{route="resume"\} 6/);
    assert.match(m, new RegExp(`splitee_request_body_bytes_total\\{model="toy"\\} ${3 * b1.length + body(2).length + 9}`));
    assert.match(m, /splitee_requests_in_flight 1/); // the /metrics request itself
    assert.match(m, /splitee_process_resident_memory_bytes \d+/);
    const other = await (await fetch(`${b.url}/metrics`)).text();
    assert.not.match(other, /code="200"\} 3/);
  } finally {
    await a.close();
    await b.close();
  }
});

test('/metrics: splitee_limit gives this process\'s admission bounds', async () => {
  const a = await startServer({ models, maxConnections: 33, maxInFlight: 21, maxQueued: 5 });
  try {
    const m = await (await fetch(`${a.url}/metrics`)).text();
    assert.match(m, /splitee_limit\{limit="max_connections"\} 33\n/);
    assert.match(m, /splitee_limit\{limit="max_in_flight"\} 21\n/);
    assert.match(m, /splitee_limit\{limit="max_queued"\} 5\n/);
  } finally {
    await a.close();
  }
});

test.run();
