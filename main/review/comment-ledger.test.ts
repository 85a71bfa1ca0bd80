/** Reviewers' comments: attributed, hash-chained, anchored; tampering is detected; the case file is untouched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordingPath } from '../recorder/store';
import { CommentLedger } from './comment-ledger';
import { ReviewService } from './routes';
import { writeSyntheticCase } from './testing/synthetic-case';

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

test('comments are kept in DATA_DIR/review, chained, and checked; the case file is not changed', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-review-comments-'));
  const id = '20260105-090000-cccccc';
  const file = recordingPath(dataDir, id);
  const syn = writeSyntheticCase(file, 0.05);
  const before = sha(file);
  const svc = new ReviewService({ dataDir });
  try {
    const a = svc.addComment({ id, t: '+60s', text: 'ABP drop here', role: 'M&M chair', name: 'Dr R' });
    assert.equal(a.status, 200);
    if (a.status !== 200) return;
    assert.equal(a.body.tMs, syn.startMs + 60000);
    assert.equal(a.body.role, 'M&M chair');
    const b = svc.addComment({ id, t: '+2m', text: 'second', role: 'research', name: 'R2' });
    assert.equal(b.status, 200);
    const bad = svc.addComment({ id, t: '+1m', text: '   ', role: 'x', name: 'y' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body && 'code' in bad.body ? bad.body.code : '', 'REVIEW_BAD_COMMENT');
    assert.equal(svc.addComment({ id: 'nope', t: '0', text: 't', role: 'r', name: 'n' }).status, 404);
    const list = svc.comments({ id });
    assert.equal(list.status, 200);
    if (list.status !== 200) return;
    assert.deepEqual(
      list.body.comments.map((c) => c.text),
      ['ABP drop here', 'second'],
    );
    assert.deepEqual(list.body.chain, { ok: true });
    assert.equal(list.body.comments[1].prevHash, list.body.comments[0].hash);
  } finally {
    svc.close();
  }
  assert.equal(sha(file), before, 'case file unchanged');
  const ledgerFile = CommentLedger.fileFor(dataDir, id);
  assert.ok(fs.existsSync(path.join(dataDir, 'review', 'annotation-heads.log')), 'head anchored beside the ledger');
  // Edit a comment in place: its hash no longer matches.
  const db = new Database(ledgerFile);
  db.prepare("UPDATE comments SET text = 'nothing here' WHERE seq = 1").run();
  db.close();
  let l = CommentLedger.open(dataDir, id);
  assert.match(l.verify().error ?? '', /comment 1: its hash does not match/);
  l.close();
  // Cut the last comment: the anchored head says there was one more.
  const db2 = new Database(ledgerFile);
  db2.prepare("UPDATE comments SET text = 'ABP drop here' WHERE seq = 1").run();
  db2.prepare('DELETE FROM comments WHERE seq = 2').run();
  db2.close();
  l = CommentLedger.open(dataDir, id);
  assert.match(l.verify().error ?? '', /removed \(anchored head: 2\)/);
  l.close();
});
