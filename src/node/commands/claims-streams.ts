/**
 * The streams of `splitee claims` and their traces. A stream is a distortion of --data for an image
 * model (clean, NAME:SEVERITY, NAME:deploy) and a data source for a text model (the paper's own
 * setting: spam-assassin:target, FILE.jsonl, ...). Each stream is traced once, one stream at a time
 * split over a pool of worker threads (trace-pool.ts traceInPool), and cached in DIR/<stream>.csv + .json keyed by the model hash, data, sample count and kernel table (a
 * trace computed on another table is recomputed, so the report's "kernels" names the table that computed it).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SingleBar } from 'cli-progress';
import type { Trace } from '../../splitee/trace.js';
import type { LoadedModel } from '../models/load.js';
import type { SourceRequest } from './trace.js';
import { DEFAULT_TEXT_SOURCE } from '../sources/text-source.js';
import { kernelsInfo, type KernelsKind } from '../../tensor/kernels/index.js';
import { resolveSource } from '../data-sources.js';
import { traceInPool } from './trace-pool.js';
import { readCachedTrace, writeCachedTrace } from './trace-file.js';

/** Whether the model's samples are texts (its family's input). */
export const isText = (model: LoadedModel): boolean => model.family.input === 'text';

export function defaultStreams(model: LoadedModel, data: string | undefined): string[] {
  if (isText(model)) return [data ?? DEFAULT_TEXT_SOURCE];
  const d = (model.config as { distortions?: Record<string, { deployment?: number }> }).distortions ?? {};
  return ['clean', ...Object.entries(d).filter(([, v]) => v && typeof v === 'object' && v.deployment !== undefined).map(([k]) => `${k}:deploy`)];
}

/** What to trace for a stream: a distortion of --data (images) or the data source itself (text). */
function streamRequest(model: LoadedModel, stream: string, data: string | undefined, samples: number | undefined): SourceRequest {
  return isText(model)
    ? { data: stream, labels: undefined, distortion: undefined, seed: 1, limit: samples }
    : { data, labels: undefined, distortion: stream, seed: 1, limit: samples };
}

function streamFile(stream: string): string {
  return stream.replace(/[^a-z0-9-]+/gi, '_') + '.csv';
}

/** How the streams are traced: the kernel table and the worker threads. */
export interface TraceCompute {
  kernels: KernelsKind;
  workers: number;
}

/** Traces of every stream: cached ones read, the others computed one after another, each on `compute.workers` worker threads. */
export async function traceStreams(model: LoadedModel, streams: string[], dir: string, data: string | undefined, samples: number | undefined, bar: SingleBar | null, compute: TraceCompute): Promise<Map<string, Trace>> {
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, Trace>();
  const todo: string[] = [];
  const table = kernelsInfo(model.kernels);
  for (const s of streams) {
    const csv = join(dir, streamFile(s));
    const dataKey = streamRequest(model, s, data, samples).data ?? null;
    const cached = readCachedTrace(csv, (m) => m.model_sha256 === model.hash && m.data === dataKey && m.samples === (samples ?? null) && m.kernels === table.name && m.relaxed === table.relaxed, 'claims', 'throw');
    if (cached !== null) {
      out.set(s, cached);
      continue;
    }
    todo.push(s);
  }
  // progress: the bar's total grows as streams start
  let before = 0;
  let total = 0;
  if (todo.length > 0) bar?.start(1, 0, { task: 'tracing streams' });
  try {
    for (const s of todo) {
      const req = streamRequest(model, s, data, samples);
      const count = resolveSource(model, req, 'claims').count;
      total += count;
      bar?.setTotal(Math.max(1, total));
      const r = await traceInPool({ modelDir: model.dir, req, kernels: compute.kernels }, compute.workers, (d) => bar?.update(before + d, { task: `tracing ${s}` })).result;
      before += count;
      writeCachedTrace(join(dir, streamFile(s)), r.trace, { model_id: model.id, model_sha256: model.hash, stream: s, description: r.description, data: req.data ?? null, samples: samples ?? null, seed: 1, kernels: r.kernels.name, relaxed: r.kernels.relaxed });
      out.set(s, r.trace);
    }
  } finally {
    bar?.stop(); // a running bar's timer would keep the process alive after an error
  }
  return out;
}
