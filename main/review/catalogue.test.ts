/** The recordings catalogue: search by date, room, procedure, team member and marker kind; unreadable files reported. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordingStore, recordingPath } from '../recorder/store';
import { searchRecordings } from './catalogue';
import { writeSyntheticCase } from './testing/synthetic-case';

test('the catalogue finds cases by date, room, procedure, team member and marker kind', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-catalogue-'));
  const day1 = Date.UTC(2026, 2, 1, 8);
  const day2 = Date.UTC(2026, 2, 2, 8);
  writeSyntheticCase(recordingPath(dir, '20260301-080000-aaaaaa'), 0.05, day1, 1, {
    procedure: 'Laparoscopic cholecystectomy',
    room: 'OR 1',
    team: [{ role: 'surgeon', name: 'Dr Ada Lovelace' }],
  });
  writeSyntheticCase(recordingPath(dir, '20260302-080000-bbbbbb'), 0.05, day2, 2, {
    procedure: 'Total hip replacement',
    room: 'OR 4',
    team: [{ role: 'surgeon', name: 'Dr Grace Hopper' }],
  });
  // A third case that has no incision marker, and a file that is not a recording.
  const f3 = recordingPath(dir, '20260302-100000-cccccc');
  const s = RecordingStore.open(f3, { create: true });
  s.createCase('c3', { procedure: 'Hip revision', room: 'OR 4', team: [{ role: 'anaesthetist', name: 'Dr John Snow' }] }, day2 + 7200000);
  s.close();
  fs.writeFileSync(recordingPath(dir, 'broken'), 'not sqlite');

  const ids = (q: Parameters<typeof searchRecordings>[1]) => searchRecordings(dir, q).entries.map((e) => e.id);
  const all = searchRecordings(dir);
  assert.equal(all.entries.length, 3);
  assert.equal(all.unreadable.length, 1);
  assert.match(all.unreadable[0].error, /not a database|file is not/i);
  assert.deepEqual(ids({ room: 'or 4' }), ['c3', 'synthetic-2-0.05h']);
  assert.deepEqual(ids({ procedure: 'HIP' }), ['c3', 'synthetic-2-0.05h']);
  assert.deepEqual(ids({ member: 'lovelace' }), ['synthetic-1-0.05h']);
  assert.deepEqual(ids({ member: 'anaesthetist' }), ['c3']);
  assert.deepEqual(ids({ markerKind: 'incision' }), ['synthetic-2-0.05h', 'synthetic-1-0.05h']);
  assert.deepEqual(ids({ fromMs: day1, toMs: day1 + 86400000 - 1 }), ['synthetic-1-0.05h']);
  assert.deepEqual(ids({ fromMs: day2 + 3600000, room: 'OR 4' }), ['c3']);
  assert.deepEqual(ids({ state: 'created' }), ['c3']);
  const e = all.entries.find((x) => x.id === 'synthetic-1-0.05h')!;
  assert.deepEqual(e.markerKinds, { incision: 1, 'specimen-out': 1, 'closure-start': 1 });
  assert.equal(e.lastMs, day1 + 0.05 * 3600000);
});
