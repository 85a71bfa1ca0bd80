import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_PRESETS } from './annotations';
import { RecordingStore, STORE_SQL, StoreError } from './store';
import { queryPlan, withRawDb } from './testing/raw-db';
import { encodeColumns, encodeWave } from './wavecodec';

function tmpStore(): RecordingStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orrec-store-'));
  const s = RecordingStore.open(path.join(dir, 'c.orrec'), { create: true });
  s.createCase(
    'case-1',
    {
      procedure: 'Laparoscopic cholecystectomy',
      room: 'OR 3',
      team: [
        { role: 'surgeon', name: 'A. Surgeon' },
        { role: 'anaesthetist', name: 'B. Gas' },
      ],
      patient: { identifier: 'MRN-123456', name: 'Doe^Jane' },
    },
    1000,
  );
  return s;
}

/** Statements that read or update a whole (small or one-row) table, or the chain in order, by design. */
const WHOLE_TABLE = new Set([
  'case.caseInfo',
  'case.team',
  'case.startRecording',
  'case.end',
  'case.setState',
  'case.touchData',
  'catalogue.channels',
  'catalogue.devices',
  'annotations.chainHead',
  'annotations.history',
  'annotations.written',
]);
/** Time-range reads: each must be an index range search. */
const TIME_RANGE = [
  'blocks.waveRange',
  'blocks.numericRange',
  'blocks.poseRange',
  'events.alarms',
  'events.alarmLog',
  'events.settings',
  'events.events',
  'events.deviceEvents',
  'events.dicomShown',
  'events.registrations',
  'events.gaps',
];

test("the store's own statements use an index (EXPLAIN QUERY PLAN has no full SCAN)", () => {
  const s = tmpStore();
  for (const name of [...WHOLE_TABLE, ...TIME_RANGE]) assert.ok(STORE_SQL.has(name), `${name} is not a store statement`);
  withRawDb(s.file, (db) => {
    for (const name of TIME_RANGE) {
      const sql = STORE_SQL.get(name)!;
      const p = queryPlan(db, sql);
      assert.ok(
        p.some((d) => /^SEARCH \w+ USING (COVERING )?INDEX/.test(d)),
        `${name}: ${sql}\n${p.join('\n')}`,
      );
    }
    for (const [name, sql] of STORE_SQL) {
      if (WHOLE_TABLE.has(name)) continue;
      const p = queryPlan(db, sql);
      assert.ok(!p.some((d) => d.startsWith('SCAN')), `${name}: ${sql}\n${p.join('\n')}`);
    }
    const wave = queryPlan(db, STORE_SQL.get('blocks.waveRange')!);
    assert.deepEqual(wave, ['SEARCH wave_blocks USING INDEX wave_blocks_channel_t0 (channel_id=? AND t0_ms>? AND t0_ms<?)']);
  });
  s.close();
});

test('wave, numeric and pose blocks read back by time range with interpolated sample times', () => {
  const s = tmpStore();
  const ch = s.channelId('mon', 0, 'wave', 500, 'i16');
  const x = Int16Array.from({ length: 2000 }, (_, i) => Math.round(Math.sin(i / 10) * 1000));
  s.insertWaveBlock(
    { channelId: ch, t0Ms: 10000, t1Ms: 10000 + 1999 * 2, rateHz: 500, count: 2000, codec: 5, scale: 0.005, offset: 0, data: encodeWave(x) },
    false,
  );
  s.insertWaveBlock(
    { channelId: ch, t0Ms: 14000, t1Ms: 14000 + 1999 * 2, rateHz: 500, count: 2000, codec: 5, scale: 0.005, offset: 0, data: encodeWave(x) },
    false,
  );
  const r = s.readWave(ch, 13990, 14010);
  assert.deepEqual(Array.from(r.tMs), [13990, 13992, 13994, 13996, 13998, 14000, 14002, 14004, 14006, 14008, 14010]);
  assert.deepEqual(Array.from(r.raw), [...Array.from(x.subarray(1995, 2000)), ...Array.from(x.subarray(0, 6))]);
  assert.equal(r.scale[0], 0.005);
  assert.equal(s.waveBlocks(ch, 0, 9999).length, 0);

  const nch = s.channelId('mon', 10, 'numeric');
  const t = Float64Array.from([20000, 21000, 22000]);
  s.insertSeriesBlock(
    'numeric_blocks',
    { channelId: nch, t0Ms: 20000, t1Ms: 22000, count: 3, data: encodeColumns([t, Float64Array.from([72, 73, 71]), Uint16Array.from([0, 4, 0])]) },
    false,
  );
  assert.deepEqual(s.readNumerics(nch, 20500, 22000), [
    { tMs: 21000, value: 73, status: 4 },
    { tMs: 22000, value: 71, status: 0 },
  ]);

  const pch = s.channelId('nav', 1, 'pose');
  const m = Array.from({ length: 16 }, (_, k) => Float32Array.from([k + 0.5, k + 1.5]));
  s.insertSeriesBlock(
    'pose_blocks',
    {
      channelId: pch,
      t0Ms: 30000,
      t1Ms: 30016.7,
      count: 2,
      data: encodeColumns([Float64Array.from([30000, 30016.7]), Float32Array.from([1, 0.5]), Uint16Array.from([0, 1]), ...m]),
    },
    false,
  );
  const poses = s.readPoses(pch, 30010, 30020);
  assert.equal(poses.length, 1);
  assert.equal(poses[0].quality, 0.5);
  assert.equal(poses[0].matrix[15], 16.5);

  const sum = s.channelSummaries().find((c) => c.id === ch)!;
  assert.deepEqual([sum.firstMs, sum.lastMs, sum.samples, sum.blocks], [10000, 17998, 4000, 2]);
  s.close();
});

