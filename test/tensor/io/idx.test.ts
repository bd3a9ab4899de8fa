import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseIdx, encodeIdx, type IdxData } from '../../../src/tensor/io/idx.js';
import { FormatError } from '../../../src/tensor/errors.js';

const isFormat = (re: RegExp) => (e: unknown) => e instanceof FormatError && (e as FormatError).code === 'E_FORMAT' && re.test((e as Error).message);

test('parses a hand-written u8 [2,2] file', () => {
  const bytes = Uint8Array.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 255]);
  const a = parseIdx(bytes);
  assert.is(a.dtype, 'u8');
  assert.equal(a.dims, [2, 2]);
  assert.ok(a.data instanceof Uint8Array);
  assert.equal([...a.data], [1, 2, 3, 255]);
  // a copy, not a view on the input
  bytes[12] = 9;
  assert.is(a.data[0], 1);
});

test('decodes every dtype big-endian', () => {
  const head = (code: number, n: number) => [0, 0, code, 1, 0, 0, 0, n];
  assert.equal([...parseIdx(Uint8Array.from([...head(0x09, 2), 0xff, 0x7f])).data], [-1, 127]);
  assert.equal([...parseIdx(Uint8Array.from([...head(0x0b, 2), 0x01, 0x02, 0xff, 0xfe])).data], [258, -2]);
  assert.equal([...parseIdx(Uint8Array.from([...head(0x0c, 1), 0x80, 0, 0, 1])).data], [-2147483647]);
  const f32 = parseIdx(Uint8Array.from([...head(0x0d, 1), 0x3f, 0xc0, 0, 0]));
  assert.is(f32.dtype, 'f32');
  assert.ok(f32.data instanceof Float32Array);
  assert.is(f32.data[0], 1.5);
  const f64 = parseIdx(Uint8Array.from([...head(0x0e, 1), 0xc0, 0x04, 0, 0, 0, 0, 0, 0]));
  assert.is(f64.dtype, 'f64');
  assert.is(f64.data[0], -2.5);
});

test('a zero-size dimension is a valid empty array', () => {
  const a = parseIdx(Uint8Array.from([0, 0, 0x08, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]));
  assert.equal(a.dims, [0, 28, 28]);
  assert.is(a.data.length, 0);
});

test('encodeIdx round-trips every dtype', () => {
  const cases: [number[], IdxData][] = [
    [[3], Uint8Array.from([0, 128, 255])],
    [[2, 1], Int8Array.from([-128, 127])],
    [[2], Int16Array.from([-32768, 32767])],
    [[1, 2], Int32Array.from([-5, 1 << 30])],
    [[2], Float32Array.from([Math.fround(0.1), -Infinity])],
    [[2], Float64Array.from([0.1, Number.MIN_VALUE])],
  ];
  for (const [dims, data] of cases) {
    const back = parseIdx(encodeIdx(dims, data));
    assert.equal(back.dims, dims);
    assert.is(back.data.constructor, data.constructor);
    assert.equal([...back.data], [...data]);
  }
});

test('malformed files: each failure has its own message', () => {
  const valid = encodeIdx([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6]));
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8])), isFormat(/too short for the IDX magic.*got 3 bytes, expected at least 4/));
  assert.throws(() => parseIdx(Uint8Array.from([0, 1, 8, 1, 0, 0, 0, 0])), isFormat(/wrong IDX magic number: got 0x00010801/));
  assert.throws(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0])), isFormat(/wrong IDX magic.*hint: this is gzip data/));
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0])), isFormat(/unknown IDX dtype code: got 0x0A/));
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8, 0])), isFormat(/zero dimensions: got ndims 0/));
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8, 200, 0, 0])), isFormat(/absurd number of dimensions: got ndims 200, expected 1\.\.16/));
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0])), isFormat(/too short for the IDX header of 3 dimensions: got 10 bytes, expected at least 16/));
  assert.throws(() => parseIdx(valid.subarray(0, valid.length - 1)), isFormat(/data truncated: got 5 data bytes, expected 6 \(u8 \[2,3\]/));
  assert.throws(() => parseIdx(Uint8Array.from([...valid, 0, 0])), isFormat(/trailing bytes after the data: got 20 bytes, expected 18/));
  // a huge declared size is a truncation, not a crash
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0e, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), isFormat(/data truncated/));
  // `where` names the source
  assert.throws(() => parseIdx(Uint8Array.from([1, 0, 0, 0]), 'readIdxFile(x.gz)'), isFormat(/^readIdxFile\(x\.gz\): wrong IDX magic/));
});

test('property: mutated or truncated files parse consistently or throw FormatError, nothing else', () => {
  const dtypes = [
    (n: number) => new Uint8Array(n),
    (n: number) => new Int8Array(n),
    (n: number) => new Int16Array(n),
    (n: number) => new Int32Array(n),
    (n: number) => new Float32Array(n),
    (n: number) => new Float64Array(n),
  ];
  const validFile = fc
    .record({
      kind: fc.integer({ min: 0, max: 5 }),
      dims: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
      seed: fc.integer(),
    })
    .map(({ kind, dims, seed }) => {
      const n = dims.reduce((a, b) => a * b, 1);
      const data = dtypes[kind](n);
      for (let i = 0; i < n; i++) data[i] = ((seed + i * 7919) % 251) - 100;
      return encodeIdx(dims, data);
    });
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
  );
  fc.assert(
    fc.property(validFile, fc.array(mutation, { minLength: 0, maxLength: 3 }), (file, muts) => {
      let b = Array.from(file);
      for (const m of muts) {
        const at = b.length === 0 ? 0 : m.at % (b.length + (m.op === 'insert' ? 1 : 0));
        if (m.op === 'truncate') b = b.slice(0, at);
        else if (m.op === 'set' && b.length > 0) b[at] = m.value;
        else if (m.op === 'insert') b.splice(at, 0, m.value);
        else if (m.op === 'delete') b.splice(at, 1);
      }
      const bytes = Uint8Array.from(b);
      let parsed;
      try {
        parsed = parseIdx(bytes);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        return true;
      }
      // Parsed: the result describes exactly these bytes.
      const count = parsed.dims.reduce((a, c) => a * c, 1);
      if (parsed.data.length !== count) return false;
      const again = encodeIdx(parsed.dims, parsed.data);
      if (parsed.dtype === 'f32' || parsed.dtype === 'f64') {
        // NaN payloads are not preserved by typed arrays: compare values (NaN equals NaN)
        const p2 = parseIdx(again);
        return again.length === bytes.length && Array.from(p2.data).every((v, i) => Object.is(v, parsed.data[i]));
      }
      return again.length === bytes.length && again.every((v, i) => v === bytes[i]);
    }),
    { seed: 20240601, numRuns: 2000 },
  );
});

test.run();
