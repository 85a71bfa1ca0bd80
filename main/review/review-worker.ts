/**
 * Worker-thread entry of the review service: the hub runs review requests here, so that decoding
 * blocks and building the review cache never hold up the hub thread (the live display, ingest).
 * Bundled on its own as dist/hub/review-worker.cjs; run as this .ts file under tsx. See review-client.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ReviewService, type ReviewServiceOptions } from './routes';
import type { ReviewRequest } from './review-client';

if (parentPort) {
  const port = parentPort;
  const svc = new ReviewService(workerData as ReviewServiceOptions);
  port.on('message', (m: ReviewRequest) => {
    let result: unknown;
    try {
      // The handlers catch their own errors; this guards against a bug reaching the worker's top level.
      result = (svc[m.method] as (p: unknown) => unknown).call(svc, m.params);
    } catch (e) {
      result = { status: 500, body: { error: `review worker: ${(e as Error).message}`, code: 'REVIEW_INTERNAL' } };
    }
    port.postMessage({ seq: m.seq, result });
  });
}
