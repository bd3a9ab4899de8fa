/**
 * The streams of `splitee claims` and their traces. A stream is a distortion of --data for an image
 * model (clean, NAME:SEVERITY, NAME:deploy) and a data source for a text model (the paper's own
 * setting: spam-assassin:target, FILE.jsonl, ...). Each stream is traced once, two at a time in worker
 * threads, and cached in DIR/<stream>.csv + .json keyed by the model hash, data and sample count.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SingleBar } from 'cli-progress';
import { FormatError } from '../../tensor/errors.js';
import { formatTrace, parseTrace, type Trace } from '../../splitee/trace.js';
import type { LoadedModel } from '../models/load.js';
import type { SourceRequest } from './trace.js';
import { DEFAULT_TEXT_SOURCE } from '../sources/text-source.js';
import { traceInWorker } from './run-trace.js';

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

/** Traces of every stream: cached ones read, the others computed two at a time in worker threads. */
export async function traceStreams(model: LoadedModel, streams: string[], dir: string, data: string | undefined, samples: number | undefined, bar: SingleBar | null): Promise<Map<string, Trace>> {
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, Trace>();
  const todo: string[] = [];
  for (const s of streams) {
    const csv = join(dir, streamFile(s));
    const meta = csv.replace(/\.csv$/, '.json');
    if (existsSync(csv) && existsSync(meta)) {
      let m: { model_sha256?: string; data?: string | null; samples?: number | null };
      try {
        m = JSON.parse(readFileSync(meta, 'utf8')) as typeof m;
      } catch (e) {
        throw new FormatError(`claims: the cached trace's metadata is not JSON: got ${meta}: ${(e as Error).message}, expected the file claims wrote; delete it (and ${csv}) to trace again`);
      }
      if (m.model_sha256 === model.hash && m.data === (streamRequest(model, s, data, samples).data ?? null) && m.samples === (samples ?? null)) {
        out.set(s, parseTrace(readFileSync(csv, 'utf8'), csv));
        continue;
      }
    }
    todo.push(s);
  }
  // progress: each worker reports (done, total) of its stream; the bar's total grows as streams start
  const done = new Map<string, number>();
  const totals = new Map<string, number>();
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  if (todo.length > 0) bar?.start(1, 0, { task: 'tracing streams' });
  const one = async (s: string): Promise<void> => {
    const req = streamRequest(model, s, data, samples);
    const r = await traceInWorker({ modelDir: model.dir, req }, (d, n) => {
      done.set(s, d);
      if (totals.get(s) !== n) {
        totals.set(s, n);
        bar?.setTotal(Math.max(1, sum(totals)));
      }
      bar?.update(sum(done), { task: `tracing ${s}` });
    }).result;
    const csv = join(dir, streamFile(s));
    writeFileSync(csv, formatTrace(r.trace));
    writeFileSync(csv.replace(/\.csv$/, '.json'), JSON.stringify({ model_id: model.id, model_sha256: model.hash, stream: s, description: r.description, data: req.data ?? null, samples: samples ?? null, seed: 1 }, null, 1) + '\n');
    out.set(s, r.trace);
  };
  const queue = [...todo];
  const lanes = Array.from({ length: Math.min(2, queue.length) }, async () => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) await one(s);
  });
  try {
    await Promise.all(lanes);
  } finally {
    bar?.stop(); // a running bar's timer would keep the process alive after an error
  }
  return out;
}
