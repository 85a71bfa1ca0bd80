/**
 * worker_threads entry: answers `Request` messages from pool.ts with `Response` messages.
 * All parsing and decoding happens here, off the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { runTask, type Request } from './tasks';

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: Request) => {
    runTask(req).then(
      (res) => port.postMessage(res),
      (e) => port.postMessage({ type: 'fatal', id: req.id, message: e instanceof Error ? e.message : String(e) }),
    );
  });
}
