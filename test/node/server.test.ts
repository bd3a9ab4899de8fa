import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { writeSafetensors } from '../../src/tensor/io/safetensors.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { createPolicy } from '../../src/splitee/policy.js';
import { HttpCloud } from '../../src/splitee/transport.js';
import { SplitRunner, copyRecord, type RoundRecord } from '../../src/splitee/runner.js';
import { encodeResumeRequest, parseResumeResponse } from '../../src/splitee/wire.js';
import { startServer, type RunningServer } from '../../src/node/server.js';
import { ToyNetwork, TOY_HASH, toySamples, type ToySample } from '../helpers/toy-network.js';

const L = 4;
const toy = new ToyNetwork({ L });
const boom = new ToyNetwork({ L, id: 'boom', failWhen: () => true });
const sample: ToySample = { index: 0, conf: [0.3, 0.4, 0.5, 0.9], cls: 3, label: 3 };
const act1 = () => toy.runStages(0, 1, toy.input(sample));
const good = (o: Partial<Parameters<typeof encodeResumeRequest>[0]> = {}) => encodeResumeRequest({ modelHash: TOY_HASH, split: 1, activation: act1(), encoding: 'f32', ...o });
const META = { format: 'splitee-resume', version: '1', model_hash: TOY_HASH, split: '0', encoding: 'f32' };

let server: RunningServer;
const logLines: string[] = [];

test.before(async () => {
  server = await startServer({ models: [{ network: toy, hash: TOY_HASH }, { network: boom, hash: TOY_HASH }], port: 0, log: (l) => logLines.push(l) });
});
test.after(async () => {
  await server.close();
});

async function call(method: string, path: string, body?: Uint8Array) {
  const res = await fetch(server.url + path, { method, body, signal: AbortSignal.timeout(5000) });
  return { status: res.status, json: JSON.parse(await res.text()), allow: res.headers.get('allow') };
}

async function healthy() {
  const h = await call('GET', '/healthz');
  assert.equal([h.status, h.json], [200, { status: 'ok', models: 2 }]);
}

test('binds loopback on an ephemeral port; lists models; health', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(server.port > 0);
  await healthy();
  const m = await call('GET', '/v1/models');
  assert.is(m.status, 200);
  assert.equal(m.json.models[0], { id: 'toy', hash: TOY_HASH, exits: 4, classes: 5, activationShapes: [[2, 5], [3, 5], [4, 5], [5, 5], [6, 5]], sequenceAxis: null, encodings: ['f32', 'f16', 'int8'] });
});

test('resume answers the prediction of exit L for every encoding', async () => {
  for (const encoding of ['f32', 'f16', 'int8'] as const) {
    const r = await call('POST', '/v1/models/toy/resume', good({ encoding }));
    assert.is(r.status, 200);
    const p = parseResumeResponse(JSON.stringify(r.json), 5);
    assert.is(p.prediction, 3);
    assert.ok(Math.abs(p.confidence - 0.9) < 0.01, String(p.confidence));
  }
});

