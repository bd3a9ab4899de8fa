/**
 * config.json of a multi-exit BERT ("architecture": "bert-multi-exit"), validated field by field.
 *
 * The file is a Hugging Face BertConfig (vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
 * intermediate_size, max_position_embeddings, type_vocab_size, layer_norm_eps, hidden_act, pad_token_id, ...)
 * plus a "splitee" block, as tools/spam/export.py writes it:
 *
 *   splitee: {id, architecture: 'bert-multi-exit', num_classes, classes?, max_length?,
 *             exits?: [{index?, after_layer?, pooler, classifier}]}   (exit k after layer k, k = 1..L)
 *
 * Defaults where HF has one and it is unambiguous: type_vocab_size 2, layer_norm_eps 1e-12, hidden_act
 * 'gelu', position_embedding_type 'absolute', pad_token_id 0, max_length = max_position_embeddings,
 * exit k's heads named `exits.{k-1}.pooler.dense` and `exits.{k-1}.classifier`. Everything else is
 * required. Every missing or invalid field is a ConfigError naming its JSON path; fields the engine does
 * not use (dropout, initializer_range, training, accuracy, ...) are ignored.
 * Only what this engine computes exactly is accepted: hidden_act 'gelu' is BERT's erf GELU (not
 * 'gelu_new', GPT-2's tanh approximation), absolute positions, an encoder (not is_decoder).
 */
import { ConfigError } from '../tensor/errors.js';

export const BERT_ARCHITECTURE = 'bert-multi-exit';

export interface BertExitSpec {
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
  /** L: layers = stages = exits */
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

function show(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function bad(path: string, got: unknown, expected: string): never {
  throw new ConfigError(`config.json: ${path} is invalid: got ${show(got)}, expected ${expected}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, v, 'an object');
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, key: string, path: string, min: number, dflt?: number): number {
  const v = o[key] === undefined ? dflt : o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(`${path}${key}`, o[key], `an integer >= ${min}`);
  return v;
}

function str(o: Record<string, unknown>, key: string, path: string, dflt?: string): string {
  const v = o[key] === undefined ? dflt : o[key];
  if (typeof v !== 'string' || v === '') bad(`${path}${key}`, o[key], 'a non-empty string');
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

function parseExits(sp: Record<string, unknown>, numLayers: number): BertExitSpec[] {
  const dflt = (k: number): BertExitSpec => ({ pooler: `exits.${k - 1}.pooler.dense`, classifier: `exits.${k - 1}.classifier` });
  if (sp.exits === undefined) return Array.from({ length: numLayers }, (_, i) => dflt(i + 1));
  const list = sp.exits;
  if (!Array.isArray(list) || list.length !== numLayers) {
    bad('splitee.exits', Array.isArray(list) ? `${list.length} entries` : list, `${numLayers} entries (one exit after each of the num_hidden_layers layers)`);
  }
  return list.map((e, i) => {
    const path = `splitee.exits[${i}].`;
    const o = obj(e, `splitee.exits[${i}]`);
    for (const key of ['index', 'after_layer']) {
      if (o[key] !== undefined && o[key] !== i + 1) bad(`${path}${key}`, o[key], `${i + 1} (exit k reads the output of layer k)`);
    }
    const d = dflt(i + 1);
    return { pooler: str(o, 'pooler', path, d.pooler), classifier: str(o, 'classifier', path, d.classifier) };
  });
}

/** Validates a parsed config.json; throws a ConfigError naming the first bad field. */
export function parseBertConfig(config: unknown): BertConfig {
  const root = obj(config, '(root)');
  const sp = obj(root.splitee, 'splitee');
  const architecture = str(sp, 'architecture', 'splitee.');
  if (architecture !== BERT_ARCHITECTURE) bad('splitee.architecture', architecture, `'${BERT_ARCHITECTURE}'`);
  const id = str(sp, 'id', 'splitee.');

  const vocabSize = int(root, 'vocab_size', '', 1);
  const hiddenSize = int(root, 'hidden_size', '', 1);
  const numLayers = int(root, 'num_hidden_layers', '', 1);
  const numHeads = int(root, 'num_attention_heads', '', 1);
  if (hiddenSize % numHeads !== 0) bad('num_attention_heads', numHeads, `a divisor of hidden_size ${hiddenSize}`);
  const intermediateSize = int(root, 'intermediate_size', '', 1);
  const maxPositionEmbeddings = int(root, 'max_position_embeddings', '', 1);
  const typeVocabSize = int(root, 'type_vocab_size', '', 1, 2);
  const eps = root.layer_norm_eps === undefined ? 1e-12 : root.layer_norm_eps;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) bad('layer_norm_eps', root.layer_norm_eps, 'a finite number > 0 (BERT uses 1e-12)');
  const act = root.hidden_act === undefined ? 'gelu' : root.hidden_act;
  if (act !== 'gelu') bad('hidden_act', act, "'gelu' (BERT's erf GELU; 'gelu_new' and other activations are not implemented)");
  const pos = root.position_embedding_type === undefined ? 'absolute' : root.position_embedding_type;
  if (pos !== 'absolute') bad('position_embedding_type', pos, "'absolute' (relative positions are not implemented)");
  if (root.is_decoder !== undefined && root.is_decoder !== false) bad('is_decoder', root.is_decoder, 'false (an encoder)');
  const padTokenId = int(root, 'pad_token_id', '', 0, 0);
  if (padTokenId >= vocabSize) bad('pad_token_id', padTokenId, `an id below vocab_size ${vocabSize}`);

  const numClasses = int(sp, 'num_classes', 'splitee.', 1);
  if (root.num_labels !== undefined && root.num_labels !== numClasses) bad('num_labels', root.num_labels, `splitee.num_classes (${numClasses})`);
  const maxLength = int(sp, 'max_length', 'splitee.', 1, maxPositionEmbeddings);
  if (maxLength > maxPositionEmbeddings) bad('splitee.max_length', maxLength, `at most max_position_embeddings (${maxPositionEmbeddings})`);
  return {
    id,
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
