/**
 * The device side of `splitee demo`, portable: a browser page (web/demo/app.ts), Deno, Bun and
 * workerd (test/runtimes/probe.ts) all run this same file. It imports the core only (no node:, no
 * DOM), reads everything over fetch from a demo server (src/node/demo-server.ts):
 *
 *   GET {base}/demo/settings.json        DemoSettings (policy, alpha, costs, the cloud's URL, ...)
 *   GET {base}/model/config.json         the model's config.json
 *   GET {base}/model/model.safetensors   the weights
 *   GET {base}/model/golden.safetensors  PyTorch's logits on a few inputs (parity check)
 *   GET {base}/data/images.idx, labels.idx   the stream sample: IDX, sent gzip-encoded
 *
 * then builds the network from bytes (buildModel: the same sha256 as the cloud's), checks it against PyTorch (goldenParity) and plays the stream
 * split live against the cloud (DemoSession), one round at a time, keeping the totals a person wants
 * to watch: split histogram, exits / offloads / fallbacks, cost and accuracy against the final layer.
 */
import { ArgumentError, ConfigError, FormatError, StateError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { parseIdx } from '../tensor/io/idx.js';
import { parseSafetensors, tensorAsFloat32 } from '../tensor/io/safetensors.js';
import { ResNetModel } from '../layers/resnet.js';
import { buildModel } from '../layers/build-model.js';
import { paperCosts, type CostTable } from '../splitee/cost.js';
import { createAnyPolicy } from '../splitee/policy.js';
import { SplitRunner, copyRecord, type RoundRecord } from '../splitee/runner.js';
import { RunTotals } from '../splitee/run-totals.js';
import { HttpCloud, type FetchLike } from '../splitee/transport.js';
import { buildImageStream, type ImageStream } from '../splitee/stream/image-stream.js';
import { distortionSettingsFromConfig } from '../splitee/stream/distortions.js';

/** What the demo server tells the device (GET /demo/settings.json). */
export interface DemoSettings {
  model: { id: string; hash: string };
  /** Base URL of the cloud: '' = the page's own origin (same-origin mode). */
  cloud: string;
  policy: string;
  alpha: number;
  mu: number;
  c: number;
  lambda: number;
  offload: number;
  seed: number;
  distortion: string;
  /** Stream length (at most the sample's size). */
  samples: number;
  classes: string[];
}

/** The global fetch, called with its own receiver (browsers and workerd refuse any other `this`). */
export const globalFetch: FetchLike = (url, init) => (fetch as (u: string, i: unknown) => ReturnType<FetchLike>)(url, init);

async function getBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new FormatError(`demo: GET ${url}: got HTTP ${res.status}, expected 200`);
  return new Uint8Array(await res.arrayBuffer());
}

async function getJson(url: string): Promise<unknown> {
  const text = new TextDecoder().decode(await getBytes(url));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`demo: GET ${url}: not JSON: got ${text.length} characters, expected a JSON document`, { cause: e });
  }
}

export interface DemoDevice {
  settings: DemoSettings;
  config: unknown;
  network: ResNetModel;
  /** u8 [count, H, W] and labels [count]. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  /** Bytes of weights fetched, and the ms it took to build the network from them. */
  weightBytes: number;
  buildMs: number;
}

