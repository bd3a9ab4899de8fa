import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/tensor/errors.js';

test('reshape is zero-copy and checks sizes', () => {
  const t = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const r = t.reshape([3, -1]);
  assert.equal([...r.shape], [3, 2]);
  assert.is(r.data, t.data);
  assert.throws(() => t.reshape([4, 2]), (e: unknown) => e instanceof ShapeError && /\[2,3\].*\[4,2\]/.test((e as Error).message));
});

test('transpose is a strided view; contiguous copies it row-major', () => {
  const t = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const tt = t.transpose(0, 1);
  assert.is(tt.isContiguous(), false);
  assert.is(tt.get(2, 1), 6);
  assert.equal([...tt.contiguous().flat()], [1, 4, 2, 5, 3, 6]);
  assert.throws(() => tt.reshape([6]), /not contiguous/);
});

test('slice0 views rows; out-of-buffer views are rejected', () => {
  const t = Tensor.from([0, 1, 2, 3, 4, 5], [3, 2]);
  assert.equal([...t.slice0(1, 3).flat()], [2, 3, 4, 5]);
  assert.throws(() => new Tensor(new Float32Array(4), [3, 3]), /outside its buffer/);
  assert.throws(() => t.slice0(2, 4), /invalid range/);
});

test('ndarray-like interop round-trips without copying', () => {
  const t = Tensor.from([1, 2, 3, 4], [2, 2]).transpose(0, 1);
  const nd = t.toNdarrayLike();
  assert.equal(nd.stride, [1, 2]);
  const back = Tensor.fromNdarrayLike(nd);
  assert.is(back.data, t.data);
  assert.is(back.get(0, 1), 3);
});

test.run();
