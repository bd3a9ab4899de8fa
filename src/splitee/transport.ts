/**
 * How the device reaches the cloud. A CloudTransport takes a model id and an encoded resume request
 * (src/splitee/wire.ts) and answers the cloud's ResumeResponse, or throws a CloudError; the runner
 * falls back to the device on any throw.
 *
 * - LocalCloud: in-process, through the same CloudService the HTTP server uses, and still through the
 *   wire codec both ways (the request bytes are decoded, the response is JSON-encoded and parsed), so
 *   the bytes counted are the bytes an HTTP body would carry.
 * - HttpCloud: POST {baseUrl}/v1/models/{id}/resume with the global `fetch` (Node >= 18, browsers,
 *   workers; no node: import), called as a plain function (browsers and workerd refuse any other
 *   receiver: "Illegal invocation"). Each attempt has its own timeout (AbortController); network
 *   errors, timeouts and 5xx/429 answers are retried up to `retries` times with exponential backoff
 *   and jitter (src/splitee/http-retry.ts), at least as long as the server's Retry-After; other 4xx
 *   answers and malformed responses are not retried (the same request would fail the same way); a
 *   TypeError that is about the call itself (receiver, URL, header) is a 'config' failure, not retried.
 *   A circuit breaker: after `breakerThreshold` consecutive failed resumes the cloud is taken as dead
 *   for `breakerCooldownMs`, and resume fails at once (kind 'circuit-open', 0 attempts, 0 bytes) so the
 *   device finishes locally without paying timeouts; then one trial call decides. Replies above
 *   `maxResponseBytes` are refused without being buffered. `stats` counts it all and `onEvent` reports
 *   retries, failures, breaker changes and config errors as they happen.
 *   Under Node, pass `fetch: nodeFetch` (src/node/http-fetch.ts): Node's global fetch detaches ArrayBuffers
 *   when it reads a body, which slows every typed-array loop of the thread by 20-30% from then on.
 */
import { ArgumentError, SpliteeError } from '../tensor/errors.js';
import { CloudRequestError, type CloudService } from './cloud.js';
import { backoffDelay, CircuitBreaker, isConfigTypeError, parseRetryAfter, readCapped, type BodySource } from './http-retry.js';
import { encodeResumeResponse, parseResumeResponse, type ResumeResponse } from './wire.js';

export interface ResumeReply {
  response: ResumeResponse;
  /** Requests sent, 1 + retries used. */
  attempts: number;
  /** Request-body bytes handed to the network over all attempts (an attempt refused before sending counts 0). */
  bytesSent?: number;
}

export interface CloudTransport {
  /** For logs: 'local' or the base URL. */
  readonly name: string;
  /** `body` is lent: its bytes are valid until the returned Promise settles (the runner writes the next
   *  offload at the same split into them); a transport that keeps them longer copies them. */
  resume(modelId: string, body: Uint8Array): Promise<ResumeReply>;
}

/**
 * 'config': the call itself is wrong (fetch refused its receiver, a bad URL or header): nothing was sent.
 * 'circuit-open': not tried, the breaker holds the cloud as dead. 'too-large': the reply passed the cap.
 */
export type CloudFailure = 'timeout' | 'network' | 'http' | 'bad-response' | 'too-large' | 'config' | 'circuit-open';

/** The cloud did not answer usefully; `attempts` requests were made, carrying `bytesSent` body bytes. */
export class CloudError extends SpliteeError {
  readonly kind: CloudFailure;
  /** HTTP status for kind 'http', else null. */
  readonly status: number | null;
  readonly attempts: number;
  /** Body bytes actually handed to the network over all attempts; -1 when unknown (the runner then assumes every attempt sent its body). */
  bytesSent: number;
  /** Retry-After the server sent with this answer, ms (null when none). */
  retryAfterMs: number | null = null;
  constructor(kind: CloudFailure, message: string, attempts: number, status: number | null = null, options?: { cause?: unknown; bytesSent?: number }) {
    super('E_IO', message, options);
    this.kind = kind;
    this.status = status;
    this.attempts = attempts;
    this.bytesSent = options?.bytesSent ?? -1;
  }
}

