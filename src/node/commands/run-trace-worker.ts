/** The worker thread of traceInWorker (run-trace.ts): computes one trace and posts it back. */
import { parentPort, workerData } from 'node:worker_threads';
import { SpliteeError } from '../../tensor/errors.js';
import { runTraceJob, type TraceJob, type WorkerMessage } from './run-trace.js';

const port = parentPort;
if (port === null) throw new Error('run-trace-worker: not a worker thread: got no parentPort, expected to be started by traceInWorker');
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
try {
  let last = 0;
  const r = runTraceJob(workerData as TraceJob, (done, total) => {
    if (done - last >= 64 || done === total) {
      last = done;
      post({ kind: 'progress', done, total });
    }
  });
  const { conf, pred, label } = r.trace;
  post({ kind: 'done', numExits: r.trace.numExits, numRows: r.trace.numRows, conf, pred, label, description: r.description, seconds: r.seconds }, [conf.buffer as ArrayBuffer, pred.buffer as ArrayBuffer, label.buffer as ArrayBuffer]);
} catch (e) {
  const err = e as Error;
  post({ kind: 'error', name: err.name, code: e instanceof SpliteeError ? e.code : 'E_INTERNAL', message: err.message ?? String(e) });
}
