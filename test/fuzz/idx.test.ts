// Fuzz: the IDX reader, raw and gzip (decodeIdxBytes: readIdxFile without the file). Only named
// errors may escape; gzip inflation stays capped; inputs that once failed are replayed from corpus/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/tensor/io/idx.js';
import { decodeIdxBytes } from '../../src/node/datasets/idx-file.js';
import { campaign, corpus, mutatedBytes, onlyNamed } from './fuzz-kit.js';

/** A small cap, so a mutated header stating a large size is refused quickly, never inflated. */
const CAP = 1 << 16;
const decode = (b: Uint8Array) => onlyNamed(() => decodeIdxBytes(b, 'fuzz', CAP));

const raws = [
  encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20)),
  encodeIdx([4], Int32Array.from([1, -2, 3, 2 ** 30])),
  encodeIdx([2, 3], Float32Array.from([0.5, -1, 2, 1e30, 0, -0])),
  encodeIdx([2], Float64Array.from([1, 2])),
  encodeIdx([2, 0, 5], new Int16Array(0)),
];
const gzs = raws.map((r) => new Uint8Array(gzipSync(r)));

test('corpus: every IDX input that once failed is a named error now', () => {
  const cases = corpus('idx');
  assert.ok(cases.length > 0);
  for (const c of cases) decode(c.bytes);
});

test('fuzz IDX raw: 10,000 byte-mutated files', () => {
  campaign(mutatedBytes(raws, 6), decode, 1601);
});

test('fuzz IDX gz: 10,000 byte-mutated gzip streams', () => {
  campaign(mutatedBytes(gzs, 4), decode, 1602);
});

test('fuzz IDX gz: 10,000 gzipped mutated files (a valid stream of a hostile IDX)', () => {
  // Few distinct inputs need gzipping: mutations of a small raw file, header bytes included.
  campaign(mutatedBytes(raws, 3).map((b) => new Uint8Array(gzipSync(b, { level: 1 }))), decode, 1603);
});

test.run();
