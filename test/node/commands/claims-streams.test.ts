// The streams of `splitee claims`: what a stream means per model kind, and the trace cache's errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStreams, isText, traceStreams } from '../../../src/node/commands/claims-streams.js';
import { loadModel } from '../../../src/node/models/load.js';
import { FormatError } from '../../../src/tensor/errors.js';

const tinyBert = loadModel(join(process.cwd(), 'test', 'fixtures', 'tiny-bert'));
const resnet = loadModel(join(process.cwd(), 'weights', 'fmnist-resnet'));
const tmp = mkdtempSync(join(tmpdir(), 'splitee-claims-streams-'));

test('defaultStreams: image = clean + every deployment distortion; text = --data or the deployment stream', () => {
  assert.equal([isText(resnet), isText(tinyBert)], [false, true]);
  const img = defaultStreams(resnet, undefined);
  assert.is(img[0], 'clean');
  assert.ok(img.length > 1 && img.slice(1).every((s) => s.endsWith(':deploy')), img.join());
  assert.equal(defaultStreams(tinyBert, undefined), ['spam-assassin:target']);
  assert.equal(defaultStreams(tinyBert, 'x.jsonl'), ['x.jsonl']);
});

test('traceStreams: a cached trace whose metadata is not JSON is a FormatError naming the file', async () => {
  const dir = join(tmp, 'traces');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'x_jsonl.csv'), 'exit_1_conf,exit_1_pred,label\n');
  writeFileSync(join(dir, 'x_jsonl.json'), '{"model_sha256": "ab'); // truncated
  try {
    await traceStreams(tinyBert, ['x.jsonl'], dir, undefined, undefined, null, { kernels: 'fast', workers: 1 });
    assert.unreachable('accepted');
  } catch (e) {
    assert.ok(e instanceof FormatError, String(e));
    assert.match((e as Error).message, /x_jsonl\.json/);
  }
});

test('traceStreams: a stream that fails in its worker rejects with that error, and the progress bar is stopped', async () => {
  const calls: string[] = [];
  const bar = { start: () => calls.push('start'), update: () => calls.push('update'), setTotal: () => calls.push('setTotal'), stop: () => calls.push('stop'), increment: () => {} };
  try {
    await traceStreams(tinyBert, [join(tmp, 'missing.jsonl')], join(tmp, 'traces-missing'), undefined, undefined, bar as never, { kernels: 'fast', workers: 1 });
    assert.unreachable('accepted');
  } catch (e) {
    assert.match((e as Error).message, /missing\.jsonl.*ENOENT/);
  }
  assert.equal([calls[0], calls[calls.length - 1]], ['start', 'stop']);
});

test('traceStreams: the cache is keyed by the kernel table too: reused on the same table, recomputed on another', async () => {
  const data = join(tmp, 'k.jsonl');
  writeFileSync(data, ['win a prize now', 'meeting at noon', 'lunch?'].map((text, i) => JSON.stringify({ text, label: ['a', 'b', 'c'][i % 3] })).join('\n') + '\n');
  const dir = join(tmp, 'traces-kernels');
  const csv = join(dir, data.replace(/[^a-z0-9-]+/gi, '_') + '.csv');
  const sidecar = () => JSON.parse(readFileSync(csv.replace(/\.csv$/, '.json'), 'utf8')) as { kernels: string };
  const on = (kernels: 'fast' | 'reference') => traceStreams(loadModel(join(process.cwd(), 'test', 'fixtures', 'tiny-bert'), { kernels }), [data], dir, undefined, undefined, null, { kernels, workers: 1 });
  await on('fast');
  assert.is(sidecar().kernels, 'fast');
  const first = statSync(csv).mtimeMs;
  await new Promise((r) => setTimeout(r, 20));
  await on('fast');
  assert.is(statSync(csv).mtimeMs, first, 'reused on the same table');
  await on('reference');
  assert.is(sidecar().kernels, 'reference', 'recomputed on another table');
});

test('cleanup', () => rmSync(tmp, { recursive: true, force: true }));

test.run();
