/**
 * config.json of a multi-exit BERT ("architecture": "bert-multi-exit"), validated field by field.
 *
 * The file is a Hugging Face BertConfig (vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
 * intermediate_size, max_position_embeddings, type_vocab_size, layer_norm_eps, hidden_act, pad_token_id, ...)
 * plus a "splitee" block, as tools/spam/export.py and tools/spam/deebert.py write it:
 *
 *   splitee: {id, architecture: 'bert-multi-exit', num_classes, classes?, max_length?,
 *             exits?: [{index?, after_layer?, pooler, classifier}]}
 *
 * Exits: without `exits`, one after every layer (exit k after layer k). With `exits`, exit k sits after
 * layer `after_layer` (default: the layer after the previous exit's): strictly increasing, and the last one after the last layer (it is the
 * final classifier). Exits after only some layers (ElasticBERT, DeeBERT) group the layers into stages:
 * stage k runs the layers after exit k-1 up to exit k's, so the arms are the exits and the cost still
 * counts every layer run. Two exits may name the same pooler (a shared pooler is built once).
 *
 * A plain Hugging Face `BertForSequenceClassification` config.json (architectures, no "splitee" block) is
 * accepted as it is: one exit, its pooler + classifier (`bert.pooler.dense`, `classifier`) after the last
 * layer; id from the caller (the folder name) and K from num_labels / id2label (HF's default 2).
 *
 * Defaults where HF has one and it is unambiguous: type_vocab_size 2, layer_norm_eps 1e-12, hidden_act
 * 'gelu', position_embedding_type 'absolute', pad_token_id 0, max_length = max_position_embeddings,
 * exit k's heads named `exits.{k-1}.pooler.dense` and `exits.{k-1}.classifier`. Everything else is
 * required. Every missing or invalid field is a ConfigError naming its JSON path; fields the engine does
 * not use (dropout, initializer_range, training, accuracy, ...) are ignored.
 * Only what this engine computes exactly is accepted: hidden_act 'gelu' is BERT's erf GELU (not
 * 'gelu_new', GPT-2's tanh approximation), absolute positions, an encoder (not is_decoder).
 */
import { ConfigError, describeValue } from '../tensor/errors.js';

export const BERT_ARCHITECTURE = 'bert-multi-exit';

export interface BertExitSpec {
  /** The layer (1-based) whose output the exit reads. */
  afterLayer: number;
  /** Tensor name prefix of the pooler dense (`${pooler}.weight` [H,H], `${pooler}.bias` [H]). */
  pooler: string;
  /** Tensor name prefix of the classifier (`${classifier}.weight` [K,H], `${classifier}.bias` [K]). */
  classifier: string;
}

export interface BertConfig {
  id: string;
  architecture: 'bert-multi-exit';
  vocabSize: number;
  /** H */
  hiddenSize: number;
  /** Encoder layers (at least the number of exits: exits may sit after only some layers). */
  numLayers: number;
  numHeads: number;
  /** I: the feed-forward width */
  intermediateSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  /** T_max: the longest sequence the network accepts ([CLS] and [SEP] included). */
  maxLength: number;
  /** K */
  numClasses: number;
  classes: readonly string[] | null;
  exits: readonly BertExitSpec[];
}

/**
 * Upper bounds of a config's sizes: far above any real BERT (base: vocab 30522, H 768, L 12, 12 heads,
 * I 3072, 512 positions; multilingual vocab 119547), low enough that a hostile or mistyped config
 * cannot make the engine allocate gigabytes before the weights are even read.
 */
export const BERT_LIMITS = Object.freeze({
  vocab: 1_000_000,
  hidden: 8192,
  layers: 128,
  heads: 256,
  intermediate: 65536,
  positions: 65536,
  typeVocab: 1024,
  classes: 100_000,
  /** Characters of an exit's tensor name prefix. */
  name: 256,
});

function show(v: unknown): string {
  return v === undefined ? 'nothing (missing)' : describeValue(v);
}

function bad(path: string, got: unknown, expected: string): never {
  throw new ConfigError(`config.json: ${path} is invalid: got ${show(got)}, expected ${expected}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, v, 'an object');
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, key: string, path: string, min: number, dflt?: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key] === undefined ? dflt : o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${path}${key}`, o[key], `an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}`);
  return v;
}

function str(o: Record<string, unknown>, key: string, path: string, dflt?: string): string {
  const v = o[key] === undefined ? dflt : o[key];
  if (typeof v !== 'string' || v === '' || v.length > BERT_LIMITS.name) bad(`${path}${key}`, o[key], `a non-empty string of at most ${BERT_LIMITS.name} chars`);
  return v;
}

