// Rng: determinism per seed, ranges, snapshot/restore continuity, distribution sanity on fixed
// seeds (deterministic, so the statistical bounds can never flake), and the typed argument errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Rng, type RngState } from '../../src/splitee/rng.js';
import { ArgumentError, FormatError } from '../../src/tensor/errors.js';

const isErr = (cls: Function, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message);
const take = (rng: Rng, k: number, f: (r: Rng) => number): number[] => Array.from({ length: k }, () => f(rng));

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
}

test('the same seed gives the same stream; different seeds give different streams', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (seed) => {
      const a = Rng.seeded(seed);
      const b = Rng.seeded(seed);
      assert.equal(take(a, 20, (r) => r.float()), take(b, 20, (r) => r.float()));
      assert.equal(take(a, 20, (r) => r.int(1000)), take(b, 20, (r) => r.int(1000)));
      assert.equal(take(a, 9, (r) => r.normal()), take(b, 9, (r) => r.normal()));
    }),
    { seed: 11, numRuns: 100 },
  );
  // 200 consecutive seeds: 200 distinct first draws (a seed that was ignored would repeat them)
  const firsts = new Set(Array.from({ length: 200 }, (_, s) => Rng.seeded(s - 100).float()));
  assert.is(firsts.size, 200);
});

test('float is in [0, 1) and int(n) is an integer in [0, n)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 2 ** 31 }), (seed, n) => {
      const rng = Rng.seeded(seed);
      for (let i = 0; i < 50; i++) {
        const x = rng.float();
        assert.ok(x >= 0 && x < 1, `float ${x}`);
        const k = rng.int(n);
        assert.ok(Number.isInteger(k) && k >= 0 && k < n, `int(${n}) = ${k}`);
      }
    }),
    { seed: 12, numRuns: 200 },
  );
  const one = Rng.seeded(5);
  assert.equal(take(one, 100, (r) => r.int(1)), new Array(100).fill(0));
});

test('float: 20 equal bins over 20000 draws pass a chi-square bound, for 5 fixed seeds', () => {
  // chi-square with 19 degrees of freedom: P(X > 43.8) = 0.001
  for (let seed = 0; seed < 5; seed++) {
    const rng = Rng.seeded(seed);
    const counts = new Array(20).fill(0);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const x = rng.float();
      sum += x;
      counts[Math.floor(x * 20)]++;
    }
    assert.ok(chiSquare(counts) < 43.8, `seed ${seed}: chi2 ${chiSquare(counts)} counts ${counts}`);
    assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01, `seed ${seed}: mean ${sum / 20000}`);
  }
});

test('int(7): every value reached, chi-square bound over 14000 draws, for 5 fixed seeds', () => {
  // 6 degrees of freedom: P(X > 22.46) = 0.001
  for (let seed = 100; seed < 105; seed++) {
    const rng = Rng.seeded(seed);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 14000; i++) counts[rng.int(7)]++;
    assert.ok(counts.every((c) => c > 0));
    assert.ok(chiSquare(counts) < 22.46, `seed ${seed}: chi2 ${chiSquare(counts)} counts ${counts}`);
  }
});

