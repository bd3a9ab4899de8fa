import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBertConfig, bertLayerFlops, bertExitFlops } from '../../src/layers/bert-config.js';
import { ConfigError } from '../../src/tensor/errors.js';
import { loadTinyFixture, tinyConfig } from '../helpers/bert.js';

const isConfigError = (re: RegExp) => (e: unknown) => e instanceof ConfigError && e.code === 'E_CONFIG' && re.test((e as Error).message);

test('the tiny fixture config parses, with exit names and classes', () => {
  const c = parseBertConfig(loadTinyFixture().config);
  assert.equal(
    { id: c.id, V: c.vocabSize, H: c.hiddenSize, L: c.numLayers, heads: c.numHeads, I: c.intermediateSize, P: c.maxPositionEmbeddings, T: c.maxLength, K: c.numClasses, eps: c.layerNormEps },
    { id: 'tiny-bert-random', V: 40, H: 32, L: 3, heads: 2, I: 64, P: 16, T: 16, K: 3, eps: 1e-12 },
  );
  assert.equal(c.classes, ['a', 'b', 'c']);
  assert.equal(c.exits[2], { afterLayer: 3, pooler: 'exits.2.pooler.dense', classifier: 'exits.2.classifier' });
});

test('defaults: eps 1e-12, gelu, 2 token types, max_length = max_position_embeddings, exits.{k-1}.*, classes from id2label', () => {
  const raw = tinyConfig();
  delete raw.layer_norm_eps;
  delete raw.hidden_act;
  delete raw.type_vocab_size;
  const sp = raw.splitee as Record<string, unknown>;
  delete sp.max_length;
  raw.id2label = { 0: 'x', 1: 'y', 2: 'z' };
  const c = parseBertConfig(raw);
  assert.equal([c.layerNormEps, c.typeVocabSize, c.maxLength, c.classes], [1e-12, 2, 10, ['x', 'y', 'z']]);
  assert.equal(c.exits[1], { afterLayer: 2, pooler: 'exits.1.pooler.dense', classifier: 'exits.1.classifier' });
});

const bad: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
  ['not BERT', {}, { architecture: 'resnet-multi-exit' }, /splitee.architecture is invalid: got "resnet-multi-exit", expected 'bert-multi-exit'/],
  ['no id', {}, { id: '' }, /splitee.id is invalid/],
  ['missing hidden_size', { hidden_size: undefined }, {}, /hidden_size is invalid: got nothing \(missing\), expected an integer >= 1/],
  ['fractional layers', { num_hidden_layers: 1.5 }, {}, /num_hidden_layers is invalid: got 1.5/],
  ['heads not dividing', { num_attention_heads: 3 }, {}, /num_attention_heads is invalid: got 3, expected a divisor of hidden_size 8/],
  ['eps 0', { layer_norm_eps: 0 }, {}, /layer_norm_eps is invalid: got 0/],
  ['tanh GELU', { hidden_act: 'gelu_new' }, {}, /hidden_act is invalid: got "gelu_new", expected 'gelu'/],
  ['relative positions', { position_embedding_type: 'relative_key' }, {}, /position_embedding_type is invalid/],
  ['decoder', { is_decoder: true }, {}, /is_decoder is invalid/],
  ['pad id out of vocab', { pad_token_id: 23 }, {}, /pad_token_id is invalid: got 23, expected an id below vocab_size 23/],
  ['num_labels disagree', { num_labels: 2 }, {}, /num_labels is invalid: got 2, expected splitee.num_classes \(3\)/],
  ['max_length too long', {}, { max_length: 11 }, /splitee.max_length is invalid: got 11, expected at most max_position_embeddings \(10\)/],
  ['classes count', {}, { classes: ['a'] }, /splitee.classes is invalid/],
  ['no exits', {}, { exits: [] }, /splitee.exits is invalid: got "0 entries", expected 1 to 2 entries/],
  ['more exits than layers', {}, { exits: [{}, {}, {}] }, /splitee.exits is invalid: got "3 entries", expected 1 to 2 entries/],
  ['exits out of order', {}, { exits: [{ after_layer: 2 }, { after_layer: 2 }] }, /splitee.exits\[1\].after_layer is invalid: got 2, expected an integer >= 3/],
  ['exit after no layer', {}, { exits: [{ after_layer: 3 }] }, /splitee.exits\[0\].after_layer is invalid: got 3, expected a layer in \[1, 2\]/],
  ['last exit before the last layer', {}, { exits: [{ after_layer: 1 }] }, /splitee.exits\[0\].after_layer is invalid: got 1, expected 2: the last exit is the final classifier/],
  ['index not the position', {}, { exits: [{ index: 2 }, {}] }, /splitee.exits\[0\].index is invalid: got 2, expected 1/],
  // Issue 15 item 4: sizes are bounded (a hostile config.json cannot allocate gigabytes).
  ['vocab too large', { vocab_size: 2 ** 32 }, {}, /vocab_size is invalid: got 4294967296, expected an integer >= 1 and <= 1000000/],
  ['hidden too large', { hidden_size: 2 ** 20, num_attention_heads: 1 }, {}, /hidden_size is invalid: got 1048576, expected an integer >= 1 and <= 8192/],
  ['layers too many', { num_hidden_layers: 1e6 }, {}, /num_hidden_layers is invalid: got 1000000/],
  ['intermediate too large', { intermediate_size: 2 ** 30 }, {}, /intermediate_size is invalid/],
  ['positions too many', { max_position_embeddings: 2 ** 31 }, {}, /max_position_embeddings is invalid/],
  ['type vocab too large', { type_vocab_size: 1e7 }, {}, /type_vocab_size is invalid/],
  ['classes too many', {}, { num_classes: 1e9 }, /splitee.num_classes is invalid: got 1000000000/],
  ['exit name too long', {}, { exits: [{}, { pooler: 'p'.repeat(5000) }] }, /splitee.exits\[1\].pooler is invalid: got a string of 5000 chars: "p{32}"\.\.\., expected a non-empty string of at most 256 chars/],
  ['a deep value is described, not serialized', { hidden_act: JSON.parse('['.repeat(3000) + ']'.repeat(3000)) }, {}, /hidden_act is invalid: got an array of 1 item/],
  ['exit name not a string', {}, { exits: [{}, { pooler: 7 }] }, /splitee.exits\[1\].pooler is invalid: got 7/],
];
for (const [name, over, sp, re] of bad) {
  test(`invalid config: ${name}`, () => {
    assert.throws(() => parseBertConfig(tinyConfig(undefined, over, sp)), isConfigError(re));
  });
}

test('not an object / no splitee block', () => {
  assert.throws(() => parseBertConfig(null), isConfigError(/\(root\) is invalid: got null, expected an object/));
  assert.throws(() => parseBertConfig({ hidden_size: 8 }), isConfigError(/splitee is invalid: got nothing \(missing\)/));
});

test('FLOPs conventions: layer at T (matrix products only) and exit head', () => {
  // BERT-base layer at T = 128: 8*T*H^2 + 4*T^2*H + 4*T*H*I
  assert.is(bertLayerFlops({ hiddenSize: 768, intermediateSize: 3072 }, 128), 8 * 128 * 768 * 768 + 4 * 128 * 128 * 768 + 4 * 128 * 768 * 3072);
  assert.is(bertExitFlops({ hiddenSize: 4, numClasses: 2 }), 2 * 16 + 2 * 8);
});

test.run();