test('annotations: create, back-date, edit and delete add versions; history shows all; the chain verifies', () => {
  const s = tmpStore();
  const a = s.appendAnnotation({ action: 'create', input: { kind: 'incision', agoMs: 120000, role: 'surgeon' } }, DEFAULT_PRESETS, 1_000_000);
  assert.deepEqual([a.version, a.seq, a.tMs], [1, 1, 880000]);
  const b = s.appendAnnotation(
    { action: 'create', input: { kind: 'bolus', drug: 'Propofol', dose: 150, unit: 'mg', role: 'anaesthetist' } },
    DEFAULT_PRESETS,
    1_001_000,
  );
  const e = s.appendAnnotation({ action: 'edit', entryId: b.entryId, patch: { dose: 120 }, role: 'anaesthetist' }, DEFAULT_PRESETS, 1_002_000);
  assert.equal(e.version, 2);
  s.appendAnnotation({ action: 'delete', entryId: a.entryId, role: 'surgeon', reason: 'wrong patient time' }, DEFAULT_PRESETS, 1_003_000);
  const cur = s.currentAnnotations();
  assert.equal(cur.length, 1);
  assert.deepEqual(cur[0].data, { drug: 'Propofol', dose: 120, unit: 'mg' });
  assert.equal(cur[0].name, 'B. Gas');
  const hist = s.annotationHistory();
  assert.deepEqual(
    hist.map((h) => [h.action, h.version]),
    [
      ['create', 1],
      ['create', 1],
      ['edit', 2],
      ['delete', 2],
    ],
  );
  assert.equal(s.annotationHistory(b.entryId).length, 2);
  assert.deepEqual(s.verifyAnnotations(), { ok: true, entries: 4, problems: [] });
  assert.throws(
    () => s.appendAnnotation({ action: 'create', input: { kind: 'incision', role: 'porter' } }, DEFAULT_PRESETS, 1_004_000),
    (err: StoreError) => err.code === 'REC_BAD_ANNOTATION' && /not on this case's team/.test(err.message),
  );
  assert.throws(
    () => s.appendAnnotation({ action: 'create', input: { kind: 'bolus', drug: 'x', dose: -1, unit: 'mg', role: 'surgeon' } }, DEFAULT_PRESETS, 1_004_000),
    /dose greater than 0/,
  );
  assert.throws(() => s.appendAnnotation({ action: 'edit', entryId: a.entryId, patch: { text: 'x' }, role: 'surgeon' }, DEFAULT_PRESETS, 1_004_000), /deleted/);
  assert.equal(s.verifyAnnotations().entries, 4, 'rejected entries leave no trace');
  s.close();
});

test('verify detects an altered entry and entries removed from the end', () => {
  const s = tmpStore();
  for (let i = 0; i < 3; i++)
    s.appendAnnotation({ action: 'create', input: { kind: 'note', text: `note ${i}`, role: 'surgeon' } }, DEFAULT_PRESETS, 2_000_000 + i);
  withRawDb(s.file, (db) =>
    db.exec("DROP TRIGGER annotations_no_update; DROP TRIGGER annotations_no_delete; UPDATE annotations SET text = 'forged' WHERE seq = 2"),
  );
  const v = s.verifyAnnotations();
  assert.equal(v.ok, false);
  assert.deepEqual(v.problems, ['entry seq 2: content does not match its hash (altered)']);
  withRawDb(s.file, (db) => db.exec("UPDATE annotations SET text = 'note 1' WHERE seq = 2"));
  assert.equal(s.verifyAnnotations().ok, true);
  withRawDb(s.file, (db) => db.exec('DELETE FROM annotations WHERE seq = 3'));
  assert.deepEqual(s.verifyAnnotations().problems, ['the chain has 2 entries but 3 were written (entries removed from the end)']);
  s.close();
});

test('exportWithoutPatient writes a copy with no trace of the patient identifiers', () => {
  const s = tmpStore();
  assert.equal(s.patient()?.identifier, 'MRN-123456');
  const dest = path.join(path.dirname(s.file), 'shared.orrec');
  s.exportWithoutPatient(dest);
  const bytes = fs.readFileSync(dest);
  assert.equal(bytes.includes(Buffer.from('MRN-123456')), false);
  assert.equal(bytes.includes(Buffer.from('Doe^Jane')), false);
  const copy = RecordingStore.open(dest, { readonly: true });
  assert.equal(copy.patient(), undefined);
  assert.equal(copy.caseInfo().procedure, 'Laparoscopic cholecystectomy');
  copy.close();
  s.close();
});
