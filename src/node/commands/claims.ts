/**
 * `splitee claims`: the paper's headline claim (> 50% cost reduction with < 2 points accuracy drop
 * against final-layer inference) checked on our model, for every stream. An image model's streams are
 * --data clean and under each distortion of the model config at its deployment severity; a text
 * model's streams are data sources (default: the deployment stream, spam-assassin:target), which
 * is the paper's own setting (a BERT fine-tuned on a source domain, deployed on another).
 *
 *   1. trace every stream once (batched, two worker threads; cached in OUT/traces/ by model hash);
 *   2. alpha from --alpha auto (held-out clean source data, run-alpha.ts) or a given value;
 *   3. headline: SplitEE and SplitEE-S (and the device-only threshold baseline) replayed over each
 *      trace, R runs of fresh permutations, lambda 0.1, o 0.5: cost reduction and accuracy drop;
 *   4. the paper's figures: sweeps over o in 0.1..0.6 and over alpha, tables and SVG plots;
 *   5. the same comparison under the measured cost model (ms): device speed as this engine measures
 *      it here, a 10 Mbit/s uplink with 20 ms round trip, f32 and int8 activations; mu scales the
 *      cost so the on-device final layer costs lambda * L, as in the paper.
 *
 * Writes OUT/claims.md, OUT/claims.json and OUT/*.svg; prints claims.md.
 */
