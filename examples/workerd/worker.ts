/**
 * splitee on Cloudflare's workerd (Workers): one module, two roles, the weights shipped as a module.
 *
 *   cloud role   POST /v1/models/{id}/resume  safetensors body -> {prediction, confidence, probs}
 *                GET  /v1/models              the model, its sha256 and activation shapes
 *   device role  POST /device                 one 28x28 u8 image (784 bytes) -> the round's record:
 *                                             the split SplitEE-S chose, exit on the worker or offload
 *                                             to the cloud (fetched at env.CLOUD_URL)
 *
 * The same core runs in both; the network (and the sha256 the cloud checks) is built once per isolate by
 * buildModel from the bytes of the `model.safetensors` data module, on the first request. The device's
 * policy learns across the requests one isolate serves.
 * Build: node examples/workerd/build.mjs; run: workerd serve examples/workerd/config.capnp.
 */
import config from './config.json';
import weights from './model.safetensors';
import { buildModel, CloudRequestError, CloudService, createPolicy, encodeResumeResponse, HttpCloud, paperCosts, SplitRunner, toCloudRequestError, type BuiltModel } from 'splitee';

interface Env {
  ROLE: 'cloud' | 'device';
  CLOUD_URL?: string;
}

let loaded: BuiltModel | null = null;
let service: CloudService | null = null;
let runner: SplitRunner<Uint8Array> | null = null;


const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

async function cloud(req: Request, m: BuiltModel): Promise<Response> {
  service ??= new CloudService([m]);
  const path = new URL(req.url).pathname;
  if (path === '/v1/models' && req.method === 'GET') return json({ models: service.list() });
  const id = /^\/v1\/models\/([^/]+)\/resume$/.exec(path)?.[1];
  if (id === undefined || req.method !== 'POST') return json({ error: { code: 'not_found', message: `not found: got ${req.method} ${path.slice(0, 100)}, expected POST /v1/models/{id}/resume` } }, 404);
  try {
    return new Response(encodeResumeResponse(service.resume(decodeURIComponent(id), new Uint8Array(await req.arrayBuffer()))), { headers: { 'content-type': 'application/json; charset=utf-8' } });
  } catch (e) {
    const err = e instanceof CloudRequestError ? e : toCloudRequestError(e);
    return json({ error: { code: err.apiCode, message: err.message } }, err.status);
  }
}

async function device(req: Request, env: Env, m: BuiltModel): Promise<Response> {
  if (new URL(req.url).pathname !== '/device' || req.method !== 'POST') return json({ error: { code: 'not_found', message: 'expected POST /device with a 784-byte image' } }, 404);
  const image = new Uint8Array(await req.arrayBuffer());
  if (image.length !== 784) return json({ error: { code: 'bad_shape', message: `image: got ${image.length} bytes, expected 784 (28x28 u8)` } }, 400);
  if (runner === null) {
    const costs = paperCosts({ numExits: m.network.numStages, lambda: 0.1, offload: 0.5 });
    const policy = createPolicy('splitee-s', { costs, alpha: 0.74 });
    const cloudUrl = env.CLOUD_URL ?? 'http://cloud.internal';
    const { network: net, family } = m;
    const prepare = (px: Uint8Array) => family.prepareInput(net, { kind: 'image', pixels: Float32Array.from(px, (v) => v / 255) }).x;
    runner = new SplitRunner({ network: net, modelHash: m.hash, policy, costs, alpha: 0.74, prepare, cloud: new HttpCloud({ baseUrl: cloudUrl, fetch: (url, init) => fetch(url, init) }) });
  }
  return json(await runner.step(image));
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    loaded ??= buildModel({ config, weights: new Uint8Array(weights) }); // once per isolate: no I/O allowed at start-up
    const m = loaded;
    return env.ROLE === 'device' ? device(req, env, m) : cloud(req, m);
  },
};
