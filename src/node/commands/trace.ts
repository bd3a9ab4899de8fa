/**
 * `splitee trace`: run a model over a data set and write its trace (docs/DESIGN.md "Formats"):
 * for every sample, every exit's confidence (max softmax, 6 decimals) and prediction, then the label
 * (-1 when the data has no labels). Batched forward passes; a progress bar on a TTY; per-exit
 * accuracy at the end (stderr, or one JSON object on stdout with --json).
 *
 * Data sources are resolved per architecture (DATA_SOURCES): the image models read IDX files or
 * Fashion-MNIST; a text model registers its own resolver (e.g. `spam-assassin:target`).
 */
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { ArgumentError } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { formatTrace, type Trace } from '../../splitee/trace.js';
import { ResNetModel } from '../../layers/resnet.js';
import { BertModel } from '../../layers/bert.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { resolveImageSource } from './trace-images.js';
import { resolveTextSource } from './trace-text.js';
import { int, parseOptions } from './args.js';

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
                         default clean
  --limit N              first N samples only
  --seed S               seed of the distortion's random numbers (default 0)
  --batch B              samples per forward pass (default 64)
  --out FILE             the trace CSV (default - : stdout)
  --json                 print the summary as one JSON object on stdout (needs --out FILE)
  --help                 this text`;

/** A data set ready for a model: `fill` writes samples [t0, t0+n) as the stage-0 input. */
export interface TraceSource {
  /** Shown in the summary, e.g. 'fashion-mnist:test (gaussian-noise:2, seed 0)'. */
  readonly description: string;
  readonly count: number;
  /** [count], -1 where unknown. */
  readonly labels: Int32Array;
  /** The stage-0 input [n, ...activationShape(0)] of samples t0..t0+n-1. */
  batch(t0: number, n: number): Tensor;
  /** Text models: the attention mask [n, T] of the same batch (undefined: no padding). */
  mask?(t0: number, n: number): Float32Array | undefined;
}

export interface SourceRequest {
  data: string | undefined;
  labels: string | undefined;
  distortion: string | undefined;
  seed: number;
  limit: number | undefined;
}

export type SourceResolver = (model: LoadedModel, req: SourceRequest) => TraceSource;

/** Data resolvers by config architecture. */
export const DATA_SOURCES: Record<string, SourceResolver> = {
  'resnet-multi-exit': (model, req) => {
    if (!(model.network instanceof ResNetModel)) throw new ArgumentError(`trace: model ${model.id} is not an image network: got ${model.architecture}, expected a ResNetModel`);
    return resolveImageSource(model.network, model.config, req, model.dir);
  },
  'bert-multi-exit': (model, req) => {
    if (!(model.network instanceof BertModel)) throw new ArgumentError(`trace: model ${model.id} is not a text network: got ${model.architecture}, expected a BertModel`);
    return resolveTextSource(model.network, model.dir, req);
  },
};

/** conf[r*L + k-1], pred[...] of exit k for rows r0.. from logits [n, K] (max softmax, first argmax). */
export function writeExit(conf: Float64Array, pred: Int32Array, logits: Tensor, k: number, L: number, r0: number): void {
  const [n, K] = logits.shape;
  const x = logits.flat();
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let m = -Infinity;
    let arg = 0;
    for (let j = 0; j < K; j++) {
      if (x[o + j] > m) {
        m = x[o + j];
        arg = j;
      }
    }
    let s = 0;
    for (let j = 0; j < K; j++) s += Math.exp(x[o + j] - m);
    const c = 1 / s; // softmax at the argmax: exp(0) / sum
    conf[(r0 + i) * L + k - 1] = Math.round(c * 1e6) / 1e6;
    pred[(r0 + i) * L + k - 1] = arg;
  }
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
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.model === undefined) throw new ArgumentError(`trace: --model is required: got none, expected a model folder such as weights/fmnist-resnet`);
  const out = values.out ?? '-';
  if (values.json && out === '-') throw new ArgumentError(`trace: --json prints the summary on stdout: got no --out, expected --out FILE for the CSV`);
  const batchSize = optionalInt(values.batch, 'batch', 1) ?? 64;
  const req: SourceRequest = { data: values.data, labels: values.labels, distortion: values.distortion, seed: optionalInt(values.seed, 'seed', 0) ?? 0, limit: optionalInt(values.limit, 'limit', 1) };

  const model = loadModel(values.model);
  const resolve = DATA_SOURCES[model.architecture];
  if (resolve === undefined) throw new ArgumentError(`trace: no data sources for architecture ${model.architecture}: expected one of ${Object.keys(DATA_SOURCES).join(', ')}`);
  const src = resolve(model, req);
  const net = model.network;
  const L = net.numStages;
  const N = src.count;
  const conf = new Float64Array(N * L);
  const pred = new Int32Array(N * L);
  const forwardAll = (x: Tensor, mask: Float32Array | undefined): Tensor[] => {
    if (net instanceof ResNetModel) return net.forwardAll(x);
    if (net instanceof BertModel) return net.forwardAll(x, mask);
    const res: Tensor[] = [];
    let h = x;
    for (let k = 1; k <= L; k++) {
      h = net.runStages(k - 1, k, h, mask);
      res.push(net.exitLogits(k, h, mask).clone());
    }
    return res;
  };

  const bar = process.stderr.isTTY && !values.json ? new cliProgress.SingleBar({ format: 'trace [{bar}] {value}/{total} samples', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  bar?.start(N, 0);
  const t0 = performance.now();
  try {
    for (let r = 0; r < N; r += batchSize) {
      const n = Math.min(batchSize, N - r);
      const logits = forwardAll(src.batch(r, n), src.mask?.(r, n));
      for (let k = 1; k <= L; k++) writeExit(conf, pred, logits[k - 1], k, L, r);
      bar?.increment(n);
    }
  } finally {
    bar?.stop(); // a running bar's timer would keep the process alive after an error
  }
  const seconds = (performance.now() - t0) / 1000;

  const trace: Trace = { numExits: L, numRows: N, conf, pred, label: src.labels };
  const csv = formatTrace(trace);
  if (out === '-') process.stdout.write(csv);
  else writeFileSync(out, csv);

  const labelled = src.labels.every((v) => v >= 0);
  const accuracy: number[] | null = labelled ? Array.from({ length: L }, (_, k) => {
    let c = 0;
    for (let r = 0; r < N; r++) if (pred[r * L + k] === src.labels[r]) c++;
    return c / N;
  }) : null;
  const summary = { model: model.id, hash: model.hash, data: src.description, samples: N, seconds: Number(seconds.toFixed(2)), msPerSample: Number(((1000 * seconds) / N).toFixed(3)), accuracy, out };
  if (values.json) {
    console.log(JSON.stringify(summary));
  } else {
    console.error(`trace: ${model.id} (${model.hash.slice(0, 12)}) on ${src.description}: ${N} samples in ${seconds.toFixed(1)} s (${summary.msPerSample} ms/sample)${out === '-' ? '' : ` -> ${out}`}`);
    if (accuracy === null) console.error('accuracy: no labels');
    else console.error(accuracy.map((a, k) => `  exit ${String(k + 1).padStart(2)}: ${(100 * a).toFixed(2)}%`).join('\n'));
  }
  return 0;
}
