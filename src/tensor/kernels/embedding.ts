/**
 * Embedding gather: out[i, :] = table[ids[i], :]
 *
 * Shapes: table [V, D] (torch.nn.Embedding.weight), ids [count] as Float32Array (token ids carried
 * in a float activation; exact for ids < 2^24) or Int32Array, out [count, D].
 * Every id must be an integer in [0, V): anything else throws a ValueError naming the position
 * (PyTorch raises IndexError; a silent clamp would give a wrong answer that looks right).
 * Optimization: a plain row copy (no subarray views, so nothing is allocated per row).
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import { needElements } from './need.js';

export interface EmbeddingPlan {
  readonly count: number;
  readonly vocab: number;
  readonly dim: number;
  readonly outShape: readonly number[];
}

/** table [V,D]; idsShape any shape (flattened); the output shape is idsShape + [D]. */
export function embeddingPlan(tableShape: readonly number[], idsShape: readonly number[]): EmbeddingPlan {
  if (tableShape.length !== 2 || !tableShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`embeddingPlan: table must be 2-D: got ${formatShape(tableShape)}, expected [V,D]`);
  }
  let count = 1;
  for (const d of idsShape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`embeddingPlan: invalid ids shape: got ${formatShape(idsShape)}, expected non-negative integers`);
    count *= d;
  }
  return { count, vocab: tableShape[0], dim: tableShape[1], outShape: [...idsShape, tableShape[1]] };
}

function check(where: string, out: Float32Array, table: Float32Array, ids: Float32Array | Int32Array, p: EmbeddingPlan): void {
  needElements(where, 'table', table, p.vocab * p.dim);
  needElements(where, 'ids', ids, p.count);
  needElements(where, 'out', out, p.count * p.dim);
}

function checkId(where: string, id: number, i: number, vocab: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocab) {
    throw new ValueError(`${where}: id out of range at position ${i}: got ${id}, expected an integer in [0,${vocab})`);
  }
}

/** out [count, D] = table [V, D] rows at ids [count] */
export function embedding(out: Float32Array, table: Float32Array, ids: Float32Array | Int32Array, p: EmbeddingPlan): void {
  check('embedding', out, table, ids, p);
  const { count, vocab, dim } = p;
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    checkId('embedding', id, i, vocab);
    const t = id * dim;
    const o = i * dim;
    for (let j = 0; j < dim; j++) out[o + j] = table[t + j];
  }
}

export function embeddingNaive(out: Float32Array, table: Float32Array, ids: Float32Array | Int32Array, p: EmbeddingPlan): void {
  check('embeddingNaive', out, table, ids, p);
  for (let i = 0; i < p.count; i++) {
    checkId('embeddingNaive', ids[i], i, p.vocab);
    for (let j = 0; j < p.dim; j++) out[i * p.dim + j] = table[ids[i] * p.dim + j];
  }
}
