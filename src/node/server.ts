/**
 * The cloud's HTTP server on node:http (no framework): a thin shell over the core's CloudService
 * (src/splitee/cloud.ts), which does all the checking and computing.
 *
 *   POST /v1/models/{id}/resume   body: safetensors resume request -> 200 {prediction, confidence, probs}
 *   GET  /v1/models               -> 200 {models: [{id, hash, exits, classes, activationShapes, sequenceAxis, encodings}]}
 *   GET  /healthz                 -> 200 {status: "ok", models: N}           (alive: the process answers)
 *   GET  /readyz                  -> 200 {status: "ready", models: N}, 503 while draining (take me out of rotation)
 *   GET  /metrics                 -> Prometheus text (src/node/server-metrics.ts)
 *   OPTIONS *                     -> 204 CORS preflight (when CORS is on)
 *
 * Errors are JSON {error: {code, message}}: unknown_model / not_found 404, model_mismatch 409,
 * malformed_body, bad_dtype, bad_shape, bad_split, bad_value 400, request_timeout 408, body_too_large 413,
 * headers too large 431, method_not_allowed 405 (with Allow), overloaded / draining 503 (with Retry-After),
 * internal 500. An exception in a handler answers 500 and the server keeps serving; a client's mistake is
 * never a 5xx.
 *
 * Slow clients: headers must arrive within `timeouts.headersMs` (default 10 s) and the body may not pause
 * for more than `timeouts.bodyIdleMs` (default 10 s), else 408 and the connection is closed; the whole
 * request within `timeouts.requestMs` (60 s); an idle keep-alive connection is closed after
 * `timeouts.keepAliveMs` (5 s; a balancer's upstream keep-alive must be shorter).
 *
 * Admission: at most `maxConnections` open connections (default 1024; past it a raw 503 and close) and
 * `maxInFlight` resume requests admitted at once (default 64; past it 503 + Retry-After at once, the body
 * discarded); and at most `maxQueued` resumes (default 16) wait for compute, each at most `maxQueueWaitMs`
 * (default 500): one arriving when the queue is full, or predicted to wait longer (queued ahead x mean
 * compute time), or that waited longer when its turn came, is answered 503 + Retry-After without computing
 * (src/node/server-queue.ts). A burst is answered quickly and retried by the client rather than queued
 * without bound, and an admitted request's latency stays near (maxQueued + 1) computes, bounded by the
 * budget, whatever the number of clients.
 *
 * Body limit: a Content-Length above it is refused before a byte is read; a body streamed without
 * one is counted as it arrives and refused (connection closed) as soon as it passes the limit.
 * The default limit is the largest f32 body any served model can need, plus 64 KiB of header.
 *
 * close(): graceful. Stops accepting, answers /readyz 503, refuses new requests on kept-alive connections
 * with 503 + connection: close, lets admitted requests finish (up to `drainMs`, default 10 s), then closes.
 *
 * Concurrency: computes run one at a time, one per turn of the event loop (the queue), each synchronously to
 * completion (the models share scratch arenas, so requests never interleave inside a model); between two
 * computes the server reads every waiting socket, so queued requests are seen. Throughput per process is one core's; the server is
 * stateless (models loaded at start, nothing per client), so replicas behind any load balancer (deploy/)
 * or `splitee serve --workers N` scale it out.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ArgumentError } from '../tensor/errors.js';
import { CloudRequestError, CloudService, toCloudRequestError, type ServedModel } from '../splitee/cloud.js';
import { encodeResumeResponse, type WireLimits } from '../splitee/wire.js';
import { corsHeaders, corsPolicy, readBody, send, sendError, type Extra } from './server-io.js';
import { ServerMetrics, type Route } from './server-metrics.js';
import { ComputeQueue } from './server-queue.js';

export interface ServerTimeouts {
  /** Request headers complete within, ms (default 10000); else 408. */
  headersMs?: number;
  /** Longest pause between body bytes, ms (default 10000); else 408. */
  bodyIdleMs?: number;
  /** Whole request received within, ms (default 60000; >= headersMs). */
  requestMs?: number;
  /** Idle keep-alive connection closed after, ms (default 5000). */
  keepAliveMs?: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Required<ServerTimeouts>> = { headersMs: 10_000, bodyIdleMs: 10_000, requestMs: 60_000, keepAliveMs: 5_000 };
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_MAX_IN_FLIGHT = 64;
export const DEFAULT_MAX_QUEUE_WAIT_MS = 500;
export const DEFAULT_MAX_QUEUED = 16;

