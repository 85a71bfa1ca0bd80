/**
 * Test-only DICOM worker (issue 12 §2): behaves as main/dicom/worker.ts, except that a request
 * naming a file whose name contains "never-answers" blocks the thread for good, as a read on a
 * hung network share would (Atomics.wait: nothing can interrupt it). Selected with
 * OR_HUB_DICOM_WORKER=…/hanging-worker.ts.
 */
import { parentPort } from 'node:worker_threads';
import { runTask, type Request } from '../tasks';

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: Request) => {
    if (JSON.stringify(req).includes('never-answers')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    runTask(req).then(
      (res) => port.postMessage(res),
      (e) => port.postMessage({ type: 'fatal', id: req.id, message: e instanceof Error ? e.message : String(e) }),
    );
  });
}
