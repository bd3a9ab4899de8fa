import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { backoffDelay, CircuitBreaker, isConfigTypeError, parseRetryAfter } from '../../src/splitee/http-retry.js';

test('backoffDelay: equal jitter within [d/2, d), d doubling up to maxMs; Retry-After is a floor', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (k, u) => {
      const d = Math.min(1000, 10 * 2 ** (k - 1));
      const x = backoffDelay(k, { baseMs: 10, maxMs: 1000, random: () => u });
      return x >= d / 2 && x < d;
    }),
    { seed: 15, numRuns: 500 },
  );
  assert.is(backoffDelay(1, { baseMs: 10, maxMs: 1000, random: () => 0 }, 3000), 3000);
});

test('parseRetryAfter: seconds or an HTTP date; anything else null', () => {
  assert.is(parseRetryAfter('3', 0), 3000);
  assert.is(parseRetryAfter(null, 0), null);
  assert.is(parseRetryAfter('soon', 0), null);
  assert.is(parseRetryAfter('x'.repeat(1000), 0), null);
  const now = Date.parse('2026-12-04T12:00:00Z');
  assert.is(parseRetryAfter('Fri, 04 Dec 2026 12:00:05 GMT', now), 5000);
  assert.is(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now), 0);
});

test('CircuitBreaker: opens at the threshold, one trial when half-open', () => {
  let now = 0;
  const b = new CircuitBreaker(2, 100, () => now);
  assert.ok(b.allow());
  assert.is(b.record(false), false);
  assert.is(b.record(false), true);
  assert.is(b.state(), 'open');
  assert.is(b.allow(), false);
  assert.is(b.remainingMs(), 100);
  now = 100;
  assert.is(b.state(), 'half-open');
  assert.ok(b.allow());
  assert.is(b.allow(), false, 'only one trial at a time');
  b.record(true);
  assert.is(b.state(), 'closed');
});

test('isConfigTypeError: receiver and URL errors yes; network failures as runtimes word them no', () => {
  for (const m of ["Failed to execute 'fetch' on 'Window': Illegal invocation", 'Illegal invocation: function called with incorrect `this` reference', 'Invalid URL', "Failed to execute 'fetch' on 'Window': Invalid name"]) assert.ok(isConfigTypeError(new TypeError(m)), m);
  for (const m of ['fetch failed', 'Failed to fetch', 'NetworkError when attempting to fetch resource.', 'Load failed', 'error sending request for url', 'Unable to connect. Is the computer able to access the url?']) assert.not.ok(isConfigTypeError(new TypeError(m)), m);
  assert.not.ok(isConfigTypeError(Object.assign(new TypeError('odd'), { cause: { code: 'ECONNRESET' } })));
  assert.not.ok(isConfigTypeError(new Error('Illegal invocation')), 'only TypeErrors');
});

test.run();
