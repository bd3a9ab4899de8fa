import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from '../../../src/node/report/write-files.js';
import { IoError } from '../../../src/node/datasets/idx-file.js';

const tmp = mkdtempSync(join(tmpdir(), 'splitee-write-files-'));

test('writeFiles: creates the folder and writes each file in order', () => {
  const dir = join(tmp, 'a', 'b');
  assert.equal(writeFiles(dir, [['x.txt', 'x'], ['y.txt', 'y']], '--report'), [join(dir, 'x.txt'), join(dir, 'y.txt')]);
  assert.is(readFileSync(join(dir, 'y.txt'), 'utf8'), 'y');
});

test('writeFiles: a file where the folder should be is an IoError naming the path', () => {
  const file = join(tmp, 'plain-file');
  writeFileSync(file, '');
  try {
    writeFiles(join(file, 'report'), [['x.txt', 'x']], '--report');
    assert.unreachable('accepted');
  } catch (e) {
    assert.ok(e instanceof IoError, String(e));
    assert.match((e as Error).message, /^--report: cannot create the folder: got '.*plain-file\/report' \(ENOTDIR\)/);
  }
});

test('writeFiles: a folder where a file should be is an IoError naming the file', () => {
  const dir = join(tmp, 'c');
  writeFiles(join(dir, 'x.txt'), [], '--report'); // x.txt is now a folder
  try {
    writeFiles(dir, [['x.txt', 'x']], 'claims');
    assert.unreachable('accepted');
  } catch (e) {
    assert.ok(e instanceof IoError, String(e));
    assert.match((e as Error).message, /^claims: cannot write: got '.*c\/x\.txt' \(EISDIR\)/);
  }
});

test.run();
