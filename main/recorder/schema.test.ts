import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION, SchemaError, migrate, schemaVersion } from './schema';

function objects(db: Database.Database, type: 'table' | 'index' | 'trigger'): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name").all(type) as { name: string }[]).map(
    (r) => r.name,
  );
}

test('migrations are numbered 1..N without holes', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1),
  );
  assert.equal(SCHEMA_VERSION, 4);
});

test('migration 1 creates the case, device, channel, block and event tables with their time indexes', () => {
  const db = new Database(':memory:');
  assert.equal(migrate(db, 1), 1);
  assert.deepEqual(objects(db, 'table'), [
    'alarms',
    'case_info',
    'channels',
    'device_events',
    'devices',
    'events',
    'gaps',
    'numeric_blocks',
    'settings',
    'team',
    'wave_blocks',
  ]);
  assert.deepEqual(objects(db, 'index'), [
    'alarms_t',
    'device_events_t',
    'events_t',
    'gaps_from',
    'numeric_blocks_channel_t0',
    'settings_t',
    'wave_blocks_channel_t0',
  ]);
  db.prepare("INSERT INTO case_info (id, procedure, state, created_ms) VALUES ('c', 'p', 'created', 1)").run();
  assert.throws(() => db.prepare("INSERT INTO case_info (id, procedure, state, created_ms) VALUES ('d', 'p', 'paused', 1)").run(), /CHECK constraint/);
});

test('migration 2 adds patient, poses, DICOM shown and registrations and keeps version-1 data', () => {
  const db = new Database(':memory:');
  migrate(db, 1);
  db.prepare("INSERT INTO case_info (id, procedure, state, created_ms) VALUES ('c1', 'Lap chole', 'recording', 1000)").run();
  db.prepare("INSERT INTO channels (device_id, channel, kind) VALUES ('mon', 0, 'wave')").run();
  db.prepare(
    'INSERT INTO wave_blocks (channel_id, t0_ms, t1_ms, rate_hz, count, codec, scale, value_offset, data) VALUES (1, 1000, 1998, 500, 500, 5, 0.005, 0, ?)',
  ).run(Buffer.from([5, 0]));
  assert.equal(migrate(db, 2), 2);
  assert.deepEqual(
    objects(db, 'table').filter((t) => ['patient', 'pose_blocks', 'dicom_shown', 'registrations'].includes(t)),
    ['dicom_shown', 'patient', 'pose_blocks', 'registrations'],
  );
  assert.ok(objects(db, 'index').includes('pose_blocks_channel_t0'));
  assert.deepEqual(db.prepare('SELECT id, state FROM case_info').get(), { id: 'c1', state: 'recording' });
  assert.equal((db.prepare('SELECT count FROM wave_blocks').get() as { count: number }).count, 500);
  assert.throws(() => db.prepare("INSERT INTO patient (id, name) VALUES (2, 'x')").run(), /CHECK constraint/);
});

test('migration 3 adds the append-only annotation table and keeps earlier data', () => {
  const db = new Database(':memory:');
  migrate(db, 2);
  db.prepare("INSERT INTO case_info (id, procedure, state, created_ms) VALUES ('c1', 'Lap chole', 'recording', 1000)").run();
  db.prepare("INSERT INTO patient (id, name) VALUES (1, 'Doe')").run();
  assert.equal(migrate(db, 3), 3);
  assert.deepEqual(objects(db, 'trigger'), ['annotations_no_delete', 'annotations_no_update']);
  assert.equal((db.prepare('SELECT name FROM patient').get() as { name: string }).name, 'Doe');
  db.prepare(
    'INSERT INTO annotations (entry_id, version, action, kind, t_ms, recorded_ms, role, name, prev_hash, ' +
      "hash) VALUES ('e', 1, 'create', 'incision', 5, 5, 'surgeon', 'A', 'p', 'h')",
  ).run();
  assert.throws(() => db.prepare("UPDATE annotations SET text = 'x'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM annotations').run(), /append-only/);
  assert.throws(
    () =>
      db
        .prepare(
          'INSERT INTO annotations (entry_id, version, action, kind, t_ms, recorded_ms, role, name, prev_hash, ' +
            "hash) VALUES ('e', 1, 'edit', 'incision', 5, 5, 'surgeon', 'A', 'h', 'h2')",
        )
        .run(),
    /UNIQUE/,
  );
});

test('migration 4 adds the alarm engine columns to alarms and keeps the device alarm rows', () => {
  const db = new Database(':memory:');
  migrate(db, 3);
  db.prepare("INSERT INTO alarms (device_id, channel, t_ms, priority, state, code, text) VALUES ('mon', 11, 5, 2, 1, 1001, 'SpO2 LOW')").run();
  assert.equal(migrate(db, 4), 4);
  assert.deepEqual(db.prepare('SELECT code, text, alarm_key, action, who, detail_json FROM alarms').get(), {
    code: 1001,
    text: 'SpO2 LOW',
    alarm_key: '',
    action: '',
    who: '',
    detail_json: '{}',
  });
  db.prepare(
    'INSERT INTO alarms (device_id, channel, t_ms, priority, state, code, text, alarm_key, action, who) ' +
      "VALUES ('mon', 10, 6, 3, 1, 0, 'HR HIGH', 'mon/10/high', 'acknowledged', 'Dr A')",
  ).run();
  assert.equal((db.prepare("SELECT who FROM alarms WHERE action = 'acknowledged'").get() as { who: string }).who, 'Dr A');
});

test('migrate is idempotent and refuses a file from a newer OR Hub', () => {
  const db = new Database(':memory:');
  assert.equal(migrate(db), SCHEMA_VERSION);
  assert.equal(migrate(db), SCHEMA_VERSION);
  assert.equal(schemaVersion(db), SCHEMA_VERSION);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  assert.throws(() => migrate(db), SchemaError);
});
