// A third architecture added from outside: a two-exit MLP family defined in this file, its weights
// written with the safetensors writer, loaded by loadModel with `families`, then traced (computeTrace),
// replayed and run live through SplitRunner against an in-process cloud: no change under src/node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, ConfigError, ShapeError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { tensorAsFloat32, writeSafetensors, type SafetensorsFile } from '../../src/tensor/io/safetensors.js';
import type { MultiExitNetwork, NetworkProfile } from '../../src/layers/network.js';
import { forwardAllStaged, type ModelFamily } from '../../src/layers/family.js';
import { DEFAULT_FAMILIES } from '../../src/layers/families/index.js';
import { buildModel } from '../../src/layers/build-model.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { createPolicy } from '../../src/splitee/policy.js';
import { replay } from '../../src/splitee/replay.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { LocalCloud } from '../../src/splitee/transport.js';
import { SplitRunner, copyRecord } from '../../src/splitee/runner.js';
import { loadModel } from '../../src/node/models/load.js';
import { computeTrace } from '../../src/node/commands/run-trace.js';
import type { TraceSource } from '../../src/node/data-sources.js';

const D = 4; // input features
const H = 6; // hidden width
const K = 3; // classes

/** x [N, I] * W [O, I]^T + b [O] -> [N, O], relu optional. */
function dense(x: Float32Array, N: number, w: Float32Array, b: Float32Array, I: number, O: number, relu: boolean): Float32Array {
  const y = new Float32Array(N * O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let i = 0; i < I; i++) s += x[n * I + i] * w[o * I + i];
      y[n * O + o] = relu && s < 0 ? 0 : s;
    }
  }
  return y;
}

/** Two stages (D -> H -> H, relu) with a linear exit head (H -> K) after each. */
class MlpNetwork implements MultiExitNetwork {
  readonly numStages = 2;
  readonly numClasses = K;
  readonly profile: NetworkProfile = Object.freeze({ stageFlops: [2 * D * H, 2 * H * H], exitFlops: [2 * H * K, 2 * H * K], activationElements: [D, H, H], rawInputBytes: 4 * D });
  constructor(readonly id: string, private readonly w: ReadonlyMap<string, Float32Array>) {}
  activationShape(s: number): readonly number[] {
    return [s === 0 ? D : H];
  }
  runStages(from: number, to: number, x: Tensor): Tensor {
    const N = x.shape[0];
    if (x.shape[1] !== (from === 0 ? D : H)) throw new ShapeError(`mlp: runStages: got [${x.shape.join(',')}], expected [N,${from === 0 ? D : H}]`);
    let h = x.flat();
    for (let s = from + 1; s <= to; s++) h = dense(h, N, this.w.get(`stage${s}.weight`)!, this.w.get(`stage${s}.bias`)!, s === 1 ? D : H, H, true);
    return new Tensor(h, [N, H]);
  }
  exitLogits(k: number, x: Tensor): Tensor {
    const N = x.shape[0];
    return new Tensor(dense(x.flat(), N, this.w.get(`exit${k}.weight`)!, this.w.get(`exit${k}.bias`)!, H, K, false), [N, K]);
  }
}

const TOY_ARCHITECTURE = 'toy-mlp';

function parseToyConfig(config: unknown): { id: string } {
  const c = config as Record<string, unknown>;
  if (c.architecture !== TOY_ARCHITECTURE || typeof c.id !== 'string') throw new ConfigError(`toy-mlp: config: got an invalid config, expected {architecture: '${TOY_ARCHITECTURE}', id}`);
  return { id: c.id };
}

const TOY_FAMILY: ModelFamily<MlpNetwork> = {
  architecture: TOY_ARCHITECTURE,
  input: 'image',
  data: { resolver: 'toy-vectors', sources: ['toy:vectors'], heldout: undefined, defaultDistortion: undefined },
  parseConfig: parseToyConfig,
  build(config, tensors: SafetensorsFile) {
    const w = new Map<string, Float32Array>();
    for (const [name, e] of tensors.tensors) w.set(name, tensorAsFloat32(e));
    return new MlpNetwork(parseToyConfig(config).id, w);
  },
  owns: (net): net is MlpNetwork => net instanceof MlpNetwork,
  prepareInput(_net, input) {
    if (input.kind !== 'image') throw new ArgumentError(`toy-mlp: prepareInput: got ${input.kind}, expected vectors`);
    return { x: new Tensor(input.pixels, [input.pixels.length / D, D]), mask: undefined };
  },
  forwardAll: (net, x) => forwardAllStaged(net, x),
  profile: (net) => net.profile,
};

