/**
 * The cloud's HTTP server on node:http (no framework): a thin shell over the core's CloudService
 * (src/splitee/cloud.ts), which does all the checking and computing.
 *
 *   POST /v1/models/{id}/resume   body: safetensors resume request -> 200 {prediction, confidence, probs}
 *   GET  /v1/models               -> 200 {models: [{id, hash, exits, classes, activationShapes, sequenceAxis, encodings}]}
 *   GET  /healthz                 -> 200 {status: "ok", models: N}
 *
 * Errors are JSON {error: {code, message}}: unknown_model / not_found 404, model_mismatch 409,
 * malformed_body, bad_dtype, bad_shape, bad_split, bad_value 400, body_too_large 413,
 * method_not_allowed 405 (with Allow), internal 500. An exception in a handler answers 500 and
 * the server keeps serving.
 *
 * Body limit: a Content-Length above it is refused before a byte is read; a body streamed without
 * one is counted as it arrives and refused (connection closed) as soon as it passes the limit.
 * The default limit is the largest f32 body any served model can need, plus 64 KiB of header.
 *
 * Concurrency: node's event loop accepts any number of connections; each request's compute runs
 * synchronously to completion (the models share scratch arenas, so requests never interleave inside
 * a model). Throughput per process is one core's; the server is stateless (models loaded at start,
 * nothing per client), so replicas behind any load balancer scale it out.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArgumentError } from '../tensor/errors.js';
import { CloudRequestError, CloudService, toCloudRequestError, type CloudErrorCode, type ServedModel } from '../splitee/cloud.js';
import { encodeResumeResponse, type WireLimits } from '../splitee/wire.js';

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
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  readonly service: CloudService;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

const RESUME_RE = /^\/v1\/models\/([^/]+)\/resume$/;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, code: CloudErrorCode | string, status: number, message: string, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify({ error: { code, message } }), headers);
}

/** Reads the body up to `limit` bytes; null when it was refused (413 already sent). */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      sendError(res, 'body_too_large', 413, `request body too large: got Content-Length ${declared}, expected at most ${limit} bytes`, { connection: 'close' });
      req.resume(); // let node discard what is in flight; the connection closes after the answer
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        sendError(res, 'body_too_large', 413, `request body too large: got more than ${limit} bytes, expected at most ${limit}`, { connection: 'close' });
        res.on('finish', () => req.destroy());
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const buf = Buffer.concat(chunks, size);
      resolve(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      reject(e);
    });
  });
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const service = new CloudService(opts.models, opts.limits);
  const bodyLimit = opts.bodyLimit ?? service.maxBodyBytes();
  if (!(Number.isInteger(bodyLimit) && bodyLimit > 0)) throw new ArgumentError(`startServer: invalid bodyLimit: got ${bodyLimit}, expected a positive integer`);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new ArgumentError(`startServer: invalid port: got ${port}, expected 0..65535`);
  const log = opts.log;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const m = RESUME_RE.exec(path);
    if (m) {
      if (method !== 'POST') return sendError(res, 'method_not_allowed', 405, `method not allowed: got ${method} ${path}, expected POST`, { allow: 'POST' });
      let id: string;
      try {
        id = decodeURIComponent(m[1]);
      } catch {
        return sendError(res, 'not_found', 404, `not found: got an undecodable model id in ${path.slice(0, 100)}, expected /v1/models/{id}/resume`);
      }
      const body = await readBody(req, res, bodyLimit);
      if (body === null) return;
      let text: string;
      try {
        text = encodeResumeResponse(service.resume(id, body));
      } catch (e) {
        const err = e instanceof CloudRequestError ? e : toCloudRequestError(e);
        return sendError(res, err.apiCode, err.status, err.message);
      }
      return send(res, 200, text);
    }
    if (path === '/v1/models' || path === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') return sendError(res, 'method_not_allowed', 405, `method not allowed: got ${method} ${path}, expected GET`, { allow: 'GET, HEAD' });
      const body = path === '/healthz' ? { status: 'ok', models: service.list().length } : { models: service.list() };
      return send(res, 200, JSON.stringify(body));
    }
    return sendError(res, 'not_found', 404, `not found: got ${method} ${path.slice(0, 100)}, expected POST /v1/models/{id}/resume, GET /v1/models or GET /healthz`);
  }

  const server = createServer((req, res) => {
    const t0 = performance.now();
    res.on('finish', () => log?.(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`));
    handle(req, res).catch((e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      sendError(res, 'internal', 500, `internal error: ${msg}`);
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    service,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
