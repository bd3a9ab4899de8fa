// createKernels' choice and the names reports give it: 'auto' falls back to fast without WebAssembly
// (a stubbed global: absent, or one that refuses to compile as under a CSP without
// 'wasm-unsafe-eval'); kernelsInfo / formatKernelsInfo / parseKernelsKind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, ConfigError } from '../../../src/tensor/errors.js';
import { createKernels, formatKernelsInfo, kernelsInfo, parseKernelsKind, KERNEL_KINDS } from '../../../src/tensor/kernels/index.js';

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

test('parseKernelsKind: the four kinds; anything else an ArgumentError naming where, bounded', () => {
  for (const k of KERNEL_KINDS) assert.is(parseKernelsKind(k, '--kernels'), k);
  assert.throws(() => parseKernelsKind('gpu', '--kernels'), (e: unknown) => e instanceof ArgumentError && (e as Error).message === "--kernels: unknown kernels: got 'gpu', expected one of auto|simd|fast|reference");
  assert.throws(() => parseKernelsKind('x'.repeat(1000), 'w'), (e: unknown) => e instanceof ArgumentError && (e as Error).message.length < 150);
  assert.throws(() => parseKernelsKind('SIMD', 'w'), (e: unknown) => e instanceof ArgumentError);
});

test.run();
