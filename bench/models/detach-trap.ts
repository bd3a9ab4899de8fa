/**
 * "A 25% trap" (bench/README.md), reproduced: the BERT forward (weights/spam-bert, T = 128, all exits) timed
 * before and after one event that detaches an ArrayBuffer in this isolate, which invalidates V8's
 * ArrayBufferDetaching protector for the rest of the process. Not a *.bench.ts module on purpose: after the
 * event every later measurement in the process would pay the penalty, so it runs alone, one event per process:
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/models/detach-trap.js EVENT
 *   EVENT: none | transfer (structuredClone with a transfer list) | wasm-grow (WebAssembly.Memory.grow)
 *          | fetch (Node's global fetch, one POST to a local server) | node-fetch (the same with nodeFetch)
 *          | import-ort (import onnxruntime-common's tensor module from bench/peers: nothing under plain
 *            node; run `node --import tsx bench/models/detach-trap.ts import-ort` to see tsx's loader detach)
 *
 * Add --trace-protector-invalidation after `node` to see V8 report the event. Prints the median wall ms of
 * 10 forwards before and after (a quiet machine is assumed: wall, not CPU, since fetch uses other threads).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BertModel } from '../../src/layers/bert.js';
import { loadModel } from '../../src/node/models/load.js';
import { nodeFetch } from '../../src/node/http-fetch.js';
import { Tensor } from '../../src/tensor/tensor.js';

const EVENTS = ['none', 'transfer', 'wasm-grow', 'fetch', 'node-fetch', 'import-ort'] as const;
type Event = (typeof EVENTS)[number];

async function post(useNodeFetch: boolean): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(Buffer.alloc(1000)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const init = { method: 'POST', headers: {}, body: new Uint8Array(5000), signal: AbortSignal.timeout(5000) };
  await (await (useNodeFetch ? nodeFetch(url, init) : fetch(url, init))).text();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

async function happen(event: Event): Promise<void> {
  if (event === 'transfer') {
    const b = new ArrayBuffer(8);
    structuredClone(b, { transfer: [b] });
  } else if (event === 'wasm-grow') {
    // WebAssembly is not in this project's TypeScript lib (ES2022, no DOM): typed here
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => { grow(n: number): number } } }).WebAssembly;
    new wasm.Memory({ initial: 1, maximum: 2 }).grow(1);
  } else if (event === 'fetch' || event === 'node-fetch') {
    await post(event === 'node-fetch');
  } else if (event === 'import-ort') {
    const file = join(process.cwd(), 'bench', 'peers', 'node_modules', 'onnxruntime-common', 'dist', 'cjs', 'tensor-impl.js');
    if (!existsSync(file)) throw new Error(`detach-trap: import-ort: no ${file}; install bench/peers (bench/README.md)`);
    await import(pathToFileURL(file).href);
  }
}

function medianMs(net: BertModel, x: Tensor, mask: Float32Array, n = 10): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    net.forwardAll(x, mask);
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[n >> 1];
}

export async function run(event: Event): Promise<{ before: number; after: number }> {
  const net = loadModel('weights/spam-bert').network as BertModel;
  const T = 128;
  const x = new Tensor(Float32Array.from({ length: T }, (_, i) => (i === 0 ? 2 : i === T - 1 ? 3 : 100 + i)), [1, T]);
  const mask = new Float32Array(T).fill(1);
  medianMs(net, x, mask); // warm-up: optimized code first
  const before = medianMs(net, x, mask);
  await happen(event);
  const after = medianMs(net, x, mask);
  console.log(`BERT forward (T = ${T}, all exits): ${before.toFixed(1)} ms before, ${after.toFixed(1)} ms after '${event}' (${((after / before - 1) * 100).toFixed(0)}%)`);
  return { before, after };
}

const arg = process.argv[2] ?? 'none';
if (!(EVENTS as readonly string[]).includes(arg)) {
  console.error(`detach-trap: unknown event: got '${arg}', expected one of ${EVENTS.join(', ')}`);
  process.exit(2);
}
await run(arg as Event);
