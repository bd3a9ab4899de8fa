/**
 * The live part of `splitee run` (run.ts has the options, settings, costs, policy and log): the
 * stream's trace started in worker threads (trace-pool.ts traceInPool), the cloud (by default a server this command
 * starts on a 127.0.0.1 ephemeral port), then every sample split between this process and the cloud,
 * each round appended to the run log as it happens, with a progress bar on a TTY and Ctrl-C stopping
 * the run between rounds (it resumes with --resume).
 *
 * Called only once every argument, the policy and the log are valid: from its first line on, every
 * exit path (error, interrupt, success) goes through the finally, which stops the worker and closes
 * the server (either would keep the process alive).
 */
import cliProgress from 'cli-progress';
import type { CostTable } from '../../splitee/cost.js';
import type { AnyPolicy } from '../../splitee/policy.js';
import { SplitRunner, copyRecord, type RoundRecord } from '../../splitee/runner.js';
import { HttpCloud, type CloudEvent } from '../../splitee/transport.js';
import { nodeFetch } from '../http-fetch.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { startServer, type RunningServer } from '../server.js';
import type { RunLogWriter } from '../run-log.js';
import { traceInPool, type TraceResult } from './trace-pool.js';
import type { SourceRequest, TraceSource } from './trace.js';
import { kernelsOf, type RunSettings } from './run-options.js';

export interface LiveRunParams {
  settings: RunSettings;
  model: LoadedModel;
  /** The stream (src.count samples) and the request it was resolved from (the worker resolves it again). */
  src: TraceSource;
  req: SourceRequest;
  costs: CostTable;
  policy: AnyPolicy;
  /** Open; closed here once the stream ends or is interrupted. */
  writer: RunLogWriter;
  /** The log's path, for the resume hint. */
  logPath: string;
  /** The rounds so far (those of a resumed log); every live round is appended. */
  records: RoundRecord[];
  /** The first round to play (1 unless resumed). */
  startT: number;
  /** --json: no progress bar. */
  quiet: boolean;
  /** Worker threads of the stream's trace (--workers). */
  workers: number;
}

/** interrupted: Ctrl-C; the resume hint is printed and the log closed, nothing to score. */
export type LiveRunResult = { interrupted: true } | { interrupted: false; trace: TraceResult; liveSeconds: number; baseUrl: string };

export async function runLive(p: LiveRunParams): Promise<LiveRunResult> {
  const { settings, model, src, req, costs, policy, writer, logPath, records, startT, quiet } = p;
  const N = src.count;
  const net = model.network;
  let traceDone = 0;
  const tracer = traceInPool({ modelDir: settings.modelDir, req, kernels: kernelsOf(settings) }, p.workers, (done) => {
    traceDone = done;
  });
  tracer.result.catch(() => {}); // awaited below; avoid an unhandled rejection while the live run goes
  let server: RunningServer | null = null;
  let baseUrl = settings.cloud;
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  let bar: InstanceType<typeof cliProgress.SingleBar> | null = null;
  try {
    // ---- the cloud
    if (settings.cloud === 'local') {
      server = await startServer({ models: [loadModel(settings.modelDir, { kernels: kernelsOf(settings) })] });
      baseUrl = server.url;
    }
    const cloud = new HttpCloud({ baseUrl, timeoutMs: settings.timeoutMs, retries: settings.retries, numClasses: net.numClasses, fetch: nodeFetch, onEvent: (e) => loudCloudEvent(e, baseUrl) });

    const runner = new SplitRunner<number>({
      network: net,
      modelHash: model.hash,
      policy,
      costs,
      alpha: settings.alpha,
      mu: settings.mu,
      prepare: (i) => src.batch(i, 1),
      cloud,
      encoding: settings.encoding,
      link: settings.cost === 'measured' ? { bandwidthMbps: settings.bandwidthMbps, latencyMs: settings.rttMs } : undefined,
      label: (i) => (src.labels[i] >= 0 ? src.labels[i] : null),
      index: (i) => i,
      startT,
    });

    process.once('SIGINT', onSigint);
    bar = process.stderr.isTTY && !quiet ? new cliProgress.SingleBar({ format: 'run [{bar}] {value}/{total} samples | trace {trace}/{total} | {split}', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
    bar?.start(N, startT - 1, { trace: 0, split: '' });
    const l0 = performance.now();
    function* indices(): Generator<number> {
      for (let i = startT - 1; i < N; i++) yield i;
    }
    await runner.runStream(
      indices(),
      (r) => {
        writer.write(r, policy);
        records.push(copyRecord(r)); // r is the runner's, filled again next round
        bar?.increment(1, { trace: traceDone, split: `split ${r.split} ${r.outcome}` });
      },
      { shouldStop: () => interrupted },
    );
    const liveSeconds = (performance.now() - l0) / 1000;
    writer.close(policy);
    if (interrupted) {
      bar?.stop();
      console.error(`run: interrupted after round ${records.length} of ${N}; continue with: splitee run --resume --log ${logPath}`);
      return { interrupted: true };
    }
    return { interrupted: false, trace: await tracer.result, liveSeconds, baseUrl };
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar?.stop();
    await tracer.terminate(); // a no-op once the trace is done
    await server?.close();
  }
}

/** Offloads that keep failing are said on stderr (the run finishes on the device meanwhile). */
function loudCloudEvent(e: CloudEvent, baseUrl: string): void {
  if (e.type === 'config-error') console.error(`run: the cloud client is misconfigured: ${e.error.message}`);
  else if (e.type === 'breaker-open') console.error(`run: cloud ${baseUrl} failing: ${e.consecutiveFailures} offloads in a row fell back to the device; not trying it for ${e.cooldownMs} ms`);
  else if (e.type === 'breaker-close') console.error(`run: cloud ${baseUrl} answers again`);
}
