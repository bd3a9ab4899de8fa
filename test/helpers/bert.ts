// Test support for the BERT layers: a seeded random tiny BERT (config + named tensors), the committed
// random fixture test/fixtures/tiny-bert (written by tools/spam/make_test_fixture.py), and a float64
// re-computation of every block written from the HF BertModel formulas, independently of src/layers.
import { readFileSync } from 'node:fs';
import { Rng } from '../../src/splitee/rng.js';
import { gelu64 } from '../../src/tensor/kernels/elementwise.js';
import { parseSafetensors, tensorAsFloat32, type SafetensorsFile } from '../../src/tensor/io/safetensors.js';
import type { NamedTensor } from '../../src/layers/weights.js';

export interface TinySpec {
  V: number; H: number; heads: number; I: number; L: number; P: number; K: number; Tmax: number;
}

export const TINY: TinySpec = { V: 23, H: 8, heads: 2, I: 12, L: 2, P: 10, K: 3, Tmax: 10 };

/** An HF-style config.json object for the spec; `over` patches top-level fields, `sp` the splitee block. */
export function tinyConfig(s: TinySpec = TINY, over: Record<string, unknown> = {}, sp: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    vocab_size: s.V, hidden_size: s.H, num_hidden_layers: s.L, num_attention_heads: s.heads, intermediate_size: s.I,
    max_position_embeddings: s.P, type_vocab_size: 2, layer_norm_eps: 1e-12, hidden_act: 'gelu', pad_token_id: 0,
    num_labels: s.K,
    splitee: { id: 'tiny-random', architecture: 'bert-multi-exit', num_classes: s.K, max_length: s.Tmax, ...sp },
    ...over,
  };
}

/** Seeded random weights for every tensor the config names (exits.K.* with K = 0..L-1). */
export function tinyTensors(s: TinySpec = TINY, seed = 7): Map<string, NamedTensor> {
  const rng = Rng.seeded(seed);
  const m = new Map<string, NamedTensor>();
  const put = (name: string, shape: number[], scale = 0.5, center = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = center + scale * rng.normal();
    m.set(name, { shape, data, dtype: 'F32' });
  };
  const lin = (p: string, o: number, i: number) => {
    put(`${p}.weight`, [o, i], 1 / Math.sqrt(i));
    put(`${p}.bias`, [o], 0.1);
  };
  const ln = (p: string) => {
    put(`${p}.weight`, [s.H], 0.1, 1);
    put(`${p}.bias`, [s.H], 0.1);
  };
  put('bert.embeddings.word_embeddings.weight', [s.V, s.H], 1);
  put('bert.embeddings.position_embeddings.weight', [s.P, s.H], 0.5);
  put('bert.embeddings.token_type_embeddings.weight', [2, s.H], 0.5);
  ln('bert.embeddings.LayerNorm');
  for (let l = 0; l < s.L; l++) {
    const p = `bert.encoder.layer.${l}`;
    for (const q of ['query', 'key', 'value']) lin(`${p}.attention.self.${q}`, s.H, s.H);
    lin(`${p}.attention.output.dense`, s.H, s.H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, s.I, s.H);
    lin(`${p}.output.dense`, s.H, s.I);
    ln(`${p}.output.LayerNorm`);
  }
  for (let k = 0; k < s.L; k++) {
    lin(`exits.${k}.pooler.dense`, s.H, s.H);
    lin(`exits.${k}.classifier`, s.K, s.H);
  }
  return m;
}

/** Random ids [N*T] in [1, V) as floats, and a right-padded mask for the given lengths (ids 0 where padded). */
export function randomIds(rng: Rng, V: number, lengths: number[], T: number): { ids: Float32Array; mask: Float32Array } {
  const ids = new Float32Array(lengths.length * T);
  const mask = new Float32Array(lengths.length * T);
  lengths.forEach((len, n) => {
    for (let t = 0; t < len; t++) {
      ids[n * T + t] = 1 + rng.int(V - 1);
      mask[n * T + t] = 1;
    }
  });
  return { ids, mask };
}

// ---------------------------------------------------------------- float64 re-computation

type W = ReadonlyMap<string, NamedTensor>;
const get = (w: W, name: string): Float32Array => {
  const t = w.get(name);
  if (t === undefined) throw new Error(`test weights: no tensor ${name}`);
  return t.data as Float32Array;
};

/** y [rows, out] = x [rows, in] W^T + b, float64. */
export function linear64(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, rows: number, inF: number, outF: number): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outF; o++) {
      let acc = b[o];
      for (let i = 0; i < inF; i++) acc += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = acc;
    }
  return y;
}

/** In place: each row of x [rows, H] -> (x - mean) / sqrt(var + eps) * g + b, biased variance. */
export function layerNorm64(x: Float64Array, g: ArrayLike<number>, b: ArrayLike<number>, H: number, eps = 1e-12): Float64Array {
  for (let r = 0; r < x.length / H; r++) {
    let mean = 0;
    for (let j = 0; j < H; j++) mean += x[r * H + j] / H;
    let v = 0;
    for (let j = 0; j < H; j++) v += (x[r * H + j] - mean) ** 2 / H;
    for (let j = 0; j < H; j++) x[r * H + j] = ((x[r * H + j] - mean) / Math.sqrt(v + eps)) * g[j] + b[j];
  }
  return x;
}

