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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { measuredCosts, paperCosts, type CostTable, type Encoding } from '../../splitee/cost.js';
import { replay, type ReplayResult } from '../../splitee/replay.js';
import { DEFAULT_ALPHA_MARGIN } from '../../splitee/alpha.js';
import { ArgumentError } from '../../tensor/errors.js';
import { loadModel } from '../models/load.js';
import { defaultStreams, isText, traceStreams } from './claims-streams.js';
import { DEFAULT_TEXT_SOURCE } from '../sources/text-source.js';
import { packageRoot } from '../datasets/fashion-mnist.js';
import { lineChart } from '../report/plots.js';
import { autoAlpha } from './run-alpha.js';
import { resolveSource } from './run-trace.js';
import { DEFAULT_MODEL } from './run-options.js';
import { activationChannels, measureGflops } from './device-speed.js';
import { num, parseOptions } from './args.js';

const DEFAULT_RUNS = 20;
const DEFAULT_SEED = 1;
const DEFAULT_BANDWIDTH = 10;
const DEFAULT_RTT = 20;

const USAGE = `usage: splitee claims [options]

Checks the paper's claim (cost reduction >= 50% with accuracy drop <= 2 points against the final
layer, at lambda 0.1 and o 0.5) on a model, for the clean stream and every distortion of the model
config at its deployment severity; sweeps o and alpha; repeats the comparison under the measured
cost model. Writes OUT/claims.md, OUT/claims.json, OUT/*.svg and the stream traces OUT/traces/*.csv
(reused by later runs of the same model; replay or sweep them with \`splitee replay|sweep --trace\`).

options:
  --model DIR          model folder (default ${DEFAULT_MODEL} in the package)
  --out DIR            output folder (default splitee-out/claims/MODEL_ID)
  --data SOURCE        the stream data (default: the shipped sample; text: ${DEFAULT_TEXT_SOURCE})
  --samples N          stream length (default: all of --data)
  --streams LIST       comma-separated. Image models: distortions of --data (default: clean and
                       NAME:deploy for every distortion in the config). Text models: data sources
                       (default: --data), e.g. spam-assassin:target,spam-assassin:source-heldout
  --alpha A|auto       (default auto: held-out clean source data; see splitee run --help)
  --alpha-margin M     (default ${DEFAULT_ALPHA_MARGIN} point)
  --runs R             replays per cell, fresh permutations (default ${DEFAULT_RUNS})
  --seed S             (default ${DEFAULT_SEED})
  --device-gflops G    measured model: device speed (default auto: timed here)
  --bandwidth MBPS     measured model: uplink (default ${DEFAULT_BANDWIDTH})
  --rtt MS             measured model: round trip (default ${DEFAULT_RTT})
  --json               print claims.json instead of claims.md
  --help               this text`;

const OFFLOADS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
const ALPHAS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const LAMBDA = 0.1;
const HEADLINE_O = 0.5;
const TARGET_REDUCTION = 0.5;
const TARGET_DROP = 2;

interface Cell {
  stream: string;
  policy: string;
  offload: number;
  alpha: number;
  costReduction: number;
  accuracyDrop: number;
  accuracy: number;
  finalLayerAccuracy: number;
  costPerSample: number;
  finalLayerCostPerSample: number;
  offloadFraction: number;
  regret: number;
  bestArm: number;
  /** Most played split over all runs. */
  modeSplit: number;
}

function cell(stream: string, policy: string, offload: number, alpha: number, r: ReplayResult): Cell {
  let mode = 0;
  for (let i = 1; i < r.armCounts.length; i++) if (r.armCounts[i] > r.armCounts[mode]) mode = i;
  return {
    stream,
    policy,
    offload,
    alpha,
    costReduction: r.costReductionVsFinal,
    accuracyDrop: r.accuracyDropVsFinal,
    accuracy: r.accuracy,
    finalLayerAccuracy: r.finalLayerAccuracy,
    costPerSample: r.costPerSample,
    finalLayerCostPerSample: r.finalLayerCostPerSample,
    offloadFraction: r.offloadFraction,
    regret: r.regret.total,
    bestArm: r.regret.bestArm,
    modeSplit: mode + 1,
  };
}

