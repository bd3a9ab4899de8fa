/**
 * The pieces of HttpCloud's resilience (src/splitee/transport.ts), each pure or with its randomness and
 * clock injected so tests can pin them:
 * - backoffDelay: exponential backoff with jitter, raised to the server's Retry-After when it sends one;
 * - CircuitBreaker: after `threshold` consecutive failed resumes the cloud is treated as dead for
 *   `cooldownMs` (calls fail at once, the device finishes locally), then one trial call decides;
 * - readCapped: a response body read up to a byte cap (a 200 MB reply is refused, not buffered);
 * - isConfigTypeError: a fetch TypeError that says the call itself is wrong (wrong receiver, bad URL or
 *   header), as opposed to a network failure, which runtimes also report as a TypeError.
 */

export interface BackoffOptions {
  /** First delay, ms. */
  baseMs: number;
  /** Largest delay from backoff alone, ms. */
  maxMs: number;
  /** Uniform in [0, 1). */
  random: () => number;
}

/**
 * Delay before retry number `retry` (1 = the first retry): "equal jitter", uniform in
 * [d/2, d) with d = min(maxMs, baseMs * 2^(retry-1)); at least `retryAfterMs` when the server asked.
 */
export function backoffDelay(retry: number, o: BackoffOptions, retryAfterMs: number | null = null): number {
  const d = Math.min(o.maxMs, o.baseMs * 2 ** (retry - 1));
  const jittered = d / 2 + (d / 2) * o.random();
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Retry-After as ms: delta-seconds or an HTTP date (relative to `nowMs`); null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  if (v.length > 64) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : null;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;
  constructor(
    readonly threshold: number,
    readonly cooldownMs: number,
    private readonly now: () => number,
  ) {}

  get consecutiveFailures(): number {
    return this.failures;
  }

  state(): BreakerState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** May a call go out now? In half-open, only one trial at a time. */
  allow(): boolean {
    const s = this.state();
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Records a call's outcome; true when this failure opened (or re-opened) the breaker. */
  record(ok: boolean): boolean {
    this.trialInFlight = false;
    if (ok) {
      this.failures = 0;
      return false;
    }
    this.failures++;
    if (this.failures >= this.threshold) {
      this.openUntil = this.now() + this.cooldownMs;
      return true;
    }
    return false;
  }

  /** ms until a trial call is allowed (0 when closed or half-open). */
  remainingMs(): number {
    return this.state() === 'open' ? this.openUntil - this.now() : 0;
  }
}

/** What HttpCloud needs of a response body: a WHATWG stream, or only text(). */
export interface BodySource {
  text(): Promise<string>;
  body?: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> } } | null;
}

/** The body as text, or null once it passes `maxBytes` (the stream is cancelled). */
export async function readCapped(res: BodySource, maxBytes: number): Promise<string | null> {
  const stream = res.body;
  if (stream && typeof stream.getReader === 'function') {
    const reader = stream.getReader();
    const dec = new TextDecoder();
    let size = 0;
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value) continue;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel('response too large').catch(() => {});
        return null;
      }
      text += dec.decode(value, { stream: true });
    }
    return text + dec.decode();
  }
  const text = await res.text();
  return new TextEncoder().encode(text).byteLength > maxBytes ? null : text;
}

/** Network failures as runtimes word them (undici, Chromium, Firefox, Safari, Deno, Bun, workerd). */
const NETWORK_WORDS = /fetch failed|failed to fetch|networkerror|load failed|network|connect|connection|socket|dns|timed? ?out|reset|refused|unreachable|abort|closed|tls|ssl|sending request/i;

/** A TypeError from fetch that is about the call, not the network (e.g. "Illegal invocation"). */
export function isConfigTypeError(e: unknown): boolean {
  if (!(e instanceof TypeError)) return false;
  const cause = (e as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return false; // undici: errno in cause
  return !NETWORK_WORDS.test(e.message);
}
