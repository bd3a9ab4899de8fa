// IDX files on disk, raw or gzip (detected by magic): isGzip, readMaybeGzip, and a mutation /
// truncation property over raw and gzipped files: readIdxFile returns an array that re-encodes to
// exactly the (decompressed) bytes, or throws FormatError naming the path; nothing else, ever.
// (test/node/datasets/fashion-mnist.test.ts pins one message per failure; test/tensor/io/idx.test.ts
// does the same property for the in-memory parser.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeIdx } from '../../../src/tensor/io/idx.js';
import { FormatError } from '../../../src/tensor/errors.js';
import { IoError, isGzip, readIdxFile, readMaybeGzip } from '../../../src/node/datasets/idx-file.js';

const dir = mkdtempSync(join(tmpdir(), 'splitee-idx-file-'));
const file = (name: string, bytes: Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('isGzip: exactly the two magic bytes 1f 8b at the start', () => {
  assert.is(isGzip(Uint8Array.from([0x1f, 0x8b])), true);
  assert.is(isGzip(gzipSync(Uint8Array.from([1, 2, 3]))), true);
  assert.is(isGzip(new Uint8Array(0)), false);
  assert.is(isGzip(Uint8Array.from([0x1f])), false);
  assert.is(isGzip(Uint8Array.from([0x8b, 0x1f])), false);
  assert.is(isGzip(Uint8Array.from([0x1f, 0x8c, 0, 0])), false);
  assert.is(isGzip(encodeIdx([2], Uint8Array.from([0x1f, 0x8b]))), false); // an IDX file starts 00 00
});

test('readMaybeGzip: raw bytes as they are, gzip data inflated, whatever the name', () => {
  const raw = Uint8Array.from([0, 0, 8, 1, 9, 9]);
  assert.equal([...readMaybeGzip(file('a.gz', raw))], [...raw]);
  assert.equal([...readMaybeGzip(file('a.bin', gzipSync(raw)))], [...raw]);
  assert.equal([...readMaybeGzip(file('empty', new Uint8Array(0)))], []);
});

test('readMaybeGzip: IoError for unreadable paths, FormatError for bad gzip, both under `where`', () => {
  const missing = join(dir, 'missing.idx');
  assert.throws(
    () => readMaybeGzip(missing, 'loadThing'),
    (e: unknown) =>
      e instanceof IoError &&
      e.code === 'E_IO' &&
      e.message === `loadThing(${missing}): cannot read the file: got ENOENT, expected a readable file` &&
      (e.cause as { code?: string }).code === 'ENOENT',
  );
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  assert.throws(() => readIdxFile(sub), (e: unknown) => e instanceof IoError && e.message.startsWith(`readIdxFile(${sub}): cannot read the file: got EISDIR`));
  const bad = file('bad.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3]));
  assert.throws(
    () => readMaybeGzip(bad, 'loadThing'),
    (e: unknown) => e instanceof FormatError && new RegExp(`^loadThing\\(${escape(bad)}\\): corrupt gzip data: got '.+', expected a complete gzip stream$`).test(e.message) && e.cause instanceof Error,
  );
});

test('readIdxFile: gzipped data that is not IDX is a FormatError after inflating', () => {
  const p = file('text.gz', gzipSync(new TextEncoder().encode('hello, world')));
  assert.throws(() => readIdxFile(p), (e: unknown) => e instanceof FormatError && e.message.startsWith(`readIdxFile(${p}): wrong IDX magic number: got 0x68656C6C`));
  // gzip inside gzip: inflated once only, so the parser sees gzip magic and says so
  const twice = file('twice.gz', gzipSync(gzipSync(encodeIdx([1], Uint8Array.from([7])))));
  assert.throws(() => readIdxFile(twice), (e: unknown) => e instanceof FormatError && /wrong IDX magic number: got 0x1F8B[^]*hint: this is gzip data/.test(e.message));
});

const validIdx = fc
  .record({
    wide: fc.boolean(),
    dims: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ wide, dims, seed }) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = wide ? new Int32Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = wide ? (seed + i) * 65537 - 2e6 : (seed + i * 31) % 256;
    return encodeIdx(dims, data);
  });
const mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(bytes: Uint8Array, muts: { op: 'truncate' | 'set' | 'insert'; at: number; value: number }[]): Uint8Array {
  let b = Array.from(bytes);
  for (const m of muts) {
    const at = m.at % (b.length + 1);
    if (m.op === 'truncate') b = b.slice(0, at);
    else if (m.op === 'set' && at < b.length) b[at] = m.value;
    else if (m.op === 'insert') b.splice(at, 0, m.value);
  }
  return Uint8Array.from(b);
}

test('property: a mutated raw or gzipped file reads back exactly or throws FormatError naming the path', () => {
  let read = 0;
  let rejected = 0;
  let k = 0;
  fc.assert(
    fc.property(validIdx, fc.boolean(), fc.boolean(), fc.array(mutation, { maxLength: 3 }), (idx, gz, mutateInside, muts) => {
      // mutate the IDX bytes before compressing (a lying header in a valid gzip stream), or the stored bytes
      const stored = gz ? (mutateInside ? gzipSync(mutate(idx, muts)) : mutate(gzipSync(idx), muts)) : mutate(idx, muts);
      const p = file(`m${k++}.idx`, stored);
      try {
        const a = readIdxFile(p);
        read++;
        const plain = isGzip(stored) ? gunzipSync(stored) : stored; // throws only if readIdxFile should have
        assert.equal([...encodeIdx(a.dims, a.data)], [...plain]);
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`${p}: ${(e as Error).name}: ${(e as Error).message}`);
        assert.ok(e.message.startsWith(`readIdxFile(${p}): `), e.message);
        assert.match(e.message, /: got [^]*, expected /);
        rejected++;
      } finally {
        rmSync(p);
      }
    }),
    { seed: 71, numRuns: 400 },
  );
  assert.ok(read > 40 && rejected > 100, `read ${read}, rejected ${rejected}`);
});

// Issue 15 item 4: gzip inflation was uncapped (a 5.2 MB .gz took a reader to 4.35 GB).
test('gzip inflation is capped at the size the IDX header states, and at MAX_IDX_BYTES', () => {
  // A bomb: the header states 4 bytes of u8 data, the stream inflates to 16 MB.
  const head = encodeIdx([4], Uint8Array.from([1, 2, 3, 4]));
  const bomb = gzipSync(Buffer.concat([head, Buffer.alloc(16 * 2 ** 20)]));
  const p = file('bomb.gz', bomb);
  assert.throws(() => readIdxFile(p), (e: unknown) => e instanceof FormatError && /inflates past the limit: got more than 13 bytes/.test((e as Error).message) && (e as Error).message.includes(p));
  // A header stating 2^32 x 2^32 elements is refused before inflating the rest.
  const huge = Uint8Array.from([0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255]);
  assert.throws(() => readIdxFile(file('huge.gz', gzipSync(huge))), (e: unknown) => e instanceof FormatError && /states too large a file/.test((e as Error).message));
  // No IDX header at all: refused from the stream's start (a bomb behind it is never inflated), or capped.
  assert.throws(() => readIdxFile(file('nohead.gz', gzipSync(Buffer.alloc(16 * 2 ** 20, 7)))), (e: unknown) => e instanceof FormatError && /wrong IDX magic number/.test((e as Error).message));
  assert.throws(() => readIdxFile(file('nohead2.gz', gzipSync(Buffer.alloc(4096, 7))), 1000), (e: unknown) => e instanceof FormatError && /inflates past the limit: got more than 1000 bytes/.test((e as Error).message));
  // A real file still reads (stated size exactly).
  assert.equal([...readIdxFile(file('ok.gz', gzipSync(head))).data], [1, 2, 3, 4]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
