/**
 * How the device reaches the cloud. A CloudTransport takes a model id and an encoded resume request
 * (src/splitee/wire.ts) and answers the cloud's ResumeResponse, or throws a CloudError; the runner
 * falls back to the device on any throw.
 *
 * - LocalCloud: in-process, through the same CloudService the HTTP server uses, and still through the
 *   wire codec both ways (the request bytes are decoded, the response is JSON-encoded and parsed), so
 *   the bytes counted are the bytes an HTTP body would carry.
 * - HttpCloud: POST {baseUrl}/v1/models/{id}/resume with the global `fetch` (Node >= 18, browsers,
 *   workers; no node: import). Each attempt has its own timeout (AbortController); network errors,
 *   timeouts and 5xx/429 answers are retried up to `retries` times with exponential backoff
 *   (backoffMs * 2^k, no jitter: runs stay reproducible); other 4xx answers and malformed responses
 *   are not retried (the same request would fail the same way).
 *   Under Node, pass `fetch: nodeFetch` (src/node/http-fetch.ts): Node's global fetch detaches ArrayBuffers
 *   when it reads a body, which slows every typed-array loop of the thread by 20-30% from then on.
 */
import { ArgumentError, SpliteeError } from '../tensor/errors.js';
import { CloudRequestError, type CloudService } from './cloud.js';
import { encodeResumeResponse, parseResumeResponse, type ResumeResponse } from './wire.js';

export interface ResumeReply {
  response: ResumeResponse;
  /** Requests sent, 1 + retries used. */
  attempts: number;
}

export interface CloudTransport {
  /** For logs: 'local' or the base URL. */
  readonly name: string;
  resume(modelId: string, body: Uint8Array): Promise<ResumeReply>;
}

export type CloudFailure = 'timeout' | 'network' | 'http' | 'bad-response';

/** The cloud did not answer usefully; `attempts` requests were made. */
export class CloudError extends SpliteeError {
  readonly kind: CloudFailure;
  /** HTTP status for kind 'http', else null. */
  readonly status: number | null;
  readonly attempts: number;
  constructor(kind: CloudFailure, message: string, attempts: number, status: number | null = null, options?: { cause?: unknown }) {
    super('E_IO', message, options);
    this.kind = kind;
    this.status = status;
    this.attempts = attempts;
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
      throw new CloudError('http', `local cloud: ${(e as Error).message}`, 1, status, { cause: e });
    }
    return { response: parseResumeResponse(text), attempts: 1 };
  }
}

/** The subset of `fetch` HttpCloud uses (injectable for tests and custom agents). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: Uint8Array; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface HttpCloudOptions {
  /** e.g. 'http://127.0.0.1:8080' (no trailing path). */
  baseUrl: string;
  /** Per attempt, ms (default 5000). */
  timeoutMs?: number;
  /** Extra attempts after the first (default 2). */
  retries?: number;
  /** First backoff, ms (default 50); attempt k waits backoffMs * 2^(k-1). */
  backoffMs?: number;
  /** Expected classes, checked in every response (optional). */
  numClasses?: number;
  fetch?: FetchLike;
  /** Sleep between attempts (default setTimeout); tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class HttpCloud implements CloudTransport {
  readonly name: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  private readonly base: string;
  private readonly fetchFn: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly numClasses?: number;

  constructor(opts: HttpCloudOptions) {
    if (!/^https?:\/\/[^/]+$/.test(opts.baseUrl.replace(/\/$/, ''))) throw new ArgumentError(`HttpCloud: invalid baseUrl: got ${JSON.stringify(opts.baseUrl)}, expected http(s)://HOST[:PORT]`);
    this.base = opts.baseUrl.replace(/\/$/, '');
    this.name = this.base;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.retries = opts.retries ?? 2;
    this.backoffMs = opts.backoffMs ?? 50;
    if (!(this.timeoutMs > 0)) throw new ArgumentError(`HttpCloud: invalid timeoutMs: got ${this.timeoutMs}, expected > 0`);
    if (!(Number.isInteger(this.retries) && this.retries >= 0 && this.retries <= 10)) throw new ArgumentError(`HttpCloud: invalid retries: got ${this.retries}, expected an integer in [0, 10]`);
    if (!(this.backoffMs >= 0)) throw new ArgumentError(`HttpCloud: invalid backoffMs: got ${this.backoffMs}, expected >= 0`);
    const f = opts.fetch ?? (typeof fetch === 'function' ? (fetch as FetchLike) : undefined);
    if (f === undefined) throw new ArgumentError('HttpCloud: no fetch: got none in this runtime, expected a global fetch or options.fetch');
    this.fetchFn = f;
    this.sleep = opts.sleep ?? defaultSleep;
    this.numClasses = opts.numClasses;
  }

  async resume(modelId: string, body: Uint8Array): Promise<ResumeReply> {
    const url = `${this.base}/v1/models/${encodeURIComponent(modelId)}/resume`;
    let last: CloudError | null = null;
    for (let attempt = 1; attempt <= this.retries + 1; attempt++) {
      if (attempt > 1) await this.sleep(this.backoffMs * 2 ** (attempt - 2));
      const r = await this.once(url, body, attempt);
      if (!(r instanceof CloudError)) return { response: r, attempts: attempt };
      last = r;
      const retryable = r.kind === 'timeout' || r.kind === 'network' || (r.kind === 'http' && (r.status === 429 || (r.status ?? 0) >= 500));
      if (!retryable) break;
    }
    throw last!;
  }

  /** One attempt: the response, or the CloudError describing why not. */
  private async once(url: string, body: Uint8Array, attempt: number): Promise<ResumeResponse | CloudError> {
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.timeoutMs);
    try {
      const res = await this.fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, signal: ctl.signal });
      const text = await res.text();
      if (!res.ok) return new CloudError('http', `HttpCloud: ${url} answered ${res.status}: ${text.slice(0, 300)}`, attempt, res.status);
      try {
        return parseResumeResponse(text, this.numClasses);
      } catch (e) {
        return new CloudError('bad-response', `HttpCloud: ${url}: ${(e as Error).message}`, attempt, res.status, { cause: e });
      }
    } catch (e) {
      if (timedOut) return new CloudError('timeout', `HttpCloud: ${url}: no answer within ${this.timeoutMs} ms (attempt ${attempt})`, attempt, null, { cause: e });
      const cause = (e as { cause?: { code?: string } }).cause;
      return new CloudError('network', `HttpCloud: ${url}: ${(e as Error).message}${cause?.code ? ` (${cause.code})` : ''}`, attempt, null, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }
}
