// The simd table never detaches an ArrayBuffer (its memory is never grown: a grow detaches the old
// buffer and, in Node 20, invalidates V8's ArrayBufferDetaching protector, slowing every typed-array
// access in the process; bench/README.md "A 25% trap"). A child process under
// --trace-protector-invalidation prints READY, builds a table, runs gemm and conv2d (copy and in-place
// operands, and a call too large for the memory, which falls back), builds the fmnist ResNet and
// spam-bert on simd tables (weights, packs, arenas in their memories) and runs forwards (batch 1 and 8,
// a padded batch, runStages across stages), and prints DONE: nothing may be invalidated between the marks. The control grows a WebAssembly.Memory instead and must show it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = process.cwd();

function child(control: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'splitee-simd-detach-'));
  const script = join(dir, 'child.mts');
  writeFileSync(script, `
import { createSimdKernels, gemmPlan, conv2dPlan } from ${JSON.stringify(join(ROOT, 'src/tensor/kernels/index.ts'))};
import { loadModel } from ${JSON.stringify(join(ROOT, 'src/node/models/load.ts'))};
import { Tensor } from ${JSON.stringify(join(ROOT, 'src/tensor/tensor.ts'))};
console.log('READY'); // before the first table: a protector falls only once per process
const k = createSimdKernels({ relaxed: false, memoryBytes: 1 << 20 });
const a = new Float32Array(64 * 64).fill(0.5), c = new Float32Array(64 * 64), big = new Float32Array(512 * 512);
const am = k.allocate(64 * 64); am.fill(0.25);
const cp = conv2dPlan([2, 4, 12, 12], [8, 4, 3, 3], { padding: 1, activation: 'relu', bias: false });
const x = new Float32Array(2 * 4 * 144).fill(1), w = new Float32Array(8 * 36).fill(0.1), o = new Float32Array(2 * 8 * 144);
for (let i = 0; i < 20; i++) {
  k.gemm(c, a, a, null, gemmPlan([64, 64], [64, 64]));
  k.gemm(c, am, am, null, gemmPlan([64, 64], [64, 64], { transB: true }));
  k.conv2d(o, x, w, null, cp, null);
}
k.gemm(big, big, big, null, gemmPlan([512, 512], [512, 512]));
// Both models built on simd tables (weights, packs and arenas in the fixed memories) and run forward.
const resnet = loadModel(${JSON.stringify(join(ROOT, 'weights/fmnist-resnet'))}, { kernels: 'simd' }).network as any;
const bert = loadModel(${JSON.stringify(join(ROOT, 'weights/spam-bert'))}, { kernels: 'simd' }).network as any;
for (const n of [1, 8]) resnet.forwardAll(new Tensor(new Float32Array(n * 784).fill(0.3), [n, 1, 28, 28]));
const ids = Float32Array.from({ length: 2 * 64 }, (_, i) => 5 + ((i * 7919) % 1000));
const mask = Float32Array.from({ length: 2 * 64 }, (_, i) => (i % 64 < 40 || i < 64 ? 1 : 0));
bert.forwardAll(new Tensor(ids, [2, 64]), mask);
bert.runStages(2, 4, bert.runStages(0, 2, new Tensor(ids.subarray(0, 64), [1, 64])));
if (resnet.kernels.name !== 'simd' || bert.kernels.name !== 'simd') throw new Error('models did not build on simd tables');
${control ? 'new WebAssembly.Memory({ initial: 1, maximum: 2 }).grow(1);' : ''}
console.log('DONE');
`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--trace-protector-invalidation', '--import', 'tsx', script], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(new Error(`simd detach child failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const between = (out: string) => {
  const a = out.indexOf('READY\n');
  const b = out.indexOf('DONE\n');
  assert.ok(a >= 0 && b > a, `markers missing in child output: ${out.slice(0, 500)}`);
  return out.slice(a, b + 5);
};

test('simd kernels never detach an ArrayBuffer; growing a WebAssembly.Memory does (the control)', async () => {
  const [ours, control] = await Promise.all([child(false), child(true)]);
  assert.not.match(between(ours), /ArrayBufferDetaching/);
  between(control);
  // The control is looked for in its whole output: in a loaded full run the protector may already fall before READY.
  assert.match(control, /Invalidating protector cell ArrayBufferDetaching/);
});

test.run();
