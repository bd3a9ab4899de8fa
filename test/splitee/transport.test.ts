import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../src/tensor/errors.js';
import { HttpCloud, LocalCloud, CloudError, type FetchLike } from '../../src/splitee/transport.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { encodeResumeRequest, encodeResumeResponse } from '../../src/splitee/wire.js';
import { ToyNetwork, TOY_HASH } from '../helpers/toy-network.js';

const OK = encodeResumeResponse({ prediction: 1, confidence: 0.6, probs: [0.4, 0.6] });
const body = new Uint8Array([1, 2, 3]);

/** A fake fetch answering from a script: a status + text, 'hang' (until aborted) or 'throw'. */
function scripted(script: (number | 'hang' | 'throw')[]) {
  const calls: { url: string; bytes: number }[] = [];
  const f: FetchLike = (url, init) => {
    const step = script[Math.min(calls.length, script.length - 1)];
    calls.push({ url, bytes: init.body.length });
    if (step === 'throw') return Promise.reject(new TypeError('fetch failed'));
    if (step === 'hang') {
      return new Promise((_, reject) => {
        const sig = init.signal as unknown as { addEventListener(t: string, f: () => void): void };
        sig.addEventListener('abort', () => reject(new Error('aborted')));
      });
    }
    return Promise.resolve({ ok: step >= 200 && step < 300, status: step, text: async () => (step === 200 ? OK : step === 299 ? '{"bad":1}' : `{"error":{"code":"x","message":"status ${step}"}}`) });
  };
  return { f, calls };
}

const sleeps: number[] = [];
const make = (f: FetchLike, o: Partial<ConstructorParameters<typeof HttpCloud>[0]> = {}) =>
  new HttpCloud({ baseUrl: 'http://127.0.0.1:9', fetch: f, sleep: async (ms) => void sleeps.push(ms), retries: 2, timeoutMs: 1000, ...o });

async function failure(p: Promise<unknown>): Promise<CloudError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, CloudError);
    return e as CloudError;
  }
  throw new Error('expected a CloudError');
}

test('HttpCloud: success on the first attempt posts to the resume route', async () => {
  const { f, calls } = scripted([200]);
  const r = await make(f).resume('my model', body);
  assert.equal(r, { response: { prediction: 1, confidence: 0.6, probs: [0.4, 0.6] }, attempts: 1 });
  assert.equal(calls, [{ url: 'http://127.0.0.1:9/v1/models/my%20model/resume', bytes: 3 }]);
});

test('HttpCloud: network errors and 5xx are retried, bounded, with exponential backoff', async () => {
  sleeps.length = 0;
  let s = scripted(['throw', 503, 200]);
  assert.is((await make(s.f, { backoffMs: 10 }).resume('m', body)).attempts, 3);
  assert.equal(sleeps, [10, 20]);
  s = scripted([503]);
  const e = await failure(make(s.f).resume('m', body));
  assert.is(s.calls.length, 3);
  assert.equal([e.kind, e.status, e.attempts], ['http', 503, 3]);
  s = scripted(['throw']);
  assert.is((await failure(make(s.f, { retries: 0 }).resume('m', body))).kind, 'network');
  assert.is(s.calls.length, 1);
  s = scripted([429, 200]);
  assert.is((await make(s.f).resume('m', body)).attempts, 2);
});

test('HttpCloud: 4xx and malformed responses are not retried', async () => {
  let s = scripted([409]);
  const e = await failure(make(s.f).resume('m', body));
  assert.equal([e.kind, e.status, s.calls.length], ['http', 409, 1]);
  assert.match(e.message, /status 409/);
  s = scripted([299]);
  assert.is((await failure(make(s.f).resume('m', body))).kind, 'bad-response');
  assert.is(s.calls.length, 1);
});

test('HttpCloud: a hanging cloud times out per attempt, retries bounded', async () => {
  const s = scripted(['hang']);
  const t0 = performance.now();
  const e = await failure(make(s.f, { timeoutMs: 20, retries: 2 }).resume('m', body));
  assert.equal([e.kind, e.attempts, s.calls.length], ['timeout', 3, 3]);
  assert.ok(performance.now() - t0 < 2000);
});

test('HttpCloud: options are checked', () => {
  const { f } = scripted([200]);
  assert.throws(() => make(f, { baseUrl: 'ftp://x' }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => make(f, { baseUrl: 'http://h/path' }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => make(f, { retries: -1 }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => make(f, { timeoutMs: 0 }), (e: unknown) => e instanceof ArgumentError);
  assert.is(make(f, { baseUrl: 'http://h:1/' }).name, 'http://h:1');
});

test('LocalCloud: goes through the wire both ways and maps errors to CloudError with the HTTP status', async () => {
  const net = new ToyNetwork();
  const local = new LocalCloud(new CloudService([{ network: net, hash: TOY_HASH }]));
  const a = net.input({ index: 0, conf: [0.3, 0.3, 0.3, 0.95], cls: 2, label: 2 });
  const r = await local.resume('toy', encodeResumeRequest({ modelHash: TOY_HASH, split: 0, activation: a, encoding: 'f32' }));
  assert.is(r.response.prediction, 2);
  assert.is(r.attempts, 1);
  const e = await failure(local.resume('toy', encodeResumeRequest({ modelHash: 'cd'.repeat(32), split: 0, activation: a, encoding: 'f32' })));
  assert.equal([e.kind, e.status], ['http', 409]);
  assert.is((await failure(local.resume('none', body))).status, 404);
});

test.run();