function parseClasses(sp: Record<string, unknown>, root: Record<string, unknown>, k: number): string[] | null {
  if (sp.classes !== undefined) {
    const c = sp.classes;
    if (!Array.isArray(c) || c.length !== k || !c.every((x) => typeof x === 'string')) bad('splitee.classes', c, `${k} strings (one per class)`);
    return c as string[];
  }
  if (root.id2label === undefined) return null;
  const m = obj(root.id2label, 'id2label');
  const names: string[] = [];
  for (let i = 0; i < k; i++) {
    const v = m[String(i)];
    if (typeof v !== 'string') bad(`id2label.${i}`, v, `a class name for each of the ${k} classes`);
    names.push(v);
  }
  return names;
}

/** A Hugging Face config.json whose `architectures` names a sequence classifier this engine builds. */
const HF_CLASSIFIERS = ['BertForSequenceClassification'];

function hfArchitectures(root: Record<string, unknown>): string[] {
  const a = root.architectures;
  return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Whether a parsed config.json describes a BERT this parser takes: a "splitee" block naming
 * 'bert-multi-exit', or a plain Hugging Face BertForSequenceClassification config.
 */
export function isBertConfig(config: unknown): boolean {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return false;
  const root = config as Record<string, unknown>;
  const sp = root.splitee;
  if (typeof sp === 'object' && sp !== null && !Array.isArray(sp)) return (sp as Record<string, unknown>).architecture === BERT_ARCHITECTURE;
  return sp === undefined && hfArchitectures(root).some((a) => HF_CLASSIFIERS.includes(a));
}

function parseExits(sp: Record<string, unknown>, numLayers: number): BertExitSpec[] {
  const dflt = (k: number, after: number): BertExitSpec => ({ afterLayer: after, pooler: `exits.${k - 1}.pooler.dense`, classifier: `exits.${k - 1}.classifier` });
  if (sp.exits === undefined) return Array.from({ length: numLayers }, (_, i) => dflt(i + 1, i + 1));
  const list = sp.exits;
  if (!Array.isArray(list) || list.length === 0 || list.length > numLayers) {
    bad('splitee.exits', Array.isArray(list) ? `${list.length} entries` : list, `1 to ${numLayers} entries (at most one exit after each of the num_hidden_layers layers)`);
  }
  let prev = 0;
  const exits = list.map((e, i) => {
    const path = `splitee.exits[${i}].`;
    const o = obj(e, `splitee.exits[${i}]`);
    if (o.index !== undefined && o.index !== i + 1) bad(`${path}index`, o.index, `${i + 1} (the exit's position in the list)`);
    const after = int(o, 'after_layer', path, prev + 1, prev + 1);
    if (after > numLayers) bad(`${path}after_layer`, after, `a layer in [${prev + 1}, ${numLayers}] (num_hidden_layers = ${numLayers})`);
    prev = after;
    const d = dflt(i + 1, after);
    return { afterLayer: after, pooler: str(o, 'pooler', path, d.pooler), classifier: str(o, 'classifier', path, d.classifier) };
  });
  if (prev !== numLayers) bad(`splitee.exits[${list.length - 1}].after_layer`, prev, `${numLayers}: the last exit is the final classifier and reads the last layer`);
  return exits;
}

/**
 * The "splitee" block of a config: as written, or, for a plain Hugging Face BertForSequenceClassification
 * config.json, the one its layout implies (one exit: bert.pooler.dense + classifier after the last layer).
 */
function spliteeBlock(root: Record<string, unknown>, fallbackId: string | undefined): Record<string, unknown> {
  if (root.splitee !== undefined) return obj(root.splitee, 'splitee');
  const archs = hfArchitectures(root);
  if (!archs.some((a) => HF_CLASSIFIERS.includes(a))) {
    bad('splitee', undefined, `a "splitee" block, or a Hugging Face config with architectures [${HF_CLASSIFIERS.join(', ')}] (got architectures ${archs.length > 0 ? archs.slice(0, 4).join(', ') : 'none'}); hint: ElasticBERT and other multi-exit checkpoints name their exit heads in splitee.exits`);
  }
  if (fallbackId === undefined || fallbackId === '') bad('splitee.id', undefined, 'a model id; hint: a plain Hugging Face config has none, the loader passes the folder name');
  const labels = root.id2label;
  const k = root.num_labels ?? (typeof labels === 'object' && labels !== null ? Object.keys(labels).length : 2);
  const L = root.num_hidden_layers;
  return { id: fallbackId, architecture: BERT_ARCHITECTURE, num_classes: k, exits: [{ after_layer: L, pooler: 'bert.pooler.dense', classifier: 'classifier' }] };
}

/**
 * Validates a parsed config.json; throws a ConfigError naming the first bad field. `id`: the model id
 * of a plain Hugging Face config (which has none; a "splitee" block's id wins).
 */
export function parseBertConfig(config: unknown, id?: string): BertConfig {
  const root = obj(config, '(root)');
  const sp = spliteeBlock(root, id);
  const architecture = str(sp, 'architecture', 'splitee.');
  if (architecture !== BERT_ARCHITECTURE) bad('splitee.architecture', architecture, `'${BERT_ARCHITECTURE}'`);
  const modelId = str(sp, 'id', 'splitee.');

  const L = BERT_LIMITS;
  const vocabSize = int(root, 'vocab_size', '', 1, undefined, L.vocab);
  const hiddenSize = int(root, 'hidden_size', '', 1, undefined, L.hidden);
  const numLayers = int(root, 'num_hidden_layers', '', 1, undefined, L.layers);
  const numHeads = int(root, 'num_attention_heads', '', 1, undefined, L.heads);
  if (hiddenSize % numHeads !== 0) bad('num_attention_heads', numHeads, `a divisor of hidden_size ${hiddenSize}`);
  const intermediateSize = int(root, 'intermediate_size', '', 1, undefined, L.intermediate);
  const maxPositionEmbeddings = int(root, 'max_position_embeddings', '', 1, undefined, L.positions);
  const typeVocabSize = int(root, 'type_vocab_size', '', 1, 2, L.typeVocab);
  const eps = root.layer_norm_eps === undefined ? 1e-12 : root.layer_norm_eps;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) bad('layer_norm_eps', root.layer_norm_eps, 'a finite number > 0 (BERT uses 1e-12)');
  const act = root.hidden_act === undefined ? 'gelu' : root.hidden_act;
  if (act !== 'gelu') bad('hidden_act', act, "'gelu' (BERT's erf GELU; 'gelu_new' and other activations are not implemented)");
  const pos = root.position_embedding_type === undefined ? 'absolute' : root.position_embedding_type;
  if (pos !== 'absolute') bad('position_embedding_type', pos, "'absolute' (relative positions are not implemented)");
  if (root.is_decoder !== undefined && root.is_decoder !== false) bad('is_decoder', root.is_decoder, 'false (an encoder)');
  const padTokenId = int(root, 'pad_token_id', '', 0, 0, L.vocab);
  if (padTokenId >= vocabSize) bad('pad_token_id', padTokenId, `an id below vocab_size ${vocabSize}`);

  const numClasses = int(sp, 'num_classes', 'splitee.', 1, undefined, L.classes);
  if (root.num_labels !== undefined && root.num_labels !== numClasses) bad('num_labels', root.num_labels, `splitee.num_classes (${numClasses})`);
  const maxLength = int(sp, 'max_length', 'splitee.', 1, maxPositionEmbeddings, L.positions);
  if (maxLength > maxPositionEmbeddings) bad('splitee.max_length', maxLength, `at most max_position_embeddings (${maxPositionEmbeddings})`);
  return {
    id: modelId,
    architecture: BERT_ARCHITECTURE,
    vocabSize,
    hiddenSize,
    numLayers,
    numHeads,
    intermediateSize,
    maxPositionEmbeddings,
    typeVocabSize,
    layerNormEps: eps,
    padTokenId,
    maxLength,
    numClasses,
    classes: parseClasses(sp, root, numClasses),
    exits: parseExits(sp, numLayers),
  };
}

/**
 * FLOPs of one encoder layer for one sample of T tokens (multiply-add = 2 FLOPs; matrix products only:
 * biases, softmax, LayerNorm and GELU are not counted), the convention of tools/spam/export.py:
 *   Q,K,V 3*2*T*H*H + scores 2*T*T*H + context 2*T*T*H + output 2*T*H*H + feed-forward 2*2*T*H*I.
 */
export function bertLayerFlops(c: Pick<BertConfig, 'hiddenSize' | 'intermediateSize'>, T: number): number {
  const H = c.hiddenSize;
  return 8 * T * H * H + 4 * T * T * H + 4 * T * H * c.intermediateSize;
}

/** FLOPs of one exit head for one sample: pooler dense 2*H*H + classifier 2*H*K (tanh, biases not counted). */
export function bertExitFlops(c: Pick<BertConfig, 'hiddenSize' | 'numClasses'>): number {
  return 2 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * c.numClasses;
}
