import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { textInputFromModelDir } from '../../../src/node/models/text-input.js';
import { SpliteeError } from '../../../src/tensor/errors.js';

const dir = join(process.cwd(), 'test', 'fixtures', 'tiny-bert');

test('the tokenizer files of a model folder give the same ids as the core TextInput', () => {
  assert.equal(Array.from(textInputFromModelDir(dir, 16).ids('Hello, WORLD! free moneys')), [2, 35, 1, 36, 31, 33, 34, 37, 3]);
});

test('a folder without tokenizer files is an E_IO error naming the path', () => {
  assert.throws(() => textInputFromModelDir(join(dir, 'nope')), (e: unknown) => e instanceof SpliteeError && e.code === 'E_IO' && /nope\/tokenizer.json/.test((e as Error).message));
});

test.run();
