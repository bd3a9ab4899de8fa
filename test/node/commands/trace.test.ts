import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ArgumentError } from '../../../src/tensor/errors.js';
import { IoError } from '../../../src/node/datasets/idx-file.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { encodeIdx } from '../../../src/tensor/io/idx.js';
import { parseTrace, traceHeader } from '../../../src/splitee/trace.js';
import { loadModel } from '../../../src/node/models/load.js';
import { ResNetModel } from '../../../src/layers/resnet.js';
import { run, writeExit } from '../../../src/node/commands/trace.js';
import { tmpRoot, writeTinyModel } from '../../helpers/tiny-model-dir.js';

const root = tmpRoot('splitee-trace-');
const modelDir = writeTinyModel(root, 'tiny');
const n = 7;
const pixels = new Uint8Array(n * 64).map((_, i) => (i * 73 + (i >> 6) * 11) % 256);
const labels = new Uint8Array([0, 1, 2, 0, 1, 2, 0]);
const imgs = join(root, 'imgs.idx.gz');
const labs = join(root, 'labs.idx');
writeFileSync(imgs, gzipSync(encodeIdx([n, 8, 8], pixels)));
writeFileSync(labs, encodeIdx([n], labels));

/** Runs the command with console.log/error captured. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const [log, error] = [console.log, console.error];
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => void (err += a.join(' ') + '\n');
  try {
    return { code: await run(argv), out, err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

async function rejects(fn: () => Promise<unknown>, ok: (e: unknown) => boolean): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.ok(ok(e), `unexpected error: ${String(e)}`);
    return;
  }
  assert.unreachable('expected a rejection');
}

test('writeExit: max softmax (6 decimals) and the first argmax per row', () => {
  const conf = new Float64Array(4);
  const pred = new Int32Array(4);
  writeExit(conf, pred, new Tensor(new Float32Array([0, Math.log(3), 0, 5, 5, 5]), [2, 3]), 2, 2, 0);
  assert.equal(Array.from(pred), [0, 1, 0, 0]);
  assert.equal(Array.from(conf), [0, 0.6, 0, 0.333333]);
});

test('trace over an IDX file with labels: CSV rows equal the model\'s own exits; JSON summary', async () => {
  const out = join(root, 't.csv');
  const r = await cli(['--model', modelDir, '--data', imgs, '--labels', labs, '--batch', '3', '--out', out, '--json']);
  assert.is(r.code, 0);
  const tr = parseTrace(readFileSync(out, 'utf8'), out);
  assert.is(tr.numExits, 3);
  assert.is(tr.numRows, n);
  assert.equal(Array.from(tr.label), Array.from(labels));
  const net = loadModel(modelDir).network as ResNetModel;
  const logits = net.forwardAll(net.prepareRaw(pixels));
  const conf = new Float64Array(n * 3);
  const pred = new Int32Array(n * 3);
  logits.forEach((l, k) => writeExit(conf, pred, l, k + 1, 3, 0));
  assert.equal(Array.from(tr.pred), Array.from(pred));
  assert.equal(Array.from(tr.conf), Array.from(conf));
  const summary = JSON.parse(r.out);
  assert.is(summary.samples, n);
  assert.is(summary.accuracy.length, 3);
  for (let k = 0; k < 3; k++) {
    let c = 0;
    for (let i = 0; i < n; i++) c += pred[i * 3 + k] === labels[i] ? 1 : 0;
    assert.is(summary.accuracy[k], c / n);
  }
});

test('no labels: label -1; --limit; a distortion changes the pixels but not the shape', async () => {
  const out = join(root, 'u.csv');
  const r = await cli(['--model', modelDir, '--data', imgs, '--limit', '4', '--distortion', 'gaussian-noise:3', '--seed', '5', '--out', out]);
  assert.is(r.code, 0);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.is(lines[0], traceHeader(3));
  assert.is(lines.length, 5);
  for (const l of lines.slice(1)) assert.ok(l.endsWith(',-1'), l);
  assert.match(r.err, /accuracy: no labels/);
  assert.match(r.err, /gaussian-noise:3, seed 5/);
});

test('argument errors: no --model, --json without --out, bad --limit, --labels with a named data set', async () => {
  await rejects(() => cli([]), (e: unknown) => e instanceof ArgumentError);
  await rejects(() => cli(['--model', modelDir, '--json']), (e: unknown) => e instanceof ArgumentError && /--json/.test((e as Error).message));
  await rejects(() => cli(['--model', modelDir, '--data', imgs, '--limit', '0']), (e: unknown) => e instanceof ArgumentError && /--limit/.test((e as Error).message));
  await rejects(() => cli(['--model', modelDir, '--data', 'fashion-mnist:test', '--labels', labs, '--out', join(root, 'x.csv')]), (e: unknown) => e instanceof ArgumentError);
  assert.is((await cli(['--help'])).code, 0);
});

test('a request the workers cannot load fails with the loader\'s or the source\'s own error (checked again in this thread), not the worker\'s', async () => {
  const plain = (cls: new (...a: never[]) => Error, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message) && !(e as Error).message.includes('trace worker');
  await rejects(() => cli(['--model', join(root, 'none'), '--workers', '2']), plain(IoError, /^loadModel: cannot read .*none/));
  await rejects(() => cli(['--model', modelDir, '--data', join(root, 'missing.idx'), '--workers', '2']), plain(IoError, /missing\.idx/));
  await rejects(() => cli(['--model', modelDir, '--data', 'fashion-mnist:nope', '--workers', '1']), plain(ArgumentError, /^trace: unknown data set: got 'fashion-mnist:nope'/));
});

test('--kernels and --workers: the summary names the table and the workers; the CSV is the same for every choice', async () => {
  const csv = (name: string) => readFileSync(join(root, name), 'utf8');
  const a = await cli(['--model', modelDir, '--data', imgs, '--labels', labs, '--batch', '2', '--out', join(root, 'k-auto.csv'), '--json']);
  const sa = JSON.parse(a.out);
  assert.is(sa.kernels.name, 'simd'); // auto, where WebAssembly SIMD runs
  assert.is(sa.workers, Math.min(4, Math.max(1, (await import('node:os')).availableParallelism())));
  const b = await cli(['--model', modelDir, '--data', imgs, '--labels', labs, '--batch', '2', '--kernels', 'fast', '--workers', '3', '--out', join(root, 'k-fast.csv'), '--json']);
  const sb = JSON.parse(b.out);
  assert.equal(sb.kernels, { name: 'fast', relaxed: false });
  assert.is(sb.workers, 3);
  assert.is(csv('k-fast.csv'), csv('k-auto.csv'));
  const c = await cli(['--model', modelDir, '--data', imgs, '--labels', labs, '--kernels', 'reference', '--workers', '1', '--out', join(root, 'k-ref.csv')]);
  assert.match(c.err, /kernels reference, 1 worker\)/);
  await rejects(() => cli(['--model', modelDir, '--data', imgs, '--kernels', 'gpu']), (e: unknown) => e instanceof ArgumentError && /^--kernels: unknown kernels: got 'gpu'/.test((e as Error).message));
  await rejects(() => cli(['--model', modelDir, '--data', imgs, '--workers', '0']), (e: unknown) => e instanceof ArgumentError && /^--workers: invalid value: got '0'/.test((e as Error).message));
});

test('--batch past the default simd memory: the worker sizes its table from it (a ResNet pass of 512 rows: one worker cuts only its last batch), the CSV equals batch 64\'s; a batch no memory holds is the loader\'s own error', async () => {
  const resnet = join(process.cwd(), 'weights', 'fmnist-resnet');
  const at = (batch: string) => ['--model', resnet, '--data', 'fashion-mnist:sample', '--limit', '520', '--kernels', 'simd', '--workers', '1', '--batch', batch];
  await cli([...at('512'), '--out', join(root, 'b512.csv')]);
  await cli([...at('64'), '--out', join(root, 'b64.csv')]);
  assert.is(readFileSync(join(root, 'b512.csv'), 'utf8'), readFileSync(join(root, 'b64.csv'), 'utf8'));
  await rejects(() => cli(at('4000')), (e: unknown) => e instanceof ArgumentError && /^simdMemoryFor: too much memory for one table: got \d+ MiB for 4000 rows/.test((e as Error).message));
});

test('a runtime without WebAssembly (node --noexpose-wasm): auto falls back to fast in every worker; --kernels simd is a clear error', () => {
  const spawnTrace = (extra: string[]) => spawnSync(process.execPath, ['--noexpose-wasm', '--import', 'tsx', 'src/node/cli.ts', 'trace', '--model', modelDir, '--data', imgs, '--labels', labs, '--workers', '2', '--batch', '2', ...extra], { encoding: 'utf8', timeout: 60_000 });
  const r = spawnTrace(['--out', join(root, 'nowasm.csv'), '--json']);
  assert.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.kernels, { name: 'fast', relaxed: false });
  assert.is(readFileSync(join(root, 'nowasm.csv'), 'utf8'), readFileSync(join(root, 'k-fast.csv'), 'utf8'));
  const bad = spawnTrace(['--kernels', 'simd', '--out', join(root, 'nowasm-simd.csv')]);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /WebAssembly is not available/);
  assert.not.match(bad.stderr, /\n\s+at /); // one line, no stack
});

test.run();
