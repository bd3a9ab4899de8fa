/**
 * The server of `splitee demo`: a page whose device side runs in the browser (web/demo, bundled at
 * build time into dist/web/demo) and the cloud it offloads to (startServer, in this same process).
 *
 *   GET  /                              the page (index.html), under a strict CSP (no inline script)
 *   GET  /app.js, /style.css            its bundle and style
 *   GET  /demo/settings.json            DemoSettings (src/demo/device.ts): policy, alpha, costs, cloud URL
 *   GET  /model/{config.json, model.safetensors, golden.safetensors}
 *   GET  /data/images.idx, /data/labels.idx   the stream sample, IDX sent as stored (gzip-encoded)
 *   *    /v1/..., /healthz              same-origin mode: proxied to the cloud server
 *
 * Same-origin (default): the page talks to the cloud through this server, `connect-src 'self'`.
 * Cross-origin (cors: true): the cloud listens on its own port with CORS for this page's origin
 * only, and the CSP names it in connect-src.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArgumentError, ConfigError } from '../tensor/errors.js';
import type { DemoSettings } from '../demo/device.js';
import { loadModel } from './models/load.js';
import { kernelsInfo, type KernelsInfo, type KernelsKind } from '../tensor/kernels/index.js';
import { startServer, type RunningServer } from './server.js';
import { packageRoot } from './datasets/fashion-mnist.js';
import { IoError } from './datasets/idx-file.js';

export interface DemoServerOptions {
  modelDir: string;
  /** The built page: index.html, app.js, style.css (default dist/web/demo of the package). */
  webDir?: string;
  host?: string;
  /** Page port (default 0: ephemeral). */
  port?: number;
  /** Cloud on its own origin, allowed by CORS (default false: same origin, proxied). */
  cors?: boolean;
  policy?: string;
  distortion?: string;
  alpha: number;
  samples?: number;
  seed?: number;
  lambda?: number;
  offload?: number;
  mu?: number;
  c?: number;
  /** The kernel table of this process's cloud (default 'auto'). */
  kernels?: KernelsKind;
  /** One line per request to the page server; default none. */
  log?: (line: string) => void;
}

export interface RunningDemo {
  /** The page, e.g. http://127.0.0.1:40123/ */
  readonly url: string;
  /** The cloud's own URL (proxied under `url` in same-origin mode). */
  readonly cloudUrl: string;
  readonly settings: DemoSettings;
  readonly csp: string;
  /** The kernel table the cloud runs. */
  readonly kernels: KernelsInfo;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', json: 'application/json; charset=utf-8' };

/** The Content-Security-Policy of the page: scripts and styles from this origin only, fetch to here and the cloud. */
export function demoCsp(cloudOrigin: string | null): string {
  const connect = cloudOrigin === null ? "'self'" : `'self' ${cloudOrigin}`;
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src ${connect}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

function readOrThrow(path: string, what: string, hint: string): Buffer {
  if (!existsSync(path)) throw new IoError(`demo: ${what} not found: got no ${path}, expected the file; hint: ${hint}`);
  return readFileSync(path);
}

/** The stream sample of the model folder (stream/t2k-*.gz), else the package's. */
function sampleFiles(modelDir: string): { images: string; labels: string } {
  const own = join(modelDir, 'stream');
  const dir = existsSync(join(own, 't2k-images-idx3-ubyte.gz')) ? own : join(packageRoot(), 'weights', 'fmnist-resnet', 'stream');
  return { images: join(dir, 't2k-images-idx3-ubyte.gz'), labels: join(dir, 't2k-labels-idx1-ubyte.gz') };
}

function proxy(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const headers: Record<string, string> = {};
  for (const h of ['content-type', 'content-length', 'accept']) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const up = request(new URL(req.url ?? '/', target), { method: req.method, headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, { 'content-type': r.headers['content-type'] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    r.pipe(res);
  });
  up.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: { code: 'bad_gateway', message: `demo: cloud unreachable: ${e.message}` } }));
  });
  req.pipe(up);
}

