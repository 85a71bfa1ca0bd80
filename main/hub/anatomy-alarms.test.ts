/** The anatomy service raises and clears its alarm on the alarm board directly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AlarmBoard } from './alarm-board';
import { AnatomyService } from './anatomy-service';

test('images that cannot be loaded are a low technical alarm of the anatomy service; the next load that succeeds clears it', async () => {
  const board = new AlarmBoard();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-anat-alarm-'));
  const svc = new AnatomyService({ dataDir, broadcast: () => {}, log: () => {}, simulated: false, alarms: board });
  try {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-empty-'));
    fs.writeFileSync(path.join(empty, 'readme.txt'), 'not dicom');
    await svc.open(empty);
    assert.equal(svc.status, 'error');
    const [a] = board.active();
    assert.ok(a, 'an alarm is raised');
    assert.deepEqual([a.key, a.source, a.kind, a.priority], ['anatomy/tech/IMAGES_NOT_LOADED', 'anatomy', 'technical', 'low']);
    assert.match(a.text, /^Images not loaded: .*no image volume/);
    await svc.openDemo();
    assert.equal(svc.status, 'ready');
    assert.equal(board.active().length, 0);
    assert.equal(board.history().at(-1)?.key, 'anatomy/tech/IMAGES_NOT_LOADED');
  } finally {
    await svc.close();
  }
});