export class LocalCloud implements CloudTransport {
  readonly name = 'local';
  constructor(private readonly service: CloudService) {}

  async resume(modelId: string, body: Uint8Array): Promise<ResumeReply> {
    let text: string;
    try {
      text = encodeResumeResponse(this.service.resume(modelId, body));
    } catch (e) {
      const status = e instanceof CloudRequestError ? e.status : 500;
      throw new CloudError('http', `local cloud: ${(e as Error).message}`, 1, status, { cause: e, bytesSent: body.byteLength });
    }
    return { response: parseResumeResponse(text), attempts: 1, bytesSent: body.byteLength };
  }
}

/** The subset of `fetch` HttpCloud uses (injectable for tests and custom agents). `headers` and `body` are read when present. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: Uint8Array; signal: AbortSignal; maxResponseBytes?: number },
) => Promise<{ ok: boolean; status: number; text(): Promise<string>; headers?: { get(name: string): string | null }; body?: BodySource['body'] }>;

/** What happened, as it happens (for a UI, a log, an alert). */
export type CloudEvent =
  | { type: 'retry'; attempt: number; delayMs: number; error: CloudError }
  | { type: 'failure'; error: CloudError; consecutiveFailures: number }
  | { type: 'config-error'; error: CloudError }
  | { type: 'breaker-open'; consecutiveFailures: number; cooldownMs: number }
  | { type: 'breaker-close' };

/** Counters since construction. */
export interface HttpCloudStats {
  /** resume calls. */
  calls: number;
  /** HTTP requests started (attempts over all calls). */
  requests: number;
  successes: number;
  /** resume calls that threw (short-circuited ones included). */
  failures: number;
  retries: number;
  /** Calls refused at once because the breaker was open. */
  shortCircuited: number;
  breakerOpens: number;
  configErrors: number;
  /** Request-body bytes handed to the network. */
  bytesSent: number;
}

export interface HttpCloudOptions {
  /** e.g. 'http://127.0.0.1:8080' (no trailing path). */
  baseUrl: string;
  /** Per attempt, ms (default 5000). */
  timeoutMs?: number;
  /** Extra attempts after the first (default 2). */
  retries?: number;
  /** First backoff, ms (default 50); retry k waits uniform in [d/2, d), d = min(maxBackoffMs, backoffMs * 2^(k-1)). */
  backoffMs?: number;
  /** Cap of one backoff, ms (default 2000). */
  maxBackoffMs?: number;
  /** A Retry-After above this (ms, default 10000) is not waited for: the call fails. */
  maxRetryAfterMs?: number;
  /** Consecutive failed calls that open the breaker (default 5; 0 disables it). */
  breakerThreshold?: number;
  /** How long an open breaker refuses calls, ms (default 10000). */
  breakerCooldownMs?: number;
  /** Largest reply read, bytes (default 1 MiB). */
  maxResponseBytes?: number;
  /** Expected classes, checked in every response (optional). */
  numClasses?: number;
  fetch?: FetchLike;
  /** Sleep between attempts (default setTimeout); tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source, uniform in [0, 1) (default Math.random; tests pass a seeded one). */
  random?: () => number;
  /** Clock in ms for the breaker and Retry-After dates (default Date.now). */
  now?: () => number;
  onEvent?: (e: CloudEvent) => void;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The global fetch, called with no receiver: browsers and workerd throw "Illegal invocation" for any other. */
function globalFetch(): FetchLike | undefined {
  if (typeof fetch !== 'function') return undefined;
  return (url, init) => fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: init.signal } as Parameters<typeof fetch>[1]) as unknown as ReturnType<FetchLike>;
}

type Attempt = { ok: true; response: ResumeResponse } | { ok: false; error: CloudError; sent: boolean };

export class HttpCloud implements CloudTransport {
  readonly name: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxResponseBytes: number;
  readonly stats: HttpCloudStats = { calls: 0, requests: 0, successes: 0, failures: 0, retries: 0, shortCircuited: 0, breakerOpens: 0, configErrors: 0, bytesSent: 0 };
  private readonly base: string;
  private readonly fetchFn: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly breaker: CircuitBreaker | null;
  private readonly onEvent?: (e: CloudEvent) => void;
  private readonly numClasses?: number;

