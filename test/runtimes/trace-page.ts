// A batch's trace in one thread and over Web Workers, in a page or in Deno (bundled with esbuild by the
// runtime suites): fetches config.json, model.safetensors and the rows (inputs.f32 + labels.i32, shape
// from meta.json) from `base`, traces them with traceInputs here and with traceInWebWorkers over `workers`
// workers on trace-worker.js, and answers both CSVs (the suite compares them byte for byte, and with Node's).
import { buildModel, createKernels, formatTrace, parseKernelsKind, simdMemoryFor, Tensor, traceInputs, traceInWebWorkers, type WebWorkerLike } from '../../src/index.js';

export interface TraceCheck {
  runtime: string;
  kernels: string;
  single: string;
  pooled: string;
  pooledKernels: string;
  workers: number;
  singleMs: number;
  pooledMs: number;
}

const bytes = async (url: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(url)).arrayBuffer());

/** Traces the rows at `base` with kernels `kind` in this thread and over `workers` Web Workers made by `spawn`. */
export async function traceCheck(base: string, kind: string, workers: number, batch: number, spawn: () => WebWorkerLike, runtime: string): Promise<TraceCheck> {
  const kernels = parseKernelsKind(kind, 'trace-page');
  const config = JSON.parse(new TextDecoder().decode(await bytes(`${base}/config.json`))) as Record<string, unknown>;
  const weights = await bytes(`${base}/model.safetensors`);
  const meta = JSON.parse(new TextDecoder().decode(await bytes(`${base}/meta.json`))) as { shape: number[] };
  const x = await bytes(`${base}/inputs.f32`);
  const l = await bytes(`${base}/labels.i32`);
  const rows = { inputs: Tensor.from(new Float32Array(x.buffer, x.byteOffset, x.byteLength / 4), meta.shape), labels: new Int32Array(l.buffer, l.byteOffset, l.byteLength / 4) };
  const model = buildModel({ config, weights }, { kernels: createKernels(kernels, { memoryBytes: simdMemoryFor(weights.byteLength) }) });
  let t = performance.now();
  const single = formatTrace(traceInputs(model, rows, batch));
  const singleMs = performance.now() - t;
  t = performance.now();
  const r = await traceInWebWorkers({ config, weights, kernels }, rows, { workers, batch, spawn }).result;
  const pooledMs = performance.now() - t;
  return { runtime, kernels: model.kernels.name, single, pooled: formatTrace(r.trace), pooledKernels: r.kernels.name, workers, singleMs, pooledMs };
}

// In a page: ?kernels=K&workers=N&batch=B; the result is written as JSON into <pre id="result"> (or the error).
const g = globalThis as { document?: { getElementById(id: string): { textContent: string } | null; documentElement: { dataset: Record<string, string> } }; location?: { search: string; origin: string }; navigator?: { userAgent: string }; Worker?: new (url: string, o: { type: 'module' }) => WebWorkerLike };
if (g.document !== undefined && g.location !== undefined && g.Worker !== undefined) {
  const q = new URLSearchParams(g.location.search);
  const W = g.Worker;
  const out = g.document.getElementById('result');
  traceCheck(g.location.origin, q.get('kernels') ?? 'auto', Number(q.get('workers') ?? '2'), Number(q.get('batch') ?? '64'), () => new W('/trace-worker.js', { type: 'module' }), /(?:HeadlessChrome|Chrome|Chromium)\/[\d.]+/.exec(g.navigator?.userAgent ?? '')?.[0] ?? g.navigator?.userAgent ?? '?').then(
    (r) => {
      if (out !== null) out.textContent = JSON.stringify(r);
      g.document!.documentElement.dataset.state = 'done';
    },
    (e: unknown) => {
      if (out !== null) out.textContent = JSON.stringify({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      g.document!.documentElement.dataset.state = 'error';
    },
  );
}
