/**
 * WeightStore: named tensors handed out once each, by name and expected shape.
 *
 * A layer asks for `take('blocks.3.conv1.weight', [32,16,3,3])`; the store checks that the tensor
 * exists and has that shape, marks it used, and returns its values as float32. `finish()` at the end
 * of a build rejects every tensor nobody asked for. So config.json and model.safetensors that
 * disagree fail at load time with a ConfigError naming the tensor and both shapes, never at the
 * first forward pass (or, worse, silently).
 *
 * Accepted sources: a parsed SafetensorsFile, a Map, or a plain record of name -> {shape, data}
 * (a Tensor or a SafetensorsEntry both fit). F16/BF16 are widened to float32; integer dtypes are
 * rejected. PyTorch's BatchNorm `num_batches_tracked` counters are training state, not weights:
 * they are ignored if present (tools/resnet/common.py export_state drops them anyway).
 */
import { ConfigError, formatShape } from '../tensor/errors.js';
import { tensorAsFloat32, type Dtype, type SafetensorsFile, type TypedData } from '../tensor/io/safetensors.js';

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: TypedData | Float32Array;
  readonly dtype?: Dtype;
}

export type NamedTensors = SafetensorsFile | ReadonlyMap<string, NamedTensor> | Readonly<Record<string, NamedTensor>>;

const IGNORED_SUFFIX = '.num_batches_tracked';
const FLOAT_DTYPES: readonly Dtype[] = ['F32', 'F16', 'BF16'];

function isSafetensorsFile(t: NamedTensors): t is SafetensorsFile {
  return typeof t === 'object' && t !== null && 'tensors' in t && (t as SafetensorsFile).tensors instanceof Map;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export class WeightStore {
  private readonly entries: Map<string, NamedTensor>;
  private readonly used = new Set<string>();

  /** source: names the weights in messages (a file name); expectedBy: names the side that expects shapes. */
  constructor(tensors: NamedTensors, readonly source = 'model.safetensors', readonly expectedBy = 'config.json') {
    let m: ReadonlyMap<string, NamedTensor>;
    if (isSafetensorsFile(tensors)) m = tensors.tensors;
    else if (tensors instanceof Map) m = tensors;
    else if (typeof tensors === 'object' && tensors !== null) m = new Map(Object.entries(tensors as Record<string, NamedTensor>));
    else throw new ConfigError(`WeightStore: no tensors: got ${String(tensors)}, expected a SafetensorsFile, a Map or a record of named tensors`);
    this.entries = new Map();
    for (const [name, t] of m) if (!name.endsWith(IGNORED_SUFFIX)) this.entries.set(name, t);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The float32 values of tensor `name`, which must have exactly `shape`; each name once. */
  take(name: string, shape: readonly number[]): Float32Array {
    const t = this.entries.get(name);
    if (t === undefined) {
      throw new ConfigError(`weights: tensor '${name}' is missing: got no such tensor in ${this.source}, expected shape ${formatShape(shape)} (from ${this.expectedBy})`);
    }
    if (this.used.has(name)) {
      throw new ConfigError(`weights: tensor '${name}' taken twice: got a second request for ${formatShape(shape)}, expected each tensor to be used once`);
    }
    if (!sameShape(t.shape, shape)) {
      throw new ConfigError(`weights: tensor '${name}' has the wrong shape: got ${formatShape(t.shape)} in ${this.source}, expected ${formatShape(shape)} (from ${this.expectedBy})`);
    }
    const dtype: Dtype = t.dtype ?? (t.data instanceof Float32Array ? 'F32' : 'I8');
    if (!FLOAT_DTYPES.includes(dtype)) {
      throw new ConfigError(`weights: tensor '${name}' ${formatShape(t.shape)} has a non-float dtype: got ${t.dtype ?? Object.prototype.toString.call(t.data)}, expected F32, F16 or BF16`);
    }
    const values = tensorAsFloat32({ dtype, data: t.data });
    this.used.add(name);
    return values;
  }

  /** Names present but not taken yet, in source order. */
  unused(): string[] {
    return [...this.entries.keys()].filter((n) => !this.used.has(n));
  }

  /** Throws a ConfigError naming the first unused tensor (and how many there are). */
  finish(): void {
    const rest = this.unused();
    if (rest.length === 0) return;
    const first = this.entries.get(rest[0]);
    const more = rest.length > 1 ? ` (and ${rest.length - 1} more: ${rest.slice(1, 6).join(', ')}${rest.length > 6 ? ', ...' : ''})` : '';
    throw new ConfigError(
      `weights: tensor '${rest[0]}' is not used by the network: got ${formatShape(first?.shape ?? [])} in ${this.source}, expected no such tensor (${this.expectedBy} describes no parameter of that name)${more}`,
    );
  }
}
