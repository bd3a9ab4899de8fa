// The core entry: tensor engine, layers and SplitEE policies. No Node API, no run-time code generation.
export * from './tensor/errors.js';
export * from './tensor/tensor.js';
