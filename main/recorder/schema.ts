/**
 * Recording file schema (one SQLite file per case), as numbered migrations.
 * PRAGMA user_version holds the number of the last applied migration. Each
 * migration runs in its own transaction; tests in schema.test.ts cover each one.
 * All `*_ms` columns are hub time: Unix ms on the hub's clock (see main/hub/sink.ts).
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'case, devices, channels, waveform and numeric blocks, device-side events',
    sql: `
CREATE TABLE case_info (
  id TEXT PRIMARY KEY,
  procedure TEXT NOT NULL,
  room TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('created', 'recording', 'ended')),
  created_ms REAL NOT NULL,
  started_ms REAL,
  ended_ms REAL,
  -- Hub time of the newest data committed; where a crash gap starts.
  last_data_ms REAL,
  meta_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE team (
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (role, name)
) WITHOUT ROWID;
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  manufacturer TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  serial TEXT NOT NULL DEFAULT '',
  descriptor_json TEXT NOT NULL,
  first_seen_ms REAL NOT NULL
);
CREATE TABLE channels (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  channel INTEGER NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  unit TEXT NOT NULL DEFAULT '',
  mdc TEXT NOT NULL DEFAULT '',
  rate_hz REAL,
  format TEXT,
  UNIQUE (device_id, channel)
);
-- One row per block of consecutive samples on a uniform grid. t0_ms/t1_ms are the
-- hub times of the first and last sample; sample i is at t0 + i*(t1-t0)/(count-1).
-- partial = 1: the samples of one flush of a block still being filled (crash safety);
-- replaced by the whole block (partial = 0) in the transaction that completes it.
CREATE TABLE wave_blocks (
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES channels (id),
  t0_ms REAL NOT NULL,
  t1_ms REAL NOT NULL,
  rate_hz REAL NOT NULL,
  count INTEGER NOT NULL,
  codec INTEGER NOT NULL,
  scale REAL NOT NULL,
  value_offset REAL NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0,
  data BLOB NOT NULL
);
CREATE INDEX wave_blocks_channel_t0 ON wave_blocks (channel_id, t0_ms);
CREATE TABLE numeric_blocks (
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES channels (id),
  t0_ms REAL NOT NULL,
  t1_ms REAL NOT NULL,
  count INTEGER NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0,
  data BLOB NOT NULL
);
CREATE INDEX numeric_blocks_channel_t0 ON numeric_blocks (channel_id, t0_ms);
CREATE TABLE settings (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  channel INTEGER NOT NULL,
  t_ms REAL NOT NULL,
  value REAL NOT NULL,
  text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX settings_t ON settings (t_ms);
CREATE TABLE alarms (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  channel INTEGER NOT NULL,
  t_ms REAL NOT NULL,
  priority INTEGER NOT NULL,
  state INTEGER NOT NULL,
  code INTEGER NOT NULL,
  text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alarms_t ON alarms (t_ms);
CREATE TABLE gaps (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  channel INTEGER NOT NULL,
  from_ms REAL NOT NULL,
  to_ms REAL NOT NULL,
  lost_frames INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL
);
CREATE INDEX gaps_from ON gaps (from_ms);
CREATE TABLE device_events (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  t_ms REAL NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX device_events_t ON device_events (t_ms);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  channel INTEGER NOT NULL,
  t_ms REAL NOT NULL,
  code TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_t ON events (t_ms);
`,
  },
  {
    version: 2,
    name: 'patient identifiers (apart), pose blocks, DICOM series shown, registrations',
    sql: `
-- Patient identifiers live only here, so exportWithoutPatient() can drop them.
CREATE TABLE patient (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  identifier TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  birth_date TEXT NOT NULL DEFAULT '',
  sex TEXT NOT NULL DEFAULT '',
  extra_json TEXT NOT NULL DEFAULT '{}'
);
-- Every pose is kept (no downsampling): columns t, quality, status, 16 matrix values.
CREATE TABLE pose_blocks (
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES channels (id),
  t0_ms REAL NOT NULL,
  t1_ms REAL NOT NULL,
  count INTEGER NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0,
  data BLOB NOT NULL
);
CREATE INDEX pose_blocks_channel_t0 ON pose_blocks (channel_id, t0_ms);
CREATE TABLE dicom_shown (
  id INTEGER PRIMARY KEY,
  t_ms REAL NOT NULL,
  study_uid TEXT NOT NULL DEFAULT '',
  series_uid TEXT NOT NULL,
  modality TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX dicom_shown_t ON dicom_shown (t_ms);
CREATE TABLE registrations (
  id INTEGER PRIMARY KEY,
  t_ms REAL NOT NULL,
  series_uid TEXT NOT NULL DEFAULT '',
  tracker_device_id TEXT NOT NULL DEFAULT '',
  method TEXT NOT NULL DEFAULT '',
  -- 4x4 image->tracker transform, 16 float64 little-endian, column-major, mm.
  matrix BLOB NOT NULL,
  fre_mm REAL,
  detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX registrations_t ON registrations (t_ms);
`,
  },
  {
    version: 3,
    name: 'annotations: append-only versions with a hash chain',
    sql: `
CREATE TABLE annotations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  entry_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'edit', 'delete')),
  kind TEXT NOT NULL,
  t_ms REAL NOT NULL,
  recorded_ms REAL NOT NULL,
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  data_json TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  UNIQUE (entry_id, version)
);
CREATE INDEX annotations_t ON annotations (t_ms);
-- Edits never erase: the table is append-only.
CREATE TRIGGER annotations_no_update BEFORE UPDATE ON annotations
  BEGIN SELECT RAISE(ABORT, 'annotations are append-only: add a new version'); END;
CREATE TRIGGER annotations_no_delete BEFORE DELETE ON annotations
  BEGIN SELECT RAISE(ABORT, 'annotations are append-only: add a deletion version'); END;
`,
  },
  {
    version: 4,
    name: "alarms: the alarm engine's state changes (key, action, who, detail) beside device alarm frames",
    sql: `
-- Rows with action '' are device alarm frames as before; the others are the hub's alarm engine's
-- state changes (raised, acknowledged, audio-paused, escalated, cleared, limit-changed...).
ALTER TABLE alarms ADD COLUMN alarm_key TEXT NOT NULL DEFAULT '';
ALTER TABLE alarms ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE alarms ADD COLUMN who TEXT NOT NULL DEFAULT '';
ALTER TABLE alarms ADD COLUMN detail_json TEXT NOT NULL DEFAULT '{}';
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export class SchemaError extends Error {
  override name = 'SchemaError';
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies pending migrations up to `target` (default: all), each in its own
 * transaction. Refuses a file written by a newer OR Hub.
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) throw new SchemaError(`migrate: recording schema ${current} is newer than this OR Hub understands (${SCHEMA_VERSION})`);
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return schemaVersion(db);
}