export interface ServerOptions {
  models: readonly ServedModel[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Largest request body in bytes (default: the largest f32 body a served model needs + 64 KiB). */
  bodyLimit?: number;
  limits?: WireLimits;
  /** One line per request (method, path, status, ms); default none. */
  log?: (line: string) => void;
  /** Origins allowed to call from a page ('*' for any); default none (CORS off). */
  cors?: readonly string[];
  timeouts?: ServerTimeouts;
  maxConnections?: number;
  maxInFlight?: number;
  /** Resumes waiting for compute at most (default 16): one arriving when this many wait gets 503 + Retry-After. */
  maxQueued?: number;
  /** Longest wait for compute, ms (default 500): a resume predicted to wait longer, or that waited longer, gets 503 + Retry-After. */
  maxQueueWaitMs?: number;
  /** Clock for queue waits and compute times, ms (default performance.now; tests pass a fake). */
  clock?: () => number;
  /** Retry-After sent with 503, seconds (default 1). */
  retryAfterS?: number;
  /** How long close() waits for admitted requests, ms (default 10000). */
  drainMs?: number;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  readonly service: CloudService;
  readonly metrics: ServerMetrics;
  /** Graceful: stops accepting, finishes admitted requests (up to drainMs), closes every connection. */
  close(): Promise<void>;
}

/** The labels of a request's metrics. */
interface Labels {
  route: Route;
  model: string;
  split: string;
}

/** Why a resume is refused with 503 overloaded (the label of splitee_rejected_total). */
type Refusal = 'in_flight' | 'queue_full' | 'predicted_wait' | 'waited';

type Computed = { ok: true; text: string; split: number } | { ok: false; err: CloudRequestError; split: number | undefined };

const RESUME_RE = /^\/v1\/models\/([^/]+)\/resume$/;
const ROUTES: Record<string, Route> = { '/v1/models': 'models', '/healthz': 'healthz', '/readyz': 'readyz', '/metrics': 'metrics' };

function positiveInt(where: string, name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) throw new ArgumentError(`${where}: invalid ${name}: got ${v}, expected a positive integer`);
  return v;
}

