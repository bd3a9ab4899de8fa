/**
 * onnxruntime beside the splitee engine, for bench/models/{resnet,bert}.bench.ts. Loaded by them only when
 * bench/peers/node_modules exists (install: `cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm install`);
 * the main package never installs onnxruntime. The file is named *.bench-peer.ts so that bench/index.ts
 * does not run it as a bench of its own.
 *
 * Three runtimes, each on the model's ONNX export:
 *   - onnxruntime-node, CPU provider, intraOpNumThreads 1 / interOpNumThreads 1, sequential: the fair match
 *     for our single-threaded engine;
 *   - onnxruntime-node, CPU provider, default threading (intra-op threads = the machine's cores);
 *   - onnxruntime-web, wasm backend in node, env.wasm.numThreads 1 (SIMD: onnxruntime-web 1.30 ships only
 *     SIMD wasm builds).
 * The two packages load different copies of onnxruntime-common (CommonJS for -node, ESM for -web), so each
 * session is created through its own package's InferenceSession.
 *
 * Timing: `measure` gives the median wall time of single calls and the process CPU time per call
 * (process.cpuUsage over all the calls: every thread of the process, so for the multi-threaded runtime it
 * is the summed CPU time of its threads). `compareOrt` interleaves our engine with the runtimes in rounds
 * and takes the median of the rounds, so a change of the machine's load hits both sides alike.
 *
 * No static import of the onnxruntime packages: the main type check (tsconfig.json includes bench/**) must
 * pass where they are not installed, so the few members used are typed here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtSession {
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => unknown;
  env: { versions: Record<string, string>; wasm: { numThreads?: number; simd?: boolean | string } };
}

/**
 * Where the packages are: bench/peers/node_modules under the working directory (the repository root), whether
 * this module runs from bench/peers or compiled in dist-bench/bench/peers (which has no node_modules of its
 * own). onnxruntime-node is CommonJS: required from bench/peers. onnxruntime-web: the file its package.json maps
 * the "node" + "import" conditions to (ESM), so it keeps its own ESM copy of onnxruntime-common.
 */
const PEERS_DIR = join(process.cwd(), 'bench', 'peers');
const loadNode = (): OrtModule => createRequire(join(PEERS_DIR, 'package.json'))('onnxruntime-node') as OrtModule;
const WEB_ENTRY = join(PEERS_DIR, 'node_modules', 'onnxruntime-web', 'dist', 'ort.node.min.mjs');

