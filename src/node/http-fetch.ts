/**
 * nodeFetch: the FetchLike that HttpCloud (src/splitee/transport.ts) uses under Node, built on node:http /
 * node:https instead of the global `fetch`.
 *
 * Why not the global fetch: Node's fetch (undici) reads a response body through a WHATWG byte stream, whose
 * enqueue transfers, i.e. detaches, each chunk's ArrayBuffer. The first detach in a V8 isolate invalidates
 * its ArrayBufferDetaching protector, and from then on every typed-array access in optimized code carries a
 * detached-buffer check: the device's forward passes, in the same thread as the HTTP client, ran 20-30%
 * slower for the rest of the process (measured: BERT forward 73.6 -> 92-97 ms after one fetch; bench/README.md,
 * "A 25% trap"). node:http hands the body over as Buffers and never detaches one.
 *
 * Semantics kept from fetch where HttpCloud relies on them: `ok` for 2xx, the body as UTF-8 text, a rejection
 * on a network error whose `cause` carries the errno code (ECONNREFUSED, ...), and a rejection when `signal`
 * aborts (the request is destroyed). Connections are kept alive, as undici does. `headers.get` for Retry-After;
 * a reply above `init.maxResponseBytes` is cut off as it streams in (rejected as a ResponseTooLargeError).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchLike } from '../splitee/transport.js';

let agents: { http: HttpAgent; https: HttpsAgent } | null = null;

/** Keep-alive agents, made on first use (no import-time side effects). */
function agentsFor(): { http: HttpAgent; https: HttpsAgent } {
  agents ??= { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return agents;
}

export const nodeFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    if (!https && u.protocol !== 'http:') {
      reject(new TypeError(`nodeFetch: unsupported protocol: got ${u.protocol}, expected http: or https:`));
      return;
    }
    if (init.signal.aborted) {
      reject(new Error('nodeFetch: aborted before the request was sent', { cause: init.signal.reason }));
      return;
    }
    const body = init.body;
    const headers = { ...init.headers, 'content-length': String(body.byteLength) };
    const options = { method: init.method, headers, agent: https ? agentsFor().https : agentsFor().http };
    const cap = init.maxResponseBytes ?? Infinity;
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > cap) {
          chunks.length = 0;
          const e = new Error(`nodeFetch: response too large: got more than ${cap} bytes, expected at most ${cap}`);
          e.name = 'ResponseTooLargeError';
          fail(e);
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        init.signal.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        const h = res.headers;
        const headers = { get: (name: string): string | null => { const v = h[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v; } };
        resolve({ ok: status >= 200 && status < 300, status, headers, text: async () => text });
      });
    };
    const req = https ? httpsRequest(u, options, onResponse) : httpRequest(u, options, onResponse);
    function fail(e: Error): void {
      init.signal.removeEventListener('abort', onAbort);
      const out = new Error(e.message, { cause: e }); // HttpCloud adds the URL and the errno code
      if (e.name === 'ResponseTooLargeError') out.name = e.name;
      reject(out);
    }
    function onAbort(): void {
      req.destroy(new Error('aborted'));
    }
    init.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