/** Fetches the settings, the model and the stream sample from a demo server and builds the network. */
export async function loadDemo(base: string): Promise<DemoDevice> {
  const b = base.replace(/\/$/, '');
  const [settings, config, weights, imgBytes, labBytes] = await Promise.all([
    getJson(`${b}/demo/settings.json`) as Promise<DemoSettings>,
    getJson(`${b}/model/config.json`),
    getBytes(`${b}/model/model.safetensors`),
    getBytes(`${b}/data/images.idx`),
    getBytes(`${b}/data/labels.idx`),
  ]);
  const t0 = performance.now();
  const built = buildModel({ config, weights });
  const buildMs = performance.now() - t0;
  const network = built.network;
  if (!(network instanceof ResNetModel)) throw new ConfigError(`demo: model architecture: got '${built.architecture}', expected resnet-multi-exit (the demo streams images)`);
  if (built.hash !== settings.model.hash) {
    throw new ConfigError(`demo: weights differ from the cloud's: got sha256 ${built.hash.slice(0, 12)}, expected ${settings.model.hash.slice(0, 12)} (the cloud would refuse every offload)`);
  }
  const img = parseIdx(imgBytes, 'demo images');
  const lab = parseIdx(labBytes, 'demo labels');
  if (img.dtype !== 'u8' || img.dims.length !== 3 || lab.dtype !== 'u8' || lab.dims[0] !== img.dims[0]) {
    throw new FormatError(`demo: stream sample: got images ${img.dtype} [${img.dims.join(',')}] and labels ${lab.dtype} [${lab.dims.join(',')}], expected u8 [N,H,W] and u8 [N]`);
  }
  const [count, height, width] = img.dims;
  return { settings, config, network, images: img.data as Uint8Array, labels: lab.data as Uint8Array, count, height, width, weightBytes: weights.length, buildMs };
}

export interface ParityResult {
  inputs: number;
  /** max |TS - PyTorch| per exit */
  perExit: number[];
  maxDiff: number;
  argmaxAgree: boolean;
  /** Wall ms per input of a second, timed pass over the golden batch (all L stages and exits). */
  msPerSample: number;
}

/** The golden file of the model a demo server serves (PyTorch's logits on a few inputs). */
export function fetchGolden(base: string): Promise<Uint8Array> {
  return getBytes(`${base.replace(/\/$/, '')}/model/golden.safetensors`);
}

/** Every golden input through every exit, against PyTorch's logits (golden.safetensors bytes). */
export function goldenParity(golden: Uint8Array, network: ResNetModel): ParityResult {
  const gold = parseSafetensors(golden);
  const get = (name: string): { shape: number[]; data: Float32Array } => {
    const e = gold.tensors.get(name);
    if (e === undefined) throw new FormatError(`goldenParity: golden.safetensors lacks '${name}': got none, expected input and exit_K.logits`);
    return { shape: [...e.shape], data: tensorAsFloat32(e) };
  };
  const inp = get('input');
  const n = inp.shape[0];
  const x = new Tensor(inp.data, inp.shape);
  network.forwardAll(x); // warm-up: the timed pass below is the one checked
  const t0 = performance.now();
  const outs = network.forwardAll(x);
  const msPerSample = (performance.now() - t0) / n;
  const K = network.numClasses;
  let argmaxAgree = true;
  const perExit = outs.map((o, k) => {
    const want = get(`exit_${k + 1}.logits`).data;
    const got = o.flat();
    let md = 0;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      md = d > md || Number.isNaN(d) ? d : md;
    }
    for (let r = 0; r < n; r++) if (argmax(got, r * K, K) !== argmax(want, r * K, K)) argmaxAgree = false;
    return md;
  });
  const maxDiff = perExit.some(Number.isNaN) ? NaN : Math.max(...perExit);
  return { inputs: n, perExit, maxDiff, argmaxAgree, msPerSample };
}

function argmax(x: Float32Array, o: number, k: number): number {
  let a = 0;
  for (let j = 1; j < k; j++) if (x[o + j] > x[o + a]) a = j;
  return a;
}

/** One played round, with what the page draws. */
export interface DemoRound {
  record: RoundRecord;
  /** The sample's pixels in [0,1] after distortion, [H*W]. */
  pixels: Float32Array;
  /** The final layer's prediction on this sample (computed aside for exits: not counted in any cost). */
  finalPrediction: number;
}

/** Totals against the final-layer baseline (every sample through all L stages on the device). */
export interface DemoTotals {
  rounds: number;
  correct: number;
  finalCorrect: number;
  cost: number;
  finalCost: number;
  exits: number;
  offloads: number;
  fallbacks: number;
  bytesSent: number;
  deviceMs: number;
  /** Rounds per split 0..L. */
  splits: number[];
  lastError: string | null;
}

