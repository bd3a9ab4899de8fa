// The Node entry: file loading, data sets, the HTTP cloud server and the CLI, on top of the core.
export * from '../index.js';
export { main } from './cli.js';