/** Seeded weights (a fixed LCG). */
function toyWeights(): Uint8Array {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const t = (shape: number[], scale: number) => ({ dtype: 'F32' as const, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rnd() * scale) });
  return writeSafetensors({
    'stage1.weight': t([H, D], 1),
    'stage1.bias': t([H], 0.1),
    'stage2.weight': t([H, H], 1),
    'stage2.bias': t([H], 0.1),
    'exit1.weight': t([K, H], 0.3),
    'exit1.bias': t([K], 0),
    'exit2.weight': t([K, H], 3),
    'exit2.bias': t([K], 0),
  });
}

const N = 40;
const inputs = Float32Array.from({ length: N * D }, (_, i) => Math.sin(i * 0.7) * 2);
const labels = Int32Array.from({ length: N }, (_, i) => i % K);

const tmp = mkdtempSync(join(tmpdir(), 'splitee-toy-family-'));
writeFileSync(join(tmp, 'config.json'), JSON.stringify({ architecture: TOY_ARCHITECTURE, id: 'toy-mlp-1' }));
writeFileSync(join(tmp, 'model.safetensors'), toyWeights());
const families = [...DEFAULT_FAMILIES, TOY_FAMILY];

test('toy family: loadModel with families builds it; without, an unknown architecture', () => {
  const m = loadModel(tmp, { families });
  assert.is(m.family, TOY_FAMILY);
  assert.is(m.id, 'toy-mlp-1');
  assert.is(m.network.numStages, 2);
  assert.is(m.hash, buildModel({ config: m.config, weights: toyWeights() }, { families }).hash);
  assert.throws(() => loadModel(tmp), (e: unknown) => e instanceof ConfigError && /unknown architecture: got "toy-mlp", expected one of resnet-multi-exit, bert-multi-exit/.test((e as Error).message));
});

test('toy family: computeTrace, replay and a live SplitRunner run with an in-process cloud agree', async () => {
  const m = loadModel(tmp, { families });
  const src: TraceSource = {
    description: 'toy vectors',
    count: N,
    labels,
    batch: (t0, n) => m.family.prepareInput(m.network, { kind: 'image', pixels: inputs.slice(t0 * D, (t0 + n) * D) }).x,
  };
  const trace = computeTrace(m, src, 16);
  assert.equal([trace.numExits, trace.numRows], [2, N]);
  // The trace is the network's: exit 2 of row 5 computed by hand (stage by stage).
  const x5 = new Tensor(inputs.slice(5 * D, 6 * D), [1, D]);
  const l5 = m.network.exitLogits(2, m.network.runStages(0, 2, x5)).flat();
  const top = Math.max(...l5);
  assert.is(trace.pred[5 * 2 + 1], l5.indexOf(top));
  assert.ok(Math.abs(trace.conf[5 * 2 + 1] - 1 / l5.reduce((a, v) => a + Math.exp(v - top), 0)) <= 5e-7);

  const costs = paperCosts({ numExits: 2, lambda: 0.1, offload: 0.5 });
  // alpha between two exit-1 confidences near the median: about half the samples exit on the device.
  const c1 = Array.from({ length: N }, (_, i) => trace.conf[i * 2]).sort((a, b) => a - b);
  const alpha = (c1[N / 2 - 1] + c1[N / 2]) / 2;
  assert.ok(c1[N / 2] - c1[N / 2 - 1] > 1e-4, 'distinct confidences around the median');
  const rep = replay(trace, 'fixed:1', { costs, alpha, runs: 1, seed: 1 });
  assert.is(rep.rows, N);

  const cloud = new LocalCloud(new CloudService([{ network: m.network, hash: m.hash }]));
  const policy = createPolicy('fixed:1', { costs, alpha });
  const runner = new SplitRunner<number>({ network: m.network, modelHash: m.hash, policy, costs, alpha, cloud, prepare: (i) => src.batch(i, 1), label: (i) => labels[i], index: (i) => i });
  const records: { prediction: number; outcome: string }[] = [];
  await runner.runStream(Array.from({ length: N }, (_, i) => i), (r) => void records.push(copyRecord(r)));
  // Live: exit 1 when its confidence reaches alpha, else the cloud's exit 2: the trace's numbers.
  const expected = Array.from({ length: N }, (_, i) => (trace.conf[i * 2] >= alpha ? trace.pred[i * 2] : trace.pred[i * 2 + 1]));
  assert.equal(records.map((r) => r.prediction), expected);
  const offloads = records.filter((r) => r.outcome === 'offload').length;
  assert.ok(offloads > 0 && offloads < N, `offloads ${offloads} of ${N}: the toy weights should give both outcomes`);
  const correct = records.filter((r, i) => r.prediction === labels[i]).length;
  assert.ok(Math.abs(rep.accuracy - correct / N) <= 1e-12, `replay accuracy ${rep.accuracy} vs live ${correct / N}`);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
