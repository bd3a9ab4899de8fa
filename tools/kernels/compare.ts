/**
 * One model traced under two kernel tables over one data source: per-exit accuracy of each, and the
 * (sample, exit) predictions on which they disagree (issue #13 item 4: simd against fast). Used by
 * tools/kernels/accuracy.ts (the full test set, figures in the README) and its test (a subset).
 */
import { loadModel } from '../../src/node/models/load.js';
import { resolveSource, type SourceRequest } from '../../src/node/data-sources.js';
import { computeTrace } from '../../src/node/commands/run-trace.js';
import { kernelsInfo, type KernelsInfo, type KernelsKind } from '../../src/tensor/kernels/index.js';
import type { Trace } from '../../src/splitee/trace.js';

export interface TableRun {
  kernels: KernelsInfo;
  seconds: number;
  /** Per exit, the fraction of labelled samples the exit's argmax gets right. */
  accuracy: number[];
}

export interface KernelsComparison {
  samples: number;
  a: TableRun;
  b: TableRun;
  /** Per exit, the samples whose argmax differs between the tables. */
  disagreementsPerExit: number[];
  /** The largest |conf_a - conf_b| (confidences rounded to 6 decimals, as in a trace). */
  maxConfDiff: number;
}

function traceWith(modelDir: string, req: SourceRequest, kind: KernelsKind): { trace: Trace; run: TableRun } {
  const model = loadModel(modelDir, { kernels: kind });
  const src = resolveSource(model, req, 'compareKernels');
  const t0 = performance.now();
  const trace = computeTrace(model, src);
  const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  const L = trace.numExits;
  const accuracy = Array.from({ length: L }, (_, e) => {
    let c = 0;
    for (let r = 0; r < trace.numRows; r++) if (trace.pred[r * L + e] === trace.label[r]) c++;
    return c / trace.numRows;
  });
  return { trace, run: { kernels: kernelsInfo(model.kernels), seconds, accuracy } };
}

/** The model in `modelDir` over `req` under tables `a` and `b`. */
export function compareKernels(modelDir: string, req: SourceRequest, a: KernelsKind, b: KernelsKind): KernelsComparison {
  const A = traceWith(modelDir, req, a);
  const B = traceWith(modelDir, req, b);
  const L = A.trace.numExits;
  const disagreementsPerExit = new Array<number>(L).fill(0);
  let maxConfDiff = 0;
  for (let i = 0; i < A.trace.pred.length; i++) {
    if (A.trace.pred[i] !== B.trace.pred[i]) disagreementsPerExit[i % L]++;
    maxConfDiff = Math.max(maxConfDiff, Math.abs(A.trace.conf[i] - B.trace.conf[i]));
  }
  return { samples: A.trace.numRows, a: A.run, b: B.run, disagreementsPerExit, maxConfDiff };
}
