import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextInput, padBatch } from '../../src/layers/text-input.js';
import { ArgumentError, ConfigError } from '../../src/tensor/errors.js';

const dir = join(process.cwd(), 'test', 'fixtures', 'tiny-bert');
const json = (f: string): object => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object;
const input = TextInput.fromJson(json('tokenizer.json'), json('tokenizer_config.json'), 16);

test('one text: [CLS] WordPiece ids [SEP], no padding, ids as floats [1,len]', () => {
  assert.equal(Array.from(input.ids('Hello, WORLD! free moneys')), [2, 35, 1, 36, 31, 33, 34, 37, 3]);
  const x = input.encode('spam');
  assert.equal([...x.shape], [1, 3]);
  assert.equal(Array.from(x.flat()), [2, 39, 3]);
});

test('truncation to maxLength with [CLS] and [SEP] kept', () => {
  const ids = input.ids('a '.repeat(40));
  assert.is(ids.length, 16);
  assert.equal([ids[0], ids[1], ids[14], ids[15]], [2, 5, 5, 3]);
  assert.is(input.maxLength, 16);
});

test('a batch is right-padded with [PAD] to its longest row, with the mask; equal lengths give no mask', () => {
  const b = input.encodeBatch(['hello world', 'spam', input.ids('the')]);
  assert.equal([...b.ids.shape], [3, 4]);
  assert.equal(Array.from(b.ids.flat()), [2, 35, 36, 3, 2, 39, 3, 0, 2, 38, 3, 0]);
  assert.equal(Array.from(b.mask ?? []), [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0]);
  assert.equal(Array.from(b.lengths), [4, 3, 3]);
  assert.is(input.encodeBatch(['spam', 'free']).mask, undefined);
  assert.throws(() => padBatch([], 0), (e: unknown) => e instanceof ArgumentError);
});

test('fromJson: a tokenizer file that is not a JSON object is a ConfigError naming the file', () => {
  assert.throws(() => TextInput.fromJson([] as unknown as object), (e: unknown) => e instanceof ConfigError && /tokenizer.json is not a JSON object: got an array/.test((e as Error).message));
});

test.run();