/** Checked settings, defaults applied (one place for them). */
function settingsOf(opts: ServerOptions, service: CloudService) {
  const w = 'startServer';
  const t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  for (const k of Object.keys(DEFAULT_TIMEOUTS) as (keyof ServerTimeouts)[]) positiveInt(w, `timeouts.${k}`, t[k]);
  if (t.requestMs < t.headersMs) throw new ArgumentError(`${w}: invalid timeouts.requestMs: got ${t.requestMs}, expected >= headersMs (${t.headersMs})`);
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new ArgumentError(`${w}: invalid port: got ${port}, expected 0..65535`);
  return {
    bodyLimit: positiveInt(w, 'bodyLimit', opts.bodyLimit ?? service.maxBodyBytes()),
    host: opts.host ?? '127.0.0.1',
    port,
    timeouts: t,
    maxConnections: positiveInt(w, 'maxConnections', opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
    maxInFlight: positiveInt(w, 'maxInFlight', opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
    queue: {
      maxQueued: positiveInt(w, 'maxQueued', opts.maxQueued ?? DEFAULT_MAX_QUEUED),
      maxWaitMs: positiveInt(w, 'maxQueueWaitMs', opts.maxQueueWaitMs ?? DEFAULT_MAX_QUEUE_WAIT_MS),
    },
    retryAfter: String(positiveInt(w, 'retryAfterS', opts.retryAfterS ?? 1)),
    drainMs: positiveInt(w, 'drainMs', opts.drainMs ?? 10_000),
  };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const service = new CloudService(opts.models, opts.limits);
  const s = settingsOf(opts, service);
  const cors = corsPolicy(opts.cors);
  const metrics = new ServerMetrics();
  metrics.limits.set({ limit: 'max_connections' }, s.maxConnections);
  metrics.limits.set({ limit: 'max_in_flight' }, s.maxInFlight);
  metrics.limits.set({ limit: 'max_queued' }, s.queue.maxQueued);
  const log = opts.log;
  let inFlight = 0;
  let connections = 0;
  let draining = false;
  const refused = new WeakSet<Socket>();
  const drained: (() => void)[] = [];

  const clock = opts.clock ?? (() => performance.now());
  const queue = new ComputeQueue(s.queue, clock);

  /** The resume computation itself (synchronous; run by the queue at the request's turn). */
  function compute(id: string, body: Uint8Array): Computed {
    const info: { split?: number } = {};
    try {
      return { ok: true, text: encodeResumeResponse(service.resume(id, body, info)), split: info.split ?? -1 };
    } catch (e) {
      return { ok: false, err: e instanceof CloudRequestError ? e : toCloudRequestError(e), split: info.split };
    }
  }

  /**
   * Answers 503 overloaded + Retry-After, without computing, and counts the reason. A body not read yet is
   * discarded (the connection kept) when its declared length is within the limit, else the connection closes.
   */
  function overloaded(reason: Refusal, body: 'unread' | 'read', req: IncomingMessage, res: ServerResponse, extra: Extra, waitedMs = 0): void {
    metrics.rejected.inc({ reason });
    const declared = req.headers['content-length'];
    const close = body === 'unread' && (declared === undefined || Number(declared) > s.bodyLimit);
    const [got, bound] =
      reason === 'in_flight' ? [`more than ${s.maxInFlight} requests in flight`, 'fewer']
      : reason === 'queue_full' ? [`${queue.length} requests queued`, `at most ${s.queue.maxQueued} requests queued`]
      : reason === 'predicted_wait' ? [`a predicted wait of ${queue.predictedWaitMs().toFixed(0)} ms (${queue.length} requests queued)`, `at most ${s.queue.maxWaitMs} ms`]
      : [`a wait of ${waitedMs.toFixed(0)} ms in the compute queue`, `at most ${s.queue.maxWaitMs} ms`];
    sendError(res, 'overloaded', 503, `overloaded: got ${got}, expected ${bound}; retry after ${s.retryAfter} s`, { ...extra, 'retry-after': s.retryAfter, ...(close ? { connection: 'close' } : {}) });
    if (body === 'unread' && !close) req.resume();
  }

  /**
   * Answers one request; fills `out` with the route, model and split labels for the metrics as soon as
   * each is known (the response may close before this returns: an early 503 does not wait for its body).
   */
  async function handle(req: IncomingMessage, res: ServerResponse, extra: Extra, out: Labels): Promise<Labels> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const m = RESUME_RE.exec(path);
    const route: Route = m ? 'resume' : (ROUTES[path] ?? 'other');
    out.route = route;
    if (method === 'OPTIONS' && cors !== null) {
      res.writeHead(204, { ...extra, ...corsHeaders(cors, req.headers.origin, true), 'content-length': '0' });
      res.end();
      return out;
    }
    if (draining) {
      sendError(res, 'draining', 503, 'server shutting down: got a request while draining, expected it on another replica', { ...extra, 'retry-after': s.retryAfter, connection: 'close' });
      req.resume();
      return out;
    }
    if (m) {
      if (method !== 'POST') return (sendError(res, 'method_not_allowed', 405, `method not allowed: got ${method.slice(0, 20)} ${path.slice(0, 100)}, expected POST`, { ...extra, allow: 'POST' }), out);
      let id: string;
      try {
        id = decodeURIComponent(m[1]);
      } catch {
        return (sendError(res, 'not_found', 404, `not found: got an undecodable model id in ${path.slice(0, 100)}, expected /v1/models/{id}/resume`, extra), out);
      }
      const served = service.model(id);
      out.model = served ? id : '?';
      // Refused before the body is read (cheap: under a storm of refused requests the server's core goes
      // on computing): past the in-flight cap, or when the queue would refuse the request now anyway.
      const early = inFlight > s.maxInFlight ? 'in_flight' : queue.refusal();
      if (early !== null) return (overloaded(early, 'unread', req, res, extra), out);
      const got = await readBody(req, res, s.bodyLimit, s.timeouts.bodyIdleMs, extra);
      if (!got.ok) return out;
      metrics.bodyBytes.inc({ model: out.model }, got.body.byteLength);
      const refusal = queue.refusal();
      if (refusal !== null) return (overloaded(refusal, 'read', req, res, extra), out);
      const done = await new Promise<Computed | { waitedMs: number }>((resolve) =>
        queue.push({ at: clock(), gone: () => res.destroyed, run: () => resolve(compute(id, got.body)), shed: (waitedMs) => resolve({ waitedMs }) }),
      );
      if ('waitedMs' in done) return (overloaded('waited', 'read', req, res, extra, done.waitedMs), out);
      if (done.ok) return ((out.split = String(done.split)), send(res, 200, done.text, extra), out);
      if (served && done.split !== undefined) out.split = done.split < served.network.numStages ? String(done.split) : 'out_of_range';
      return (sendError(res, done.err.apiCode, done.err.status, done.err.message, extra), out);
    }
    if (route !== 'other') {
      if (method !== 'GET' && method !== 'HEAD') return (sendError(res, 'method_not_allowed', 405, `method not allowed: got ${method.slice(0, 20)} ${path}, expected GET`, { ...extra, allow: 'GET, HEAD' }), out);
      if (route === 'metrics') {
        const text = await metrics.text();
        res.writeHead(200, { ...extra, 'content-type': metrics.contentType, 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
        return out;
      }
      const n = service.list().length;
      const body = route === 'healthz' ? { status: 'ok', models: n } : route === 'readyz' ? { status: 'ready', models: n } : { models: service.list() };
      return (send(res, 200, JSON.stringify(body), extra), out);
    }
    return (sendError(res, 'not_found', 404, `not found: got ${method.slice(0, 20)} ${path.slice(0, 100)}, expected POST /v1/models/{id}/resume, GET /v1/models, /healthz, /readyz or /metrics`, extra), out);
  }

  const server = createServer(
    { headersTimeout: s.timeouts.headersMs, requestTimeout: s.timeouts.requestMs, keepAliveTimeout: s.timeouts.keepAliveMs, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(s.timeouts.headersMs / 4))) },
    (req, res) => {
      if (refused.has(req.socket)) return void res.destroy();
      const t0 = performance.now();
      inFlight++;
      metrics.inFlight.set(inFlight);
      const extra: Extra = corsHeaders(cors, req.headers.origin, false);
      const labels: Labels = { route: 'other', model: '', split: '' };
      res.on('close', () => {
        inFlight--;
        metrics.inFlight.set(inFlight);
        metrics.observe(labels.route, labels.model, labels.split, res.statusCode, (performance.now() - t0) / 1000);
        log?.(`${req.method} ${(req.url ?? '').slice(0, 200)} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`);
        if (inFlight === 0) drained.splice(0).forEach((f) => f());
      });
      handle(req, res, extra, labels).then(
        () => undefined,
        (e: unknown) => {
          const msg = e instanceof Error ? e.message : String(e);
          sendError(res, 'internal', 500, `internal error: ${msg.slice(0, 300)}`, extra);
        },
      );
    },
  );
  server.on('connection', (socket: Socket) => {
    connections++;
    metrics.connections.set(connections);
    socket.once('close', () => {
      connections--;
      metrics.connections.set(connections);
    });
    if (connections > s.maxConnections || draining) {
      refused.add(socket);
      metrics.rejected.inc({ reason: draining ? 'draining' : 'connections' });
      const body = `{"error":{"code":"overloaded","message":"overloaded: got more than ${s.maxConnections} connections, expected fewer; retry after ${s.retryAfter} s"}}`;
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nretry-after: ${s.retryAfter}\r\ncontent-type: application/json\r\nconnection: close\r\n${cors === '*' ? 'access-control-allow-origin: *\r\n' : ''}content-length: ${body.length}\r\n\r\n${body}`);
    }
  });
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    if (!socket.writable || refused.has(socket as Socket)) return void socket.destroy();
    const [status, text] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
    metrics.observe('other', '', '', status, 0);
    socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\n${cors === '*' ? 'access-control-allow-origin: *\r\n' : ''}content-length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(s.port, s.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, s.drainMs);
        drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    server.closeAllConnections();
    await closed;
  };
  return { url: `http://${shownHost}:${addr.port}`, port: addr.port, service, metrics, close: () => (closing ??= close()) };
}
