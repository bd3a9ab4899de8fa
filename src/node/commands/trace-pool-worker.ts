/** The worker thread of traceInPool (trace-pool.ts): loads the model and data, then traces the batches it is handed. */
import { serveTasks } from '../worker-pool.js';
import { traceBatches, type TraceInfo, type TraceJob } from './trace-pool.js';
import type { Trace } from '../../splitee/trace.js';

serveTasks<TraceJob, TraceInfo, number, Trace>('trace-pool-worker', traceBatches);
