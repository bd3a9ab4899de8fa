// Issue 11 item 5: a network's memory (StageArenas: activation, logits and scratch arenas, and the views
// and Tensors cached over them) is its own, never a kernel table's or a module's. Two networks built on ONE
// kernel table, and on two tables (fast and simd), run interleaved stage by stage while every result is held by
// reference as long as the network contract says it is valid; each equals its solo run bit for bit.
// It fails when the arenas are shared by the networks of a table (or by every network of the process).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKernels, type Kernels } from '../../src/tensor/kernels/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { MultiExitNetwork } from '../../src/layers/network.js';
import { buildResNet } from '../../src/layers/resnet.js';
import { buildBert } from '../../src/layers/bert.js';
import { checkStageRange } from '../../src/layers/stages.js';
import { Rng } from '../../src/splitee/rng.js';
import { randomArray } from '../helpers/random.js';
import * as tinyResNet from '../helpers/tiny-resnet.js';
import * as tinyBert from '../helpers/bert.js';

interface Family {
  name: string;
  build(k: Kernels): MultiExitNetwork;
  /** A single-sample input (as the runner feeds it), different per seed. */
  input(seed: number): Tensor;
}

const FAMILIES: Family[] = [
  {
    name: 'resnet',
    build: (k) => buildResNet(tinyResNet.tinyConfig(), tinyResNet.tinyTensors(), k),
    input: (seed) => new Tensor(randomArray(Rng.seeded(seed), 64), [1, 1, 8, 8]),
  },
  {
    name: 'bert',
    build: (k) => buildBert(tinyBert.tinyConfig(), tinyBert.tinyTensors(), k),
    input: (seed) => new Tensor(tinyBert.randomIds(Rng.seeded(seed), tinyBert.TINY.V, [tinyBert.TINY.Tmax], tinyBert.TINY.Tmax).ids, [1, tinyBert.TINY.Tmax]),
  },
];

/** Each stage's activation and exit logits, copied, of a network run alone: runStages(s-1, s) then exitLogits(s). */
function solo(net: MultiExitNetwork, x: Tensor): { acts: Float32Array[]; logits: Float32Array[] } {
  const acts: Float32Array[] = [];
  const logits: Float32Array[] = [];
  let h = x;
  for (let s = 1; s <= net.numStages; s++) {
    h = net.runStages(s - 1, s, h);
    acts.push(Float32Array.from(h.flat()));
    logits.push(Float32Array.from(net.exitLogits(s, h).flat()));
  }
  return { acts, logits };
}

const same = (got: Tensor, want: Float32Array, where: string) => assert.equal(Array.from(got.flat()), Array.from(want), where);

/**
 * A and B stage by stage: A's stage s, B's stage s, A's exit s, B's exit s; then, with all four results
 * held since they were made, each is checked (an activation is valid across exitLogits until the second
 * following runStages of its network, logits until its network's next exitLogits). The previous
 * stage's activations, also held, are checked again after the next stage ran on them.
 */
function interleave(a: MultiExitNetwork, b: MultiExitNetwork, xa: Tensor, xb: Tensor, soloA: ReturnType<typeof solo>, soloB: ReturnType<typeof solo>): void {
  let ha = xa;
  let hb = xb;
  for (let s = 1; s <= a.numStages; s++) {
    const prevA = ha;
    const prevB = hb;
    ha = a.runStages(s - 1, s, ha);
    hb = b.runStages(s - 1, s, hb);
    const la = a.exitLogits(s, ha);
    const lb = b.exitLogits(s, hb);
    same(ha, soloA.acts[s - 1], `A activation ${s}`);
    same(hb, soloB.acts[s - 1], `B activation ${s}`);
    same(la, soloA.logits[s - 1], `A exit ${s}`);
    same(lb, soloB.logits[s - 1], `B exit ${s}`);
    if (s > 1) {
      same(prevA, soloA.acts[s - 2], `A activation ${s - 1}, held across stage ${s}`);
      same(prevB, soloB.acts[s - 2], `B activation ${s - 1}, held across stage ${s}`);
    }
  }
}

for (const f of FAMILIES) {
  for (const kind of ['fast', 'simd'] as const) {
    for (const tables of ['one table', 'two tables'] as const) {
      test(`${f.name}: two networks on ${tables} (${kind}), run interleaved stage by stage, each equal their solo runs`, () => {
        const xa = f.input(1);
        const xb = f.input(2);
        const soloA = solo(f.build(createKernels(kind)), xa);
        const soloB = solo(f.build(createKernels(kind)), xb);
        assert.ok(soloA.logits.some((l, i) => l.some((v, j) => v !== soloB.logits[i][j])), 'the two inputs must give different outputs, or the test proves nothing');
        const ka = createKernels(kind);
        const kb = tables === 'one table' ? ka : createKernels(kind);
        const a = f.build(ka);
        const b = f.build(kb);
        interleave(a, b, xa, xb, soloA, soloB);
        interleave(a, b, xa, xb, soloA, soloB); // again: steady state, with every cached view and Tensor reused
      });
    }
  }
}

test('checkStageRange: from <= to within [0, L]', () => {
  assert.not.throws(() => checkStageRange(0, 3, 3));
  assert.throws(() => checkStageRange(2, 1, 3), /forward only/);
  assert.throws(() => checkStageRange(0, 4, 3), /out of range/);
});

test.run();
