/**
 * `splitee run`: the main job. A stream of samples really split between a device (this process) and
 * a cloud (an HTTP server: by default started by this command on a 127.0.0.1 ephemeral port), the
 * split decided online by a policy (SplitEE-S by default), every round appended to a JSONL run log
 * as it happens (so a crashed run resumes with --resume), then a table of the policy against the
 * final-layer baseline on the same stream and an HTML report.
 *
 * Parse -> plan (run-plan.ts: a fresh or resumed run as one immutable plan, validated before any
 * worker or server starts) -> policy + log -> the live loop (run-live.ts) -> score -> summary and
 * report (pure, below) -> files and output.
 *
 * The final-layer baseline and the regret need every exit's confidence on every sample: the stream's
 * full trace is computed with batched forward passes in a worker thread while the live run goes
 * (run-trace.ts), and saved as trace.csv in the report folder.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createAnyPolicy, type AnyPolicy } from '../../splitee/policy.js';
import type { RoundRecord } from '../../splitee/runner.js';
import { formatTrace } from '../../splitee/trace.js';
import { scoreRun, type RunScore } from '../../splitee/run-summary.js';
import { RunLogWriter, type RunLogHeaderInput } from '../run-log.js';
import { runReportHtml } from '../report/run-report.js';
import { ensureDir, writeFiles } from '../report/write-files.js';
import { runLive } from './run-live.js';
import type { TraceResult } from './trace-pool.js';
import { DEFAULT_OUT, OPTIONS, USAGE } from './run-options.js';
import { planRun, type RunPlan, type RunValues } from './run-plan.js';
import { printTable } from './run-output.js';
import { parseOptions, workersFlag } from './args.js';
import { formatKernelsInfo, kernelsInfo } from '../../tensor/kernels/index.js';

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
  const workers = workersFlag(v.workers);
  const plan = planRun(v as RunValues, info);
  const { policy, writer, records, startT } = openLog(plan, info);

  // from here on every exit path stops the worker and closes the server (run-live.ts)
  const { settings, model, src, req, costs, logPath } = plan;
  const live = await runLive({ settings, model, src, req, costs, policy, writer, logPath, records, startT, quiet, workers });
  if (live.interrupted) return 130; // the resume hint is printed

  const score = scoreRun(records, live.trace.trace, { costs, alpha: settings.alpha, mu: settings.mu, cascade: policy.execution === 'device-cascade', stage: policy.execution === 'stage' });
  const reportDir = v.report ?? join(DEFAULT_OUT, 'report');
  const seconds = { wall: (performance.now() - t0) / 1000, live: live.liveSeconds, trace: live.trace.seconds };
  const summary = runSummary(plan, score, records, { startT, baseUrl: live.baseUrl, seconds, reportDir, traceWorkers: live.trace.workers });
  writeFiles(reportDir, [
    ['trace.csv', formatTrace(live.trace.trace)],
    ['summary.json', JSON.stringify({ ...summary, curves: score.curves }, null, 1) + '\n'],
    ['report.html', reportHtml(plan, summary, score, reportDir)],
  ], '--report');
  if (quiet) console.log(JSON.stringify(summary));
  else printTable(summary, score, costs.unit, settings, model, src.description);
  return 0;
}

/** The policy and the open log: restored from a resumed log, or created (a bad --policy or --log fails here, before any worker or server). */
function openLog(plan: RunPlan, info: (line: string) => void): { policy: AnyPolicy; writer: RunLogWriter; records: RoundRecord[]; startT: number } {
  const { settings: s, resumed, logPath } = plan;
  if (resumed !== null) {
    const records = resumed.log.rounds.map(({ kind: _k, ...rec }) => rec as RoundRecord);
    info(`run: resuming ${logPath} at round ${resumed.nextT} of ${plan.src.count}`);
    return { policy: resumed.policy, writer: resumed.writer, records, startT: resumed.nextT };
  }
  const policy = createAnyPolicy(s.policy, { costs: plan.costs, alpha: s.alpha, mu: s.mu, c: s.c, seed: s.seed });
  ensureDir(dirname(resolve(logPath)), '--log');
  const header: RunLogHeaderInput = {
    model: { id: plan.model.id, hash: plan.model.hash },
    policy: { name: s.policy, params: { alpha: s.alpha, mu: s.mu, c: s.c, lambda: s.lambda, offload: s.offload } },
    seed: s.seed,
    stream: { data: s.data ?? 'default', labels: s.labels ?? null, distortion: s.distortion ?? 'clean', samples: plan.src.count, description: plan.src.description },
    extra: { settings: s, kernels: kernelsInfo(plan.model.kernels) },
  };
  return { policy, writer: RunLogWriter.create(logPath, header, policy), records: [], startT: 1 };
}

