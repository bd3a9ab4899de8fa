import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Arena } from '../../src/tensor/arena.js';
import { fastKernels } from '../../src/tensor/kernels/index.js';
import { conv2dPlan } from '../../src/tensor/kernels/conv2d.js';
import { gemmPlan } from '../../src/tensor/kernels/gemm.js';
import { StateError } from '../../src/tensor/errors.js';

/** A small conv -> relu -> linear forward drawing every buffer from the arena. */
function forward(arena: Arena, x: Float32Array): Float32Array {
  arena.reset();
  const cp = conv2dPlan([2, 3, 16, 16], [8, 3, 3, 3], { padding: 1, activation: 'relu' });
  const h = arena.take(2 * 8 * 256);
  fastKernels.conv2d(h, x, new Float32Array(8 * 27).fill(0.1), new Float32Array(8), cp, arena.take(cp.scratchSize));
  const m = arena.mark();
  const tmp = arena.take(100);
  tmp.fill(1);
  arena.release(m);
  const gp = gemmPlan([2, 2048], [10, 2048], { transB: true });
  const y = arena.take(20);
  fastKernels.gemm(y, h, new Float32Array(10 * 2048).fill(0.01), null, gp);
  return y;
}

test('a second identical forward allocates no new buffer', () => {
  const arena = new Arena(1024);
  const x = new Float32Array(2 * 3 * 256).fill(1);
  const y1 = forward(arena, x).slice();
  const after1 = arena.allocations;
  assert.ok(after1 >= 1);
  const y2 = forward(arena, x);
  assert.is(arena.allocations, after1);
  assert.equal([...y2], [...y1]);
  forward(arena, x);
  assert.is(arena.allocations, after1);
});

test('views do not overlap within a forward; mark/release rewinds; a bad mark is refused', () => {
  const arena = new Arena(8);
  const a = arena.take(5);
  const b = arena.take(5); // does not fit in the first chunk: a new one
  a.fill(1);
  b.fill(2);
  assert.equal([...a], [1, 1, 1, 1, 1]);
  assert.is(arena.allocations, 2);
  const t = arena.tensor([2, 3]);
  assert.equal([...t.shape], [2, 3]);
  const m = arena.mark();
  arena.take(3);
  arena.release(m);
  arena.reset();
  assert.throws(() => arena.release(m), (e: unknown) => e instanceof StateError);
  assert.equal([...arena.takeZeroed(3)], [0, 0, 0]);
});

test('marks nest across chunks: a release rewinds to its own position and closes the marks after it', () => {
  const arena = new Arena(12);
  arena.take(6);
  const outer = arena.mark(); // chunk 0, offset 6
  const a = arena.take(2); // fits: chunk 0 offset 6
  const inner = arena.mark(); // chunk 0, offset 8
  arena.take(5); // a new chunk
  assert.is(arena.allocations, 2);
  arena.release(inner);
  assert.is(arena.take(2).byteOffset, a.byteOffset + 8, 'inner rewinds to just after a, not to the outer mark');
  arena.release(outer);
  const again = arena.take(2);
  assert.ok(again.buffer === a.buffer && again.byteOffset === a.byteOffset, 'outer rewinds to where a was taken');
  assert.throws(() => arena.release(inner), (e: unknown) => e instanceof StateError && /mark is not open: got 2, expected an open mark in \[1, 0\]/.test(e.message));
  assert.throws(() => arena.release(outer), (e: unknown) => e instanceof StateError, 'a released mark is closed');
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 32]) assert.throws(() => arena.release(bad), (e: unknown) => e instanceof StateError, String(bad));
  assert.is(arena.mark(), 1, 'marks are small integers (no boxed double per call)');
});

test('alloc: chunks come from the given allocator (e.g. a table memory); holds tells which arena a view is in', () => {
  const memory = new Float32Array(1000);
  let top = 0;
  const carve = (n: number) => {
    const v = memory.subarray(top, top + n);
    top += n;
    return v;
  };
  const a = new Arena(100, carve);
  const b = new Arena(100, carve);
  const x = a.take(60);
  const y = b.take(30);
  const z = a.take(70); // does not fit a's first chunk: a second one, carved after b's
  assert.is(x.buffer, memory.buffer);
  assert.is(z.buffer, memory.buffer);
  assert.is(a.allocations, 2);
  assert.is(top, 100 + 100 + 200);
  assert.ok(a.holds(x) && a.holds(z) && !a.holds(y));
  assert.ok(b.holds(y) && !b.holds(x) && !b.holds(z));
  assert.not.ok(a.holds(new Float32Array(4)));
  a.reset();
  a.take(60);
  a.take(70);
  assert.is(a.allocations, 2, 'steady state carves nothing more');
});

test.run();
