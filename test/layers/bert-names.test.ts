import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalBertName, canonicalBertTensors } from '../../src/layers/bert-names.js';
import { ConfigError } from '../../src/tensor/errors.js';
import { parseSafetensors, writeSafetensors } from '../../src/tensor/io/safetensors.js';

const t = (n: number) => ({ shape: [n], data: new Float32Array(n) });

test('canonical names: gamma/beta, the bert. prefix, everything else unchanged', () => {
  assert.is(canonicalBertName('bert.encoder.layer.3.output.LayerNorm.gamma'), 'bert.encoder.layer.3.output.LayerNorm.weight');
  assert.is(canonicalBertName('embeddings.LayerNorm.beta'), 'bert.embeddings.LayerNorm.bias');
  assert.is(canonicalBertName('encoder.layer.0.attention.self.query.weight'), 'bert.encoder.layer.0.attention.self.query.weight');
  assert.is(canonicalBertName('exits.2.classifier.weight'), 'exits.2.classifier.weight');
  assert.is(canonicalBertName('bert.embeddings.word_embeddings.weight'), 'bert.embeddings.word_embeddings.weight');
});

test('a record, a Map or a SafetensorsFile; position_ids dropped; the tensors are not copied', () => {
  const a = t(3);
  const rec = canonicalBertTensors({ 'embeddings.LayerNorm.gamma': a, 'bert.embeddings.position_ids': t(2) });
  assert.equal([...rec.keys()], ['bert.embeddings.LayerNorm.weight']);
  assert.is(rec.get('bert.embeddings.LayerNorm.weight'), a);
  const file = canonicalBertTensors(parseSafetensors(writeSafetensors({ x: { dtype: 'F32', shape: [3], data: a.data } })));
  assert.equal([...file.keys()], ['x']);
});

test('two spellings of one parameter are a ConfigError naming both', () => {
  assert.throws(
    () => canonicalBertTensors(new Map([['bert.embeddings.LayerNorm.weight', t(2)], ['embeddings.LayerNorm.gamma', t(2)]])),
    (e: unknown) => e instanceof ConfigError && /got 'bert.embeddings.LayerNorm.weight' and 'embeddings.LayerNorm.gamma', expected one tensor 'bert.embeddings.LayerNorm.weight'/.test((e as Error).message),
  );
});

test.run();
