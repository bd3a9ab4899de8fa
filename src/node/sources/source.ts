/** What a data-source resolver (../data-sources.ts) is asked for and gives back. */
import type { Tensor } from '../../tensor/tensor.js';

/** A data set ready for a model: `batch` gives samples [t0, t0+n) as the stage-0 input. */
export interface TraceSource {
  /** Shown in the summary, e.g. 'fashion-mnist:test (gaussian-noise:2, seed 0)'. */
  readonly description: string;
  readonly count: number;
  /** [count], -1 where unknown. */
  readonly labels: Int32Array;
  /** The stage-0 input [n, ...activationShape(0)] of samples t0..t0+n-1. */
  batch(t0: number, n: number): Tensor;
  /** Text models: the attention mask [n, T] of the same batch (undefined: no padding). */
  mask?(t0: number, n: number): Float32Array | undefined;
}

export interface SourceRequest {
  data: string | undefined;
  labels: string | undefined;
  distortion: string | undefined;
  seed: number;
  limit: number | undefined;
}
