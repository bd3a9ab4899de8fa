/**
 * `splitee run`: the main job. A stream of samples really split between a device (this process) and
 * a cloud (an HTTP server: by default started by this command on a 127.0.0.1 ephemeral port), the
 * split decided online by a policy (SplitEE-S by default), every round appended to a JSONL run log
 * as it happens (so a crashed run resumes with --resume), then a table of the policy against the
 * final-layer baseline on the same stream and an HTML report. This file has the options, settings,
 * costs, policy and log (all validated before any worker or server starts), the scoring and the
 * report; the live run itself is in run-live.ts.
 *
 * The final-layer baseline and the regret need every exit's confidence on every sample: the stream's
 * full trace is computed with batched forward passes in a worker thread while the live run goes
 * (run-trace.ts), and saved as trace.csv in the report folder.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ArgumentError, FormatError } from '../../tensor/errors.js';
import { costTableFromJSON, costTableToJSON, measuredCosts, paperCosts, type CostTable, type Encoding } from '../../splitee/cost.js';
import { createPolicy, type SplitPolicy } from '../../splitee/policy.js';
import type { RoundRecord } from '../../splitee/runner.js';
import { formatTrace } from '../../splitee/trace.js';
import { scoreRun } from '../../splitee/run-summary.js';
import { DEFAULT_ALPHA_MARGIN } from '../../splitee/alpha.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { readRunLog, resumeRunLog, RunLogWriter, type RunLogHeaderInput } from '../run-log.js';
import { packageRoot } from '../datasets/fashion-mnist.js';
import { runReportHtml } from '../report/run-report.js';
import { autoAlpha } from './run-alpha.js';
import { resolveSource } from './run-trace.js';
import { runLive } from './run-live.js';
import type { SourceRequest } from './trace.js';
import { DEFAULT_DISTORTION, DEFAULT_MODEL, DEFAULT_OUT, DEFAULT_SAMPLES, newestLog, OPTIONS, timestamp, USAGE, type RunSettings } from './run-options.js';
import { printTable } from './run-output.js';
import { activationChannels, measureGflops } from './device-speed.js';
import { int, nonNeg, num, parseOptions, pos } from './args.js';

export { DEFAULT_DISTORTION, DEFAULT_MODEL, DEFAULT_OUT, DEFAULT_SAMPLES, type RunSettings } from './run-options.js';
export { splitHistogram } from './run-output.js';

export async function run(argv: string[]): Promise<number> {
  const v = parseOptions('run', argv, OPTIONS);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const t0 = performance.now();
  const quiet = v.json === true;
  const info = (line: string): void => {
    if (!quiet) console.error(line);
  };

  // ---- settings: fresh, or from the log being resumed
  let settings: RunSettings;
  let model: LoadedModel;
  let logPath: string;
  let resumed: ReturnType<typeof resumeRunLog> | null = null;
  if (v.resume) {
    logPath = v.log ?? newestLog(DEFAULT_OUT);
    const head = readRunLog(logPath).header;
    const s = (head.extra as { settings?: RunSettings } | undefined)?.settings;
    if (s === undefined) throw new ArgumentError(`--resume: ${logPath} was not written by splitee run: got no extra.settings in its header, expected a run log of this command`);
    settings = s;
    model = loadModel(s.modelDir);
    if (model.hash !== head.model.hash) throw new ArgumentError(`--resume: weights changed: got model hash ${model.hash.slice(0, 12)} in ${s.modelDir}, expected ${head.model.hash.slice(0, 12)} as logged`);
    const given = Object.keys(v).filter((k) => !['resume', 'log', 'report', 'json'].includes(k));
    if (given.length > 0) info(`run: --resume uses the logged settings; ignoring --${given.join(', --')}`);
    resumed = resumeRunLog(logPath);
  } else {
    const modelDir = resolve(v.model ?? join(packageRoot(), DEFAULT_MODEL));
    model = loadModel(modelDir);
    const policy = v.policy ?? 'splitee-s';
    const cost = v.cost ?? 'paper';
    if (cost !== 'paper' && cost !== 'measured') throw new ArgumentError(`--cost: invalid model: got '${cost}', expected paper or measured`);
    const encoding = (v.encoding ?? 'f32') as Encoding;
    if (!['f32', 'f16', 'int8'].includes(encoding)) throw new ArgumentError(`--encoding: invalid encoding: got '${v.encoding}', expected f32, f16 or int8`);
    const cloud = v.cloud ?? 'local';
    if (cloud !== 'local' && !/^https?:\/\/[^/]+\/?$/.test(cloud)) throw new ArgumentError(`--cloud: invalid value: got '${cloud}', expected local or http://HOST:PORT`);
    const cloudCost = parseCloudCost(v['cloud-cost'], cost);
    if (policy === 'cloud' && cloudCost === null) {
      throw new ArgumentError(`--policy cloud: no cloud-only arm: got no --cloud-cost, expected --cloud-cost X (the cost of sending the raw input, paper units) or, with --cost measured, --cloud-cost auto`);
    }
    const lambda = num(v.lambda, 'lambda', 0.1, nonNeg, 'a finite number >= 0');
    const margin = num(v['alpha-margin'], 'alpha-margin', DEFAULT_ALPHA_MARGIN, nonNeg, 'a number of points >= 0');
    let alpha: number;
    let alphaAuto: RunSettings['alphaAuto'] = null;
    if (v.alpha === undefined || v.alpha === 'auto') {
      const a = autoAlpha(model, margin, v['alpha-trace'], info);
      alpha = a.alpha;
      const { table, ...rest } = a;
      alphaAuto = { ...rest, worstDropAtAlpha: table.find((r) => r.alpha === a.alpha)?.worstDrop ?? null };
    } else {
      alpha = num(v.alpha, 'alpha', 0.8, (x) => x >= 0 && x <= 1, "a threshold in [0, 1] or 'auto'");
    }
    settings = {
      modelDir,
      data: v.data,
      labels: v.labels,
      distortion: v.distortion ?? DEFAULT_DISTORTION[model.architecture],
      policy,
      alpha,
      alphaAuto,
      lambda,
      offload: num(v.offload, 'offload', 0.5, nonNeg, 'a finite number >= 0'),
      mu: NaN, // set below (depends on the cost table)
      c: num(v.c, 'c', 1, nonNeg, 'a finite number >= 0'),
      cost,
      cloudCost,
      deviceGflops: null,
      bandwidthMbps: num(v.bandwidth, 'bandwidth', 10, pos, 'a number of Mbit/s > 0'),
      rttMs: num(v.rtt, 'rtt', 20, nonNeg, 'a number of ms >= 0'),
      encoding,
      cloud,
      timeoutMs: num(v.timeout, 'timeout', 5000, pos, 'a number of ms > 0'),
      retries: num(v.retries, 'retries', 2, (x) => Number.isInteger(x) && x >= 0 && x <= 10, 'an integer in [0, 10]'),
      samples: int(v.samples, 'samples', DEFAULT_SAMPLES, 1),
      seed: num(v.seed, 'seed', 1, Number.isInteger, 'an integer'),
      costs: null, // set below, from the cost model
    };
    logPath = v.log ?? join(DEFAULT_OUT, `run-${timestamp()}.jsonl`);
  }

  const req: SourceRequest = { data: settings.data, labels: settings.labels, distortion: settings.distortion, seed: settings.seed, limit: settings.samples };
  const src = resolveSource(model, req);
  const N = src.count;
  settings.samples = N;
  const net = model.network;
  const L = net.numStages;

  // ---- costs (fresh runs only; a resumed run keeps its logged table)
  let costs: CostTable;
  if (resumed !== null) {
    if (settings.costs === null) throw new FormatError(`run --resume: ${logPath}: the header has no cost table: got null, expected the table the run started with`);
    costs = costTableFromJSON(settings.costs);
  } else {
    if (settings.cost === 'paper') {
      costs = paperCosts({ numExits: L, lambda: settings.lambda, offload: settings.offload, cloudOnly: typeof settings.cloudCost === 'number' ? settings.cloudCost : null });
    } else {
      const g = v['device-gflops'];
      settings.deviceGflops = g === undefined || g === 'auto' ? Number(measureGflops(model, src).toFixed(3)) : num(g, 'device-gflops', 1, pos, "a number of GFLOP/s > 0 or 'auto'");
      const channels = activationChannels(net);
      costs = measuredCosts({ profile: net.profile, encoding: settings.encoding, deviceGflops: settings.deviceGflops, bandwidthMbps: settings.bandwidthMbps, latencyMs: settings.rttMs, exitHeads: 'path', cloudOnly: settings.cloudCost === 'auto', activationChannels: channels });
    }
    settings.costs = costTableToJSON(costs);
    settings.mu = num(v.mu, 'mu', settings.cost === 'paper' ? 1 : (settings.lambda * L) / costs.device[L], nonNeg, 'a finite number >= 0');
  }

  // ---- the policy and the log (before any worker or server: a bad --policy or --log fails here)
  let policy: SplitPolicy;
  let writer: RunLogWriter;
  const records: RoundRecord[] = [];
  let startT = 1;
  if (resumed !== null) {
    policy = resumed.policy;
    writer = resumed.writer;
    startT = resumed.nextT;
    for (const r of resumed.log.rounds) {
      const { kind: _k, ...rec } = r;
      records.push(rec);
    }
    info(`run: resuming ${logPath} at round ${startT} of ${N}`);
  } else {
    policy = createPolicy(settings.policy, { costs, alpha: settings.alpha, mu: settings.mu, c: settings.c, seed: settings.seed });
    mkdirSync(dirname(resolve(logPath)), { recursive: true });
    const header: RunLogHeaderInput = {
      model: { id: model.id, hash: model.hash },
      policy: { name: settings.policy, params: { alpha: settings.alpha, mu: settings.mu, c: settings.c, lambda: settings.lambda, offload: settings.offload } },
      seed: settings.seed,
      stream: { data: settings.data ?? 'default', labels: settings.labels ?? null, distortion: settings.distortion ?? 'clean', samples: N, description: src.description },
      extra: { settings },
    };
    writer = RunLogWriter.create(logPath, header, policy);
  }

  // ---- the live run and the trace (run-live.ts): from here on every exit path stops the worker and closes the server
  const live = await runLive({ settings, model, src, req, costs, policy, writer, logPath, records, startT, quiet });
  if (live.interrupted) return 130; // the resume hint is printed
  const { trace, liveSeconds, baseUrl } = live;

  // ---- score, report
  const score = scoreRun(records, trace.trace, { costs, alpha: settings.alpha, mu: settings.mu, cascade: policy.execution === 'device-cascade' });
  const wallSeconds = (performance.now() - t0) / 1000;
  const reportDir = v.report ?? join(DEFAULT_OUT, 'report');
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, 'trace.csv'), formatTrace(trace.trace));
  const measuredFlops = records.reduce((a, r) => a + r.deviceFlops, 0);
  const measuredMs = records.reduce((a, r) => a + r.deviceMs, 0);
  const { curves, ...scoreNoCurves } = score;
  const summary = {
    command: 'splitee run',
    model: { id: model.id, hash: model.hash, dir: settings.modelDir },
    data: src.description,
    policy: settings.policy,
    ...scoreNoCurves,
    unit: costs.unit,
    regret: score.regret.total,
    regretDetail: score.regret,
    alpha: settings.alpha,
    alphaAuto: settings.alphaAuto,
    params: {
      lambda: settings.lambda,
      offload: settings.offload,
      mu: settings.mu,
      c: settings.c,
      cost: settings.cost,
      cloudCost: settings.cloudCost ?? null,
      deviceGflops: settings.deviceGflops,
      bandwidthMbps: settings.cost === 'measured' ? settings.bandwidthMbps : null,
      rttMs: settings.cost === 'measured' ? settings.rttMs : null,
      encoding: settings.encoding,
      cloud: settings.cloud === 'local' ? `local (${baseUrl})` : settings.cloud,
      samples: N,
      seed: settings.seed,
      distortion: settings.distortion ?? 'clean',
    },
    deviceGflopsObserved: measuredMs > 0 ? measuredFlops / (measuredMs * 1e6) : null,
    resumedAt: resumed !== null ? startT : null,
    seconds: { wall: wallSeconds, live: liveSeconds, trace: trace.seconds },
    files: { log: logPath, report: join(reportDir, 'report.html'), summary: join(reportDir, 'summary.json'), trace: join(reportDir, 'trace.csv') },
  };
  writeFileSync(join(reportDir, 'summary.json'), JSON.stringify({ ...summary, curves }, null, 1) + '\n');
  const cardPath = join(settings.modelDir, 'MODEL_CARD.md');
  const notes = [
    settings.alphaAuto
      ? `alpha ${settings.alpha} chosen automatically from ${settings.alphaAuto.rows} held-out clean source samples (${relative(process.cwd(), settings.alphaAuto.source) || settings.alphaAuto.source}): the lowest threshold at which no split loses more than ${settings.alphaAuto.margin} accuracy points against the final exit${settings.alphaAuto.met ? '' : ' (no threshold met the margin: alpha = 1, no early exit)'}.`
      : `alpha ${settings.alpha} (given).`,
    `Wall time ${wallSeconds.toFixed(1)} s (live run ${liveSeconds.toFixed(1)} s, trace ${trace.seconds.toFixed(1)} s in a worker thread).`,
  ];
  writeFileSync(
    join(reportDir, 'report.html'),
    runReportHtml({
      policy: settings.policy,
      subtitle: `${model.id} (${model.hash.slice(0, 12)}) on ${src.description}; ${N} samples; cloud ${summary.params.cloud}; encoding ${settings.encoding}; cost model ${settings.cost} (${costs.unit}).`,
      unit: costs.unit,
      score,
      params: { ...summary.params, alpha: settings.alpha, policy: settings.policy, model: settings.modelDir, log: logPath },
      modelCard: existsSync(cardPath) ? relative(resolve(reportDir), cardPath) || basename(cardPath) : null,
      notes,
    }),
  );

  if (quiet) {
    console.log(JSON.stringify(summary));
    return 0;
  }
  printTable(summary, score, costs.unit, settings, model, src.description);
  return 0;
}

/** --cloud-cost: a number >= 0 with --cost paper, 'auto' with --cost measured (arm 0 then costs what
 *  sending the raw input takes on the link, like every other offload); null when absent (no arm 0). */
function parseCloudCost(v: string | undefined, cost: 'paper' | 'measured'): number | 'auto' | null {
  if (v === undefined) return null;
  if (cost === 'measured') {
    if (v !== 'auto') throw new ArgumentError(`--cloud-cost: invalid value with --cost measured: got '${v}', expected auto (arm 0 costs the raw input's bytes / bandwidth + round trip, as measured)`);
    return 'auto';
  }
  return num(v, 'cloud-cost', 0, nonNeg, `a finite number >= 0 (paper units)${v === 'auto' ? "; hint: 'auto' is for --cost measured" : ''}`);
}
