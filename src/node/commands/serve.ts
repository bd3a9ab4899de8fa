/**
 * `splitee serve`: the cloud side over HTTP (src/node/server.ts) for one or more model folders.
 * Prints the bound address on its first line (so a script can read the ephemeral port), then
 * serves until SIGINT or SIGTERM, on which it shuts down gracefully (stops accepting, finishes the
 * requests in flight, exits 0).
 *
 * --workers N: node:cluster, N worker processes sharing one listening socket, for one machine's cores.
 * Each worker accepts from that socket itself (cluster.SCHED_NONE), as a single replica does: with
 * node's default on Linux (SCHED_RR) the primary accepts every connection and hands it to a worker over
 * IPC, one at a time per worker until the worker acknowledges, and a worker that computes turns its event
 * loop only ~50 times a second (20 ms compute slices, src/node/server-queue.ts), so at 200 new
 * connections the last waited ~3 s in the primary before any worker saw its request, the 503s
 * included (bench/README.md, "The cloud under load"). NODE_CLUSTER_SCHED_POLICY=rr in the environment
 * keeps node's round-robin (for comparison). The primary prints the address once, restarts a worker
 * that dies, and forwards SIGTERM/SIGINT to every worker. For several machines, run replicas behind a
 * balancer (deploy/).
 */
import cluster from 'node:cluster';
import { ArgumentError } from '../../tensor/errors.js';
import { loadModel } from '../models/load.js';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUE_WAIT_MS, DEFAULT_TIMEOUTS, startServer, type ServerOptions } from '../server.js';
import { COMPUTE_OPTIONS, int, kernelsFlag, kernelsUsage, parseOptions } from './args.js';
import { formatKernelsInfo, kernelsInfo } from '../../tensor/kernels/index.js';

const USAGE = `usage: splitee serve --model DIR [--model DIR ...] [options]

Serves POST /v1/models/{id}/resume, GET /v1/models, GET /healthz (alive), GET /readyz (ready;
503 while shutting down) and GET /metrics (Prometheus).

options:
  --model DIR              a model folder (config.json + model.safetensors); repeatable
  --host HOST              address to bind (default 127.0.0.1)
  --port N                 port (default 0: an ephemeral port, printed at start)
  --body-limit B           largest request body in bytes (default: what the models need)
  --cors ORIGIN            allow calls from pages of ORIGIN (repeatable; '*' for any); default off
  --headers-timeout MS     headers must arrive within MS, else 408 (default ${DEFAULT_TIMEOUTS.headersMs})
  --body-timeout MS        longest pause inside a body, else 408 (default ${DEFAULT_TIMEOUTS.bodyIdleMs})
  --request-timeout MS     whole request within MS, else 408 (default ${DEFAULT_TIMEOUTS.requestMs})
  --keep-alive-timeout MS  idle keep-alive connections closed after MS (default ${DEFAULT_TIMEOUTS.keepAliveMs})
  --max-connections N      open connections; past it 503 + Retry-After (default ${DEFAULT_MAX_CONNECTIONS})
  --max-in-flight N        resume requests admitted at once; past it 503 + Retry-After (default ${DEFAULT_MAX_IN_FLIGHT})
  --max-queued N           resumes waiting for compute at most; one arriving when N wait gets
                           503 + Retry-After without computing (default ${DEFAULT_MAX_QUEUED}); with --workers W,
                           the server's total: each worker queues ceil(N / W)
  --max-queue-wait MS      longest wait for compute: a resume predicted to wait longer, or that
                           waited longer, gets 503 + Retry-After without computing (default ${DEFAULT_MAX_QUEUE_WAIT_MS})
  --workers N              N processes on one port (node:cluster; default 1: this process);
                           each worker accepts connections itself (NODE_CLUSTER_SCHED_POLICY=rr:
                           the primary accepts and hands them out in turn, node's default)
${kernelsUsage(27)}
  --quiet                  no per-request log lines
  --help                   this text`;

