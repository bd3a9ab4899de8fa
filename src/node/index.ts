// The Node entry: file loading, data sets, the HTTP cloud server and the CLI, on top of the core.
export * from '../index.js';
export { main } from './cli.js';
export * from './datasets/idx-file.js';
export * from './datasets/fashion-mnist.js';
export * from './models/load.js';
export * from './models/text-input.js';
export * from './datasets/text-data.js';
export * from './server.js';
export * from './http-fetch.js';
export * from './run-log.js';
export * from './data-sources.js';
