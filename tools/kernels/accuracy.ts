/**
 * Per-exit accuracy of a model under two kernel tables over one data set, and how many (sample, exit)
 * predictions differ between them (issue #13 item 4: simd against fast on the full Fashion-MNIST
 * test set; the figures are in the README, "Kernels and cores").
 *
 *   node --import tsx tools/kernels/accuracy.ts [--model DIR] [--data SOURCE] [--a simd] [--b fast] [--limit N]
 *
 * Prints one JSON object (compare.ts KernelsComparison, with the model and data).
 */
import { parseArgs } from 'node:util';
import { parseKernelsKind } from '../../src/tensor/kernels/index.js';
import { compareKernels } from './compare.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' }, limit: { type: 'string' } } });
const modelDir = values.model ?? 'weights/fmnist-resnet';
const data = values.data ?? 'fashion-mnist:test';
const limit = values.limit === undefined ? undefined : Number(values.limit);
const r = compareKernels(modelDir, { data, labels: undefined, distortion: undefined, seed: 0, limit }, parseKernelsKind(values.a ?? 'simd', '--a'), parseKernelsKind(values.b ?? 'fast', '--b'));
console.log(JSON.stringify({ model: modelDir, data, ...r }));
