// Fuzz: config.json of both families (parseResNetConfig, parseBertConfig), values as JSON.parse gives
// them: fields deleted or replaced by hostile values (huge sizes, deep nesting, wrong types) at any
// depth. Only named errors may escape, with bounded messages; corpus/ holds configs that once failed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseResNetConfig } from '../../src/layers/config.js';
import { parseBertConfig } from '../../src/layers/bert-config.js';
import { tinyConfig as tinyResNet } from '../helpers/tiny-resnet.js';
import { tinyConfig as tinyBert } from '../helpers/bert.js';
import { campaign, corpus, mutatedJson, onlyNamed } from './fuzz-kit.js';

const resnet = (c: unknown) => onlyNamed(() => parseResNetConfig(c));
const bert = (c: unknown) => onlyNamed(() => parseBertConfig(c));

test('corpus: every config.json that once failed is a named error now (both families)', () => {
  const cases = corpus('config');
  assert.ok(cases.length > 0);
  for (const c of cases) {
    const v: unknown = JSON.parse(new TextDecoder().decode(c.bytes));
    resnet(v);
    bert(v);
  }
});

test('fuzz ResNet config.json: 10,000 mutated configs', () => {
  campaign(mutatedJson(tinyResNet(), 4), resnet, 1801);
});

test('fuzz BERT config.json: 10,000 mutated configs', () => {
  campaign(mutatedJson(tinyBert(), 4), bert, 1802);
});

test.run();
