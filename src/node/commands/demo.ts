/**
 * `splitee demo`: a page on 127.0.0.1 whose device side runs in the browser (the shipped ResNet and
 * stream sample) and offloads to the cloud of this same process (src/node/demo-server.ts). Prints the
 * page's URL on its first line, then serves until SIGINT or SIGTERM.
 */
import { join, resolve } from 'node:path';
import { ArgumentError } from '../../tensor/errors.js';
import { createAnyPolicy } from '../../splitee/policy.js';
import { paperCosts } from '../../splitee/cost.js';
import { parseDistortion, distortionSettingsFromConfig } from '../../splitee/stream/distortions.js';
import { DEFAULT_ALPHA_MARGIN } from '../../splitee/alpha.js';
import { loadModel } from '../models/load.js';
import { formatKernelsInfo } from '../../tensor/kernels/index.js';
import { packageRoot } from '../datasets/fashion-mnist.js';
import { startDemoServer, type DemoServerOptions } from '../demo-server.js';
import { autoAlpha } from './run-alpha.js';
import { DEFAULT_DISTORTION, DEFAULT_MODEL } from './run-options.js';
import { COMPUTE_OPTIONS, int, kernelsFlag, kernelsUsage, num, parseOptions } from './args.js';

const USAGE = `usage: splitee demo [options]

Serves a page on 127.0.0.1 whose device side runs in the browser: the model is built in the page
from its bytes, checked against PyTorch's golden logits, then the stream sample is split live
between the page and this process's cloud. Open the printed URL.

options:
  --port N             page port (default 8080; 0: an ephemeral port)
  --model DIR          a ResNet model folder (default ${DEFAULT_MODEL} in the package)
  --distortion NAME:S  the stream's distortion (default ${DEFAULT_DISTORTION['resnet-multi-exit']}); clean for none
  --policy NAME        split policy (default splitee-s; see \`splitee run --help\`)
  --alpha A|auto       exit threshold (default auto, as in \`splitee run\`)
  --samples N          stream length (default 2000: the whole shipped sample)
  --seed S             seeds the distortion and the policy (default 1)
  --cors               serve the cloud on its own port (another origin), allowed by CORS for the page
${kernelsUsage()}
                       (this process: the cloud, and alpha auto; the page builds its own)
  --quiet              no per-request log lines
  --help               this text`;

const OPTIONS = {
  port: { type: 'string' },
  model: { type: 'string' },
  distortion: { type: 'string' },
  policy: { type: 'string' },
  alpha: { type: 'string' },
  samples: { type: 'string' },
  seed: { type: 'string' },
  cors: { type: 'boolean' },
  kernels: COMPUTE_OPTIONS.kernels,
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** Validated server options from argv (null: --help). */
export function demoOptions(argv: string[], info: (line: string) => void = () => {}): DemoServerOptions | null {
  const v = parseOptions('demo', argv, OPTIONS);
  if (v.help) return null;
  const port = int(v.port, 'port', 8080, 0);
  if (port > 65535) throw new ArgumentError(`--port: out of range: got ${port}, expected 0..65535`);
  const modelDir = resolve(v.model ?? join(packageRoot(), DEFAULT_MODEL));
  const kernels = kernelsFlag(v.kernels);
  const model = loadModel(modelDir, { kernels });
  const distortion = v.distortion ?? DEFAULT_DISTORTION[model.architecture] ?? 'clean';
  parseDistortion(distortion, distortionSettingsFromConfig(model.config)); // fails here, not in the page
  const policy = v.policy ?? 'splitee-s';
  const alpha = v.alpha === undefined || v.alpha === 'auto' ? autoAlpha(model, DEFAULT_ALPHA_MARGIN, undefined, info).alpha : num(v.alpha, 'alpha', 0.8, (x) => x >= 0 && x <= 1, "a threshold in [0, 1] or 'auto'");
  createAnyPolicy(policy, { costs: paperCosts({ numExits: model.network.numStages, lambda: 0.1, offload: 0.5 }), alpha }); // a bad name fails here
  return {
    modelDir,
    port,
    distortion,
    policy,
    alpha,
    samples: int(v.samples, 'samples', 2000, 1),
    seed: num(v.seed, 'seed', 1, Number.isInteger, 'an integer'),
    cors: v.cors === true,
    kernels,
    log: v.quiet ? undefined : (line) => console.log(line),
  };
}

export async function run(argv: string[]): Promise<number> {
  const opts = demoOptions(argv, (line) => console.error(line));
  if (opts === null) {
    console.log(USAGE);
    return 0;
  }
  const demo = await startDemoServer(opts);
  console.log(`splitee demo: open ${demo.url} (cloud ${opts.cors ? demo.cloudUrl : `${demo.cloudUrl}, proxied same-origin`}; policy ${opts.policy}, alpha ${opts.alpha}, ${opts.distortion}; cloud kernels ${formatKernelsInfo(demo.kernels)})`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await demo.close();
  console.log('splitee demo: stopped');
  return 0;
}