  constructor(opts: HttpCloudOptions) {
    const shown = String(opts.baseUrl).slice(0, 100);
    if (typeof opts.baseUrl !== 'string' || !/^https?:\/\/[^/]+$/.test(opts.baseUrl.replace(/\/$/, ''))) throw new ArgumentError(`HttpCloud: invalid baseUrl: got '${shown}', expected http(s)://HOST[:PORT]`);
    this.base = opts.baseUrl.replace(/\/$/, '');
    this.name = this.base;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.retries = opts.retries ?? 2;
    this.backoffMs = opts.backoffMs ?? 50;
    this.maxBackoffMs = opts.maxBackoffMs ?? 2000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 10000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 1 << 20;
    const threshold = opts.breakerThreshold ?? 5;
    const cooldown = opts.breakerCooldownMs ?? 10000;
    if (!(this.timeoutMs > 0)) throw new ArgumentError(`HttpCloud: invalid timeoutMs: got ${this.timeoutMs}, expected > 0`);
    if (!(Number.isInteger(this.retries) && this.retries >= 0 && this.retries <= 10)) throw new ArgumentError(`HttpCloud: invalid retries: got ${this.retries}, expected an integer in [0, 10]`);
    if (!(this.backoffMs >= 0) || !(this.maxBackoffMs >= this.backoffMs)) throw new ArgumentError(`HttpCloud: invalid backoff: got backoffMs ${this.backoffMs}, maxBackoffMs ${this.maxBackoffMs}, expected 0 <= backoffMs <= maxBackoffMs`);
    if (!(this.maxRetryAfterMs >= 0)) throw new ArgumentError(`HttpCloud: invalid maxRetryAfterMs: got ${this.maxRetryAfterMs}, expected >= 0`);
    if (!(Number.isInteger(this.maxResponseBytes) && this.maxResponseBytes > 0)) throw new ArgumentError(`HttpCloud: invalid maxResponseBytes: got ${this.maxResponseBytes}, expected a positive integer`);
    if (!(Number.isInteger(threshold) && threshold >= 0) || !(cooldown >= 0)) throw new ArgumentError(`HttpCloud: invalid breaker: got threshold ${threshold}, cooldown ${cooldown} ms, expected an integer >= 0 and >= 0 ms`);
    const f = opts.fetch ?? globalFetch();
    if (f === undefined) throw new ArgumentError('HttpCloud: no fetch: got none in this runtime, expected a global fetch or options.fetch');
    this.fetchFn = f;
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.breaker = threshold > 0 ? new CircuitBreaker(threshold, cooldown, this.now) : null;
    this.onEvent = opts.onEvent;
    this.numClasses = opts.numClasses;
  }

  async resume(modelId: string, body: Uint8Array): Promise<ResumeReply> {
    this.stats.calls++;
    if (this.breaker && !this.breaker.allow()) {
      this.stats.shortCircuited++;
      this.stats.failures++;
      throw new CloudError('circuit-open', `HttpCloud: ${this.base}: circuit open after ${this.breaker.consecutiveFailures} consecutive failed calls; the device finishes locally for ${Math.ceil(this.breaker.remainingMs())} ms more`, 0, null, { bytesSent: 0 });
    }
    const url = `${this.base}/v1/models/${encodeURIComponent(modelId)}/resume`;
    const size = body.byteLength; // read before sending: a fetch may detach the body's buffer
    let bytes = 0;
    let attempt = 1;
    for (;;) {
      this.stats.requests++;
      const r = await this.once(url, body, attempt);
      if (r.ok) {
        bytes += size;
        this.settle(true, null, bytes);
        return { response: r.response, attempts: attempt, bytesSent: bytes };
      }
      const err = r.error;
      if (r.sent) bytes += size;
      const retryable = err.kind === 'timeout' || err.kind === 'network' || (err.kind === 'http' && (err.status === 429 || (err.status ?? 0) >= 500));
      const tooLong = err.retryAfterMs !== null && err.retryAfterMs > this.maxRetryAfterMs;
      if (!retryable || tooLong || attempt > this.retries) {
        err.bytesSent = bytes;
        this.settle(false, err, bytes);
        throw err;
      }
      const delayMs = backoffDelay(attempt, { baseMs: this.backoffMs, maxMs: this.maxBackoffMs, random: this.random }, err.retryAfterMs);
      this.stats.retries++;
      this.onEvent?.({ type: 'retry', attempt, delayMs, error: err });
      await this.sleep(delayMs);
      attempt++;
    }
  }

