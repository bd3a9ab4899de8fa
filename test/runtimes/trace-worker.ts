// The Web Worker module of the pooled trace in a page or in Deno (bundled by helpers.ts bundleProbe):
// what a user's worker file holds, through the core entry.
import { serveTraceWorker } from '../../src/index.js';

serveTraceWorker();
