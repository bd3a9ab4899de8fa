// The worker pool's chunking (chunkRanges); the pool itself runs in test/node/commands/run-trace.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ArgumentError } from '../../src/tensor/errors.js';
import { chunkRanges } from '../../src/node/worker-pool.js';

test('chunkRanges: contiguous cover of [0, n) in at most k chunks of whole blocks, as even as the blocks allow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 100 }), (n, k, block) => {
      const r = chunkRanges(n, k, block);
      const blocks = Math.ceil(n / block);
      assert.is(r.length, Math.max(1, Math.min(k, blocks)));
      assert.is(r[0][0], 0);
      assert.is(r[r.length - 1][1], n);
      for (let i = 0; i < r.length; i++) {
        const [s, e] = r[i];
        assert.ok(s % block === 0 && s <= e, `chunk ${i}: [${s}, ${e})`);
        if (i > 0) assert.is(s, r[i - 1][1]);
        if (n > 0) assert.ok(e > s, `empty chunk ${i} of n ${n}`);
      }
      const sizes = r.map(([s, e]) => Math.ceil((e - s) / block));
      if (n > 0) assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `uneven: ${sizes}`);
    }),
    { seed: 1313, numRuns: 500 },
  );
});

test('chunkRanges: 2,000 rows, 2 workers, batch 64: 16 batches each (the second ends short)', () => {
  assert.equal(chunkRanges(2000, 2, 64), [[0, 1024], [1024, 2000]]);
  assert.equal(chunkRanges(0, 4, 64), [[0, 0]]);
});

test('chunkRanges: bad arguments are ArgumentErrors', () => {
  for (const [n, k, b] of [[-1, 1, 1], [1, 0, 1], [1, 1, 0], [1.5, 1, 1]]) {
    assert.throws(() => chunkRanges(n, k, b), (e: unknown) => e instanceof ArgumentError && /^chunkRanges: invalid/.test((e as Error).message));
  }
});

test.run();
