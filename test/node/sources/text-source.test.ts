import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/node/commands/trace.js';
import { resolveTextSource } from '../../../src/node/sources/text-source.js';
import { loadModel } from '../../../src/node/models/load.js';
import { BertModel } from '../../../src/layers/bert.js';
import { parseTrace } from '../../../src/splitee/trace.js';
import { textInputFromModelDir } from '../../../src/node/models/text-input.js';
import { ArgumentError } from '../../../src/tensor/errors.js';

const model = join(process.cwd(), 'test', 'fixtures', 'tiny-bert');
const tmp = mkdtempSync(join(tmpdir(), 'splitee-trace-text-'));
const texts = ['hello world', 'free money!!! free money spam spam', 'the', 'a b c d e f g h i j k l m n o p q r s t u v', 'spam'];
const data = join(tmp, 'texts.jsonl');
writeFileSync(data, texts.map((t, i) => JSON.stringify({ text: t, label: ['a', 'b', 'c'][i % 3] })).join('\n'));

test('trace --model <text model> --data FILE.jsonl: one row per text; each row equals the text run alone', async () => {
  const out = join(tmp, 'trace.csv');
  const log = console.log;
  console.log = () => {};
  try {
    assert.is(await run(['--model', model, '--data', data, '--batch', '2', '--out', out, '--json']), 0);
  } finally {
    console.log = log;
  }
  const tr = parseTrace(readFileSync(out, 'utf8'));
  assert.equal([tr.numExits, tr.numRows], [3, 5]);
  assert.equal(Array.from(tr.label), [0, 1, 2, 0, 1]);
  const net = loadModel(model).network as BertModel;
  const input = textInputFromModelDir(model, 16);
  texts.forEach((t, r) => {
    const logits = net.forwardAll(input.encode(t));
    logits.forEach((lg, k) => {
      const x = Array.from(lg.flat());
      const m = Math.max(...x);
      const conf = 1 / x.reduce((s, v) => s + Math.exp(v - m), 0);
      assert.ok(Math.abs(tr.conf[r * 3 + k] - conf) <= 1e-6, `row ${r} exit ${k + 1}: ${tr.conf[r * 3 + k]} vs ${conf}`);
      assert.is(tr.pred[r * 3 + k], x.indexOf(m));
    });
  });
});

test('text sources reject image options', () => {
  const m = loadModel(model);
  const req = { data: data, labels: undefined, distortion: 'contrast:2', seed: 0, limit: undefined };
  assert.throws(() => resolveTextSource(m.network as BertModel, m.dir, req), (e: unknown) => e instanceof ArgumentError && /--distortion is for images/.test((e as Error).message));
  const src = resolveTextSource(m.network as BertModel, m.dir, { ...req, distortion: undefined, limit: 2 });
  assert.is(src.count, 2);
  assert.equal([...src.batch(0, 2).shape], [2, 11]);
  assert.equal(Array.from(src.mask?.(0, 2) ?? []).slice(0, 11).join(''), '11110000000');
});

test('cleanup', () => rmSync(tmp, { recursive: true, force: true }));

test.run();
