/** The review routes through the hub's router and the review worker: validated, answered, errors coded. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiRouter } from './api-router';
import { ReviewRoutes } from './review-service';
import type { ApiResult } from './server';
import { recordingPath } from '../recorder/store';
import { writeSyntheticCase } from '../review/testing/synthetic-case';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-review-hub-'));
const id = '20260105-100000-hhhhhh';
const syn = writeSyntheticCase(recordingPath(dataDir, id), 0.05);
const review = new ReviewRoutes({ dataDir }, path.join(__dirname, '..', 'review', 'review-worker.ts'));
const router = new ApiRouter();
review.routes(router);
after(() => review.close());

const call = (method: string, url: string, body?: unknown) => {
  const u = new URL(url, 'http://hub');
  return Promise.resolve(router.handle({ method, path: u.pathname, query: u.searchParams, body })) as Promise<ApiResult>;
};
const bodyOf = <T>(r: ApiResult) => r.body as T;

test('review routes answer through the router and the worker', async () => {
  const list = await call('GET', '/api/review/recordings?room=OR%207');
  assert.equal(list.status, 200);
  assert.deepEqual(
    bodyOf<{ entries: { id: string }[] }>(list).entries.map((e) => e.id),
    [syn.caseId],
  );
  const st = await call('GET', `/api/review/recordings/${id}/state?t=%2B60s&window=2000`);
  assert.equal(st.status, 200);
  assert.equal(bodyOf<{ tMs: number }>(st).tMs, syn.startMs + 60000);
  const ov = await call('GET', `/api/review/recordings/${id}/overview?width=100&budget=all`);
  assert.equal(bodyOf<{ complete: boolean; trends: { max: unknown[] }[] }>(ov).trends[0].max.length, 100);
  const add = await call('POST', `/api/review/recordings/${id}/comments`, { t: '+30s', text: 'look here', role: 'chair', name: 'A' });
  assert.equal(add.status, 201);
  const comments = bodyOf<{ comments: { text: string }[]; chain: { ok: boolean } }>(await call('GET', `/api/review/recordings/${id}/comments`));
  assert.deepEqual([comments.comments.map((c) => c.text), comments.chain.ok], [['look here'], true]);
});

test('bad review requests get a 400 naming the problem, an unknown case a 404', async () => {
  const cases: [string, string, number, RegExp][] = [
    ['GET', `/api/review/recordings/${id}/overview?width=abc`, 400, /width/],
    ['GET', `/api/review/recordings/${id}/overview?width=9000`, 400, /width/],
    ['GET', `/api/review/recordings/${id}/state`, 400, /t/],
    ['GET', `/api/review/recordings/${id}/state?t=yesterday`, 400, /t/],
    ['GET', `/api/review/recordings/${id}/waves?from=%2B0s&to=%2B5m`, 400, /2 minutes/],
    ['GET', `/api/review/recordings/${id}/waves?from=%2B1s&to=%2B2s&channels=x`, 400, /channels/],
    ['GET', '/api/review/recordings?state=done', 400, /state/],
    ['GET', '/api/review/recordings/no-such-case', 404, /no recording/],
    ['GET', '/api/review/recordings/..%2Fx', 400, /bad case id/],
  ];
  for (const [method, url, status, re] of cases) {
    const r = await call(method, url);
    assert.equal(r.status, status, `${url}: ${JSON.stringify(r.body)}`);
    assert.match(bodyOf<{ error: string }>(r).error, re, url);
  }
  const noWho = await call('POST', `/api/review/recordings/${id}/comments`, { t: '+1s', text: 'x' });
  assert.equal(noWho.status, 400);
  assert.match(bodyOf<{ error: string }>(noWho).error, /role/);
});
