/** The worker thread of traceInPool (run-trace.ts): traces one chunk of rows and posts it back. */
import { serveWorkerTask } from '../worker-pool.js';
import { runTraceChunk, type TraceChunk, type TraceChunkJob } from './run-trace.js';

serveWorkerTask<TraceChunkJob, TraceChunk>('run-trace-worker', (job, progress) => {
  let last = 0;
  const chunk = runTraceChunk(job, (done, total) => {
    if (done - last >= 64 || done === total) {
      last = done;
      progress(done);
    }
  });
  const { conf, pred, label } = chunk.trace;
  return { result: chunk, transfer: [conf.buffer as ArrayBuffer, pred.buffer as ArrayBuffer, label.buffer as ArrayBuffer] };
});
