/** Review requests answered from a worker thread: the same bodies as in-thread, and the hub thread keeps running meanwhile. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordingPath } from '../recorder/store';
import { ReviewClient } from './review-client';
import { ReviewService } from './routes';
import { writeSyntheticCase } from './testing/synthetic-case';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-review-worker-'));
const id = '20260105-080000-wwwwww';
writeSyntheticCase(recordingPath(dataDir, id), 0.5);
const client = new ReviewClient({ dataDir, cacheDir: path.join(dataDir, 'cache-worker') });
after(() => client.close());

test('a cold overview built in the worker leaves the hub thread free, and answers what the in-thread service answers', async () => {
  // In-thread, the same cold build holds the thread for its whole duration.
  const local = new ReviewService({ dataDir, cacheDir: path.join(dataDir, 'cache-local') });
  const t0 = performance.now();
  const mine = local.overview({ id, width: 300, budget: 'all' });
  const inThreadMs = performance.now() - t0;
  local.close();
  assert.equal(mine.status, 200);

  let maxGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  const t1 = performance.now();
  const theirs = await client.call('overview', { id, width: 300, budget: 'all' });
  const workerMs = performance.now() - t1;
  clearInterval(ticker);
  console.log(
    `cold overview: ${inThreadMs.toFixed(0)} ms in-thread; in the worker ${workerMs.toFixed(0)} ms with the hub thread's longest stall ${maxGap.toFixed(0)} ms`,
  );
  assert.deepEqual(theirs, mine);
  assert.ok(
    maxGap < Math.max(50, inThreadMs / 2),
    `hub thread stalled ${maxGap.toFixed(0)} ms during a ${workerMs.toFixed(0)} ms worker call (in-thread: ${inThreadMs.toFixed(0)} ms)`,
  );

  const st = await client.call('state', { id, t: '+10m' });
  assert.equal(st.status, 200);
  const bad = await client.call('state', { id, t: 'never' });
  assert.equal(bad.status, 400);
});
