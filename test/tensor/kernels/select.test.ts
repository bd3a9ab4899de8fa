// createKernels' choice and the names reports give it: 'auto' falls back to fast without WebAssembly
// (a stubbed global: absent, or one that refuses to compile as under a CSP without
// 'wasm-unsafe-eval'); kernelsInfo / formatKernelsInfo of the tables made (the names alone: kinds.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../src/tensor/errors.js';
import { createKernels, formatKernelsInfo, kernelsInfo } from '../../../src/tensor/kernels/index.js';

const g = globalThis as { WebAssembly?: unknown };

/** Runs fn with globalThis.WebAssembly replaced by `stub` (undefined: absent), restored after. */
function withWasm<T>(stub: unknown, fn: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!;
  Object.defineProperty(globalThis, 'WebAssembly', { value: stub, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    Object.defineProperty(globalThis, 'WebAssembly', saved);
  }
}

test('auto takes simd here (Node >= 20 validates SIMD128); kernelsInfo says so', () => {
  const k = createKernels('auto');
  assert.is(k.name, 'simd');
  const info = kernelsInfo(k);
  assert.is(info.name, 'simd');
  assert.is(typeof info.relaxed, 'boolean');
  assert.is(formatKernelsInfo(info), info.relaxed ? 'simd (relaxed SIMD)' : 'simd (SIMD128)');
  assert.equal(kernelsInfo(createKernels('fast')), { name: 'fast', relaxed: false });
  assert.is(formatKernelsInfo(kernelsInfo(createKernels('reference'))), 'reference');
});

test('auto without WebAssembly: fast; simd without it: a ConfigError naming the fallback', () => {
  withWasm(undefined, () => {
    assert.is(g.WebAssembly, undefined);
    assert.is(createKernels('auto').name, 'fast');
    assert.throws(() => createKernels('simd'), (e: unknown) => e instanceof ConfigError && /WebAssembly is not available.*use kernels "fast"/.test((e as Error).message));
  });
  assert.is(createKernels('auto').name, 'simd'); // restored
});

test('auto where compiling is refused (a CSP without wasm-unsafe-eval): fast', () => {
  const real = g.WebAssembly as { validate(b: Uint8Array): boolean; Memory: unknown; Instance: unknown };
  const refusing = {
    validate: (b: Uint8Array) => real.validate(b),
    Module: function Module() {
      throw new Error('WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because \'wasm-unsafe-eval\' is not an allowed source');
    },
    Memory: real.Memory,
    Instance: real.Instance,
  };
  withWasm(refusing, () => {
    assert.is(createKernels('auto').name, 'fast');
    assert.throws(() => createKernels('simd'), (e: unknown) => e instanceof ConfigError && /^simd kernels: the runtime refused to compile the module: got 'WebAssembly.Module\(\): Refused to compile .*', expected it done; use kernels "fast"/.test((e as Error).message));
  });
});

test('a memory the runtime cannot reserve (a small board, a 32-bit host): auto takes fast; simd is a ConfigError naming the size', () => {
  const real = g.WebAssembly as { validate(b: Uint8Array): boolean; Module: unknown; Instance: unknown };
  const small = {
    validate: (b: Uint8Array) => real.validate(b),
    Module: real.Module,
    Memory: function Memory() {
      throw new RangeError('WebAssembly.Memory(): could not allocate memory');
    },
    Instance: real.Instance,
  };
  withWasm(small, () => {
    assert.is(createKernels('auto', { memoryBytes: 256 << 20 }).name, 'fast');
    assert.throws(
      () => createKernels('simd', { memoryBytes: 256 << 20 }),
      (e: unknown) => e instanceof ConfigError && e.cause instanceof RangeError && /^simd kernels: the runtime refused to allocate the table's memory of 256 MiB: got 'WebAssembly.Memory\(\): could not allocate memory', expected it done; use kernels "fast" \(or, for the memory, fewer rows per forward pass\)$/.test(e.message),
    );
  });
});

test.run();
