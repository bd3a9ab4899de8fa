import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeReport, expectClose } from './close.js';

test('equal and nearly equal arrays pass', () => {
  expectClose([1, 2, 3], [1, 2, 3]);
  expectClose(new Float32Array([1.000001]), [1], { rtol: 1e-5 });
  expectClose([0.001], [0], { atol: 0.01 });
});

test('NaN never passes as close, unless expected is NaN too', () => {
  assert.throws(() => expectClose([NaN], [1], { atol: 1e9, rtol: 1e9 }), /1 of 1 elements differ/);
  assert.throws(() => expectClose([1], [NaN], { atol: 1e9, rtol: 1e9 }));
  assert.throws(() => expectClose([Infinity], [1e38], { rtol: 1 }));
  assert.throws(() => expectClose([-Infinity], [Infinity]));
  expectClose([NaN, Infinity, -Infinity], [NaN, Infinity, -Infinity]);
});

test('the report names the max abs diff, its index and the first mismatches', () => {
  const r = closeReport([1, 2, 3, 10], [1, 2.5, 3, 4], { rtol: 0, atol: 0.1, where: 'demo' });
  assert.ok(r !== null);
  assert.match(r!, /^demo: 2 of 4 elements differ/);
  assert.match(r!, /max abs diff 6 at index 3/);
  assert.match(r!, /\[1\] actual 2, expected 2.5/);
});

test('a per-element scale replaces |expected| in the relative term', () => {
  expectClose([1e-3], [0], { rtol: 1e-2, scale: [1] });
  assert.throws(() => expectClose([1e-3], [0], { rtol: 1e-2 }));
  assert.throws(() => expectClose([1, 2], [1]), /lengths differ/);
});

test.run();