test('normal: mean 0, variance 1, symmetric, for 3 fixed seeds', () => {
  for (let seed = 7; seed < 10; seed++) {
    const rng = Rng.seeded(seed);
    const N = 40000;
    let s = 0;
    let s2 = 0;
    let within1 = 0;
    let positive = 0;
    for (let i = 0; i < N; i++) {
      const z = rng.normal();
      assert.ok(Number.isFinite(z));
      s += z;
      s2 += z * z;
      if (Math.abs(z) < 1) within1++;
      if (z > 0) positive++;
    }
    const mean = s / N;
    const variance = s2 / N - mean * mean;
    // standard errors: mean 0.005, variance ~0.007, P(|z| < 1) ~0.0023, P(z > 0) 0.0025
    assert.ok(Math.abs(mean) < 0.025, `seed ${seed}: mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.035, `seed ${seed}: variance ${variance}`);
    assert.ok(Math.abs(within1 / N - 0.6827) < 0.012, `seed ${seed}: P(|z|<1) ${within1 / N}`);
    assert.ok(Math.abs(positive / N - 0.5) < 0.0125, `seed ${seed}: P(z>0) ${positive / N}`);
  }
});

test('normal: the pair from one Box-Muller draw shares its radius (cos and sin of one angle)', () => {
  const a = Rng.seeded(21);
  const b = Rng.seeded(21);
  const u = b.float();
  const v = b.float();
  const r = Math.sqrt(-2 * Math.log(u));
  const z1 = a.normal();
  const z2 = a.normal();
  assert.ok(Math.abs(z1 - r * Math.cos(2 * Math.PI * v)) < 1e-12, `${z1}`);
  assert.ok(Math.abs(z2 - r * Math.sin(2 * Math.PI * v)) < 1e-12, `${z2}`);
  // the cached second value consumed no randomness: both generators are in step again
  assert.is(a.float(), b.float());
});

test('shuffle: a permutation of its argument, in place, deterministic per seed', () => {
  fc.assert(
    fc.property(fc.array(fc.integer(), { maxLength: 40 }), fc.nat(1e6), (items, seed) => {
      const copy = [...items];
      const out = Rng.seeded(seed).shuffle(copy);
      assert.ok(out === copy, 'returns its argument');
      assert.equal([...out].sort((a, b) => a - b), [...items].sort((a, b) => a - b));
      assert.equal(Rng.seeded(seed).shuffle([...items]), out);
    }),
    { seed: 13, numRuns: 200 },
  );
  assert.equal(Rng.seeded(0).shuffle([]), []);
  assert.equal(Rng.seeded(0).shuffle(['x']), ['x']);
});

test('shuffle: all 6 orders of 3 items, equally often within a chi-square bound', () => {
  const rng = Rng.seeded(31);
  const counts = new Map<string, number>();
  for (let i = 0; i < 12000; i++) {
    const k = rng.shuffle(['a', 'b', 'c']).join('');
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.equal([...counts.keys()].sort(), ['abc', 'acb', 'bac', 'bca', 'cab', 'cba']);
  // 5 degrees of freedom: P(X > 20.52) = 0.001
  assert.ok(chiSquare([...counts.values()]) < 20.52, `${[...counts.entries()]}`);
});

function deepArray(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

test('snapshot/restore continues the exact sequence, through JSON, including a cached normal', () => {
  fc.assert(
    fc.property(fc.nat(1e6), fc.nat(30), fc.boolean(), (seed, skip, halfPair) => {
      const a = Rng.seeded(seed);
      for (let i = 0; i < skip; i++) a.float();
      if (halfPair) a.normal(); // leaves the second deviate cached
      const s: RngState = JSON.parse(JSON.stringify(a.snapshot()));
      assert.is(s.spareNormal === null, !halfPair);
      const b = Rng.restore(s);
      assert.equal(take(b, 5, (r) => r.normal()), take(a, 5, (r) => r.normal()));
      assert.equal(take(b, 10, (r) => r.float()), take(a, 10, (r) => r.float()));
    }),
    { seed: 14, numRuns: 100 },
  );
  // a snapshot is a copy: drawing afterwards does not change it
  const r = Rng.seeded(3);
  const s = r.snapshot();
  const before = JSON.stringify(s);
  r.float();
  assert.is(JSON.stringify(s), before);
  assert.is.not(JSON.stringify(r.snapshot()), before);
});

test('invalid seeds and bounds: ArgumentError', () => {
  for (const seed of [1.5, NaN, Infinity, -Infinity]) {
    assert.throws(() => Rng.seeded(seed), isErr(ArgumentError, new RegExp(`^Rng\\.seeded: seed is not an integer: got ${seed}, expected an integer$`)));
  }
  for (const seed of [2 ** 32, -(2 ** 31) - 1, 2 ** 53]) {
    assert.throws(() => Rng.seeded(seed), isErr(ArgumentError, /^Rng\.seeded: seed out of range: got -?\d+, expected an integer in \[-2\^31, 2\^32\)$/));
  }
  assert.equal(take(Rng.seeded(2 ** 32 - 1), 3, (r) => r.float()), take(Rng.seeded(-1), 3, (r) => r.float())); // the 32 bits kept
  const rng = Rng.seeded(0);
  for (const n of [0, -1, 2.5, NaN, Infinity]) {
    assert.throws(() => rng.int(n), isErr(ArgumentError, new RegExp(`^Rng\\.int: invalid bound: got ${n}, expected a positive integer$`)));
  }
});

test('invalid states: FormatError, never a silently broken generator', () => {
  const good = Rng.seeded(1).snapshot();
  const bad: unknown[] = [
    null,
    42,
    'xoroshiro128plus',
    {},
    { ...good, kind: 'mt19937' },
    { ...good, state: good.state.slice(0, 3) },
    { ...good, state: [...good.state, 0] },
    { ...good, state: [1, 2, 3, 'x'] },
    { ...good, state: [1, 2, 3, 0.5] },
    { ...good, state: 'abcd' },
    // untrusted input is described, never serialized: deep nesting must not overflow the stack, a long
    // string must not flood the message
    { ...good, state: deepArray(20_000) },
    deepArray(20_000),
    { ...good, kind: 'x'.repeat(1_000_000) },
  ];
  for (const s of bad) {
    assert.throws(() => Rng.restore(s as RngState), (e: unknown) => isErr(FormatError, /^Rng\.restore: invalid state: got .*, expected \{kind:'xoroshiro128plus', state:\[4 integers\], spareNormal\}$/)(e) && (e as Error).message.length < 300);
  }
});

test('state words must fit in 32 bits (named in the error); all zeros and a non-finite spare are corrupt too', () => {
  const good = Rng.seeded(1).snapshot();
  const cases: [number, number][] = [[0, 2 ** 32], [1, -(2 ** 31) - 1], [2, 2 ** 53], [3, -(2 ** 40)], [3, Number.MAX_SAFE_INTEGER]];
  for (const [i, w] of cases) {
    const state = [...good.state];
    state[i] = w;
    // the generator would keep only the low 32 bits: two different snapshots, one stream
    assert.throws(
      () => Rng.restore({ ...good, state }),
      isErr(FormatError, new RegExp(`^Rng\\.restore: state word ${i} does not fit in 32 bits: got ${w}, expected an integer in \\[-2\\^31, 2\\^32\\)$`)),
      `word ${i} = ${w}`,
    );
  }
  assert.throws(() => Rng.restore({ ...good, state: [0, 0, 0, 0] }), isErr(FormatError, /^Rng\.restore: degenerate state: got state \[0,0,0,0\], expected at least one non-zero word/));
  for (const spareNormal of [NaN, Infinity, '0.5', undefined]) {
    assert.throws(() => Rng.restore({ ...good, spareNormal } as unknown as RngState), isErr(FormatError, /^Rng\.restore: invalid spareNormal: got .*, expected null or a finite number$/), String(spareNormal));
  }
  // both readings of a 32-bit word restore the same generator, and the snapshot comes back signed
  fc.assert(
    fc.property(fc.nat(1e6), fc.nat(20), (seed, skip) => {
      const a = Rng.seeded(seed);
      for (let i = 0; i < skip; i++) a.float();
      const s = a.snapshot();
      const unsigned = { ...s, state: s.state.map((w) => w >>> 0) };
      const b = Rng.restore(unsigned);
      assert.equal(b.snapshot(), s);
      assert.equal(take(b, 5, (r) => r.float()), take(a, 5, (r) => r.float()));
    }),
    { seed: 15, numRuns: 100 },
  );
});

test.run();