export interface OrtInput {
  name: string;
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

export interface OrtPeer {
  name: string;
  /** Every output of the session, as float32 (logits). */
  run(inputs: readonly OrtInput[]): Promise<Map<string, Float32Array>>;
  close(): Promise<void>;
}

/** The three runtimes on one ONNX file, ready to run. */
export async function openPeers(onnx: string): Promise<OrtPeer[]> {
  const bytes = new Uint8Array(readFileSync(onnx));
  const node = loadNode();
  const web = (await import(pathToFileURL(WEB_ENTRY).href)) as OrtModule;
  web.env.wasm.numThreads = 1;
  web.env.wasm.simd = true;
  const peer = async (name: string, ort: OrtModule, options: Record<string, unknown>): Promise<OrtPeer> => {
    const session = await ort.InferenceSession.create(bytes, options);
    return {
      name,
      async run(inputs) {
        const feeds: Record<string, unknown> = {};
        for (const i of inputs) feeds[i.name] = new ort.Tensor(i.type, i.data, i.dims);
        const out = await session.run(feeds);
        const m = new Map<string, Float32Array>();
        for (const k of session.outputNames) m.set(k, Float32Array.from(out[k].data as Float32Array));
        return m;
      },
      close: () => session.release(),
    };
  };
  const base = { graphOptimizationLevel: 'all' };
  return [
    await peer(`ort-node ${node.env.versions.node} 1 thread`, node, { ...base, executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' }),
    await peer(`ort-node ${node.env.versions.node} default threads (${cpus().length} cores)`, node, { ...base, executionProviders: ['cpu'] }),
    await peer(`ort-web ${web.env.versions.web} wasm 1 thread SIMD`, web, { ...base, executionProviders: ['wasm'] }),
  ];
}

export interface Timing {
  /** median wall ms of one call */
  wall: number;
  /** process CPU ms per call (all threads) */
  cpu: number;
}

/** Median wall time of `reps` calls after `warm` warm-up calls, and the CPU time per call. */
export async function measure(fn: () => unknown, reps: number, warm = 1): Promise<Timing> {
  for (let i = 0; i < warm; i++) await fn();
  const t: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { wall: median(t), cpu: (c.user + c.system) / 1000 / reps };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Rows [N,K] whose argmax differs between a and b. */
function argmaxMismatches(a: Float32Array, b: Float32Array, K: number): number {
  let n = 0;
  for (let r = 0; r < a.length / K; r++) {
    let ia = 0;
    let ib = 0;
    for (let k = 1; k < K; k++) {
      if (a[r * K + k] > a[r * K + ia]) ia = k;
      if (b[r * K + k] > b[r * K + ib]) ib = k;
    }
    if (ia !== ib) n++;
  }
  return n;
}

export interface PeerCheck {
  /** the golden inputs, as the ONNX graph takes them */
  inputs: OrtInput[];
  /** output names, one per exit, in exit order */
  outputs: string[];
  numClasses: number;
  /** our engine's logits per exit on the same inputs ([N,K] flat) */
  ours: Float32Array[];
  /** PyTorch's logits per exit from golden.safetensors */
  golden: Float32Array[];
}

export interface PeerCase {
  label: string;
  inputs: OrtInput[];
  /** samples per call: the figures are per sample */
  samples: number;
  /** calls per round (each side), warm-ups excluded */
  reps: number;
  /** our engine on the same input */
  ours: () => unknown;
  /** more of our configurations (e.g. the simd kernel table), timed in the same rounds */
  others?: readonly { name: string; run: () => unknown }[];
}

export interface PeerRow {
  runtime: string;
  case: string;
  /** ms/sample, wall median and CPU */
  theirs: Timing;
  ours: Timing;
  /** PeerCase.others, in order */
  others: { name: string; timing: Timing }[];
  /** max |ort - ours| and |ort - PyTorch| over every exit and golden input; argmax disagreements with ours */
  diffOurs: number;
  diffTorch: number;
  argmaxOurs: number;
}

/**
 * For each runtime: the numeric check on the golden inputs (printed), then every case timed in `rounds`
 * rounds interleaved with our engine (median of the rounds). Prints a table and returns its rows.
 */
export async function compareOrt(onnx: string, check: PeerCheck, cases: PeerCase[], rounds = 3, oursName = 'ours'): Promise<PeerRow[]> {
  const peers = await openPeers(onnx);
  const rows: PeerRow[] = [];
  const diffs = new Map<string, { diffOurs: number; diffTorch: number; argmaxOurs: number }>();
  const n = check.ours[0].length / check.numClasses;
  console.log(`onnxruntime numeric check on ${n} golden inputs x ${check.outputs.length} exits (${onnx}):`);
  for (const p of peers) {
    const out = await p.run(check.inputs);
    let diffOurs = 0;
    let diffTorch = 0;
    let argmaxOurs = 0;
    const perExit: string[] = [];
    check.outputs.forEach((name, e) => {
      const o = out.get(name);
      if (o === undefined) throw new Error(`${p.name}: no output ${name}`);
      const d = maxAbsDiff(o, check.ours[e]);
      perExit.push(d.toExponential(1));
      diffOurs = Math.max(diffOurs, d);
      diffTorch = Math.max(diffTorch, maxAbsDiff(o, check.golden[e]));
      argmaxOurs += argmaxMismatches(o, check.ours[e], check.numClasses);
    });
    diffs.set(p.name, { diffOurs, diffTorch, argmaxOurs });
    console.log(`  ${p.name}: max |ort - ours| ${diffOurs.toExponential(2)}, max |ort - PyTorch| ${diffTorch.toExponential(2)}, argmax differs from ours on ${argmaxOurs} of ${n * check.outputs.length}; per exit vs ours: ${perExit.join(' ')}`);
  }
  for (const c of cases) {
    const oursR: Timing[] = [];
    const others = c.others ?? [];
    const othersR: Timing[][] = others.map(() => []);
    const theirsR = new Map<string, Timing[]>(peers.map((p) => [p.name, []]));
    for (let r = 0; r < rounds; r++) {
      oursR.push(await measure(c.ours, c.reps, 1));
      for (const [i, o] of others.entries()) othersR[i].push(await measure(o.run, c.reps, 1));
      for (const p of peers) theirsR.get(p.name)!.push(await measure(() => p.run(c.inputs), Math.max(c.reps, 10), 2));
    }
    const agg = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)) / c.samples, cpu: median(ts.map((t) => t.cpu)) / c.samples });
    const ours = agg(oursR);
    const othersT = others.map((o, i) => ({ name: o.name, timing: agg(othersR[i]) }));
    for (const p of peers) rows.push({ runtime: p.name, case: c.label, theirs: agg(theirsR.get(p.name)!), ours, others: othersT, ...diffs.get(p.name)! });
  }
  for (const p of peers) await p.close();
  console.table(
    rows.map((r) => ({
      case: r.case,
      runtime: r.runtime,
      'ms/sample': r.theirs.wall.toFixed(3),
      [`${oursName} ms/sample`]: r.ours.wall.toFixed(2),
      [`${oursName}/theirs`]: `${(r.ours.wall / r.theirs.wall).toFixed(2)}x`,
      ...Object.fromEntries(r.others.flatMap((o) => [[`${o.name} ms/sample`, o.timing.wall.toFixed(2)], [`${o.name}/theirs`, `${(o.timing.wall / r.theirs.wall).toFixed(2)}x`]])),
      'cpu ms/sample': r.theirs.cpu.toFixed(3),
      [`${oursName} cpu`]: r.ours.cpu.toFixed(2),
      [`cpu ${oursName}/theirs`]: `${(r.ours.cpu / r.theirs.cpu).toFixed(2)}x`,
      ...Object.fromEntries(r.others.flatMap((o) => [[`${o.name} cpu`, o.timing.cpu.toFixed(2)], [`cpu ${o.name}/theirs`, `${(o.timing.cpu / r.theirs.cpu).toFixed(2)}x`]])),
    })),
  );
  return rows;
}
