import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorLine } from '../../src/node/cli.js';
import { ArgumentError } from '../../src/tensor/errors.js';
import { IoError } from '../../src/node/datasets/idx-file.js';

test('errorLine: named errors as one line, prefixed once', () => {
  assert.is(errorLine('run', new ArgumentError('--mu: bad: got x, expected y')), 'splitee run: --mu: bad: got x, expected y');
  assert.is(errorLine('run', new ArgumentError('run: unknown option: got --x')), 'splitee run: unknown option: got --x');
  assert.is(errorLine('run', new IoError("--report: cannot write: got '/x/y' (ENOSPC), expected a writable file")), "splitee run: --report: cannot write: got '/x/y' (ENOSPC), expected a writable file");
});

test('errorLine: an unwrapped file-system error names its path; any other error is a bug (null: the stack is kept)', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'splitee-cli-')), 'f');
  writeFileSync(file, '');
  let sys: unknown;
  try {
    writeFileSync(join(file, 'x'), '');
  } catch (e) {
    sys = e;
  }
  assert.match(errorLine('claims', sys) ?? '', /^splitee claims: open failed: got '.*\/f\/x' \(ENOTDIR\)/);
  assert.is(errorLine('run', new TypeError('x is undefined')), null);
  assert.is(errorLine('run', 'a string'), null);
});

test.run();
