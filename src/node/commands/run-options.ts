/**
 * The options of `splitee run` (run.ts): defaults, usage text, the parseArgs table, the settings a run
 * is defined by (stored in its log so --resume reuses them), and where its log goes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError } from '../../tensor/errors.js';
import type { CostTableJSON, Encoding } from '../../splitee/cost.js';
import { describePolicies } from '../../splitee/policy.js';
import { DEFAULT_ALPHA_MARGIN } from '../../splitee/alpha.js';
import { DEFAULTS } from '../../splitee/defaults.js';
import type { AutoAlpha } from './run-alpha.js';
import { DEFAULT_FAMILIES } from '../../layers/families/index.js';
import type { KernelsKind } from '../../tensor/kernels/index.js';
import { kernelsUsage, workersUsage } from './args.js';
import { DEFAULT_OUT } from './out-dir.js';

export { DEFAULT_OUT } from './out-dir.js';

/** The default model folder, relative to the package root (not the cwd). */
export const DEFAULT_MODEL = 'weights/fmnist-resnet';
/** Default distortion per architecture (image: a shipped deployment distortion; text: none): the families' data.defaultDistortion. */
export const DEFAULT_DISTORTION: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(DEFAULT_FAMILIES.flatMap((f) => (f.data.defaultDistortion === undefined ? [] : [[f.architecture, f.data.defaultDistortion]]))),
);
/** Default number of samples: all of --data (the whole shipped sample: about 40 s here, see README). */
export const DEFAULT_SAMPLES = Infinity;

export const USAGE = `usage: splitee run [options]

Streams samples through a model split between this process (the device) and a cloud server over
HTTP; a policy picks the split of every sample online. Prints the policy against the final-layer
baseline on the same stream and writes a run log (JSONL, append-only) and an HTML report.

options:
  --model DIR          model folder (default ${DEFAULT_MODEL} in the package)
  --data SOURCE        the stream (default: the model's shipped sample, fashion-mnist:sample);
                       see \`splitee trace --help\` for the sources
  --labels FILE        IDX labels for --data FILE
  --distortion NAME:S  e.g. gaussian-noise:2, contrast:deploy, clean
                       (default for the Fashion-MNIST ResNet: ${DEFAULT_DISTORTION['resnet-multi-exit']}); a drifting
                       stream: 'clean>gaussian-noise:2>gaussian-blur:3' (equal segments) or with
                       the sample where each segment starts, 'clean>gaussian-noise:2@500>...'
  --policy NAME        (default splitee-s); see the list below
  --alpha A|auto       exit threshold (default auto: from held-out clean source data, see below)
  --alpha-margin M     auto: the accuracy drop allowed to any split, points (default ${DEFAULT_ALPHA_MARGIN})
  --alpha-trace FILE   auto: a held-out labelled trace CSV instead of the model's held-out data
  --lambda L           compute cost per layer, paper units (default ${DEFAULTS.lambda})
  --offload O          offload cost o, paper units (default ${DEFAULTS.offload})
  --mu M               cost weight in the reward (default ${DEFAULTS.mu}; measured: lambda * L / device[L])
  --c C                UCB width (default ${DEFAULTS.c})
  --cost MODEL         paper (default: lambda * i + o) | measured (ms: FLOPs / device speed,
                       bytes / bandwidth + round trip)
  --cloud-cost X|auto  add arm 0, cloud only (the raw input sent, no stage on the device); needed by
                       --policy cloud. paper: X is its cost; measured: auto (raw input bytes /
                       bandwidth + round trip)
  --device-gflops G    measured: device speed in GFLOP/s (default auto: timed here before the run)
  --bandwidth MBPS     measured: uplink in Mbit/s (default ${DEFAULTS.bandwidthMbps})
  --rtt MS             measured: round trip in ms (default ${DEFAULTS.rttMs})
  --encoding ENC       activation on the wire: f32 (default) | f16 | int8
  --cloud local|URL    local (default): start a cloud server on 127.0.0.1 (ephemeral port) and
                       talk to it over HTTP; or the base URL of a running \`splitee serve\`
  --timeout MS         per request (default 5000)     --retries R   (default 2)
  --samples N          stream length (default: all of --data)
  --seed S             seeds the distortion and the policy (default ${DEFAULTS.seed})
  --log FILE           run log (default ${DEFAULT_OUT}/run-<time>.jsonl)
  --resume             continue the run in --log FILE (default: the newest ${DEFAULT_OUT}/run-*.jsonl)
                       with its own settings; only the missing samples are run
  --report DIR         report folder (default ${DEFAULT_OUT}/report): report.html, summary.json, trace.csv
${kernelsUsage()}
${workersUsage()}
                       (the final-layer trace computed beside the live run)
  --json               print one JSON object on stdout (no progress bar, no table)
  --help               this text

alpha auto: for each threshold a in 0.50, 0.51, ..., 0.99 and each on-device exit k < L, the split-k
rule (exit k's answer when C_k >= a, else the final exit's) loses drop_k(a) accuracy points against
the final exit on held-out clean source data (Fashion-MNIST: test images 9000..9999, never in the
stream). alpha is the lowest a with max_k drop_k(a') <= margin for a and every larger a' of the
grid, so whichever split the policy settles on, early exits cost at most the margin on source data.

policies:
${describePolicies()
  .map((l) => `  ${l}`)
  .join('\n')}`;