const OPTIONS = {
  model: { type: 'string', multiple: true },
  host: { type: 'string' },
  port: { type: 'string' },
  'body-limit': { type: 'string' },
  cors: { type: 'string', multiple: true },
  'headers-timeout': { type: 'string' },
  'body-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'max-queued': { type: 'string' },
  'max-queue-wait': { type: 'string' },
  workers: { type: 'string' },
  kernels: COMPUTE_OPTIONS.kernels,
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('serve', argv, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dirs = values.model ?? [];
  if (dirs.length === 0) throw new ArgumentError(`serve: no model: got no --model, expected at least one model folder\n${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new ArgumentError(`serve: invalid --port: got '${values.port}', expected an integer 0..65535`);
  const bodyLimit = values['body-limit'] === undefined ? undefined : Number(values['body-limit']);
  if (bodyLimit !== undefined && !(Number.isInteger(bodyLimit) && bodyLimit > 0)) throw new ArgumentError(`serve: invalid --body-limit: got '${values['body-limit']}', expected a positive integer`);
  const cors = values.cors ?? [];
  for (const o of cors) if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)) throw new ArgumentError(`serve: invalid --cors: got '${o.slice(0, 100)}', expected '*' or an origin such as https://app.example:8443 (no path)`);
  const workers = int(values.workers, 'workers', 1, 1);
  const kernels = kernelsFlag(values.kernels);
  const opts: Omit<ServerOptions, 'models'> = {
    host: values.host ?? '127.0.0.1',
    port,
    bodyLimit,
    cors,
    timeouts: {
      headersMs: int(values['headers-timeout'], 'headers-timeout', DEFAULT_TIMEOUTS.headersMs, 1),
      bodyIdleMs: int(values['body-timeout'], 'body-timeout', DEFAULT_TIMEOUTS.bodyIdleMs, 1),
      requestMs: int(values['request-timeout'], 'request-timeout', DEFAULT_TIMEOUTS.requestMs, 1),
      keepAliveMs: int(values['keep-alive-timeout'], 'keep-alive-timeout', DEFAULT_TIMEOUTS.keepAliveMs, 1),
    },
    maxConnections: int(values['max-connections'], 'max-connections', DEFAULT_MAX_CONNECTIONS, 1),
    maxInFlight: int(values['max-in-flight'], 'max-in-flight', DEFAULT_MAX_IN_FLIGHT, 1),
    maxQueued: queuedPerWorker(int(values['max-queued'], 'max-queued', DEFAULT_MAX_QUEUED, 1), workers),
    maxQueueWaitMs: int(values['max-queue-wait'], 'max-queue-wait', DEFAULT_MAX_QUEUE_WAIT_MS, 1),
  };
  if (workers > 1 && cluster.isPrimary) return primary(workers);
  const models = dirs.map((d) => loadModel(d, { kernels }));
  const server = await startServer({ models, ...opts, log: values.quiet ? undefined : (line) => console.log(line) });
  const line = `splitee serve: listening on ${server.url} (${models.map((m) => `${m.id} ${m.hash.slice(0, 12)}`).join(', ')}; kernels ${formatKernelsInfo(kernelsInfo(models[0].kernels))})`;
  if (cluster.isWorker) process.send?.({ listening: line, pid: process.pid });
  else console.log(line);
  await untilSignal();
  await server.close();
  if (cluster.isWorker) cluster.worker?.disconnect(); // the IPC channel would keep the worker alive
  else console.log('splitee serve: stopped');
  return 0;
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Each worker's share of `--max-queued` (the server's total): ceil(maxQueued / workers). A request's
 * wait is bounded by the queue ahead of it in its own worker, which drains at one worker's pace, so W
 * workers each queueing the total would wait as long as one process under any load while answering a
 * light load W times faster (bench/README.md, "The cloud under load": the 2xx p99 at 200 connections
 * against 10 fell from 3.75-4.29x to 3.10-3.77x with 8 per worker, against more 503s).
 */
export function queuedPerWorker(maxQueued: number, workers: number): number {
  return Math.ceil(maxQueued / workers);
}

/**
 * The scheduling policy of `splitee serve --workers N`: SCHED_NONE (each worker accepts from the shared
 * listening socket) unless `env.NODE_CLUSTER_SCHED_POLICY` is 'rr'.
 */
export function schedulingPolicy(env: NodeJS.ProcessEnv): number {
  return env.NODE_CLUSTER_SCHED_POLICY === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
}

/** The cluster primary: forks `n` workers (same argv), prints the address once, restarts the dead, stops all on a signal. */
async function primary(n: number): Promise<number> {
  cluster.schedulingPolicy = schedulingPolicy(process.env); // read by node at the first fork
  let stopping = false;
  let announced = false;
  const fork = (): void => {
    const w = cluster.fork();
    w.on('message', (m: { listening?: string }) => {
      if (typeof m?.listening === 'string' && !announced) {
        announced = true;
        console.log(`${m.listening} with ${n} workers`);
      }
    });
  };
  let failed = false;
  const startupFailed = new Promise<void>((resolve) => {
    cluster.on('exit', (w, code, signal) => {
      if (stopping) return;
      if (!announced) {
        console.error(`splitee serve: worker ${w.process.pid} failed to start (${signal ?? code}); stopping`);
        failed = true;
        return resolve();
      }
      console.error(`splitee serve: worker ${w.process.pid} died (${signal ?? code}); starting another`);
      fork();
    });
  });
  for (let i = 0; i < n; i++) fork();
  await Promise.race([untilSignal(), startupFailed]);
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    if (w.isDead()) return resolve();
    w.once('exit', () => resolve());
    w.process.kill('SIGTERM');
  })));
  console.log('splitee serve: stopped');
  return failed ? 1 : 0;
}