export async function startDemoServer(opts: DemoServerOptions): Promise<RunningDemo> {
  const modelDir = resolve(opts.modelDir);
  const model = loadModel(modelDir, { kernels: opts.kernels ?? 'auto' });
  if (model.architecture !== 'resnet-multi-exit') {
    throw new ConfigError(`demo: model architecture: got '${model.architecture}' (${modelDir}), expected resnet-multi-exit (the page streams images)`);
  }
  const webDir = resolve(opts.webDir ?? join(packageRoot(), 'dist', 'web', 'demo'));
  const buildHint = 'run `npm run build` (it bundles web/demo with esbuild)';
  const web = { 'index.html': readOrThrow(join(webDir, 'index.html'), 'the page', buildHint), 'app.js': readOrThrow(join(webDir, 'app.js'), 'the page bundle', buildHint), 'style.css': readOrThrow(join(webDir, 'style.css'), 'the page style', buildHint) };
  const files = sampleFiles(modelDir);
  const data = { 'images.idx': readOrThrow(files.images, 'the stream sample', 'the model folder needs stream/t2k-*.gz'), 'labels.idx': readOrThrow(files.labels, 'the stream labels', 'the model folder needs stream/t2k-*.gz') };
  const modelFiles: Record<string, Buffer> = {
    'config.json': readFileSync(join(modelDir, 'config.json')),
    'model.safetensors': readFileSync(join(modelDir, 'model.safetensors')),
    'golden.safetensors': readOrThrow(join(modelDir, 'golden.safetensors'), 'golden.safetensors', 'the parity check needs PyTorch golden logits'),
  };
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new ArgumentError(`demo: invalid port: got ${port}, expected 0..65535`);

  let settingsJson = '';
  let csp = '';
  let cloud: RunningServer | null = null;
  const log = opts.log;
  const server = createServer((req, res) => {
    const t0 = performance.now();
    res.on('finish', () => log?.(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`));
    const path = (req.url ?? '/').split('?')[0];
    if (path.startsWith('/v1/') || path === '/healthz') {
      if (opts.cors || cloud === null) return void send(res, 404, 'json', JSON.stringify({ error: { code: 'not_found', message: `demo: the cloud is at its own origin: got ${path.slice(0, 100)}, expected requests to the cloud's URL` } }));
      return proxy(req, res, new URL(cloud.url));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void send(res, 405, 'json', JSON.stringify({ error: { code: 'method_not_allowed', message: `demo: method not allowed: got ${req.method}, expected GET` } }), { allow: 'GET, HEAD' });
    if (path === '/' || path === '/index.html') return void send(res, 200, 'html', web['index.html'], { 'content-security-policy': csp });
    if (path === '/app.js' || path === '/style.css') return void send(res, 200, path.endsWith('.js') ? 'js' : 'css', web[path.slice(1) as 'app.js' | 'style.css']);
    if (path === '/favicon.ico') return void send(res, 204, 'bin', '');
    if (path === '/demo/settings.json') return void send(res, 200, 'json', settingsJson);
    const mf = /^\/model\/([a-z.]+)$/.exec(path)?.[1];
    if (mf !== undefined && Object.hasOwn(modelFiles, mf)) return void send(res, 200, mf.endsWith('.json') ? 'json' : 'bin', modelFiles[mf]);
    const df = /^\/data\/([a-z.]+)$/.exec(path)?.[1];
    if (df === 'images.idx' || df === 'labels.idx') return void send(res, 200, 'bin', data[df], { 'content-encoding': 'gzip' });
    return void send(res, 404, 'json', JSON.stringify({ error: { code: 'not_found', message: `demo: not found: got ${path.slice(0, 100)}, expected /, /app.js, /demo/settings.json, /model/*, /data/*` } }));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${host}:${addr.port}`;
  const cors = opts.cors === true;
  cloud = await startServer({ models: [model], host, port: 0, ...(cors ? { cors: [url] } : {}) });
  const settings: DemoSettings = {
    model: { id: model.id, hash: model.hash },
    cloud: cors ? cloud.url : '',
    policy: opts.policy ?? 'splitee-s',
    alpha: opts.alpha,
    mu: opts.mu ?? 1,
    c: opts.c ?? 1,
    lambda: opts.lambda ?? 0.1,
    offload: opts.offload ?? 0.5,
    seed: opts.seed ?? 1,
    distortion: opts.distortion ?? 'gaussian-noise:deploy',
    samples: opts.samples ?? 2000,
    classes: classNames(model.config),
  };
  settingsJson = JSON.stringify(settings);
  csp = demoCsp(cors ? cloud.url : null);
  const c = cloud;
  return {
    url: `${url}/`,
    cloudUrl: cloud.url,
    settings,
    csp,
    kernels: kernelsInfo(model.kernels),
    close: async () => {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await c.close();
    },
  };
}

function classNames(config: Record<string, unknown>): string[] {
  const names = config.class_names ?? config.classes;
  return Array.isArray(names) && names.every((n) => typeof n === 'string') ? (names as string[]) : [];
}

function send(res: ServerResponse, status: number, type: keyof typeof TYPES | 'bin', body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type === 'bin' ? 'application/octet-stream' : TYPES[type],
    'content-length': String(Buffer.byteLength(body)),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}
