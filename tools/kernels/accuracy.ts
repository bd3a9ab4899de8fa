/**
 * Per-exit accuracy of a model under two kernel tables over one data set, and how many
 * (sample, exit) predictions differ between them (issue #13 item 4: simd against fast on the full
 * Fashion-MNIST test set).
 *
 *   node --import tsx tools/kernels/accuracy.ts [--model DIR] [--data SOURCE] [--a simd] [--b fast] [--limit N]
 *
 * Prints one JSON object: per table its name, relaxed flag, seconds and per-exit accuracy; then the
 * count of (sample, exit) argmax disagreements and the largest confidence difference.
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../../src/node/models/load.js';
import { resolveSource } from '../../src/node/data-sources.js';
import { computeTrace } from '../../src/node/commands/run-trace.js';
import { kernelsInfo, KERNEL_KINDS, type KernelsKind } from '../../src/tensor/kernels/index.js';
import type { Trace } from '../../src/splitee/trace.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' }, limit: { type: 'string' } } });
const kind = (v: string | undefined, d: KernelsKind): KernelsKind => {
  const k = (v ?? d) as KernelsKind;
  if (!KERNEL_KINDS.includes(k)) throw new Error(`accuracy: unknown kernels: got ${String(v).slice(0, 40)}, expected one of ${KERNEL_KINDS.join('|')}`);
  return k;
};
const modelDir = values.model ?? 'weights/fmnist-resnet';
const req = { data: values.data ?? 'fashion-mnist:test', labels: undefined, distortion: undefined, seed: 0, limit: values.limit === undefined ? undefined : Number(values.limit) };

function traceWith(k: KernelsKind): { trace: Trace; info: ReturnType<typeof kernelsInfo>; seconds: number; accuracy: number[] } {
  const model = loadModel(modelDir, { kernels: k });
  const src = resolveSource(model, req, 'accuracy');
  const t0 = performance.now();
  const trace = computeTrace(model, src);
  const seconds = (performance.now() - t0) / 1000;
  const L = trace.numExits;
  const accuracy = Array.from({ length: L }, (_, e) => {
    let c = 0;
    for (let r = 0; r < trace.numRows; r++) if (trace.pred[r * L + e] === trace.label[r]) c++;
    return c / trace.numRows;
  });
  return { trace, info: kernelsInfo(model.kernels), seconds: Number(seconds.toFixed(1)), accuracy };
}

const A = traceWith(kind(values.a, 'simd'));
const B = traceWith(kind(values.b, 'fast'));
const L = A.trace.numExits;
const disagreements = new Array<number>(L).fill(0);
let maxConfDiff = 0;
for (let i = 0; i < A.trace.pred.length; i++) {
  if (A.trace.pred[i] !== B.trace.pred[i]) disagreements[i % L]++;
  maxConfDiff = Math.max(maxConfDiff, Math.abs(A.trace.conf[i] - B.trace.conf[i]));
}
const strip = ({ trace: _t, ...rest }: ReturnType<typeof traceWith>) => rest;
console.log(JSON.stringify({ model: modelDir, data: req.data, samples: A.trace.numRows, a: strip(A), b: strip(B), disagreementsPerExit: disagreements, maxConfDiff }));
