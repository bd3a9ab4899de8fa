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
    assert.throws(() => createKernels('simd'), /Refused to compile/);
  });
});

test.run();