export class DemoSession {
  readonly costs: CostTable;
  readonly stream: ImageStream;
  readonly length: number;
  private readonly runner: SplitRunner<number>;
  private readonly totals: RunTotals;
  private readonly px: Float32Array;
  private readonly x: Float32Array;
  private finalCorrect = 0;
  private deviceMs = 0;
  private lastError: string | null = null;
  private t = 0;

  constructor(readonly device: DemoDevice, cloudBase: string, opts: { samples?: number; fetch?: FetchLike } = {}) {
    const s = device.settings;
    const net = device.network;
    const L = net.numStages;
    this.length = Math.min(opts.samples ?? s.samples, device.count);
    if (!(this.length >= 1)) throw new ArgumentError(`DemoSession: no samples: got ${this.length}, expected >= 1`);
    this.costs = paperCosts({ numExits: L, lambda: s.lambda, offload: s.offload });
    const policy = createAnyPolicy(s.policy, { costs: this.costs, alpha: s.alpha, mu: s.mu, c: s.c, seed: s.seed });
    const { images, labels, height, width } = device;
    this.stream = buildImageStream({ images, labels, height, width, order: 'as-is', distortion: s.distortion, seed: s.seed, length: this.length, settings: distortionSettingsFromConfig(device.config) });
    this.px = new Float32Array(height * width);
    this.x = new Float32Array(height * width);
    const cloud = new HttpCloud({ baseUrl: cloudBase, numClasses: net.numClasses, fetch: opts.fetch ?? globalFetch });
    this.runner = new SplitRunner<number>({
      network: net,
      modelHash: s.model.hash,
      policy,
      costs: this.costs,
      alpha: s.alpha,
      mu: s.mu,
      prepare: (t) => this.prepare(t),
      cloud,
      label: (t) => labels[this.stream.indexAt(t)],
      index: (t) => this.stream.indexAt(t),
    });
    this.totals = new RunTotals(L);
  }

  /** The input tensor of round t (0-based); this.px holds its pixels afterwards. */
  private prepare(t: number): Tensor {
    this.stream.batch(t, 1, this.px);
    return this.device.network.prepareInput(this.px, this.x); // one round at a time: the buffer is reused
  }

  get done(): boolean {
    return this.t >= this.length;
  }

  /** Plays the next round. */
  async step(): Promise<DemoRound> {
    if (this.done) throw new StateError(`DemoSession.step: the stream is over: got round ${this.t + 1}, expected at most ${this.length}`);
    const t = this.t++;
    const record = copyRecord(await this.runner.step(t)); // the page keeps it; the runner's is refilled next round
    this.totals.add(record);
    this.deviceMs += record.deviceMs;
    if (record.error !== null) this.lastError = record.error;
    const pixels = this.px.slice();
    const finalPrediction = record.outcome === 'exit' ? this.finalAside(t) : record.prediction;
    if (record.label !== null && finalPrediction === record.label) this.finalCorrect++;
    return { record, pixels, finalPrediction };
  }

  /** The final layer's prediction on round t, all stages on the device (the baseline; not a cost). */
  private finalAside(t: number): number {
    const net = this.device.network;
    const L = net.numStages;
    const logits = net.exitLogits(L, net.runStages(0, L, this.prepare(t))).flat();
    return argmax(logits, 0, net.numClasses);
  }

  totalsNow(): DemoTotals {
    const r = this.totals;
    const L = this.device.network.numStages;
    return {
      rounds: r.rounds,
      correct: r.correct,
      finalCorrect: this.finalCorrect,
      cost: r.cost,
      finalCost: r.rounds * this.costs.device[L],
      exits: r.outcomes.exit + r.outcomes.final,
      offloads: r.outcomes.offload,
      fallbacks: r.fallbacks,
      bytesSent: r.bytesSent,
      deviceMs: this.deviceMs,
      splits: [...r.splitCounts],
      lastError: this.lastError,
    };
  }
}
