import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/tensor/errors.js';
import { parseSafetensors, writeSafetensors } from '../../src/tensor/io/safetensors.js';
import { WeightStore } from '../../src/layers/weights.js';

const rec = () => ({
  'a.weight': { shape: [2, 3], data: new Float32Array(6).map((_, i) => i) },
  'a.bias': { shape: [2], data: new Float32Array([1, 2]) },
});

function configError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && re.test((e as Error).message));
}

test('take hands out each tensor once with its shape; finish passes when all are used', () => {
  const ws = new WeightStore(rec());
  assert.equal(Array.from(ws.take('a.bias', [2])), [1, 2]);
  assert.is(ws.take('a.weight', [2, 3]).length, 6);
  ws.finish();
  configError(() => ws.take('a.bias', [2]), /'a.bias' taken twice/);
});

test('missing tensor: names it, the source and the expected shape', () => {
  const ws = new WeightStore(rec(), 'm.safetensors');
  configError(() => ws.take('b.weight', [4, 4]), /^weights: tensor 'b.weight' is missing: got no such tensor in m.safetensors, expected shape \[4,4\] \(from config.json\)$/);
});

test('misshaped tensor: names it and both shapes', () => {
  const ws = new WeightStore(rec());
  configError(() => ws.take('a.weight', [3, 2]), /'a.weight' has the wrong shape: got \[2,3\] in model.safetensors, expected \[3,2\]/);
});

test('extra tensor: finish names the first unused one, its shape and the count', () => {
  const ws = new WeightStore({ ...rec(), 'c.x': { shape: [5], data: new Float32Array(5) }, 'd.y': { shape: [1], data: new Float32Array(1) } });
  ws.take('a.weight', [2, 3]);
  ws.take('a.bias', [2]);
  assert.equal(ws.unused(), ['c.x', 'd.y']);
  configError(() => ws.finish(), /'c.x' is not used by the network: got \[5\].*expected no such tensor.*\(and 1 more: d.y\)/);
});

test('reads a SafetensorsFile; F16 is widened; integer dtypes are rejected; num_batches_tracked ignored', () => {
  const bytes = writeSafetensors({
    w: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
    i: { dtype: 'I32', shape: [1], data: new Int32Array([3]) },
    'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: new BigInt64Array([5n]) },
  });
  const ws = new WeightStore(parseSafetensors(bytes));
  assert.equal(Array.from(ws.take('w', [2])), [1, -2]);
  configError(() => ws.take('i', [1]), /'i' \[1\] has a non-float dtype: got I32/);
  assert.equal(ws.unused(), ['i']);
});

test.run();
