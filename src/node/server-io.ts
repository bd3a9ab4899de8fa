/**
 * The cloud server's I/O pieces (src/node/server.ts): JSON answers, CORS headers, and the body reader
 * with its size limit and its idle (body-read) timeout.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers every answer of one request carries (CORS, connection: close while draining). */
export type Extra = Record<string, string>;

export function send(res: ServerResponse, status: number, body: string, headers: Extra = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

export function sendError(res: ServerResponse, code: string, status: number, message: string, headers: Extra = {}): void {
  send(res, status, JSON.stringify({ error: { code, message } }), headers);
}

/** CORS policy: off (null), any origin ('*'), or a list of exact origins. */
export type CorsPolicy = null | '*' | ReadonlySet<string>;

export const CORS_MAX_AGE_S = 600;

export function corsPolicy(origins: readonly string[] | undefined): CorsPolicy {
  if (origins === undefined || origins.length === 0) return null;
  return origins.includes('*') ? '*' : new Set(origins);
}

/** The Access-Control-* headers for an answer to `origin` (none when the origin is not allowed). */
export function corsHeaders(policy: CorsPolicy, origin: string | undefined, preflight: boolean): Extra {
  if (policy === null || origin === undefined) return {};
  const h: Extra = {};
  if (policy === '*') h['access-control-allow-origin'] = '*';
  else if (policy.has(origin)) {
    h['access-control-allow-origin'] = origin;
    h.vary = 'Origin';
  } else return {};
  h['access-control-expose-headers'] = 'Retry-After';
  if (preflight) {
    h['access-control-allow-methods'] = 'GET, HEAD, POST, OPTIONS';
    h['access-control-allow-headers'] = 'Content-Type';
    h['access-control-max-age'] = String(CORS_MAX_AGE_S);
  }
  return h;
}

export type BodyResult = { ok: true; body: Uint8Array } | { ok: false };

/**
 * Reads the body up to `limit` bytes. Refusals are answered here and give {ok: false}: 413 past the limit
 * (a Content-Length above it before a byte is read), 408 when no body byte arrives for `idleMs`; both close
 * the connection.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number, idleMs: number, extra: Extra): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const refuse = (code: string, status: number, message: string): void => {
      done = true;
      clearTimeout(timer);
      chunks.length = 0;
      sendError(res, code, status, message, { ...extra, connection: 'close' });
      res.on('finish', () => req.destroy());
      resolve({ ok: false });
    };
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => refuse('request_timeout', 408, `request body too slow: got no byte for ${idleMs} ms after ${size} bytes, expected the body without pauses`), idleMs);
    };
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      refuse('body_too_large', 413, `request body too large: got Content-Length ${String(declared).slice(0, 20)}, expected at most ${limit} bytes`);
      return;
    }
    arm();
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) return refuse('body_too_large', 413, `request body too large: got more than ${limit} bytes, expected at most ${limit}`);
      chunks.push(chunk);
      arm();
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const buf = Buffer.concat(chunks, size);
      resolve({ ok: true, body: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) });
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(e);
    });
    req.on('close', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ok: false }); // the client went away mid-body: nobody to answer
    });
  });
}
