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
  new HttpCloud({ baseUrl: 'http://127.0.0.1:9', fetch: f, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, retries: 2, timeoutMs: 1000, ...o });

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
  assert.equal(r, { response: { prediction: 1, confidence: 0.6, probs: [0.4, 0.6] }, attempts: 1, bytesSent: 3 });
  assert.equal(calls, [{ url: 'http://127.0.0.1:9/v1/models/my%20model/resume', bytes: 3 }]);
});

test('HttpCloud: network errors and 5xx are retried, bounded, with exponential backoff', async () => {
  sleeps.length = 0;
  let s = scripted(['throw', 503, 200]);
  assert.is((await make(s.f, { backoffMs: 10 }).resume('m', body)).attempts, 3);
  assert.equal(sleeps, [7.5, 15]); // equal jitter: d/2 + d/2 * random
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

test('HttpCloud: the global fetch is called with no receiver, as browsers and workerd demand', async () => {
  const saved = globalThis.fetch;
  let receivers = 0;
  // Chromium: "Failed to execute 'fetch' on 'Window': Illegal invocation" for any receiver but the global object
  globalThis.fetch = function (this: unknown) {
    if (this !== undefined && this !== globalThis) return Promise.reject(new TypeError('Illegal invocation'));
    receivers++;
    return Promise.resolve(new Response(OK, { status: 200 }));
  } as typeof fetch;
  try {
    const r = await new HttpCloud({ baseUrl: 'http://127.0.0.1:9' }).resume('m', body);
    assert.is(r.response.prediction, 1);
    assert.is(receivers, 1);
  } finally {
    globalThis.fetch = saved;
  }
});

test('HttpCloud: a fetch that refuses the call is a config error: not retried, 0 bytes, reported', async () => {
  const events: string[] = [];
  const calls: number[] = [];
  const illegal: FetchLike = () => {
    calls.push(1);
    return Promise.reject(new TypeError("Failed to execute 'fetch' on 'Window': Illegal invocation"));
  };
  const cloud = make(illegal, { onEvent: (e) => void events.push(e.type) });
  const e = await failure(cloud.resume('m', body));
  assert.equal([e.kind, e.attempts, e.bytesSent, calls.length], ['config', 1, 0, 1]);
  assert.match(e.message, /Illegal invocation/);
  assert.equal(events, ['config-error', 'failure']);
  assert.equal([cloud.stats.configErrors, cloud.stats.bytesSent, cloud.stats.retries], [1, 0, 0]);
  const sync: FetchLike = () => {
    throw new TypeError('Illegal invocation: function called with incorrect `this` reference');
  };
  assert.is((await failure(make(sync).resume('m', body))).kind, 'config');
});

test('HttpCloud: bytesSent counts attempts that reached the network, not refused connections', async () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  let n = 0;
  const f: FetchLike = () => (n++ === 0 ? Promise.reject(refused) : Promise.resolve({ ok: false, status: 503, text: async () => 'busy' }));
  const cloud = make(f, { retries: 1 });
  const e = await failure(cloud.resume('m', body));
  assert.equal([e.kind, e.attempts, e.bytesSent], ['http', 2, 3]);
  assert.is(cloud.stats.bytesSent, 3);
});

test('HttpCloud: a fetch that detaches the body still counts the bytes it took', async () => {
  const own = new Uint8Array([5, 6, 7, 8]);
  const f: FetchLike = (_url, init) => {
    const buffer = init.body.buffer as ArrayBuffer;
    structuredClone(buffer, { transfer: [buffer] }); // as a fetch that takes its body may
    return Promise.resolve({ ok: true, status: 200, text: async () => OK });
  };
  const r = await make(f).resume('m', own);
  assert.equal([own.byteLength, r.bytesSent], [0, 4]);
});

test('HttpCloud: Retry-After is honoured, and one beyond maxRetryAfterMs is not waited for', async () => {
  sleeps.length = 0;
  let n = 0;
  const f: FetchLike = () => Promise.resolve(n++ === 0 ? { ok: false, status: 503, text: async () => '', headers: { get: (h: string) => (h === 'retry-after' ? '2' : null) } } : { ok: true, status: 200, text: async () => OK });
  assert.is((await make(f).resume('m', body)).attempts, 2);
  assert.equal(sleeps, [2000]);
  const far: FetchLike = () => Promise.resolve({ ok: false, status: 429, text: async () => '', headers: { get: (h: string) => (h === 'retry-after' ? '3600' : null) } });
  const e = await failure(make(far).resume('m', body));
  assert.equal([e.status, e.attempts, e.retryAfterMs], [429, 1, 3600000]);
});

test('HttpCloud: a dead cloud opens the breaker once; calls then fail at once until the cool-down, then a trial closes it', async () => {
  let now = 0;
  let up = false;
  let calls = 0;
  const f: FetchLike = () => {
    calls++;
    return up ? Promise.resolve({ ok: true, status: 200, text: async () => OK }) : Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
  };
  const events: string[] = [];
  const cloud = make(f, { retries: 1, breakerThreshold: 3, breakerCooldownMs: 1000, now: () => now, onEvent: (e) => void (e.type.startsWith('breaker') && events.push(e.type)) });
  for (let i = 0; i < 3; i++) await failure(cloud.resume('m', body));
  assert.is(calls, 6);
  assert.equal(events, ['breaker-open']);
  for (let i = 0; i < 10; i++) {
    const e = await failure(cloud.resume('m', body));
    assert.equal([e.kind, e.attempts, e.bytesSent], ['circuit-open', 0, 0]);
  }
  assert.is(calls, 6); // no request while open
  assert.equal([cloud.stats.shortCircuited, cloud.stats.breakerOpens, cloud.stats.failures], [10, 1, 13]);
  now = 1000; // cool-down over: one trial, still dead: re-opens
  await failure(cloud.resume('m', body));
  assert.is(calls, 8);
  assert.is((await failure(cloud.resume('m', body))).kind, 'circuit-open');
  now = 2000;
  up = true;
  assert.is((await cloud.resume('m', body)).attempts, 1);
  assert.equal(events, ['breaker-open', 'breaker-open', 'breaker-close']);
  assert.is((await cloud.resume('m', body)).attempts, 1);
});

test('HttpCloud: a reply above maxResponseBytes is refused without reading it whole', async () => {
  let pulled = 0;
  const big: FetchLike = () =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          pull(c) {
            pulled++;
            c.enqueue(new Uint8Array(64 * 1024));
            if (pulled > 10_000) c.close();
          },
        }),
        { status: 200 },
      ),
    );
  const e = await failure(make(big, { maxResponseBytes: 256 * 1024 }).resume('m', body));
  assert.equal([e.kind, e.attempts], ['too-large', 1]);
  assert.ok(pulled < 20, `pulled ${pulled} chunks`);
  const declared: FetchLike = () => Promise.resolve({ ok: true, status: 200, headers: { get: (h: string) => (h === 'content-length' ? '200000000' : null) }, text: async () => { throw new Error('must not be read'); } });
  assert.is((await failure(make(declared).resume('m', body))).kind, 'too-large');
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
