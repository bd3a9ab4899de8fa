import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { formatTrace, parseTrace, requireLabels, traceHeader, type Trace } from '../../src/splitee/trace.js';
import { ArgumentError, FormatError } from '../../src/tensor/errors.js';

const H2 = 'exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,label';

function fails(text: string, pattern: RegExp): void {
  assert.throws(() => parseTrace(text, 't.csv'), (e: unknown) => e instanceof FormatError && pattern.test((e as Error).message));
}

test('parses a 2-exit trace, CRLF, BOM and a trailing newline', () => {
  const t = parseTrace(`\ufeff${H2}\r\n0.5,1,0.9,2,2\r\n1,0,0.25,3,1\r\n`);
  assert.is(t.numExits, 2);
  assert.is(t.numRows, 2);
  assert.equal([...t.conf], [0.5, 0.9, 1, 0.25]);
  assert.equal([...t.pred], [1, 2, 0, 3]);
  assert.equal([...t.label], [2, 1]);
});

test('label -1 marks an unlabelled row: parsed, round-tripped, refused by replay with its own error', () => {
  const t = parseTrace(`${H2}\n0.5,1,0.9,2,-1\n`);
  assert.equal([...t.label], [-1]);
  assert.is(formatTrace(t), `${H2}\n0.5,1,0.9,2,-1\n`);
  fails(`${H2}\n0.5,-1,0.9,2,1\n`, /line 2 column 2 .*not a class index/);
  assert.throws(() => requireLabels(t, 'replay'), (e: unknown) => e instanceof ArgumentError && /1 of 1 rows labelled -1/.test((e as Error).message));
});

// Issue 15 item 4: pandas writes an int column holding NaN as floats ('1.0'); the format promises pandas compatibility.
test('integral float labels and predictions (1.0, 2., -1.0) are class indices, as pandas writes them', () => {
  const t = parseTrace(`${H2}\n0.5,1.0,0.9,2.,1.0\n0.5,0,0.9,3.00,-1.0\n`);
  assert.equal([...t.pred], [1, 2, 0, 3]);
  assert.equal([...t.label], [1, -1]);
});

test('the header is checked column by column', () => {
  assert.is(traceHeader(1), 'exit_1_conf,exit_1_pred,label');
  fails('exit_1_conf,exit_1_pred\n0.5,1\n', /line 1: wrong header: got 2 columns/);
  fails('exit_1_conf,exit_2_pred,label\n0.5,1,1\n', /line 1 column 2: wrong header: got 'exit_2_pred', expected 'exit_1_pred'/);
  fails('', /empty input/);
  fails(`${H2}\n`, /no data rows/);
});

test('malformed rows name their line and column', () => {
  fails(`${H2}\n0.5,1,0.9,2\n`, /line 2: wrong field count: got 4, expected 5/);
  fails(`${H2}\n0.5,1,0.9,2,1\n0.5,1,abc,2,1\n`, /line 3 column 3 \(exit_2_conf\): not a number: got 'abc'/);
  fails(`${H2}\n0.5,1,NaN,2,1\n`, /column 3 \(exit_2_conf\): not a number: got 'NaN'/);
  fails(`${H2}\n1.5,1,0.9,2,1\n`, /column 1 \(exit_1_conf\): confidence out of range: got 1.5, expected a value in \[0, 1\]/);
  fails(`${H2}\n-0.1,1,0.9,2,1\n`, /confidence out of range: got -0.1/);
  fails(`${H2}\n0.5,1.5,0.9,2,1\n`, /column 2 \(exit_1_pred\): not a class index: got '1.5'/);
  fails(`${H2}\n0.5,1,0.9,2,1.5\n`, /column 5 \(label\): not a class index: got '1.5'/);
  fails(`${H2}\n0.5,1,0.9,2,-1.5\n`, /column 5 \(label\): not a class index: got '-1.5'/);
  fails(`${H2}\n0.5,1,0.9,2,${'9'.repeat(5000)}\n`, /class index too large: got '9{32}\.\.\.' \(5000 chars\)/);
  fails(`${H2}\n0.5,1,0.9,2,-2\n`, /column 5 \(label\): not a class index: got '-2', expected an integer >= 0 \(or -1: unlabelled\)/);
  fails(`${H2}\n0.5,1,0.9,2,1\n\n0.5,1,0.9,2,1\n`, /line 3: wrong field count: got 1/);
});

const traceArb = fc.integer({ min: 1, max: 5 }).chain((L) =>
  fc.integer({ min: 1, max: 20 }).chain((N) =>
    fc.record({
      conf: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: N * L, maxLength: N * L }),
      pred: fc.array(fc.nat({ max: 1000 }), { minLength: N * L, maxLength: N * L }),
      label: fc.array(fc.nat({ max: 1000 }), { minLength: N, maxLength: N }),
    }).map((r): Trace => ({ numExits: L, numRows: N, conf: Float64Array.from(r.conf), pred: Int32Array.from(r.pred), label: Int32Array.from(r.label) })),
  ),
);

test('format then parse is the identity (fast-check)', () => {
  fc.assert(
    fc.property(traceArb, (t) => {
      const u = parseTrace(formatTrace(t));
      return u.numExits === t.numExits && u.numRows === t.numRows && u.conf.every((v, i) => v === t.conf[i]) && u.pred.every((v, i) => v === t.pred[i]) && u.label.every((v, i) => v === t.label[i]);
    }),
    { seed: 42, numRuns: 200 },
  );
});

test('any corruption of one field is rejected with its line and column, never accepted silently (fast-check)', () => {
  const junk = fc.constantFrom('', 'x', 'NaN', '1e', '--1', '2', '-0.5', '0x1', ' ', '1,2', 'Infinity', '0.5.5');
  fc.assert(
    fc.property(traceArb, fc.nat(), fc.nat(), junk, (t, r0, c0, bad) => {
      const lines = formatTrace(t).trimEnd().split('\n');
      const r = 1 + (r0 % t.numRows);
      const fields = lines[r].split(',');
      const c = c0 % fields.length;
      const isConf = c < 2 * t.numExits && c % 2 === 0;
      // Values that are valid in that column are not corruptions.
      if (bad === '2' && !isConf) return true;
      fields[c] = bad;
      lines[r] = fields.join(',');
      try {
        parseTrace(lines.join('\n'), 'f.csv');
        return false;
      } catch (e) {
        return e instanceof FormatError && e.message.startsWith(`f.csv line ${r + 1}`);
      }
    }),
    { seed: 7, numRuns: 300 },
  );
});

test.run();