interface SummaryContext {
  startT: number;
  baseUrl: string;
  seconds: { wall: number; live: number; trace: TraceResult['seconds'] };
  reportDir: string;
  /** Worker threads of the final-layer trace. */
  traceWorkers: number;
}

/** summary.json (without the curves) and the --json output: pure, from the plan and the score. */
export function runSummary(plan: RunPlan, score: RunScore, records: readonly RoundRecord[], ctx: SummaryContext) {
  const { settings: s, model, costs, src, logPath } = plan;
  const measuredFlops = records.reduce((a, r) => a + r.deviceFlops, 0);
  const measuredMs = records.reduce((a, r) => a + r.deviceMs, 0);
  const { curves: _curves, ...scoreNoCurves } = score;
  return {
    command: 'splitee run',
    model: { id: model.id, hash: model.hash, dir: s.modelDir },
    data: src.description,
    policy: s.policy,
    kernels: kernelsInfo(model.kernels),
    traceWorkers: ctx.traceWorkers,
    ...scoreNoCurves,
    unit: costs.unit,
    regret: score.regret.total,
    regretDetail: score.regret,
    alpha: s.alpha,
    alphaAuto: s.alphaAuto,
    params: {
      lambda: s.lambda,
      offload: s.offload,
      mu: s.mu,
      c: s.c,
      cost: s.cost,
      cloudCost: s.cloudCost ?? null,
      deviceGflops: s.deviceGflops,
      bandwidthMbps: s.cost === 'measured' ? s.bandwidthMbps : null,
      rttMs: s.cost === 'measured' ? s.rttMs : null,
      encoding: s.encoding,
      cloud: s.cloud === 'local' ? `local (${ctx.baseUrl})` : s.cloud,
      samples: src.count,
      seed: s.seed,
      distortion: s.distortion ?? 'clean',
    },
    deviceGflopsObserved: measuredMs > 0 ? measuredFlops / (measuredMs * 1e6) : null,
    resumedAt: plan.resumed !== null ? ctx.startT : null,
    seconds: ctx.seconds,
    files: { log: logPath, report: join(ctx.reportDir, 'report.html'), summary: join(ctx.reportDir, 'summary.json'), trace: join(ctx.reportDir, 'trace.csv') },
  };
}

export type RunSummary = ReturnType<typeof runSummary>;

/** report.html: pure, from the plan, the summary and the score. */
export function reportHtml(plan: RunPlan, summary: RunSummary, score: RunScore, reportDir: string): string {
  const { settings: s, model, costs, src, logPath } = plan;
  const cardPath = join(s.modelDir, 'MODEL_CARD.md');
  const { wall, live, trace } = summary.seconds;
  const notes = [
    s.alphaAuto
      ? `alpha ${s.alpha} chosen automatically from ${s.alphaAuto.rows} held-out clean source samples (${relative(process.cwd(), s.alphaAuto.source) || s.alphaAuto.source}): the lowest threshold at which no split loses more than ${s.alphaAuto.margin} accuracy points against the final exit${s.alphaAuto.met ? '' : ' (no threshold met the margin: alpha = 1, no early exit)'}.`
      : `alpha ${s.alpha} (given).`,
    `Wall time ${wall.toFixed(1)} s (live run ${live.toFixed(1)} s, trace ${trace.toFixed(1)} s on ${summary.traceWorkers} worker thread${summary.traceWorkers === 1 ? '' : 's'}); kernels ${formatKernelsInfo(summary.kernels)}.`,
  ];
  return runReportHtml({
    policy: s.policy,
    subtitle: `${model.id} (${model.hash.slice(0, 12)}) on ${src.description}; ${src.count} samples; cloud ${summary.params.cloud}; kernels ${formatKernelsInfo(summary.kernels)}; encoding ${s.encoding}; cost model ${s.cost} (${costs.unit}).`,
    unit: costs.unit,
    score,
    params: { ...summary.params, alpha: s.alpha, policy: s.policy, model: s.modelDir, log: logPath },
    modelCard: existsSync(cardPath) ? relative(resolve(reportDir), cardPath) || basename(cardPath) : null,
    notes,
  });
}
