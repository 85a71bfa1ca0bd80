/**
 * Issue 12 §1: 20 000 malformed or hostile HTTP / WebSocket requests, without and then with the
 * token, against a real supervised `or-hub start --simulate` with its display open in Chromium.
 * The hub stays up (no restart), the display stays live (the ECG canvas changes every second),
 * the recording has no gap, and every refusal is an answer, counted in /api/status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzSession } from './fuzz-session';
import { FUZZ_CLASSES } from './http-fuzz';

test('20 000 hostile requests: the hub stays up, the display live, the recording whole', { timeout: 600_000 }, async () => {
  const r = await fuzzSession({ httpRequests: 20_000, busFrames: 0, screenshot: 'http-fuzz-display.png' });
  console.log(JSON.stringify({ ...r, status: undefined }));
  assert.equal(r.http.withoutToken.sent + r.http.withToken.sent, 20_000);
  for (const cls of FUZZ_CLASSES) {
    assert.ok((r.http.withoutToken.byClass[cls] ?? 0) > 100 && (r.http.withToken.byClass[cls] ?? 0) > 100, `class ${cls} sent in both phases`);
  }
  assert.equal(r.http.withoutToken.connectFailures + r.http.withToken.connectFailures, 0, 'the hub answered every connection');
  // Without the token a socket may open (a browser authenticates with its first message) but never gets data.
  assert.equal(r.http.withoutToken.answers['101-data'] ?? 0, 0, 'no hub data on a socket without the token');
  assert.ok((r.http.withToken.answers['101-data'] ?? 0) > 0, 'sockets with the token do get the hub snapshot (frames then fuzzed)');
  assert.ok(r.hubAlive, 'hub process alive');
  assert.equal(r.hubRestarts, 0, 'the supervisor never had to restart the hub');
  assert.ok(r.displayChecks >= 5, `display watched (${r.displayChecks} checks)`);
  assert.equal(r.displayFramesMissed, 0, 'the ECG canvas changed at every check');
  assert.equal(r.recordingGaps, 0, 'no gap in the recording');
  assert.equal(r.status.faults.total, 0, `no handler threw: ${JSON.stringify(r.status.faults)}`);
  assert.equal(r.status.http.failed, 0, 'no 5xx answer');
  assert.ok((r.status.http.parseErrors as number) > 1000, 'the parser refusals are counted');
});
