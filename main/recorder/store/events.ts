/**
 * Timestamped rows: device settings, alarms, gaps, device link states, device
 * events, DICOM series shown and image registrations. Each table is indexed on
 * its time column; reads are by time range (hub time, ms, inclusive).
 */
import type { GapView } from '../../../common/case-contract';
import { type Connection, type Sql, StoreError, sqlTable } from './connection';

export type GapRow = GapView;

export interface AlarmRow {
  deviceId: string;
  channel: number;
  tMs: number;
  priority: number;
  state: number;
  code: number;
  text: string;
  /** The alarm engine's key of the alarm ('' for a device alarm frame). */
  key?: string;
  /** The engine's state change ('' for a device alarm frame): raised, acknowledged, audio-paused, cleared... */
  action?: string;
  /** Who acted ('' for changes of the condition). */
  who?: string;
  /** JSON: kind, sources, notes. */
  detailJson?: string;
}

export interface SettingRow {
  deviceId: string;
  channel: number;
  tMs: number;
  value: number;
  text: string;
}

export interface DeviceEventRow {
  deviceId: string;
  tMs: number;
  /** online / stale / offline */
  state: string;
  reason: string;
}

export interface EventRow {
  deviceId: string;
  channel: number;
  tMs: number;
  code: string;
  text: string;
}

export interface DicomShown {
  tMs: number;
  studyUid?: string;
  seriesUid: string;
  modality?: string;
  description?: string;
  source?: string;
  detail?: Record<string, unknown>;
}

export interface Registration {
  tMs: number;
  seriesUid?: string;
  trackerDeviceId?: string;
  method?: string;
  /** 4x4 image->tracker transform, column-major, mm. */
  matrix: ArrayLike<number>;
  freMm?: number;
  detail?: Record<string, unknown>;
}

const byTime = (table: string, cols: string) => `SELECT ${cols} FROM ${table} WHERE t_ms BETWEEN ? AND ? ORDER BY t_ms`;

export const EVENT_SQL = sqlTable('events', {
  insertSetting: 'INSERT INTO settings (device_id, channel, t_ms, value, text) VALUES (?, ?, ?, ?, ?)',
  insertAlarm:
    'INSERT INTO alarms (device_id, channel, t_ms, priority, state, code, text, alarm_key, action, who, detail_json) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  insertGap: 'INSERT INTO gaps (device_id, channel, from_ms, to_ms, lost_frames, reason) VALUES (?, ?, ?, ?, ?, ?)',
  insertDeviceEvent: 'INSERT INTO device_events (device_id, t_ms, state, reason) VALUES (?, ?, ?, ?)',
  insertEvent: 'INSERT INTO events (device_id, channel, t_ms, code, text) VALUES (?, ?, ?, ?, ?)',
  insertDicomShown: 'INSERT INTO dicom_shown (t_ms, study_uid, series_uid, modality, description, source, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
  insertRegistration: 'INSERT INTO registrations (t_ms, series_uid, tracker_device_id, method, matrix, fre_mm, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
  alarms: "SELECT device_id, channel, t_ms, priority, state, code, text FROM alarms WHERE t_ms BETWEEN ? AND ? AND action = '' ORDER BY t_ms",
  alarmLog:
    'SELECT device_id, channel, t_ms, priority, state, code, text, alarm_key, action, who, detail_json FROM alarms ' +
    "WHERE t_ms BETWEEN ? AND ? AND action != '' ORDER BY t_ms, id",
  gaps: 'SELECT device_id, channel, from_ms, to_ms, lost_frames, reason FROM gaps WHERE from_ms <= ? AND to_ms >= ? ORDER BY from_ms',
  settings: byTime('settings', 'device_id, channel, t_ms, value, text'),
  deviceEvents: byTime('device_events', 'device_id, t_ms, state, reason'),
  events: byTime('events', 'device_id, channel, t_ms, code, text'),
  dicomShown: byTime('dicom_shown', 't_ms, study_uid, series_uid, modality, description, source, detail_json'),
  registrations: byTime('registrations', 't_ms, series_uid, tracker_device_id, method, matrix, fre_mm, detail_json'),
});

export function insertSetting(c: Connection, deviceId: string, channel: number, tMs: number, value: number, text: string): void {
  c.prepare(EVENT_SQL.insertSetting).run(deviceId, channel, tMs, value, text);
}

export function insertAlarm(c: Connection, a: AlarmRow): void {
  const engine = [a.key ?? '', a.action ?? '', a.who ?? '', a.detailJson ?? '{}'];
  c.prepare(EVENT_SQL.insertAlarm).run(a.deviceId, a.channel, a.tMs, a.priority, a.state, a.code, a.text, ...engine);
}

export function insertGap(c: Connection, g: GapRow): void {
  c.prepare(EVENT_SQL.insertGap).run(g.deviceId, g.channel, g.fromMs, g.toMs, g.lostFrames, g.reason);
}

export function insertDeviceEvent(c: Connection, deviceId: string, tMs: number, state: string, reason: string): void {
  c.prepare(EVENT_SQL.insertDeviceEvent).run(deviceId, tMs, state, reason);
}

export function insertEvent(c: Connection, deviceId: string, channel: number, tMs: number, code: string, text: string): void {
  c.prepare(EVENT_SQL.insertEvent).run(deviceId, channel, tMs, code, text);
}