test('each malformed request gets its own error, and the server keeps serving', async () => {
  const nanBody = writeSafetensors({ activation: { dtype: 'F32', shape: [1, 2, 5], data: new Float32Array(10).fill(NaN) } }, META);
  const dtypeBody = writeSafetensors({ activation: { dtype: 'F16', shape: [1, 2, 5], data: new Uint16Array(10) } }, META);
  const cases: [string, string, Uint8Array | undefined, number, string][] = [
    ['POST', '/v1/models/nope/resume', good(), 404, 'unknown_model'],
    ['POST', '/v1/models/toy/resume', good({ modelHash: 'cd'.repeat(32) }), 409, 'model_mismatch'],
    ['POST', '/v1/models/toy/resume', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 400, 'malformed_body'],
    ['POST', '/v1/models/toy/resume', new Uint8Array(0), 400, 'malformed_body'],
    ['POST', '/v1/models/toy/resume', good({ split: 2 }), 400, 'bad_shape'],
    ['POST', '/v1/models/toy/resume', good({ split: 4 }), 400, 'bad_split'],
    ['POST', '/v1/models/toy/resume', dtypeBody, 400, 'bad_dtype'],
    ['POST', '/v1/models/toy/resume', nanBody, 400, 'bad_value'],
    ['POST', '/v1/models/toy/resume', new Uint8Array(70_000), 413, 'body_too_large'],
    ['GET', '/v1/models/toy/resume', undefined, 405, 'method_not_allowed'],
    ['POST', '/healthz', new Uint8Array(1), 405, 'method_not_allowed'],
    ['DELETE', '/v1/models', undefined, 405, 'method_not_allowed'],
    ['GET', '/v2/anything', undefined, 404, 'not_found'],
    ['POST', '/v1/models/boom/resume', good(), 500, 'internal'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const r = await call(method, path, body);
    assert.is(r.status, status, `${method} ${path}: ${JSON.stringify(r.json)}`);
    assert.is(r.json.error.code, code, `${method} ${path}`);
    assert.type(r.json.error.message, 'string');
    assert.ok(r.json.error.message.length > 10);
    if (status === 405) assert.ok(r.allow !== null);
    await healthy();
  }
  assert.ok(logLines.some((l) => / 413 /.test(l)));
});

test('a streamed body (no Content-Length) is cut off at the limit with 413', async () => {
  const small = await startServer({ models: [{ network: toy, hash: TOY_HASH }], bodyLimit: 1000 });
  try {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${small.url}/v1/models/toy/resume`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (r) => {
        let text = '';
        r.on('data', (c) => (text += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      let sent = 0;
      const pump = () => {
        // at most 64 chunks of 100 bytes: well past the limit, bounded if the server never answers
        while (sent < 64 && req.write(new Uint8Array(100))) sent++;
        if (sent < 64) req.once('drain', pump);
        else req.end();
      };
      pump();
    });
    assert.is(res.status, 413);
    assert.is(JSON.parse(res.body).error.code, 'body_too_large');
    const h = await fetch(`${small.url}/healthz`);
    assert.is(h.status, 200);
  } finally {
    await small.close();
  }
});

test('many devices at once: 32 concurrent requests all answered', async () => {
  const rs = await Promise.all(Array.from({ length: 32 }, () => call('POST', '/v1/models/toy/resume', good())));
  assert.ok(rs.every((r) => r.status === 200 && r.json.prediction === 3));
});

test('end to end: stream through HttpCloud, stop the server mid-run, every sample has one outcome', async () => {
  const own = await startServer({ models: [{ network: toy, hash: TOY_HASH }] });
  const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.3 });
  const policy = createPolicy('fixed:2', { costs, alpha: 0.8 });
  const cloud = new HttpCloud({ baseUrl: own.url, timeoutMs: 1000, retries: 2, backoffMs: 5, numClasses: 5 });
  const net = new ToyNetwork({ L });
  const runner = new SplitRunner<ToySample>({ network: net, modelHash: TOY_HASH, policy, costs, alpha: 0.8, prepare: (s) => net.input(s), cloud });
  const samples = toySamples(30, L, 5, 4);
  const records: RoundRecord[] = [];
  let stopped = false;
  const t0 = performance.now();
  const totals = await runner.runStream(samples, async (r) => {
    records.push(copyRecord(r));
    if (r.t === 12) {
      await own.close();
      stopped = true;
    }
  });
  assert.ok(stopped);
  assert.ok(performance.now() - t0 < 10_000);
  assert.is(records.length, 30);
  assert.is(totals.rounds, 30);
  assert.equal(records.map((r) => r.t), Array.from({ length: 30 }, (_, i) => i + 1));
  assert.equal(records.map((r) => r.index), samples.map((s) => s.index));
  for (const r of records) {
    const wanted = r.confidences[1] >= 0.8 ? 'exit' : r.t <= 12 ? 'offload' : 'fallback';
    assert.is(r.outcome, wanted, `round ${r.t}`);
    assert.is(r.prediction, samples[r.t - 1].cls, `round ${r.t}`);
    if (r.outcome === 'fallback') {
      // the first 5 failed calls pay their 3 attempts; then the breaker holds the dead cloud: no attempt
      const early = records.filter((q) => q.outcome === 'fallback' && q.t < r.t).length < 5;
      assert.is(r.attempts, early ? 3 : 0, `round ${r.t}`);
      assert.match(r.error!, early ? /ECONNREFUSED|fetch failed/ : /circuit open/);
      assert.ok(Math.abs(r.finalConf! - samples[r.t - 1].conf[L - 1]) < 1e-5);
    }
  }
  assert.ok(records.filter((r) => r.outcome === 'fallback').length >= 5);
  assert.ok(records.filter((r) => r.outcome === 'offload').length >= 3);
  assert.equal([cloud.stats.breakerOpens, cloud.stats.shortCircuited > 0], [1, true]);
});

test.run();
