/**
 * Worker-thread entry of the recorder. Bundled on its own as
 * dist/hub/recorder-worker.cjs; run as this .ts file under tsx.
 * See recorderWorkerPath() in recorder.ts.
 */
import { parentPort } from 'node:worker_threads';
import type { Request } from './protocol';
import { RecorderCore } from './worker-core';

if (parentPort) {
  const port = parentPort;
  const core = new RecorderCore(
    (r) => port.postMessage(r),
    (s) => port.postMessage(s),
  );
  port.on('message', (msg: Request) => core.handle(msg));
}
