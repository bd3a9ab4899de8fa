import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTextData, readTextJsonl, TEXT_SOURCES } from '../../../src/node/datasets/text-data.js';
import { ArgumentError, FormatError } from '../../../src/tensor/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'splitee-text-'));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

test('JSONL: text and label (index, class name, missing, null); blank lines skipped; ids', () => {
  const p = file('a.jsonl', '{"text":"hi","label":1}\n\n{"text":"yo","label":"ham","id":"x7"}\n{"text":"z"}\n{"text":"w","label":null}\n');
  const d = readTextJsonl(p, ['ham', 'spam'], 2);
  assert.equal(d.texts, ['hi', 'yo', 'z', 'w']);
  assert.equal(Array.from(d.labels), [1, 0, -1, -1]);
  assert.equal(d.ids, ['line 1', 'x7', 'line 4', 'line 5']);
  assert.is(loadTextData(p, ['ham', 'spam'], 2).description, p);
});

test('JSONL errors name the file and the line', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => readTextJsonl(file('b.jsonl', text), ['ham', 'spam'], 2), (e: unknown) => e instanceof FormatError && re.test((e as Error).message));
  bad('{"text":"a"}\n{oops', /line 2: not JSON/);
  bad('{"label":1}', /line 1: no text/);
  bad('{"text":"a","label":2}', /line 1: invalid label: got 2, expected an integer in \[0,2\) or one of "ham", "spam"/);
  bad('{"text":"a","label":"eggs"}', /invalid label: got "eggs"/);
  bad('\n\n', /no samples/);
  assert.throws(() => readTextJsonl(join(tmp, 'missing.jsonl'), null, 2), (e: unknown) => (e as { code?: string }).code === 'E_IO');
});

test('spam-assassin specs: the known splits, and unknown ones are an ArgumentError', () => {
  assert.equal(TEXT_SOURCES, ['spam-assassin:source-train', 'spam-assassin:source-heldout', 'spam-assassin:source', 'spam-assassin:target']);
  assert.throws(() => loadTextData('spam-assassin:tomorrow', null, 2), (e: unknown) => e instanceof ArgumentError && /got 'spam-assassin:tomorrow'/.test((e as Error).message));
  assert.throws(() => loadTextData('spam-assassin:target', null, 3), (e: unknown) => e instanceof ArgumentError && /2 classes/.test((e as Error).message));
});

test('spam-assassin:source-heldout: 600 texts, 500 ham and 100 spam', () => {
  const d = loadTextData('spam-assassin:source-heldout', ['ham', 'spam'], 2);
  assert.is(d.texts.length, 600);
  assert.is(d.labels.reduce((a, b) => a + b, 0), 100);
});

// Issue 15 item 4: a label nested 5,000 deep was JSON.stringified into the message (stack overflow).
test('JSONL: a deep label or line is a bounded FormatError, never a stack overflow', () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  for (const line of [`{"text":"a","label":${deep}}`, deep, `{"text":"a","label":[${'[1],'.repeat(20)}1]}`]) {
    assert.throws(
      () => readTextJsonl(file('deep.jsonl', line), ['ham', 'spam'], 2),
      (e: unknown) => e instanceof FormatError && /line 1: /.test((e as Error).message) && (e as Error).message.length < 300,
    );
  }
});

test('cleanup', () => rmSync(tmp, { recursive: true, force: true }));

test.run();
