/**
 * The review screen's routes (common/display-api.ts, review*), answered by ReviewClient: the
 * handlers of main/review/routes.ts in a worker thread, so a cold cache build or a burst of seeks
 * never holds up ingest, the recorder or the live display. Case files are opened read-only;
 * reviewers' comments go to DATA_DIR/review/ (comment-ledger.ts), never to the case file.
 */
import type { ApiRouter, RouteReply } from './api-router';
import type { RouteName } from '../../common/display-api';
import { ReviewClient } from '../review/review-client';

type Answer = { status: number; body: unknown };

/** The worker's answer as the route's reply (the worker's bodies are the views of common/review-contract.ts). */
const reply = <K extends RouteName>(r: Answer, okStatus = 200): RouteReply<K> =>
  (r.status === 200 ? { status: okStatus, body: r.body } : r) as unknown as RouteReply<K>;

export class ReviewRoutes {
  readonly client: ReviewClient;

  constructor(opts: { dataDir: string; cacheDir?: string }, workerPath?: string) {
    this.client = new ReviewClient(opts, workerPath);
  }

  routes(router: ApiRouter): void {
    const c = this.client;
    router.register({
      reviewRecordings: async ({ query }) => reply<'reviewRecordings'>(await c.call('listRecordings', query)),
      reviewRecording: async ({ params }) => reply<'reviewRecording'>(await c.call('recording', params)),
      reviewOverview: async ({ params, query }) => reply<'reviewOverview'>(await c.call('overview', { ...params, ...query })),
      reviewState: async ({ params, query }) => reply<'reviewState'>(await c.call('state', { ...params, ...query })),
      reviewWaves: async ({ params, query }) => reply<'reviewWaves'>(await c.call('waves', { ...params, ...query })),
      reviewComments: async ({ params }) => reply<'reviewComments'>(await c.call('comments', params)),
      reviewComment: async ({ params, body }) => reply<'reviewComment'>(await c.call('addComment', { ...params, ...body }), 201),
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
