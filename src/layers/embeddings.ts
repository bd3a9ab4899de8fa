/**
 * BERT embeddings (HF BertEmbeddings, eval mode):
 *   out[n,t,:] = LayerNorm(word[ids[n,t]] + token_type[0] + position[t]; eps)
 * Shapes: ids [N,T] (token ids stored as floats, the network's stage-0 activation), word [V,H],
 * position [P,H] (positions 0..T-1, T <= P), token_type [Tv,H] (row 0 only: every token type is 0, as
 * single-segment classification feeds it), out [N,T,H]. The sum is taken in HF's order
 * ((word + token_type) + position), so float32 rounding matches PyTorch's.
 * Padding tokens are embedded like any other; the attention mask keeps them out of the real tokens.
 */
import { ShapeError, formatShape } from '../tensor/errors.js';
import { embeddingPlan, layerNormPlan, type EmbeddingPlan, type Kernels, type LayerNormPlan } from '../tensor/kernels/index.js';
import type { WeightStore } from './weights.js';
import { inTable } from './table-memory.js';

export interface BertEmbeddingsSpec {
  vocabSize: number;
  hiddenSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
}

export class BertEmbeddings {
  /** [V,H] */
  readonly word: Float32Array;
  /** [P,H] */
  readonly position: Float32Array;
  /** [Tv,H] */
  readonly tokenType: Float32Array;
  readonly lnWeight: Float32Array;
  readonly lnBias: Float32Array;
  private readonly embPlans = new Map<number, EmbeddingPlan>();
  private readonly lnPlans = new Map<number, LayerNormPlan>();

  /** Takes `${prefix}.{word,position,token_type}_embeddings.weight` and `${prefix}.LayerNorm.{weight,bias}`. */
  constructor(ws: WeightStore, readonly spec: BertEmbeddingsSpec, readonly kernels: Kernels, prefix = 'bert.embeddings') {
    const H = spec.hiddenSize;
    this.word = inTable(kernels, ws.take(`${prefix}.word_embeddings.weight`, [spec.vocabSize, H]));
    this.position = inTable(kernels, ws.take(`${prefix}.position_embeddings.weight`, [spec.maxPositionEmbeddings, H]));
    this.tokenType = inTable(kernels, ws.take(`${prefix}.token_type_embeddings.weight`, [spec.typeVocabSize, H]));
    this.lnWeight = inTable(kernels, ws.take(`${prefix}.LayerNorm.weight`, [H]));
    this.lnBias = inTable(kernels, ws.take(`${prefix}.LayerNorm.bias`, [H]));
  }

  /** out [N,T,H] = embeddings of ids [N,T]; ids must be integers in [0, V) (else a ValueError). */
  forward(out: Float32Array, ids: Float32Array, N: number, T: number): void {
    const H = this.spec.hiddenSize;
    if (T > this.spec.maxPositionEmbeddings) {
      throw new ShapeError(`BertEmbeddings: sequence longer than the position table: got ids ${formatShape([N, T])}, expected T <= ${this.spec.maxPositionEmbeddings}`);
    }
    if (ids.length < N * T || out.length < N * T * H) {
      throw new ShapeError(`BertEmbeddings: buffers too short: got ids ${ids.length}, out ${out.length} elements, expected ${N * T} and ${N * T * H} (ids ${formatShape([N, T])})`);
    }
    const k = this.kernels;
    let ep = this.embPlans.get(N * T);
    if (ep === undefined) this.embPlans.set(N * T, (ep = embeddingPlan([this.spec.vocabSize, H], [N * T])));
    k.embedding(out, this.word, ids, ep);
    k.addBias(out, out, this.tokenType, N * T, H); // + token_type_embeddings[0] on every row
    const pos = this.position.subarray(0, T * H);
    for (let n = 0; n < N; n++) {
      const row = out.subarray(n * T * H, (n + 1) * T * H);
      k.add(row, row, pos, T * H);
    }
    let lp = this.lnPlans.get(N * T);
    if (lp === undefined) this.lnPlans.set(N * T, (lp = layerNormPlan([N * T, H], [H], this.spec.layerNormEps)));
    k.layerNorm(out, out, this.lnWeight, this.lnBias, lp);
  }
}
