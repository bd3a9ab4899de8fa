/**
 * The contract between the layers and SplitEE: a network of L stages with an exit after each.
 *
 * Shape legend: N = batch, L = number of stages (= number of exits), K = classes.
 * Stages and exits are 1-based as in the paper: stage s maps the activation after stage s-1 to the
 * activation after stage s; "stage 0" is the network input (an image after preprocessing, or a row
 * of token ids stored as floats for a text model). Exit k reads the activation after stage k; exit L
 * is the final classifier.
 *
 * Memory: results may live in the network's scratch arena and stay valid only until the next call
 * on the same network (so a forward pass allocates nothing in steady state). Copy (`clone()`) what
 * you need to keep.
 */
import type { Tensor } from '../tensor/tensor.js';

/** What the cost model needs to know about a network; all arrays are indexed from stage 1 at [0]. */
export interface NetworkProfile {
  /** FLOPs of stage s for one sample (multiply-add = 2 FLOPs), at [s-1]; length L. */
  stageFlops: number[];
  /** Layers stage s runs, at [s-1] (length L; omitted: one each). A network whose exits sit after only
   *  some of its layers groups several layers into one stage; the paper's cost (lambda per layer) counts them. */
  stageLayers?: readonly number[];
  /** FLOPs of exit head k for one sample, at [k-1]; length L. */
  exitFlops: number[];
  /** Elements of one sample's activation after stage s, at [s]; [0] is the network input; length L+1.
   *  For a text model these are per token of the maximum length. */
  activationElements: number[];
  /** Bytes of one raw input as a device would send it for cloud-only inference (e.g. 784 for a uint8 28x28 image). */
  rawInputBytes: number;
}

export interface MultiExitNetwork {
  readonly id: string;
  /** L: the number of stages, equal to the number of exits. */
  readonly numStages: number;
  /** K: the number of classes of every exit. */
  readonly numClasses: number;
  readonly profile: NetworkProfile;
  /** For a text model: the axis of activationShape(s) that is the sequence (shorter sequences are
   *  allowed along it, e.g. an unpadded single sample). Absent for fixed-shape (image) models. */
  readonly sequenceAxis?: number;
  /** Shape of one sample's activation after stage s (0 = input), batch axis excluded. For a text
   *  model the sequence axis is the maximum length; shorter sequences are allowed. */
  activationShape(s: number): readonly number[];
  /** Runs stages from+1..to. x: [N, ...activationShape(from)] -> [N, ...activationShape(to)].
   *  mask: [N, T] of 1 (token) / 0 (padding), text models only; omitted means no padding. */
  runStages(from: number, to: number, x: Tensor, mask?: Float32Array): Tensor;
  /** Logits of exit k from the activation after stage k: x [N, ...activationShape(k)] -> [N, K]. */
  exitLogits(k: number, x: Tensor, mask?: Float32Array): Tensor;
}
