/**
 * `--alpha auto` for `splitee run` and `splitee claims`: alpha from held-out labelled SOURCE data
 * (src/splitee/alpha.ts has the rule), never from the stream.
 *
 * The held-out data per architecture (HELDOUT_SOURCES): for the Fashion-MNIST ResNet, 1,000 clean test
 * images disjoint from the stream (fashion-mnist:heldout, test images 9000..9999); for the text
 * model, spam-assassin:source-heldout. Its trace is cached beside the weights as
 * traces/heldout-clean.csv with traces/heldout-clean.json ({model_sha256, data, rows, command}); a
 * cache for other weights (hash mismatch) is ignored and recomputed. When the model folder is not
 * writable the cache goes to ./splitee-out/cache/. Re-create it by hand with
 *
 *   npx splitee trace --model weights/fmnist-resnet --data fashion-mnist:heldout --out weights/fmnist-resnet/traces/heldout-clean.csv
 *
 * (then the sidecar is rewritten by the next `splitee run --alpha auto`), or just delete it.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ArgumentError } from '../../tensor/errors.js';
import { chooseAlpha, type AlphaChoice } from '../../splitee/alpha.js';
import type { Trace } from '../../splitee/trace.js';
import type { LoadedModel } from '../models/load.js';
import { packageRoot } from '../datasets/fashion-mnist.js';
import { computeTrace } from './run-trace.js';
import { resolveSource } from '../data-sources.js';
import { DEFAULT_FAMILIES } from '../../layers/families/index.js';
import { readCachedTrace, readTraceFile, writeCachedTrace } from './trace-file.js';
import { DEFAULT_OUT } from './out-dir.js';

/** The held-out labelled source data of each architecture: the families' data.heldout. */
export const HELDOUT_SOURCES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(DEFAULT_FAMILIES.flatMap((f) => (f.data.heldout === undefined ? [] : [[f.architecture, f.data.heldout]]))),
);

export interface AutoAlpha extends AlphaChoice {
  /** Where the held-out trace came from. */
  source: string;
  /** Whether it was computed now (no usable cache). */
  computed: boolean;
}

/** The held-out trace of `model` (cached, or computed and cached). */
export function heldoutTrace(model: LoadedModel, log: (line: string) => void = () => {}): { trace: Trace; source: string; computed: boolean } {
  const data = model.family.data.heldout;
  if (data === undefined) throw new ArgumentError(`--alpha auto: no held-out source data for architecture ${model.architecture}: expected one of ${Object.keys(HELDOUT_SOURCES).join(', ')}; hint: pass --alpha A or --alpha-trace FILE`);
  const dirs = [join(model.dir, 'traces'), join(DEFAULT_OUT, 'cache', `${model.id}-${model.hash.slice(0, 12)}`)];
  for (const d of dirs) {
    const csv = join(d, 'heldout-clean.csv');
    const cached = readCachedTrace(csv, (m) => m.model_sha256 === model.hash && m.data === data, '--alpha auto', 'ignore');
    if (cached !== null) return { trace: cached, source: csv, computed: false };
  }
  log(`alpha auto: tracing the held-out data ${data} once (cached afterwards)`);
  const src = resolveSource(model, { data, labels: undefined, distortion: undefined, seed: 0, limit: undefined }, '--alpha auto');
  const trace = computeTrace(model, src);
  const meta = { model_id: model.id, model_sha256: model.hash, data, rows: trace.numRows, command: `splitee trace --model ${relative(packageRoot(), model.dir) || '.'} --data ${data}`, written: new Date().toISOString() };
  for (const d of dirs) {
    try {
      mkdirSync(d, { recursive: true });
      const csv = join(d, 'heldout-clean.csv');
      writeCachedTrace(csv, trace, meta);
      return { trace, source: csv, computed: true };
    } catch {
      // not writable: try the next place
    }
  }
  return { trace, source: data, computed: true };
}

/** alpha from --alpha-trace FILE, or from the model's held-out data. */
export function autoAlpha(model: LoadedModel, margin: number, alphaTrace: string | undefined, log?: (line: string) => void): AutoAlpha {
  if (alphaTrace !== undefined) {
    const trace = readTraceFile(alphaTrace, '--alpha-trace');
    if (trace.numExits !== model.network.numStages) throw new ArgumentError(`--alpha-trace: exits disagree: got ${trace.numExits} in ${alphaTrace}, expected ${model.network.numStages} (the model's)`);
    return { ...chooseAlpha(trace, { margin }), source: alphaTrace, computed: false };
  }
  const h = heldoutTrace(model, log);
  return { ...chooseAlpha(h.trace, { margin }), source: h.source, computed: h.computed };
}
