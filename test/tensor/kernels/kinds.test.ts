// The kernel tables' names without the tables (src/tensor/kernels/kinds.ts): parseKernelsKind, the report wording,
// kernelsInfo of any object with a name; kinds.ts imports no kernel (a command's front end loads it alone).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { ArgumentError } from '../../../src/tensor/errors.js';
import { formatKernelsInfo, kernelsInfo, parseKernelsKind, KERNEL_KINDS } from '../../../src/tensor/kernels/kinds.js';
import { parseImports } from '../../helpers/import-graph.js';

test('parseKernelsKind: the four kinds; anything else an ArgumentError naming where, bounded', () => {
  for (const k of KERNEL_KINDS) assert.is(parseKernelsKind(k, '--kernels'), k);
  assert.throws(() => parseKernelsKind('gpu', '--kernels'), (e: unknown) => e instanceof ArgumentError && (e as Error).message === "--kernels: unknown kernels: got 'gpu', expected one of auto|simd|fast|reference");
  assert.throws(() => parseKernelsKind('x'.repeat(1000), 'w'), (e: unknown) => e instanceof ArgumentError && (e as Error).message.length < 150);
  assert.throws(() => parseKernelsKind('SIMD', 'w'), (e: unknown) => e instanceof ArgumentError);
});

test('kernelsInfo / formatKernelsInfo: relaxed only from a true flag; the wording of each table', () => {
  assert.equal(kernelsInfo({ name: 'simd', relaxed: true } as { name: string }), { name: 'simd', relaxed: true });
  assert.equal(kernelsInfo({ name: 'fast' }), { name: 'fast', relaxed: false });
  assert.is(formatKernelsInfo({ name: 'simd', relaxed: true }), 'simd (relaxed SIMD)');
  assert.is(formatKernelsInfo({ name: 'simd', relaxed: false }), 'simd (SIMD128)');
  assert.is(formatKernelsInfo({ name: 'reference', relaxed: false }), 'reference');
});

test('kinds.ts imports only the errors (no kernel table)', () => {
  assert.equal(parseImports(readFileSync('src/tensor/kernels/kinds.ts', 'utf8')), ['../errors.js']);
});

test.run();