/** `w` as one POSIX shell word (quoted only when it needs to be). */
export function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

const p1 = (x: number): string => (100 * x).toFixed(1);
const p2 = (x: number): string => (100 * x).toFixed(2);

export async function run(argv: string[]): Promise<number> {
  const v = parseOptions('claims', argv, {
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
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const model = loadModel(resolve(v.model ?? join(packageRoot(), DEFAULT_MODEL)));
  const L = model.network.numStages;
  const defaultOut = join('splitee-out', 'claims', model.id.replace(/[^a-z0-9._-]+|^\.+$/gi, '_')); // an id is not a path
  const out = v.out ?? defaultOut;
  const runs = num(v.runs, 'runs', DEFAULT_RUNS, (y) => Number.isInteger(y) && y >= 1, 'an integer >= 1');
  const seed = num(v.seed, 'seed', DEFAULT_SEED, Number.isInteger, 'an integer');
  const samples = v.samples === undefined ? undefined : num(v.samples, 'samples', 0, (y) => Number.isInteger(y) && y >= 1, 'an integer >= 1');
  const margin = num(v['alpha-margin'], 'alpha-margin', DEFAULT_ALPHA_MARGIN, (y) => y >= 0, 'a number of points >= 0');
  const bandwidth = num(v.bandwidth, 'bandwidth', DEFAULT_BANDWIDTH, (y) => y > 0, 'Mbit/s > 0');
  const rtt = num(v.rtt, 'rtt', DEFAULT_RTT, (y) => y >= 0, 'ms >= 0');
  if (isText(model) && v.streams !== undefined && v.data !== undefined) {
    throw new ArgumentError(`claims: --streams and --data together with a text model: got --data ${v.data} --streams ${v.streams}, expected one of them (a text model's streams are data sources)`);
  }
  const streams = v.streams ? v.streams.split(',').map((s) => s.trim()).filter(Boolean) : defaultStreams(model, v.data);
  const bar = process.stderr.isTTY && !v.json ? new cliProgress.SingleBar({ format: 'claims [{bar}] {value}/{total} | {task}', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  const t0 = performance.now();

  // alpha (before the workers start, so the held-out trace, if computed, has the cores)
  let alpha: number;
  let alphaNote: string;
  if (v.alpha === undefined || v.alpha === 'auto') {
    const a = autoAlpha(model, margin, undefined, (l) => console.error(l));
    alpha = a.alpha;
    const row = a.table.find((r) => r.alpha === a.alpha);
    alphaNote = `alpha ${alpha} from --alpha auto: ${a.rows} held-out clean source samples (${relative(process.cwd(), a.source) || a.source}), margin ${margin} point(s) per split${row ? `, worst split drop there ${row.worstDrop.toFixed(2)} points` : ''}${a.met ? '' : ' (no threshold met the margin: alpha = 1)'}`;
  } else {
    alpha = num(v.alpha, 'alpha', 0.8, (y) => y >= 0 && y <= 1, "a threshold in [0, 1] or 'auto'");
    alphaNote = `alpha ${alpha} (given)`;
  }
  // device speed, measured before the tracing workers load the cores
  const gflops = v['device-gflops'] === undefined || v['device-gflops'] === 'auto'
    ? Number(measureGflops(model, resolveSource(model, { data: v.data, labels: undefined, distortion: undefined, seed: 1, limit: 1 }, 'claims'), 10).toFixed(3))
    : num(v['device-gflops'], 'device-gflops', 1, (y) => y > 0, 'GFLOP/s > 0');

  const traces = await traceStreams(model, streams, join(out, 'traces'), v.data, samples, bar);
  const base = { runs, seed, order: 'shuffle' as const };
  const paper = (o: number): CostTable => paperCosts({ numExits: L, lambda: LAMBDA, offload: o });
  const headline: Cell[] = [];
  const sweepO: Cell[] = [];
  const sweepA: Cell[] = [];
  const measured: (Cell & { encoding: Encoding; cloudOnlyCost: number })[] = [];
  const channels = activationChannels(model.network);
  const streamInfo: { stream: string; rows: number; exitAccuracy: number[]; exitConfMean: number[] }[] = [];
  for (const s of streams) {
    const tr = traces.get(s)!;
    const acc: number[] = [];
    const cm: number[] = [];
    for (let k = 0; k < L; k++) {
      let c = 0;
      let m = 0;
      for (let r = 0; r < tr.numRows; r++) {
        if (tr.pred[r * L + k] === tr.label[r]) c++;
        m += tr.conf[r * L + k];
      }
      acc.push(c / tr.numRows);
      cm.push(m / tr.numRows);
    }
    streamInfo.push({ stream: s, rows: tr.numRows, exitAccuracy: acc, exitConfMean: cm });
    for (const p of ['splitee', 'splitee-s', 'threshold']) headline.push(cell(s, p, HEADLINE_O, alpha, replay(tr, p, { ...base, costs: paper(HEADLINE_O), alpha })));
    for (const p of ['splitee', 'splitee-s']) for (const o of OFFLOADS) sweepO.push(cell(s, p, o, alpha, replay(tr, p, { ...base, costs: paper(o), alpha })));
    for (const a of ALPHAS) sweepA.push(cell(s, 'splitee-s', HEADLINE_O, a, replay(tr, 'splitee-s', { ...base, costs: paper(HEADLINE_O), alpha: a })));
    for (const encoding of ['f32', 'int8'] as Encoding[]) {
      const costs = measuredCosts({ profile: model.network.profile, encoding, deviceGflops: gflops, bandwidthMbps: bandwidth, latencyMs: rtt, exitHeads: 'path', cloudOnly: false, activationChannels: channels });
      const raw = measuredCosts({ profile: model.network.profile, encoding, deviceGflops: gflops, bandwidthMbps: bandwidth, latencyMs: rtt, cloudOnly: true }).offload[0];
      const mu = (LAMBDA * L) / costs.device[L];
      for (const p of ['splitee', 'splitee-s']) measured.push({ ...cell(s, p, NaN, alpha, replay(tr, p, { ...base, costs, alpha, mu })), encoding, cloudOnlyCost: raw });
    }
    bar?.stop();
  }
  const seconds = (performance.now() - t0) / 1000;

  // ---- tables
  const ok = (c: Cell): string => (c.costReduction >= TARGET_REDUCTION && c.accuracyDrop <= TARGET_DROP ? 'yes' : c.costReduction < TARGET_REDUCTION && c.accuracyDrop > TARGET_DROP ? 'no (both)' : c.costReduction < TARGET_REDUCTION ? 'no (reduction)' : 'no (drop)');
  const md: string[] = [];
  md.push(`# The paper's claim on ${model.id} (${model.hash.slice(0, 12)})`, '');
  md.push(`Claim: cost reduction >= 50% with accuracy drop <= 2 points against final-layer inference (lambda ${LAMBDA}, o ${HEADLINE_O}, paper costs: final layer ${(LAMBDA * L).toFixed(1)} per sample).`);
  md.push(`${alphaNote}. ${runs} replays per cell (fresh permutations, seed ${seed}); ${streamInfo[0]?.rows ?? 0} samples per stream; side observations observable-only.`, '');
  md.push('| stream | final-layer acc (%) | policy | accuracy (%) | drop (points) | cost / sample | reduction (%) | offloaded (%) | most played split | best fixed split | claim met |');
  md.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const c of headline) {
    md.push(`| ${c.stream} | ${p2(c.finalLayerAccuracy)} | ${c.policy} | ${p2(c.accuracy)} | ${c.accuracyDrop.toFixed(2)} | ${c.costPerSample.toFixed(3)} | ${p1(c.costReduction)} | ${p1(c.offloadFraction)} | ${c.modeSplit} | ${c.bestArm} | ${c.policy === 'threshold' ? '(device only)' : ok(c)} |`);
  }
  md.push('', `## Sweep over o (alpha ${alpha}): cost reduction % / accuracy drop (points)`, '');
  md.push(`| stream | policy | ${OFFLOADS.map((o) => `o=${o}`).join(' | ')} |`);
  md.push(`|---|---|${OFFLOADS.map(() => '---:').join('|')}|`);
  for (const s of streams) for (const p of ['splitee', 'splitee-s']) {
    const row = sweepO.filter((c) => c.stream === s && c.policy === p);
    md.push(`| ${s} | ${p} | ${row.map((c) => `${p1(c.costReduction)} / ${c.accuracyDrop.toFixed(2)}`).join(' | ')} |`);
  }
  md.push('', `## Sweep over alpha (SplitEE-S, o ${HEADLINE_O}): cost reduction % / accuracy drop (points)`, '');
  md.push(`| stream | ${ALPHAS.map((a) => `a=${a}`).join(' | ')} |`);
  md.push(`|---|${ALPHAS.map(() => '---:').join('|')}|`);
  for (const s of streams) {
    const row = sweepA.filter((c) => c.stream === s);
    md.push(`| ${s} | ${row.map((c) => `${p1(c.costReduction)} / ${c.accuracyDrop.toFixed(2)}`).join(' | ')} |`);
  }
  const m0 = measured[0];
  md.push('', `## Measured cost model (ms): device ${gflops} GFLOP/s (this engine, here), uplink ${bandwidth} Mbit/s, round trip ${rtt} ms`, '');
  md.push(`Cost = device FLOPs of stages and exit heads 1..i / device speed + (offloaded: activation bytes / bandwidth + round trip); cloud compute free; mu = lambda * L / (final-layer ms). Final layer on the device: ${m0 ? m0.finalLayerCostPerSample.toFixed(1) : '?'} ms per sample. Cloud only (the raw ${model.network.profile.rawInputBytes}-byte input sent, final-layer accuracy): ${m0 ? m0.cloudOnlyCost.toFixed(1) : '?'} ms.`, '');
  md.push('| stream | encoding | policy | accuracy (%) | drop (points) | ms / sample | reduction (%) | offloaded (%) | most played split | claim met |');
  md.push('|---|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const c of measured) md.push(`| ${c.stream} | ${c.encoding} | ${c.policy} | ${p2(c.accuracy)} | ${c.accuracyDrop.toFixed(2)} | ${c.costPerSample.toFixed(2)} | ${p1(c.costReduction)} | ${p1(c.offloadFraction)} | ${c.modeSplit} | ${ok(c)} |`);
  md.push('', '## Per-exit accuracy (%) of each stream', '');
  md.push(`| stream | ${Array.from({ length: L }, (_, k) => `exit ${k + 1}`).join(' | ')} |`);
  md.push(`|---|${Array.from({ length: L }, () => '---:').join('|')}|`);
  for (const si of streamInfo) md.push(`| ${si.stream} | ${si.exitAccuracy.map((a) => p1(a)).join(' | ')} |`);
  // every option that changes the result and differs from its default (not --json: stdout only)
  const repro: [string, string | number | undefined | false][] = [
    ['model', v.model],
    ['out', out !== defaultOut && out],
    ['data', v.data],
    ['samples', samples],
    ['streams', v.streams !== undefined && streams.join(',') !== defaultStreams(model, v.data).join(',') && streams.join(',')],
    ['alpha', v.alpha !== undefined && v.alpha !== 'auto' && alpha],
    ['alpha-margin', margin !== DEFAULT_ALPHA_MARGIN && margin],
    ['runs', runs !== DEFAULT_RUNS && runs],
    ['seed', seed !== DEFAULT_SEED && seed],
    ['device-gflops', gflops],
    ['bandwidth', bandwidth !== DEFAULT_BANDWIDTH && bandwidth],
    ['rtt', rtt !== DEFAULT_RTT && rtt],
  ];
  const command = ['npx splitee claims', ...repro.filter(([, x]) => x !== undefined && x !== false).map(([k, x]) => `--${k} ${shellWord(String(x))}`)].join(' ');
  md.push('', `Reproduce: \`${command}\` (${seconds.toFixed(0)} s here, traces cached in ${join(out, 'traces')}; the device speed given, so that the measured cost model repeats exactly).`);

  // ---- plots
  mkdirSync(out, { recursive: true });
  const svgs: string[] = [];
  const plot = (name: string, svg: string): void => {
    writeFileSync(join(out, name), svg);
    svgs.push(join(out, name));
  };
  for (const p of ['splitee', 'splitee-s']) {
    const series = (f: (c: Cell) => number) => streams.map((s) => ({ name: s, x: OFFLOADS, y: sweepO.filter((c) => c.stream === s && c.policy === p).map(f) }));
    plot(`${p}-reduction-vs-o.svg`, lineChart({ title: `${p}: cost reduction vs offload cost (alpha ${alpha})`, xLabel: 'offload cost o', yLabel: 'cost reduction vs final layer (%)', series: series((c) => 100 * c.costReduction), yZero: true }));
    plot(`${p}-drop-vs-o.svg`, lineChart({ title: `${p}: accuracy drop vs offload cost (alpha ${alpha})`, xLabel: 'offload cost o', yLabel: 'accuracy drop (points)', series: series((c) => c.accuracyDrop), yZero: true }));
  }
  const seriesA = (f: (c: Cell) => number) => streams.map((s) => ({ name: s, x: ALPHAS, y: sweepA.filter((c) => c.stream === s).map(f) }));
  plot('splitee-s-reduction-vs-alpha.svg', lineChart({ title: `splitee-s: cost reduction vs alpha (o ${HEADLINE_O})`, xLabel: 'alpha', yLabel: 'cost reduction vs final layer (%)', series: seriesA((c) => 100 * c.costReduction), yZero: true }));
  plot('splitee-s-drop-vs-alpha.svg', lineChart({ title: `splitee-s: accuracy drop vs alpha (o ${HEADLINE_O})`, xLabel: 'alpha', yLabel: 'accuracy drop (points)', series: seriesA((c) => c.accuracyDrop), yZero: true }));
  const regretSeries = streams.flatMap((s) =>
    ['splitee', 'splitee-s'].map((p) => {
      const r = replay(traces.get(s)!, p, { ...base, costs: paper(HEADLINE_O), alpha });
      return { name: `${s} ${p}`, x: r.regret.curve.t, y: r.regret.curve.mean, dashed: p === 'splitee' };
    }),
  );
  plot('regret.svg', lineChart({ title: `Cumulative regret (o ${HEADLINE_O}, alpha ${alpha}; dashed: SplitEE)`, xLabel: 'round t', yLabel: 'cumulative pseudo-regret', series: regretSeries, yZero: true, width: 760 }));
  md.push('', ...svgs.map((f) => `![${f.split('/').pop()!.replace(/\.svg$/, '')}](${f.split('/').pop()})`));
  const json = { model: { id: model.id, hash: model.hash }, alpha, alphaNote, lambda: LAMBDA, offload: HEADLINE_O, runs, seed, deviceGflops: gflops, bandwidthMbps: bandwidth, rttMs: rtt, streams: streamInfo, headline, sweepOffload: sweepO, sweepAlpha: sweepA, measured, seconds, files: svgs };
  writeFileSync(join(out, 'claims.md'), md.join('\n') + '\n');
  writeFileSync(join(out, 'claims.json'), JSON.stringify(json, null, 1) + '\n');
  if (v.json) console.log(JSON.stringify(json));
  else console.log(md.join('\n'));
  return 0;
}
