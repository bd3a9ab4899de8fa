// A deterministic toy MultiExitNetwork whose exit confidences the test controls, for the runner,
// cloud and server tests (fast: a few hundred FLOPs per sample).
//
// Activation after stage s: [C_s, W] with C_s = 2 + s and W = L + 1 (batch axis in front).
// Row 0 is the payload and passes through every stage unchanged: columns 0..L-1 hold the wanted
// confidences c_1..c_L, column L the class. Every stage copies its input rows and appends one
// computed row (0.5 * last row + s), so stages do real work and the shapes differ per split.
// Exit k reads c_k and the class y from row 0 and outputs logits with softmax max = c_k at class y:
//   logit_y = log(c_k (K-1) / (1 - c_k)), others 0.
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError, formatShape } from '../../src/tensor/errors.js';
import type { MultiExitNetwork, NetworkProfile } from '../../src/layers/network.js';

export interface ToySample {
  index: number;
  /** Wanted C_1..C_L, each in (1/K, 1). */
  conf: number[];
  /** Predicted class (every exit predicts it). */
  cls: number;
  label: number;
}

export interface ToyOptions {
  L?: number;
  K?: number;
  id?: string;
  /** Throw from runStages when this returns true (fault injection). */
  failWhen?: (from: number, to: number) => boolean;
  /** Declare axis 1 (W) as a sequence axis that may be shorter (W = L + 3 then). */
  sequence?: boolean;
  /** W, the columns of every activation (default L + 1, the minimum). */
  width?: number;
}

export class ToyNetwork implements MultiExitNetwork {
  readonly id: string;
  readonly numStages: number;
  readonly numClasses: number;
  readonly profile: NetworkProfile;
  readonly sequenceAxis?: number;
  readonly W: number;
  calls = { runStages: 0, exitLogits: 0 };
  private readonly failWhen?: (from: number, to: number) => boolean;

  constructor(o: ToyOptions = {}) {
    this.numStages = o.L ?? 4;
    this.numClasses = o.K ?? 5;
    this.id = o.id ?? 'toy';
    this.W = o.width ?? this.numStages + 1 + (o.sequence ? 2 : 0);
    if (o.sequence) this.sequenceAxis = 1;
    this.failWhen = o.failWhen;
    const L = this.numStages;
    this.profile = {
      stageFlops: Array.from({ length: L }, (_, i) => 2 * this.W * (3 + i)),
      exitFlops: Array.from({ length: L }, () => 10),
      activationElements: Array.from({ length: L + 1 }, (_, s) => (2 + s) * this.W),
      rawInputBytes: 2 * this.W,
    };
  }

  activationShape(s: number): readonly number[] {
    return [2 + s, this.W];
  }

  /** The network input of a sample: [1, 2, W]. */
  input(sample: ToySample, width = this.W): Tensor {
    const L = this.numStages;
    const x = new Float32Array(2 * width);
    for (let k = 0; k < L; k++) x[k] = sample.conf[k];
    x[L] = sample.cls;
    for (let j = 0; j < width; j++) x[width + j] = (j % 3) - 1;
    return Tensor.from(x, [1, 2, width]);
  }

  runStages(from: number, to: number, x: Tensor): Tensor {
    this.calls.runStages++;
    if (this.failWhen?.(from, to)) throw new Error(`toy: injected failure in runStages(${from}, ${to})`);
    const W = x.shape[2];
    if (x.rank !== 3 || x.shape[0] !== 1 || x.shape[1] !== 2 + from) throw new ShapeError(`toy.runStages: got ${formatShape(x.shape)}, expected [1,${2 + from},W]`);
    let cur = x.contiguous().flat();
    for (let s = from + 1; s <= to; s++) {
      const rows = 2 + s;
      const next = new Float32Array(rows * W);
      next.set(cur);
      for (let j = 0; j < W; j++) next[(rows - 1) * W + j] = 0.5 * cur[(rows - 2) * W + j] + s;
      cur = next;
    }
    return Tensor.from(cur, [1, 2 + to, W]);
  }

  exitLogits(k: number, x: Tensor): Tensor {
    this.calls.exitLogits++;
    const L = this.numStages;
    const K = this.numClasses;
    if (x.rank !== 3 || x.shape[1] !== 2 + k) throw new ShapeError(`toy.exitLogits(${k}): got ${formatShape(x.shape)}, expected [1,${2 + k},W]`);
    const row = x.contiguous().flat();
    const c = Math.min(Math.max(row[k - 1], 1 / K + 1e-6), 1 - 1e-6);
    const y = Math.min(K - 1, Math.max(0, Math.round(row[L])));
    const out = new Float32Array(K);
    out[y] = Math.log((c * (K - 1)) / (1 - c));
    return Tensor.from(out, [1, K]);
  }
}

/** 64 hex digits, for toy model hashes. */
export const TOY_HASH = 'ab'.repeat(32);

/** Deterministic samples: confidences from a simple LCG so the policies see varied rounds. */
export function toySamples(n: number, L = 4, K = 5, seed = 1): ToySample[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: ToySample[] = [];
  for (let i = 0; i < n; i++) {
    const conf = Array.from({ length: L }, (_, k) => Math.min(0.99, 0.3 + 0.5 * next() + 0.05 * k));
    const cls = Math.floor(next() * K);
    out.push({ index: i, conf, cls, label: next() < 0.8 ? cls : (cls + 1) % K });
  }
  return out;
}
