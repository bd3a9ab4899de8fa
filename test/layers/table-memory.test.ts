// Networks built on a table with its own memory (simd): weights, packs and arenas live in it, so a
// forward pass copies no operand in or out of the memory (SimdKernels.copies, a debug counter), the
// memory is never grown (same buffer, same size), and a table too small for a network fails at build
// with the table's named error. Outputs equal the fast table's within the conformance bounds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSimdKernels, createFastKernels, type SimdKernels } from '../../src/tensor/kernels/index.js';
import { StateError } from '../../src/tensor/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { buildResNet } from '../../src/layers/resnet.js';
import { buildBert } from '../../src/layers/bert.js';
import { inTable, tableArena } from '../../src/layers/table-memory.js';
import { Rng } from '../../src/splitee/rng.js';
import { randomArray } from '../helpers/random.js';
import { expectClose } from '../helpers/close.js';
import * as tinyResNet from '../helpers/tiny-resnet.js';
import * as tinyBert from '../helpers/bert.js';

const SPEC: tinyBert.TinySpec = { V: 41, H: 16, heads: 2, I: 24, L: 2, P: 12, K: 3, Tmax: 12 };

function inMemory(k: SimdKernels, a: Float32Array): Float32Array {
  const v = k.allocate(a.length);
  v.set(a);
  return v;
}

test('inTable and tableArena: copies into the table memory when it has one, the array itself otherwise', () => {
  const k = createSimdKernels({ relaxed: false, memoryBytes: 1 << 20 });
  const probe = k.allocate(0);
  const a = Float32Array.of(1, 2, 3);
  const t = inTable(k, a);
  assert.is(t.buffer, probe.buffer);
  assert.equal(Array.from(t), [1, 2, 3]);
  const f = createFastKernels();
  assert.is(inTable(f, a), a);
  assert.is(tableArena(k).take(5).buffer, probe.buffer);
  assert.is.not(tableArena(f).take(5).buffer, probe.buffer);
});

test('ResNet and BERT on one simd table: forward passes copy nothing and never grow the memory', () => {
  const k = createSimdKernels({ relaxed: false, memoryBytes: 1 << 24 });
  const buffer = k.allocate(0).buffer;
  const res = buildResNet(tinyResNet.tinyConfig(), tinyResNet.tinyTensors(), k);
  const bert = buildBert(tinyBert.tinyConfig(SPEC), tinyBert.tinyTensors(SPEC), k);
  const fast = createFastKernels();
  const resF = buildResNet(tinyResNet.tinyConfig(), tinyResNet.tinyTensors(), fast);
  const bertF = buildBert(tinyBert.tinyConfig(SPEC), tinyBert.tinyTensors(SPEC), fast);
  const rng = Rng.seeded(21);
  const img = randomArray(rng, 6 * 64);
  const { ids, mask } = tinyBert.randomIds(rng, SPEC.V, [12, 7, 3], SPEC.Tmax);
  const copies0 = k.copies;
  for (const [label, x] of [['in table memory', inMemory(k, img)], ['a caller array (adopted once by the network)', img]] as const) {
    for (let r = 0; r < 2; r++) {
      const got = res.forwardAll(new Tensor(x, [6, 1, 8, 8])).map((t) => t.clone().flat());
      const want = resF.forwardAll(new Tensor(img, [6, 1, 8, 8]));
      got.forEach((g, i) => expectClose(g, want[i].flat(), { rtol: 1e-4, atol: 1e-5, where: `resnet ${label} exit ${i + 1}` }));
      const m = label.startsWith('in') ? inMemory(k, mask) : mask;
      const gb = bert.forwardAll(new Tensor(ids, [3, SPEC.Tmax]), m).map((t) => t.clone().flat());
      const wb = bertF.forwardAll(new Tensor(ids, [3, SPEC.Tmax]), mask);
      gb.forEach((g, i) => expectClose(g, wb[i].flat(), { rtol: 1e-4, atol: 1e-5, where: `bert ${label} exit ${i + 1}` }));
      const h = bert.runStages(1, 2, new Tensor(Float32Array.from(bert.runStages(0, 1, new Tensor(ids, [3, SPEC.Tmax]), m).flat()), [3, SPEC.Tmax, SPEC.H]), m);
      assert.is(h.flat().buffer, buffer, 'activations live in the table memory');
    }
  }
  assert.is(k.copies - copies0, 0, 'operand copies during forward passes');
  assert.is(k.allocate(0).buffer, buffer);
  assert.is(k.memoryBytes, 1 << 24);
});

test('a table too small for the network fails at build with a named error (the memory is never grown)', () => {
  const k = createSimdKernels({ relaxed: false, memoryBytes: 65536 });
  const big: tinyBert.TinySpec = { ...SPEC, V: 2000, H: 16 }; // a 128 KB word embedding table
  assert.throws(() => buildBert(tinyBert.tinyConfig(big), tinyBert.tinyTensors(big), k), (e: unknown) => e instanceof StateError && /memory is full/.test((e as Error).message));
  assert.is(k.memoryBytes, 65536);
});

test.run();
