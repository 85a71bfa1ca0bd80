/**
 * The hub's side of the review worker (review-worker.ts): the same handlers as ReviewService,
 * asynchronous, answered from a worker thread. If the worker dies, pending requests answer 503
 * and the next request starts a new worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../start-worker';
import type { ReviewService, ReviewServiceOptions, RouteResult } from './routes';

type Handlers = Pick<ReviewService, 'listRecordings' | 'recording' | 'overview' | 'state' | 'waves' | 'comments' | 'addComment'>;
export type ReviewMethod = keyof Handlers;

export interface ReviewRequest {
  seq: number;
  method: ReviewMethod;
  params: unknown;
}

/**
 * Path of the worker script: review-worker.cjs beside the bundle (dist/hub/), or review-worker.ts beside this module
 * under tsx; a bundle elsewhere in dist/ (bench:review's dist/bench/) uses the hub's, dist/hub/review-worker.cjs.
 */
export function reviewWorkerPath(): string {
  const candidates = [
    ...['review-worker.cjs', 'review-worker.js', 'review-worker.ts'].map((f) => path.join(__dirname, f)),
    path.join(__dirname, '..', 'hub', 'review-worker.cjs'),
  ];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`reviewWorkerPath: none of ${candidates.join(', ')} exists (is review-worker bundled beside the hub?)`);
  return found;
}

type Pending = (r: RouteResult<unknown> | { status: 503; body: { error: string; code: string } }) => void;

export class ReviewClient {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly opts: ReviewServiceOptions,
    private readonly workerPath = reviewWorkerPath(),
  ) {}

  private start(): Worker {
    const w = startWorker(this.workerPath, { workerData: this.opts });
    w.on('message', (m: { seq: number; result: RouteResult<unknown> }) => {
      this.pending.get(m.seq)?.(m.result);
      this.pending.delete(m.seq);
      // An idle worker does not keep the process alive; one with requests in flight does.
      if (this.pending.size === 0) w.unref();
    });
    const gone = (why: string) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p({ status: 503, body: { error: `review worker stopped: ${why}`, code: 'REVIEW_WORKER' } });
      this.pending.clear();
    };
    w.on('error', (e) => gone(e.message));
    w.on('exit', (code) => gone(`exit ${code}`));
    w.unref();
    return w;
  }

  /** Calls a ReviewService handler in the worker. */
  call<M extends ReviewMethod>(
    method: M,
    params: Parameters<Handlers[M]>[0],
  ): Promise<ReturnType<Handlers[M]> | { status: 503; body: { error: string; code: string } }> {
    this.worker ??= this.start();
    this.worker.ref();
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve as Pending);
      this.worker!.postMessage({ seq, method, params } satisfies ReviewRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