export function insertDicomShown(c: Connection, d: DicomShown): void {
  const detail = JSON.stringify(d.detail ?? {});
  c.prepare(EVENT_SQL.insertDicomShown).run(d.tMs, d.studyUid ?? '', d.seriesUid, d.modality ?? '', d.description ?? '', d.source ?? '', detail);
}

export function insertRegistration(c: Connection, r: Registration): void {
  if (r.matrix.length !== 16) throw new StoreError('insertRegistration: matrix must have 16 values', 'REC_BAD_VALUE');
  const m = Float64Array.from(r.matrix);
  const detail = JSON.stringify(r.detail ?? {});
  const matrix = Buffer.from(m.buffer);
  c.prepare(EVENT_SQL.insertRegistration).run(r.tMs, r.seriesUid ?? '', r.trackerDeviceId ?? '', r.method ?? '', matrix, r.freMm ?? null, detail);
}

/** The rows of one time-window query (its two bound parameters in the order the SQL takes them). */
function rowsIn<Row>(c: Connection, sql: Sql, a: number, b: number): Row[] {
  return c.prepare(sql).all(a, b) as Row[];
}

/** An alarm as its columns hold it (alarms and alarm_log share these). */
type AlarmColumns = { device_id: string; channel: number; t_ms: number; priority: number; state: number; code: number; text: string };

function alarmRow(r: AlarmColumns): AlarmRow {
  return { deviceId: r.device_id, channel: r.channel, tMs: r.t_ms, priority: r.priority, state: r.state, code: r.code, text: r.text };
}

export function alarms(c: Connection, fromMs: number, toMs: number): AlarmRow[] {
  return rowsIn<AlarmColumns>(c, EVENT_SQL.alarms, fromMs, toMs).map(alarmRow);
}

/** Gaps overlapping [fromMs, toMs]. */
export function gaps(c: Connection, fromMs: number, toMs: number): GapRow[] {
  type Row = { device_id: string; channel: number; from_ms: number; to_ms: number; lost_frames: number; reason: string };
  return rowsIn<Row>(c, EVENT_SQL.gaps, toMs, fromMs).map((r) => ({
    deviceId: r.device_id,
    channel: r.channel,
    fromMs: r.from_ms,
    toMs: r.to_ms,
    lostFrames: r.lost_frames,
    reason: r.reason,
  }));
}

export function settings(c: Connection, fromMs: number, toMs: number): SettingRow[] {
  type Row = { device_id: string; channel: number; t_ms: number; value: number; text: string };
  const rows = rowsIn<Row>(c, EVENT_SQL.settings, fromMs, toMs);
  return rows.map((r) => ({ deviceId: r.device_id, channel: r.channel, tMs: r.t_ms, value: r.value, text: r.text }));
}

export function deviceEvents(c: Connection, fromMs: number, toMs: number): DeviceEventRow[] {
  type Row = { device_id: string; t_ms: number; state: string; reason: string };
  return rowsIn<Row>(c, EVENT_SQL.deviceEvents, fromMs, toMs).map((r) => ({ deviceId: r.device_id, tMs: r.t_ms, state: r.state, reason: r.reason }));
}

export function events(c: Connection, fromMs: number, toMs: number): EventRow[] {
  type Row = { device_id: string; channel: number; t_ms: number; code: string; text: string };
  const rows = rowsIn<Row>(c, EVENT_SQL.events, fromMs, toMs);
  return rows.map((r) => ({ deviceId: r.device_id, channel: r.channel, tMs: r.t_ms, code: r.code, text: r.text }));
}

export function dicomShown(c: Connection, fromMs: number, toMs: number): DicomShown[] {
  type Row = { t_ms: number; study_uid: string; series_uid: string; modality: string; description: string; source: string; detail_json: string };
  return rowsIn<Row>(c, EVENT_SQL.dicomShown, fromMs, toMs).map((r) => ({
    tMs: r.t_ms,
    studyUid: r.study_uid,
    seriesUid: r.series_uid,
    modality: r.modality,
    description: r.description,
    source: r.source,
    detail: JSON.parse(r.detail_json) as Record<string, unknown>,
  }));
}

export function registrations(c: Connection, fromMs: number, toMs: number): Registration[] {
  type Row = { t_ms: number; series_uid: string; tracker_device_id: string; method: string; matrix: Buffer; fre_mm: number | null; detail_json: string };
  return rowsIn<Row>(c, EVENT_SQL.registrations, fromMs, toMs).map((r) => ({
    tMs: r.t_ms,
    seriesUid: r.series_uid,
    trackerDeviceId: r.tracker_device_id,
    method: r.method,
    matrix: Array.from(new Float64Array(new Uint8Array(r.matrix).buffer)),
    freMm: r.fre_mm ?? undefined,
    detail: JSON.parse(r.detail_json) as Record<string, unknown>,
  }));
}

/** The alarm engine's state changes in a time range, in order (empty for a file recorded before schema 4). */
export function alarmLog(c: Connection, fromMs = -Infinity, toMs = Infinity): Required<AlarmRow>[] {
  type Row = AlarmColumns & {
    alarm_key: string;
    action: string;
    who: string;
    detail_json: string;
  };
  let rows: Row[];
  try {
    rows = rowsIn<Row>(c, EVENT_SQL.alarmLog, fromMs, toMs);
  } catch (e) {
    if (/no such column/.test((e as Error).message)) return [];
    throw e;
  }
  return rows.map((r) => ({
    ...alarmRow(r),
    key: r.alarm_key,
    action: r.action,
    who: r.who,
    detailJson: r.detail_json,
  }));
}
