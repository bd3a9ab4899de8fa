import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { groupLabel, loadSpamAssassin, sourceHeldoutIds } from '../../../src/node/datasets/spam-assassin.js';
import { ArgumentError } from '../../../src/tensor/errors.js';

const count = (xs: { label: number }[], label: number): number => xs.filter((x) => x.label === label).length;

test('split sizes and class counts', () => {
  const train = loadSpamAssassin('source-train');
  const held = loadSpamAssassin('source-heldout');
  const source = loadSpamAssassin('source');
  const target = loadSpamAssassin('target');
  assert.equal([train.length, count(train, 0), count(train, 1)], [2400, 2000, 400]);
  assert.equal([held.length, count(held, 0), count(held, 1)], [600, 500, 100]);
  assert.equal([source.length, count(source, 0), count(source, 1)], [3000, 2500, 500]);
  assert.equal([target.length, count(target, 0), count(target, 1)], [3046, 1650, 1396]);
});

test('splits are disjoint, ids unique, source = train + held-out, groups as documented', () => {
  const train = loadSpamAssassin('source-train');
  const held = loadSpamAssassin('source-heldout');
  const source = loadSpamAssassin('source');
  const target = loadSpamAssassin('target');
  const ids = new Set([...train, ...held].map((s) => s.id));
  assert.is(ids.size, 3000);
  assert.equal(new Set(source.map((s) => s.id)), ids);
  assert.ok(target.every((s) => !ids.has(s.id)));
  assert.equal([...new Set(source.map((s) => s.id.split('/')[0]))], ['easy-ham-1', 'spam-1']);
  assert.equal([...new Set(target.map((s) => s.id.split('/')[0]))], ['easy-ham-2', 'hard-ham-1', 'spam-2']);
  assert.ok(target.every((s) => s.label === (s.id.startsWith('spam-') ? 1 : 0)));
  assert.is(target[0]!.id, 'easy-ham-2/00001');
});

test('the held-out split is deterministic and independent of the input order', () => {
  const source = loadSpamAssassin('source');
  const a = sourceHeldoutIds(source);
  const b = sourceHeldoutIds(source.slice().reverse());
  assert.equal(a, b);
  assert.equal(new Set(loadSpamAssassin('source-heldout').map((s) => s.id)), a);
});

test('texts are parsed: subject first, no raw headers, non-empty for almost all emails', () => {
  const target = loadSpamAssassin('target');
  const first = target[0]!;
  assert.ok(!/^Return-Path:|^Received:/m.test(first.text), first.text.slice(0, 200));
  assert.ok(target.filter((s) => s.text.length < 10).length < 10);
  assert.ok(target.filter((s) => /<\/?(html|body|table|font)\b/i.test(s.text)).length < 30);
});

test('errors name the bad argument', () => {
  assert.throws(() => loadSpamAssassin('train' as never), (e: unknown) => e instanceof ArgumentError && /unknown split: got "train"/.test((e as Error).message));
  assert.throws(() => groupLabel('other'), (e: unknown) => e instanceof ArgumentError);
});

test.run();