/** Embeddings of ids [N*T] -> [N*T*H]. */
export function embed64(w: W, ids: ArrayLike<number>, N: number, T: number, H: number): Float64Array {
  const word = get(w, 'bert.embeddings.word_embeddings.weight');
  const pos = get(w, 'bert.embeddings.position_embeddings.weight');
  const tt = get(w, 'bert.embeddings.token_type_embeddings.weight');
  const x = new Float64Array(N * T * H);
  for (let n = 0; n < N; n++)
    for (let t = 0; t < T; t++)
      for (let j = 0; j < H; j++) x[(n * T + t) * H + j] = word[ids[n * T + t] * H + j] + tt[j] + pos[t * H + j];
  return layerNorm64(x, get(w, 'bert.embeddings.LayerNorm.weight'), get(w, 'bert.embeddings.LayerNorm.bias'), H);
}

/** The attention block of layer l: LayerNorm(dense(softmax(qk^T/sqrt(d) + maskterm) v) + x). */
export function attentionBlock64(w: W, l: number, x: ArrayLike<number>, mask: ArrayLike<number> | null, N: number, T: number, H: number, heads: number): Float64Array {
  const p = `bert.encoder.layer.${l}.attention`;
  const lin = (name: string, v: ArrayLike<number>) => linear64(v, get(w, `${p}.${name}.weight`), get(w, `${p}.${name}.bias`), N * T, H, H);
  const q = lin('self.query', x);
  const k = lin('self.key', x);
  const v = lin('self.value', x);
  const d = H / heads;
  const ctx = new Float64Array(N * T * H);
  const sc = new Float64Array(T);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < T; t++) {
        let mx = -Infinity;
        for (let s = 0; s < T; s++) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += q[(n * T + t) * H + h * d + j] * k[(n * T + s) * H + h * d + j];
          sc[s] = dot / Math.sqrt(d) + (mask === null ? 0 : (1 - mask[n * T + s]) * -3.4028234663852886e38);
          mx = Math.max(mx, sc[s]);
        }
        let sum = 0;
        for (let s = 0; s < T; s++) sum += (sc[s] = Math.exp(sc[s] - mx));
        for (let s = 0; s < T; s++) for (let j = 0; j < d; j++) ctx[(n * T + t) * H + h * d + j] += (sc[s] / sum) * v[(n * T + s) * H + h * d + j];
      }
  const o = lin('output.dense', ctx);
  for (let i = 0; i < o.length; i++) o[i] += x[i];
  return layerNorm64(o, get(w, `${p}.output.LayerNorm.weight`), get(w, `${p}.output.LayerNorm.bias`), H);
}

/** Encoder layer l: x [N*T*H] -> [N*T*H]. */
export function layer64(w: W, l: number, x: ArrayLike<number>, mask: ArrayLike<number> | null, N: number, T: number, H: number, heads: number, I: number): Float64Array {
  const p = `bert.encoder.layer.${l}`;
  const a = attentionBlock64(w, l, x, mask, N, T, H, heads);
  const f = linear64(a, get(w, `${p}.intermediate.dense.weight`), get(w, `${p}.intermediate.dense.bias`), N * T, H, I).map(gelu64);
  const o = linear64(f, get(w, `${p}.output.dense.weight`), get(w, `${p}.output.dense.bias`), N * T, I, H);
  for (let i = 0; i < o.length; i++) o[i] += a[i];
  return layerNorm64(o, get(w, `${p}.output.LayerNorm.weight`), get(w, `${p}.output.LayerNorm.bias`), H);
}

/** Exit k (1-based): x [N*T*H] -> logits [N*K]. */
export function exit64(w: W, k: number, x: ArrayLike<number>, N: number, T: number, H: number, K: number): Float64Array {
  const cls = new Float64Array(N * H);
  for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) cls[n * H + j] = x[n * T * H + j];
  const pooled = linear64(cls, get(w, `exits.${k - 1}.pooler.dense.weight`), get(w, `exits.${k - 1}.pooler.dense.bias`), N, H, H).map(Math.tanh);
  return linear64(pooled, get(w, `exits.${k - 1}.classifier.weight`), get(w, `exits.${k - 1}.classifier.bias`), N, H, K);
}

// ---------------------------------------------------------------- the committed random fixture

export interface TinyFixture {
  config: Record<string, unknown>;
  model: SafetensorsFile;
  golden: SafetensorsFile;
  /** golden tensor as float32 */
  g(name: string): Float32Array;
  N: number;
  T: number;
}

export function loadTinyFixture(): TinyFixture {
  const dir = new URL('../fixtures/tiny-bert/', import.meta.url);
  const config = JSON.parse(readFileSync(new URL('config.json', dir), 'utf8')) as Record<string, unknown>;
  const model = parseSafetensors(new Uint8Array(readFileSync(new URL('model.safetensors', dir))));
  const golden = parseSafetensors(new Uint8Array(readFileSync(new URL('golden.safetensors', dir))));
  const g = (name: string): Float32Array => {
    const e = golden.tensors.get(name);
    if (e === undefined) throw new Error(`golden: no ${name}`);
    return e.dtype === 'I32' ? Float32Array.from(e.data as Int32Array) : tensorAsFloat32(e);
  };
  const [N, T] = golden.tensors.get('input_ids')!.shape as number[];
  return { config, model, golden, g, N, T };
}

/** max |a - b| */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxDiff: lengths ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}
