/**
 * `splitee trace`: run a model over a data set and write its trace (docs/DESIGN.md "Formats"):
 * for every sample, every exit's confidence (max softmax, 6 decimals) and prediction, then the label
 * (-1 when the data has no labels). Batched forward passes; a progress bar on a TTY; per-exit
 * accuracy at the end (stderr, or one JSON object on stdout with --json).
 *
 * Data sources are resolved through the model family's resolver (src/node/data-sources.ts): the image
 * models read IDX files or Fashion-MNIST, the text model SpamAssassin or JSONL (e.g. `spam-assassin:target`);
 * the trace itself is computed on a pool of worker threads (trace-pool.ts traceInPool, --workers),
 * shared with run and claims; the output is the same whatever the number of workers. The workers are
 * started first (this module imports no engine module statically, so little runs before them), and
 * this thread loads nothing: the model's id and hash, the data's description and the labels come with
 * the workers' result. Only when they fail does it load the model and data itself, so that an error
 * in the request is reported as such (the loader's or the source's own message, not the worker's).
 */
import { writeFileSync } from 'node:fs';
import type { SingleBar } from 'cli-progress';
import { ArgumentError } from '../../tensor/errors.js';
import { formatTrace } from '../../splitee/trace.js';
import { formatKernelsInfo, type KernelsKind } from '../../tensor/kernels/kinds.js';
import type { SourceRequest } from '../data-sources.js';
import { TRACE_BATCH } from './run-trace.js';
import { traceInPool } from './trace-pool.js';
import { COMPUTE_OPTIONS, int, kernelsUsage, kernelsFlag, parseOptions, workersUsage, workersFlag } from './args.js';

const USAGE = `usage: splitee trace --model DIR [--data SOURCE] [options]

Runs every exit of a model over a data set and writes the trace CSV
(exit_1_conf,exit_1_pred,...,exit_L_conf,exit_L_pred,label; conf = max softmax, 6 decimals).

options:
  --model DIR            model folder (config.json + model.safetensors), e.g. weights/fmnist-resnet
  --data SOURCE          image models: an IDX images file (gz or raw), or fashion-mnist:test |
                         fashion-mnist:train | fashion-mnist:sample (default; the shipped 2,000 images) |
                         fashion-mnist:heldout (1,000 clean test images disjoint from the sample)
                         text models: spam-assassin:target (default) | spam-assassin:source-heldout |
                         spam-assassin:source-train | spam-assassin:source | FILE.jsonl
                         (one {"text": ..., "label": ...} per line; label an index or a class name)
  --labels FILE          IDX labels for --data FILE (omitted: label -1)
  --distortion NAME:S    e.g. gaussian-noise:2, contrast:deploy (the config's deployment severity);
                         default clean. A drifting stream: 'clean>gaussian-noise:2>gaussian-blur:3'
                         (equal segments) or 'clean>gaussian-noise:2@500>gaussian-blur:3@1200'
                         (the 0-based sample where each segment starts)
  --limit N              first N samples only
  --seed S               seed of the distortion's random numbers (default 0)
  --batch B              samples per forward pass (default 64)
${kernelsUsage(25)}
${workersUsage(25)}
  --out FILE             the trace CSV (default - : stdout)
  --json                 print the summary as one JSON object on stdout (needs --out FILE)
  --help                 this text`;

// The data-source types and writeExit, where other modules import them from.
export type { SourceRequest, TraceSource } from '../data-sources.js';
export { writeExit } from './run-trace.js';

/** Loads the model and resolves the data here, as the workers do: throws what made them fail when the request is at fault. */
async function checkRequest(modelDir: string, kernels: KernelsKind, rows: number, req: SourceRequest): Promise<void> {
  const [{ loadModel }, { resolveSource }] = await Promise.all([import('../models/load.js'), import('../data-sources.js')]);
  resolveSource(loadModel(modelDir, { kernels, rows }), req, 'trace');
}

/** The trace's progress bar on stderr (cli-progress, imported only when a bar is shown). */
async function progressBar(): Promise<SingleBar> {
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar({ format: 'trace [{bar}] {value}/{total} samples', stream: process.stderr }, cliProgress.Presets.shades_classic);
}

/** The integer flag --name >= min, or undefined when absent. */
function optionalInt(v: string | undefined, name: string, min: number): number | undefined {
  return v === undefined ? undefined : int(v, name, 0, min);
}

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('trace', argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    labels: { type: 'string' },
    distortion: { type: 'string' },
    limit: { type: 'string' },
    seed: { type: 'string' },
    batch: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    ...COMPUTE_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.model === undefined) throw new ArgumentError(`trace: --model is required: got none, expected a model folder such as weights/fmnist-resnet`);
  const out = values.out ?? '-';
  if (values.json && out === '-') throw new ArgumentError(`trace: --json prints the summary on stdout: got no --out, expected --out FILE for the CSV`);
  const batchSize = optionalInt(values.batch, 'batch', 1) ?? TRACE_BATCH;
  const req: SourceRequest = { data: values.data, labels: values.labels, distortion: values.distortion, seed: optionalInt(values.seed, 'seed', 0) ?? 0, limit: optionalInt(values.limit, 'limit', 1) };

  const kernels = kernelsFlag(values.kernels);
  const workers = workersFlag(values.workers);
  let bar: SingleBar | null = null;
  let started = false;
  const pool = traceInPool({ modelDir: values.model, req, batch: batchSize, kernels }, workers, (done, total) => {
    if (bar === null) return;
    if (!started) bar.start(total, 0);
    started = true;
    bar.update(done);
  });
  if (process.stderr.isTTY && !values.json) void progressBar().then((b) => (bar = b)); // imported once the workers are started: they start sooner
  let r: Awaited<typeof pool.result>;
  try {
    r = await pool.result;
  } catch (e) {
    await checkRequest(values.model, kernels, batchSize, req); // a request at fault: this thread's own error, without the worker's prefix
    throw e;
  } finally {
    if (started) (bar as SingleBar | null)?.stop(); // a running bar's timer would keep the process alive after an error
  }
  const { trace, seconds } = r;
  const L = trace.numExits;
  const N = trace.numRows;
  const pred = trace.pred;
  const labels = trace.label;

  const csv = formatTrace(trace);
  if (out === '-') process.stdout.write(csv);
  else writeFileSync(out, csv);

  const labelled = labels.every((v) => v >= 0);
  const accuracy: number[] | null = labelled ? Array.from({ length: L }, (_, k) => {
    let c = 0;
    for (let r = 0; r < N; r++) if (pred[r * L + k] === labels[r]) c++;
    return c / N;
  }) : null;
  const summary = { model: r.id, hash: r.hash, data: r.description, samples: N, seconds: Number(seconds.toFixed(2)), msPerSample: Number(((1000 * seconds) / N).toFixed(3)), accuracy, kernels: r.kernels, workers: r.workers, out };
  if (values.json) {
    console.log(JSON.stringify(summary));
  } else {
    console.error(`trace: ${r.id} (${r.hash.slice(0, 12)}) on ${r.description}: ${N} samples in ${seconds.toFixed(1)} s (${summary.msPerSample} ms/sample; kernels ${formatKernelsInfo(r.kernels)}, ${r.workers} worker${r.workers === 1 ? '' : 's'})${out === '-' ? '' : ` -> ${out}`}`);
    if (accuracy === null) console.error('accuracy: no labels');
    else console.error(accuracy.map((a, k) => `  exit ${String(k + 1).padStart(2)}: ${(100 * a).toFixed(2)}%`).join('\n'));
  }
  return 0;
}