  private settle(ok: boolean, err: CloudError | null, bytes: number): void {
    this.stats.bytesSent += bytes;
    const wasOpen = this.breaker !== null && this.breaker.consecutiveFailures >= this.breaker.threshold;
    const opened = this.breaker?.record(ok) ?? false;
    if (ok) {
      this.stats.successes++;
      if (wasOpen) this.onEvent?.({ type: 'breaker-close' });
      return;
    }
    this.stats.failures++;
    if (err!.kind === 'config') {
      this.stats.configErrors++;
      this.onEvent?.({ type: 'config-error', error: err! });
    }
    this.onEvent?.({ type: 'failure', error: err!, consecutiveFailures: this.breaker?.consecutiveFailures ?? 0 });
    if (opened) {
      this.stats.breakerOpens++;
      this.onEvent?.({ type: 'breaker-open', consecutiveFailures: this.breaker!.consecutiveFailures, cooldownMs: this.breaker!.cooldownMs });
    }
  }

  /** One attempt: the response, or the CloudError describing why not and whether the body went out. */
  private async once(url: string, body: Uint8Array, attempt: number): Promise<Attempt> {
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.timeoutMs);
    const fail = (error: CloudError, sent: boolean): Attempt => ({ ok: false, error, sent });
    try {
      const f = this.fetchFn; // called as a plain function: no receiver
      let pending: ReturnType<FetchLike>;
      try {
        pending = f(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, signal: ctl.signal, maxResponseBytes: this.maxResponseBytes });
      } catch (e) {
        return fail(new CloudError('config', `HttpCloud: ${url}: fetch refused the call: ${(e as Error).message}; check options.fetch and baseUrl`, attempt, null, { cause: e }), false);
      }
      const res = await pending;
      const declared = Number(res.headers?.get('content-length') ?? NaN);
      const text = declared > this.maxResponseBytes ? null : await readCapped(res, this.maxResponseBytes);
      if (text === null) return fail(new CloudError('too-large', `HttpCloud: ${url}: reply too large: got more than ${this.maxResponseBytes} bytes, expected at most ${this.maxResponseBytes}`, attempt, res.status), true);
      if (!res.ok) {
        const err = new CloudError('http', `HttpCloud: ${url} answered ${res.status}: ${text.slice(0, 300)}`, attempt, res.status);
        err.retryAfterMs = parseRetryAfter(res.headers?.get('retry-after'), this.now());
        return fail(err, true);
      }
      try {
        return { ok: true, response: parseResumeResponse(text, this.numClasses) };
      } catch (e) {
        return fail(new CloudError('bad-response', `HttpCloud: ${url}: ${(e as Error).message}`, attempt, res.status, { cause: e }), true);
      }
    } catch (e) {
      if (timedOut) return fail(new CloudError('timeout', `HttpCloud: ${url}: no answer within ${this.timeoutMs} ms (attempt ${attempt})`, attempt, null, { cause: e }), true);
      if ((e as Error).name === 'ResponseTooLargeError') return fail(new CloudError('too-large', `HttpCloud: ${url}: ${(e as Error).message}`, attempt, null, { cause: e }), true);
      if (isConfigTypeError(e)) return fail(new CloudError('config', `HttpCloud: ${url}: fetch refused the call: ${(e as Error).message}; check options.fetch and baseUrl`, attempt, null, { cause: e }), false);
      const cause = (e as { cause?: { code?: string } }).cause;
      const code = typeof cause?.code === 'string' ? cause.code : '';
      const unsent = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code);
      return fail(new CloudError('network', `HttpCloud: ${url}: ${(e as Error).message}${code ? ` (${code})` : ''}`, attempt, null, { cause: e }), !unsent);
    } finally {
      clearTimeout(timer);
    }
  }
}