export const OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  labels: { type: 'string' },
  distortion: { type: 'string' },
  policy: { type: 'string' },
  alpha: { type: 'string' },
  'alpha-margin': { type: 'string' },
  'alpha-trace': { type: 'string' },
  lambda: { type: 'string' },
  offload: { type: 'string' },
  mu: { type: 'string' },
  c: { type: 'string' },
  cost: { type: 'string' },
  'cloud-cost': { type: 'string' },
  'device-gflops': { type: 'string' },
  bandwidth: { type: 'string' },
  rtt: { type: 'string' },
  encoding: { type: 'string' },
  cloud: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  samples: { type: 'string' },
  seed: { type: 'string' },
  log: { type: 'string' },
  resume: { type: 'boolean' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  kernels: { type: 'string' },
  workers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Everything that defines a run; stored in the log header (extra.settings) so --resume reuses it. */
export interface RunSettings {
  modelDir: string;
  data: string | undefined;
  labels: string | undefined;
  distortion: string | undefined;
  policy: string;
  alpha: number;
  alphaAuto: (Omit<AutoAlpha, 'table'> & { worstDropAtAlpha: number | null }) | null;
  lambda: number;
  offload: number;
  mu: number;
  c: number;
  cost: 'paper' | 'measured';
  /** --cloud-cost: arm 0's paper cost, 'auto' (measured), or null (no arm 0); absent in logs written before it existed. */
  cloudCost?: number | 'auto' | null;
  deviceGflops: number | null;
  bandwidthMbps: number;
  rttMs: number;
  encoding: Encoding;
  cloud: string;
  timeoutMs: number;
  retries: number;
  samples: number;
  seed: number;
  /** The run's cost table (always set by run-plan.ts; null is refused on --resume). */
  costs: CostTableJSON | null;
  /** --kernels as asked (auto | simd | fast | reference); absent in logs written before it existed (see kernelsOf). */
  kernels?: KernelsKind;
}

/** The kernels a run asks for: its --kernels, or 'fast' for a log written before the option (those runs ran fast). */
export function kernelsOf(s: Pick<RunSettings, 'kernels'>): KernelsKind {
  return s.kernels ?? 'fast';
}

export function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function newestLog(dir: string): string {
  const logs = existsSync(dir) ? readdirSync(dir).filter((f) => /^run-.*\.jsonl$/.test(f)).sort() : [];
  if (logs.length === 0) throw new ArgumentError(`--resume: no run log: got none in ${dir}/, expected --log FILE or a ${dir}/run-*.jsonl`);
  return join(dir, logs[logs.length - 1]);
}
