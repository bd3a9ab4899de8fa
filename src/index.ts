// The core entry ('splitee'): what a user embeds to run the device side (or the cloud side) of a split
// multi-exit network in any JavaScript runtime. No Node API, no run-time code generation, no side effect
// on import. The surface is deliberate: test/index.test.ts lists every exported name, and changes only
// on purpose. Internals (layer building blocks, arenas, per-arm statistics, ...) stay importable by path
// inside this repository, not from the package.
//
//   errors ........... the named errors every failure raises
//   tensors, kernels . Tensor, the kernel tables (reference | fast | simd) and createKernels
//   formats .......... safetensors, IDX, f16 / int8 codecs
//   models ........... buildModel (bytes -> network + hash), the families, the network and exit API,
//                      ResNetModel / BertModel, the text input (tokenizer data passed in)
//   streams .......... image streams and distortions
//   SplitEE .......... costs, rewards, the round settlement, policies (split and per-stage), traces,
//                      replay, alpha, the wire codec, cloud service and transports, the runner
//   workers .......... a batch's trace in one thread or over N Web Workers, with the same bytes
export * from './tensor/errors.js';
export * from './tensor/tensor.js';
export * from './tensor/kernels/index.js';
export * from './tensor/io/safetensors.js';
export * from './tensor/io/f16.js';
export * from './tensor/io/int8.js';
export * from './tensor/io/idx.js';
export * from './layers/network.js';
export * from './layers/family.js';
export * from './layers/families/index.js';
export * from './layers/build-model.js';
export { ResNetModel, buildResNet } from './layers/resnet.js';
export { BertModel, buildBert } from './layers/bert.js';
export * from './layers/bert-tokenizer.js';
export * from './layers/text-input.js';
export * from './splitee/stream/distortions.js';
export * from './splitee/stream/image-stream.js';
export * from './splitee/rng.js';
export * from './splitee/defaults.js';
export * from './splitee/trace.js';
export * from './splitee/cost.js';
export * from './splitee/reward.js';
export * from './splitee/settle.js';
export * from './splitee/policy.js';
export * from './splitee/stage.js';
export * from './splitee/replay.js';
export * from './splitee/replay-stage.js';
export * from './splitee/alpha.js';
export * from './splitee/synthetic.js';
export * from './splitee/wire.js';
export * from './splitee/cloud.js';
export * from './splitee/transport.js';
export * from './splitee/runner.js';
export { traceInputs, traceInWebWorkers, serveTraceWorker, type InputRows, type WorkerModelParts, type WebTraceOptions, type WebTraceResult } from './splitee/trace-workers.js';
export type { WebWorkerLike, WebWorkerEvent } from './splitee/web-pool.js';
