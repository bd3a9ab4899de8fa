import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bertEncode, bertTokenizer } from '../../src/layers/bert-tokenizer.js';
import { ArgumentError } from '../../src/tensor/errors.js';

const dir = join(process.cwd(), 'weights', 'spam-bert');
const json = (f: string): object => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object;
const tok = bertTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const fixtures = readFileSync(join(dir, 'tokenizer-fixtures.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { id: string; text: string; ids: number[] });

test('the fixtures cover >= 1,000 texts, odd ones included', () => {
  assert.ok(fixtures.length >= 1000, `${fixtures.length} fixtures`);
  assert.ok(fixtures.filter((f) => f.id.startsWith('odd/')).length >= 20);
});

test('tokenizers.js ids equal the training-time (Python) ids on every fixture', () => {
  const bad: string[] = [];
  for (const f of fixtures) {
    const got = Array.from(bertEncode(tok, f.text).inputIds);
    if (got.length !== f.ids.length || got.some((v, i) => v !== f.ids[i])) bad.push(f.id);
  }
  assert.equal(bad, []);
});

test('special ids, vocabulary layout and the config', () => {
  assert.equal([tok.padId, tok.clsId, tok.sepId], [0, 2, 3]);
  assert.is(tok.tokenizer.token_to_id('[UNK]'), 1);
  assert.is(tok.tokenizer.token_to_id('[MASK]'), 4);
  assert.is(tok.maxLength, 128);
  const vocab = readFileSync(join(dir, 'vocab.txt'), 'utf8').split('\n').filter((l) => l !== '');
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { vocab_size: number };
  assert.is(vocab.length, config.vocab_size);
  assert.is(tok.tokenizer.token_to_id(vocab[1000]!), 1000);
});

test('BERT normalisation: lowercase, accents stripped, punctuation split, CJK spaced, long words [UNK]', () => {
  assert.equal(tok.tokenizer.encode('Café, NAÏVE!', { add_special_tokens: false }).tokens, ['cafe', ',', 'na', '##ive', '!']);
  const cjk = tok.tokenizer.encode('中文', { add_special_tokens: false }).tokens;
  assert.is(cjk.length, 2);
  assert.equal(tok.tokenizer.encode('a'.repeat(101), { add_special_tokens: false }).tokens, ['[UNK]']);
  assert.equal(bertEncode(tok, '').inputIds, Int32Array.of(2, 3));
});

test('truncation to 128 with [CLS]/[SEP], padding and attention mask as BERT', () => {
  const long = 'word '.repeat(500);
  const e = bertEncode(tok, long);
  assert.is(e.length, 128);
  assert.is(e.inputIds.length, 128);
  assert.is(e.inputIds[0], 2);
  assert.is(e.inputIds[127], 3);
  assert.ok(e.attentionMask.every((m) => m === 1));
  const s = bertEncode(tok, 'hello world', 128);
  assert.is(s.inputIds.length, 128);
  assert.is(s.length, 4);
  assert.equal(Array.from(s.attentionMask.slice(0, 5)), [1, 1, 1, 1, 0]);
  assert.ok(s.inputIds.slice(4).every((v) => v === 0));
  assert.is(s.inputIds[3], 3);
  // a shorter padTo truncates to padTo - 2 content tokens
  const p = bertEncode(tok, long, 16);
  assert.equal([p.inputIds.length, p.length, p.inputIds[15]], [16, 16, 3]);
  assert.throws(() => bertEncode(tok, 'x', 129), (err: unknown) => err instanceof ArgumentError && /padTo: got 129/.test((err as Error).message));
});

test.run();
