// Fuzz: the text formats read from users' files: the trace CSV (parseTrace) and JSONL text data sets
// (parseTextJsonl). Only named errors may escape; inputs that once failed are replayed from corpus/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseTrace } from '../../src/splitee/trace.js';
import { parseTextJsonl } from '../../src/node/datasets/text-data.js';
import { campaign, corpus, deepText, mutatedBytes, mutatedJsonText, onlyNamed } from './fuzz-kit.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const trace = (t: string) => onlyNamed(() => parseTrace(t, 'fuzz.csv'));
const jsonl = (t: string) => onlyNamed(() => parseTextJsonl(t, 'fuzz.jsonl', ['ham', 'spam'], 2));

test('corpus: every trace / JSONL input that once failed is a named error (or parses) now', () => {
  const cases = corpus('text');
  assert.ok(cases.length > 0);
  for (const c of cases) {
    const t = dec.decode(c.bytes);
    trace(t);
    jsonl(t);
  }
});

const H2 = 'exit_1_conf,exit_1_pred,exit_2_conf,exit_2_pred,label';
const FIELD = fc.oneof(
  fc.constantFrom('0', '1', '-1', '1.0', '1.5', '-1.0', '0.5', '1e-3', '2.', '.5', 'NaN', 'Infinity', '', ' 1', '99999999999', '1e400', '-0', '0x1'),
  fc.double().map(String),
  fc.integer().map(String),
  fc.string({ maxLength: 6 }),
);
const ROW = fc.array(FIELD, { minLength: 3, maxLength: 7 }).map((f) => f.join(','));

test('fuzz trace CSV: 10,000 generated tables (pandas-like fields, wrong counts, junk)', () => {
  const arb = fc.tuple(fc.constantFrom(H2, 'exit_1_conf,exit_1_pred,label', H2.replace('label', 'lbl'), '\ufeff' + H2, ''), fc.array(ROW, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'));
  campaign(arb.map(([h, rows, nl]) => [h, ...rows].join(nl) + nl), trace, 1701);
});

test('fuzz trace CSV: 10,000 byte-mutated traces', () => {
  const base = enc.encode(`${H2}\n0.5,1,0.9,2,1\n0.25,0,1,3,-1\n1.0,2.0,0,1,0.0\n`);
  campaign(mutatedBytes([base], 6).map((b) => dec.decode(b)), trace, 1702);
});

test('fuzz JSONL: 10,000 files of mutated lines (deep labels, hostile values, junk)', () => {
  const line = fc.oneof(
    mutatedJsonText({ text: 'hi', label: 1, id: 'x' }),
    fc.constantFrom('', '{}', '[]', 'null', '{"text":"a","label":"spam"}', `{"text":"a","label":${deepText(5000)}}`, '{"text":"a","label":1.5}'),
    fc.string({ maxLength: 12 }),
  );
  campaign(fc.array(line, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('\n')), jsonl, 1703);
});

test.run();
