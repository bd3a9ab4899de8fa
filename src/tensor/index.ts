// The tensor engine's public API: Tensor views, the Kernels tables and their plans, the Arena,
// safetensors and the f16/int8 codecs. Knows nothing about networks.
export * from './errors.js';
export * from './tensor.js';
export * from './arena.js';
export * from './kernels/index.js';
export * from './io/safetensors.js';
export * from './io/f16.js';
export * from './io/int8.js';
