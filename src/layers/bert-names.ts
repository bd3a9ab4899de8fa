/**
 * Tensor names of a BERT checkpoint, brought to the one spelling src/layers/bert.ts asks for:
 *   bert.embeddings.{word,position,token_type}_embeddings.weight, bert.embeddings.LayerNorm.{weight,bias},
 *   bert.encoder.layer.N.{attention.self.{query,key,value},attention.output.dense,intermediate.dense,
 *   output.dense}.{weight,bias}, ...LayerNorm.{weight,bias}, plus the exit heads named in config.json.
 *
 * Accepted other spellings, as Hugging Face's loader accepts them:
 *   - `LayerNorm.gamma` / `LayerNorm.beta` (TF-converted and old checkpoints) -> `LayerNorm.weight` / `.bias`;
 *   - no `bert.` prefix (`embeddings.*`, `encoder.*`, as BertModel itself saves them) -> `bert.` added;
 *   - ElasticBERT's `elasticbert.` prefix (the same BERT layers under another base-model name) -> `bert.`
 *     (its exit poolers `elasticbert.encoder.pooler.J.dense` become `bert.encoder.pooler.J.dense`; config.json
 *     may name them in either spelling).
 * `bert.embeddings.position_ids` (an index buffer some checkpoints carry, not a weight) is dropped.
 * Two names that land on the same spelling are a ConfigError naming both.
 */
import { ConfigError } from '../tensor/errors.js';
import type { SafetensorsFile } from '../tensor/io/safetensors.js';
import type { NamedTensor, NamedTensors } from './weights.js';

const DROPPED = new Set(['bert.embeddings.position_ids']);

/** The canonical spelling of one tensor name (see the module comment). */
export function canonicalBertName(name: string): string {
  let n = name;
  if (n.startsWith('elasticbert.')) n = `bert.${n.slice('elasticbert.'.length)}`;
  else if (n.startsWith('embeddings.') || n.startsWith('encoder.') || n.startsWith('pooler.')) n = `bert.${n}`;
  if (n.endsWith('LayerNorm.gamma')) n = `${n.slice(0, -'gamma'.length)}weight`;
  else if (n.endsWith('LayerNorm.beta')) n = `${n.slice(0, -'beta'.length)}bias`;
  return n;
}

function entries(t: NamedTensors): Iterable<[string, NamedTensor]> {
  if (typeof t === 'object' && t !== null && 'tensors' in t && (t as SafetensorsFile).tensors instanceof Map) return (t as SafetensorsFile).tensors;
  if (t instanceof Map) return t as ReadonlyMap<string, NamedTensor>;
  if (typeof t === 'object' && t !== null) return Object.entries(t as Record<string, NamedTensor>);
  throw new ConfigError(`bert weights: no tensors: got ${String(t)}, expected a SafetensorsFile, a Map or a record of named tensors`);
}

/** A new Map keyed by canonical names (the tensors themselves are not copied). */
export function canonicalBertTensors(tensors: NamedTensors): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  const from = new Map<string, string>();
  for (const [name, t] of entries(tensors)) {
    const c = canonicalBertName(name);
    if (DROPPED.has(c)) continue;
    const prev = from.get(c);
    if (prev !== undefined) {
      throw new ConfigError(`bert weights: two tensors name the same parameter: got '${prev}' and '${name}', expected one tensor '${c}'`);
    }
    from.set(c, name);
    out.set(c, t);
  }
  return out;
}
