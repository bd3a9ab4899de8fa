import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { layoutSafetensors, parseSafetensors, writeSafetensors, tensorAsFloat32, SafetensorsError, type SafetensorsFailure, type TensorToWrite } from '../../../src/tensor/io/safetensors.js';
import { FormatError, ArgumentError, ShapeError, ValueError } from '../../../src/tensor/errors.js';
import { f32ToF16, f32ToBf16 } from '../../../src/tensor/io/f16.js';

/** A file with a hand-written header (spaces pad it to 8 bytes) followed by `data`. */
function raw(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), lenOverride?: number | bigint): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lenOverride ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function rejects(bytes: Uint8Array, reason: SafetensorsFailure, message?: RegExp): void {
  try {
    parseSafetensors(bytes);
  } catch (e) {
    assert.ok(e instanceof SafetensorsError, `expected a SafetensorsError, got ${String(e)}`);
    assert.ok(e instanceof FormatError);
    assert.is((e as SafetensorsError).reason, reason, (e as Error).message);
    assert.is((e as SafetensorsError).code, 'E_FORMAT');
    if (message) assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${reason}, but the file parsed`);
}

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });
const hdr = (o: object) => JSON.stringify(o);

test('round trip of every dtype, with metadata, sorted by name and 8-byte aligned', () => {
  const tensors: Record<string, TensorToWrite> = {
    'z.f32': { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -1e30]) },
    'a.f16': { dtype: 'F16', shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x7c00]) },
    'b.bf16': { dtype: 'BF16', shape: [1], data: Uint16Array.from([0x3f80]) },
    'c.i8': { dtype: 'I8', shape: [2], data: Int8Array.from([-128, 127]) },
    'd.u8': { dtype: 'U8', shape: [3], data: Uint8Array.from([0, 1, 255]) },
    'e.i32': { dtype: 'I32', shape: [1, 1], data: Int32Array.from([-7]) },
    'f.i64': { dtype: 'I64', shape: [2], data: BigInt64Array.from([1n, -(2n ** 40n)]) },
    'g.empty': { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    'h.scalar': { dtype: 'F32', shape: [], data: Float32Array.from([42]) },
  };
  const bytes = writeSafetensors(tensors, { format: 'pt', 'model id': 'x' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(n % 8, 0);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.ok(text.indexOf('"a.f16"') < text.indexOf('"z.f32"'));
  const f = parseSafetensors(bytes);
  assert.equal(f.metadata, { format: 'pt', 'model id': 'x' });
  assert.equal([...f.tensors.keys()].sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const e = f.tensors.get(name)!;
    assert.is(e.dtype, t.dtype);
    assert.equal([...e.shape], [...t.shape]);
    assert.equal([...(e.data as ArrayLike<unknown> as unknown[])], [...(t.data as ArrayLike<unknown> as unknown[])], name);
    assert.is(e.data.constructor, t.data.constructor);
  }
  assert.equal([...tensorAsFloat32(f.tensors.get('a.f16')!)], [1, -2, Infinity]);
  assert.equal([...tensorAsFloat32(f.tensors.get('b.bf16')!)], [1]);
  assert.equal([...tensorAsFloat32(f.tensors.get('c.i8')!)], [-128, 127]);
  assert.equal([...tensorAsFloat32(f.tensors.get('f.i64')!)], [1, -(2 ** 40)]);
  // Re-writing what was read gives the same bytes.
  assert.equal(writeSafetensors(f.tensors, f.metadata), bytes);
});

test('layoutSafetensors: the header writeSafetensors writes, zero data, each tensor at its offset', () => {
  const specs = new Map([['b', { dtype: 'I8' as const, shape: [3] }], ['a', { dtype: 'F32' as const, shape: [2, 2] }]]);
  const { bytes, offsets } = layoutSafetensors(specs, { k: 'v' });
  const written = writeSafetensors({ a: { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }, b: { dtype: 'I8', shape: [3], data: new Int8Array(3) } }, { k: 'v' });
  assert.equal(bytes, written);
  const start = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal([...offsets], [['a', start], ['b', start + 16]]);
  new Float32Array(bytes.buffer, offsets.get('a')!, 4).set([1, 2, 3, 4]);
  bytes[offsets.get('b')! + 2] = 0xff;
  const f = parseSafetensors(bytes);
  assert.equal([...(f.tensors.get('a')!.data as Float32Array)], [1, 2, 3, 4]);
  assert.equal([...(f.tensors.get('b')!.data as Int8Array)], [0, 0, -1]);
});

test('aligned F32 data is a zero-copy view; misaligned data or {copy: true} is copied', () => {
  const bytes = writeSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) } });
  const view = parseSafetensors(bytes).tensors.get('w')!;
  assert.is(view.data.buffer, bytes.buffer);
  const copied = parseSafetensors(bytes, { copy: true }).tensors.get('w')!;
  assert.is.not(copied.data.buffer, bytes.buffer);
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const mis = parseSafetensors(shifted.subarray(1)).tensors.get('w')!;
  assert.equal([...(mis.data as Float32Array)], [1, 2]);
  assert.is.not(mis.data.buffer, shifted.buffer);
});

test('property: random tensors round-trip exactly', () => {
  const dt = fc.constantFrom('F32', 'F16', 'BF16', 'I8', 'U8', 'I32', 'I64');
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 8 }).filter((s) => s !== '__metadata__'), fc.tuple(dt, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })), { maxKeys: 5 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }), fc.integer(), (spec, meta, seed) => {
      const tensors = new Map<string, TensorToWrite>();
      let s = seed >>> 0;
      const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
      for (const [name, [dtype, shape]] of Object.entries(spec)) {
        const n = shape.reduce((a, b) => a * b, 1);
        const data =
          dtype === 'F32' ? Float32Array.from({ length: n }, () => (next() / 2 ** 32) * 10 - 5)
          : dtype === 'F16' || dtype === 'BF16' ? Uint16Array.from({ length: n }, () => next() & 0xffff)
          : dtype === 'I8' ? Int8Array.from({ length: n }, () => next() & 0xff)
          : dtype === 'U8' ? Uint8Array.from({ length: n }, () => next() & 0xff)
          : dtype === 'I32' ? Int32Array.from({ length: n }, () => next() | 0)
          : BigInt64Array.from({ length: n }, () => BigInt(next()) * 4294967296n + BigInt(next()) - 2n ** 63n);
        tensors.set(name, { dtype: dtype as TensorToWrite['dtype'], shape, data });
      }
      const bytes = writeSafetensors(tensors, meta);
      const f = parseSafetensors(bytes);
      assert.equal({ ...f.metadata }, { ...meta });
      assert.is(f.tensors.size, tensors.size);
      for (const [name, t] of tensors) {
        const e = f.tensors.get(name)!;
        assert.equal([e.dtype, [...e.shape]], [t.dtype, [...t.shape]]);
        assert.equal(new Uint8Array(e.data.buffer, e.data.byteOffset, e.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, e.byteLength));
      }
    }),
    { seed: 21, numRuns: 100 },
  );
});

test('every malformed form is rejected with its own reason', () => {
  const f32x2 = new Uint8Array(8);
  rejects(new Uint8Array(5), 'too-short', /got 5 bytes/);
  rejects(raw('{}', new Uint8Array(0), 2n ** 62n), 'header-too-large');
  rejects(raw('{}', new Uint8Array(0), 200_000_000), 'header-too-large', /at most 100000000/);
  rejects(raw('{}', new Uint8Array(0), 64), 'header-length-past-end');
  rejects(raw(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), 'header-not-utf8');
  rejects(raw('{"a": '), 'header-not-json');
  rejects(raw(''), 'header-not-json');
  rejects(raw('[1,2]'), 'header-not-object');
  rejects(raw('null'), 'header-not-object');
  rejects(raw('{"a":' + hdr(entry('F32', [2], 0, 8)) + ',"a":' + hdr(entry('F32', [2], 0, 8)) + '}', f32x2), 'duplicate-name');
  rejects(raw(hdr({ __metadata__: { a: 1 } })), 'bad-metadata');
  rejects(raw(hdr({ __metadata__: 'x' })), 'bad-metadata');
  rejects(raw(hdr({ w: 3 })), 'entry-not-object');
  rejects(raw(hdr({ w: { dtype: 'F32', shape: [2] } }), f32x2), 'entry-missing-field', /data_offsets/);
  rejects(raw(hdr({ w: { ...entry('F32', [2], 0, 8), extra: 1 } }), f32x2), 'entry-unknown-field');
  rejects(raw(hdr({ w: entry('F64', [1], 0, 8) }), f32x2), 'unknown-dtype', /F64/);
  rejects(raw(hdr({ w: entry('F32', [-2], 0, 8) }), f32x2), 'bad-shape');
  rejects(raw(hdr({ w: entry('F32', [2.5], 0, 8) }), f32x2), 'bad-shape');
  rejects(raw(hdr({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }), f32x2), 'bad-offsets');
  rejects(raw(hdr({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }), f32x2), 'bad-offsets');
  rejects(raw(hdr({ w: entry('F32', [3], 0, 8) }), f32x2), 'byte-length-mismatch', /expected 12 bytes/);
  rejects(raw(hdr({ w: entry('F32', [2], 4, 12) }), f32x2), 'offsets-out-of-range', /exceed the 8-byte buffer/);
  rejects(raw(hdr({ a: entry('F32', [2], 0, 8), b: entry('F32', [1], 4, 8) }), f32x2), 'overlap');
  rejects(raw(hdr({ a: entry('F32', [1], 4, 8) }), f32x2), 'hole');
  rejects(raw(hdr({ a: entry('F32', [1], 0, 4) }), f32x2), 'trailing-bytes');
  rejects(raw(hdr({}), Uint8Array.from([1])), 'trailing-bytes');
});

test('property: truncations and byte mutations of a valid file never throw anything but FormatError', () => {
  const valid = writeSafetensors(
    { 'layer.w': { dtype: 'F32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, 'layer.b': { dtype: 'I64', shape: [2], data: BigInt64Array.from([5n, 6n]) }, ids: { dtype: 'U8', shape: [3], data: Uint8Array.from([1, 2, 3]) } },
    { split: '2' },
  );
  const n = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));
  const original = parseSafetensors(valid);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(valid.length), fc.boolean(), (muts, cut, truncate) => {
      const bytes = valid.slice(0, truncate ? cut : valid.length);
      for (const [i, v] of muts) if (i < bytes.length) bytes[i] = v;
      let f;
      try {
        f = parseSafetensors(bytes);
      } catch (e) {
        assert.ok(e instanceof FormatError, `non-FormatError ${String(e)}`);
        return;
      }
      // It parsed: a strict prefix never does, and when only data bytes changed it is the same file
      // structure with exactly the mutated bytes.
      assert.ok(!truncate || cut === valid.length, 'a truncated file parsed');
      let total = 0;
      for (const e of f.tensors.values()) total += e.byteLength;
      assert.is(8 + (bytes.length - 8 - total) + total, bytes.length);
      if (muts.every(([i]) => i >= n)) {
        assert.equal([...f.tensors.keys()], [...original.tensors.keys()]);
        for (const [name, e] of f.tensors) assert.equal(new Uint8Array(e.data.buffer, e.data.byteOffset, e.byteLength), bytes.subarray(e.byteOffset, e.byteOffset + e.byteLength), name);
      }
    }),
    { seed: 22, numRuns: 400 },
  );
});

test('writer errors: dtype/data mismatch, shape/length mismatch, reserved name', () => {
  assert.throws(() => writeSafetensors({ w: { dtype: 'F16', shape: [1], data: new Float32Array(1) } }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => writeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array(1) } }), (e: unknown) => e instanceof ShapeError);
  assert.throws(() => writeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }), /reserved/);
});

test('tensorAsFloat32 converts F16/BF16 via the codecs and refuses inexact I64', () => {
  const x = Float32Array.from([0.1, -3, 65504, 1e-7]);
  const h = new Uint16Array(4);
  const b = new Uint16Array(4);
  f32ToF16(h, x);
  f32ToBf16(b, x);
  const f = parseSafetensors(writeSafetensors({ h: { dtype: 'F16', shape: [4], data: h }, b: { dtype: 'BF16', shape: [4], data: b } }));
  const hf = tensorAsFloat32(f.tensors.get('h')!);
  const bf = tensorAsFloat32(f.tensors.get('b')!);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(hf[i] - x[i]) <= Math.abs(x[i]) * 2 ** -11 + 2 ** -25);
    assert.ok(Math.abs(bf[i] - x[i]) <= Math.abs(x[i]) * 2 ** -8);
  }
  assert.throws(() => tensorAsFloat32({ dtype: 'I64', data: BigInt64Array.from([2n ** 60n]) }), (e: unknown) => e instanceof ValueError);
});


// Issue 15 item 4: deep nesting, duplicate keys below the top level, shape products past 2^53.
test('a header nested 5,000 levels deep (top level, __metadata__, an entry) is a bounded FormatError', () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  for (const h of [deep, `{"__metadata__":${deep}}`, `{"__metadata__":{"a":${deep}}}`, `{"w":${deep}}`, `{"w":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`]) {
    rejects(raw(h), 'header-too-deep', /nested too deeply: got more than 64 levels/);
  }
  rejects(raw('{"w":' + '{"a":'.repeat(40) + '1' + '}'.repeat(40) + '}'), 'entry-missing-field', /an object with 1 key/);
});

test('duplicate keys are refused at every level, not only the top one', () => {
  rejects(raw('{"__metadata__":{"split":"0","split":"9"}}'), 'duplicate-name', /"split" twice/);
  rejects(raw('{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(8)), 'duplicate-name', /"dtype" twice/);
  rejects(raw('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"data_\\u006fffsets":[0,8]}}', new Uint8Array(8)), 'duplicate-name', /"data_offsets" twice/);
  // Same key in sibling objects is fine.
  assert.is(parseSafetensors(raw('{"__metadata__":{"a":"1"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(8))).metadata.a, '1');
});

test('shape products are checked for overflow at every partial product', () => {
  const big = Number.MAX_SAFE_INTEGER;
  rejects(raw(hdr({ w: entry('F32', [big, big, 0], 0, 0) })), 'bad-shape', /partial byte product/);
  rejects(raw(hdr({ w: entry('U8', [2 ** 33, 0], 0, 0) })), 'bad-shape');
  assert.equal(parseSafetensors(raw(hdr({ w: entry('U8', [1000, 0], 0, 0) }))).tensors.get('w')!.shape, [1000, 0]);
});
test.run();