import { join, relative, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { DEFAULT_ALPHA_MARGIN } from '../../splitee/alpha.js';
import { DEFAULTS } from '../../splitee/defaults.js';
import { ArgumentError } from '../../tensor/errors.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { defaultStreams, isText, traceStreams } from './claims-streams.js';
import { computeClaims } from './claims-compute.js';
import { claimsJson, claimsMarkdown, claimsPlots, type ClaimsContext } from './claims-format.js';
import { DEFAULT_TEXT_SOURCE } from '../sources/text-source.js';
import { packageRoot } from '../datasets/fashion-mnist.js';
import { writeFiles } from '../report/write-files.js';
import { autoAlpha } from './run-alpha.js';
import { resolveSource } from '../data-sources.js';
import { DEFAULT_MODEL, DEFAULT_OUT } from './run-options.js';
import { activationChannels, measureGflops } from './device-speed.js';
import { COMPUTE_OPTIONS, kernelsUsage, kernelsFlag, num, parseOptions, workersUsage, workersFlag } from './args.js';
import { kernelsInfo } from '../../tensor/kernels/index.js';

const USAGE = `usage: splitee claims [options]

Checks the paper's claim (cost reduction >= 50% with accuracy drop <= 2 points against the final
layer, at lambda 0.1 and o 0.5) on a model, for the clean stream and every distortion of the model
config at its deployment severity; sweeps o and alpha; repeats the comparison under the measured
cost model. Writes OUT/claims.md, OUT/claims.json, OUT/*.svg and the stream traces OUT/traces/*.csv
(reused by later runs of the same model; replay or sweep them with \`splitee replay|sweep --trace\`).

options:
  --model DIR          model folder (default ${DEFAULT_MODEL} in the package)
  --out DIR            output folder (default ${DEFAULT_OUT}/claims/MODEL_ID)
  --data SOURCE        the stream data (default: the shipped sample; text: ${DEFAULT_TEXT_SOURCE})
  --samples N          stream length (default: all of --data)
  --streams LIST       comma-separated. Image models: distortions of --data (default: clean and
                       NAME:deploy for every distortion in the config; a drifting stream
                       'clean>gaussian-noise:2>gaussian-blur:3' as for run --distortion is
                       replayed in its order, not shuffled). Text models: data sources
                       (default: --data), e.g. spam-assassin:target,spam-assassin:source-heldout
  --alpha A|auto       (default auto: held-out clean source data; see splitee run --help)
  --alpha-margin M     (default ${DEFAULT_ALPHA_MARGIN} point)
  --runs R             replays per cell, fresh permutations (default ${DEFAULTS.runs})
  --seed S             (default ${DEFAULTS.seed})
  --device-gflops G    measured model: device speed (default auto: timed here)
  --bandwidth MBPS     measured model: uplink (default ${DEFAULTS.bandwidthMbps})
  --rtt MS             measured model: round trip (default ${DEFAULTS.rttMs})
${kernelsUsage()}
${workersUsage()}
  --json               print claims.json instead of claims.md
  --help               this text`;

const OPTIONS = {
  model: { type: 'string' },
  out: { type: 'string' },
  data: { type: 'string' },
  samples: { type: 'string' },
  streams: { type: 'string' },
  alpha: { type: 'string' },
  'alpha-margin': { type: 'string' },
  runs: { type: 'string' },
  seed: { type: 'string' },
  'device-gflops': { type: 'string' },
  bandwidth: { type: 'string' },
  rtt: { type: 'string' },
  json: { type: 'boolean' },
  ...COMPUTE_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>;

/** `w` as one POSIX shell word (quoted only when it needs to be). */
export function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The options that need no tracing, validated. */
function parse(v: Values, model: LoadedModel) {
  const defaultOut = join(DEFAULT_OUT, 'claims', model.id.replace(/[^a-z0-9._-]+|^\.+$/gi, '_')); // an id is not a path
  const o = {
    defaultOut,
    out: v.out ?? defaultOut,
    runs: num(v.runs, 'runs', DEFAULTS.runs, (y) => Number.isInteger(y) && y >= 1, 'an integer >= 1'),
    seed: num(v.seed, 'seed', DEFAULTS.seed, Number.isInteger, 'an integer'),
    samples: v.samples === undefined ? undefined : num(v.samples, 'samples', 0, (y) => Number.isInteger(y) && y >= 1, 'an integer >= 1'),
    margin: num(v['alpha-margin'], 'alpha-margin', DEFAULT_ALPHA_MARGIN, (y) => y >= 0, 'a number of points >= 0'),
    bandwidth: num(v.bandwidth, 'bandwidth', DEFAULTS.bandwidthMbps, (y) => y > 0, 'Mbit/s > 0'),
    rtt: num(v.rtt, 'rtt', DEFAULTS.rttMs, (y) => y >= 0, 'ms >= 0'),
  };
  if (isText(model) && v.streams !== undefined && v.data !== undefined) {
    throw new ArgumentError(`claims: --streams and --data together with a text model: got --data ${v.data} --streams ${v.streams}, expected one of them (a text model's streams are data sources)`);
  }
  const streams = v.streams ? v.streams.split(',').map((s) => s.trim()).filter(Boolean) : defaultStreams(model, v.data);
  return { ...o, streams };
}
type Parsed = ReturnType<typeof parse>;

/** alpha (--alpha A, or auto from held-out clean source data) and the sentence that says where it came from. */
function chooseAlpha(v: Values, model: LoadedModel, margin: number): { alpha: number; alphaNote: string } {
  if (v.alpha !== undefined && v.alpha !== 'auto') {
    const alpha = num(v.alpha, 'alpha', DEFAULTS.alpha, (y) => y >= 0 && y <= 1, "a threshold in [0, 1] or 'auto'");
    return { alpha, alphaNote: `alpha ${alpha} (given)` };
  }
  const a = autoAlpha(model, margin, undefined, (l) => console.error(l));
  const row = a.table.find((r) => r.alpha === a.alpha);
  const where = relative(process.cwd(), a.source) || a.source;
  return { alpha: a.alpha, alphaNote: `alpha ${a.alpha} from --alpha auto: ${a.rows} held-out clean source samples (${where}), margin ${margin} point(s) per split${row ? `, worst split drop there ${row.worstDrop.toFixed(2)} points` : ''}${a.met ? '' : ' (no threshold met the margin: alpha = 1)'}` };
}

/** The command line that repeats this run: every option that changes the result and differs from its default (not --json: stdout only). */
function reproduce(v: Values, model: LoadedModel, p: Parsed, alpha: number, gflops: number): string {
  const repro: [string, string | number | undefined | false][] = [
    ['model', v.model],
    ['out', p.out !== p.defaultOut && p.out],
    ['data', v.data],
    ['samples', p.samples],
    ['streams', v.streams !== undefined && p.streams.join(',') !== defaultStreams(model, v.data).join(',') && p.streams.join(',')],
    ['alpha', v.alpha !== undefined && v.alpha !== 'auto' && alpha],
    ['alpha-margin', p.margin !== DEFAULT_ALPHA_MARGIN && p.margin],
    ['runs', p.runs !== DEFAULTS.runs && p.runs],
    ['seed', p.seed !== DEFAULTS.seed && p.seed],
    ['kernels', v.kernels !== undefined && v.kernels !== 'auto' && v.kernels],
    ['device-gflops', gflops],
    ['bandwidth', p.bandwidth !== DEFAULTS.bandwidthMbps && p.bandwidth],
    ['rtt', p.rtt !== DEFAULTS.rttMs && p.rtt],
  ];
  return ['npx splitee claims', ...repro.filter(([, x]) => x !== undefined && x !== false).map(([k, x]) => `--${k} ${shellWord(String(x))}`)].join(' ');
}

export async function run(argv: string[]): Promise<number> {
  const v = parseOptions('claims', argv, OPTIONS);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const compute = { kernels: kernelsFlag(v.kernels), workers: workersFlag(v.workers) };
  const model = loadModel(resolve(v.model ?? join(packageRoot(), DEFAULT_MODEL)), { kernels: compute.kernels });
  const p = parse(v, model);
  const bar = process.stderr.isTTY && !v.json ? new cliProgress.SingleBar({ format: 'claims [{bar}] {value}/{total} | {task}', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  const t0 = performance.now();
  // alpha, then the device speed, before the tracing workers load the cores
  const { alpha, alphaNote } = chooseAlpha(v, model, p.margin);
  const gflops = v['device-gflops'] === undefined || v['device-gflops'] === 'auto'
    ? Number(measureGflops(model, resolveSource(model, { data: v.data, labels: undefined, distortion: undefined, seed: 1, limit: 1 }, 'claims'), 10).toFixed(3))
    : num(v['device-gflops'], 'device-gflops', 1, (y) => y > 0, 'GFLOP/s > 0');
  const tracesDir = join(p.out, 'traces');
  const traces = await traceStreams(model, p.streams, tracesDir, v.data, p.samples, bar, compute);
  const net = model.network;
  const result = computeClaims({ streams: p.streams, traces, numExits: net.numStages, profile: net.profile, channels: activationChannels(net), alpha, runs: p.runs, seed: p.seed, deviceGflops: gflops, bandwidthMbps: p.bandwidth, rttMs: p.rtt });
  const ctx: ClaimsContext = {
    model: { id: model.id, hash: model.hash, rawInputBytes: net.profile.rawInputBytes, numExits: net.numStages },
    streams: p.streams, alpha, alphaNote, runs: p.runs, seed: p.seed, deviceGflops: gflops, bandwidthMbps: p.bandwidth, rttMs: p.rtt,
    seconds: (performance.now() - t0) / 1000, kernels: kernelsInfo(model.kernels), command: reproduce(v, model, p, alpha, gflops), tracesDir,
  };
  const plots = claimsPlots(result, ctx);
  const files = writeFiles(p.out, plots, 'claims');
  const md = claimsMarkdown(result, ctx, plots.map(([name]) => name));
  const json = claimsJson(result, ctx, files);
  writeFiles(p.out, [['claims.md', md + '\n'], ['claims.json', JSON.stringify(json, null, 1) + '\n']], 'claims');
  console.log(v.json ? JSON.stringify(json) : md);
  return 0;
}
