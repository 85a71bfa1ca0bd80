/**
 * Queries import and export need that RecordingStore does not (yet) offer as methods.
 * Kept here so store.ts stays untouched; each could become a RecordingStore method.
 * All times are hub time (Unix ms).
 */
import { sqlTable, type Sql } from '../recorder/store/connection';
import type { AnnotationRecord } from '../recorder/annotations';
import { type ChannelColumns, channelInfo } from '../recorder/store/catalogue';
import type { ChannelInfo, RecordingStore } from '../recorder/store';

/** A channel as the store lists it, with its MDC term. */
export interface ChannelRow extends ChannelInfo {
  mdc: string;
}

/** Every channel with its MDC term (RecordingStore.channels() leaves `mdc` out). */
export function channelRows(s: RecordingStore): ChannelRow[] {
  const sql = interopSql('SELECT id, device_id, channel, kind, label, unit, mdc, rate_hz, format FROM channels ORDER BY device_id, channel');
  return (s.prepared(sql).all() as (ChannelColumns & { mdc: string })[]).map((r) => {
    // mdc goes between unit and rateHz, where the exports have always written it.
    const { rateHz, format, ...head } = channelInfo(r);
    return { ...head, mdc: r.mdc, rateHz, format };
  });
}

export interface DeviceRow {
  deviceId: string;
  firstSeenMs: number;
  /** The last descriptor the device sent, as stored (may hold fields beyond DeviceDescriptor). */
  descriptor: Record<string, unknown>;
}

export function deviceRows(s: RecordingStore): DeviceRow[] {
  return (
    s.prepared(interopSql('SELECT device_id, first_seen_ms, descriptor_json FROM devices ORDER BY device_id')).all() as {
      device_id: string;
      first_seen_ms: number;
      descriptor_json: string;
    }[]
  ).map((r) => ({
    deviceId: r.device_id,
    firstSeenMs: r.first_seen_ms,
    descriptor: JSON.parse(r.descriptor_json) as Record<string, unknown>,
  }));
}

/** Distinct (rate, scale, offset) of a wave channel's blocks; reads no sample data. */
export function waveParams(s: RecordingStore, channelId: number): { rateHz: number; scale: number; offset: number }[] {
  return (
    s
      .prepared(interopSql('SELECT DISTINCT rate_hz, scale, value_offset FROM wave_blocks WHERE channel_id = ? ORDER BY rate_hz, scale, value_offset'))
      .all(channelId) as {
      rate_hz: number;
      scale: number;
      value_offset: number;
    }[]
  ).map((r) => ({
    rateHz: r.rate_hz,
    scale: r.scale,
    offset: r.value_offset,
  }));
}

/** First and last sample time of one channel's blocks in any block table. */
export function channelSpan(
  s: RecordingStore,
  table: 'wave_blocks' | 'numeric_blocks' | 'pose_blocks',
  channelId: number,
): { firstMs: number | null; lastMs: number | null } {
  const r = s.prepared(interopSql(`SELECT MIN(t0_ms) AS f, MAX(t1_ms) AS l FROM ${table} WHERE channel_id = ?`)).get(channelId) as {
    f: number | null;
    l: number | null;
  };
  return { firstMs: r.f, lastMs: r.l };
}

/** Earliest and latest time over the row tables (events, alarms, annotations, gaps, device states, settings, images, registrations). */
export function rowsSpan(s: RecordingStore): { firstMs: number | null; lastMs: number | null } {
  const parts = [
    ['events', 't_ms', 't_ms'],
    ['alarms', 't_ms', 't_ms'],
    ['annotations', 't_ms', 't_ms'],
    ['gaps', 'from_ms', 'to_ms'],
    ['device_events', 't_ms', 't_ms'],
    ['settings', 't_ms', 't_ms'],
    ['dicom_shown', 't_ms', 't_ms'],
    ['registrations', 't_ms', 't_ms'],
  ];
  const sql = parts.map(([t, a, b]) => `SELECT MIN(${a}) AS f, MAX(${b}) AS l FROM ${t}`).join(' UNION ALL ');
  const r = s.prepared(interopSql(`SELECT MIN(f) AS f, MAX(l) AS l FROM (${sql})`)).get() as { f: number | null; l: number | null };
  return { firstMs: r.f, lastMs: r.l };
}

/** Wave blocks whose t0 lies in [fromMs, toMs): each block belongs to exactly one window. */
export function waveBlocksStarting(s: RecordingStore, channelId: number, fromMs: number, toMs: number): ReturnType<RecordingStore['waveBlocks']> {
  return s.waveBlocks(channelId, fromMs, toMs).filter((b) => b.t0Ms >= fromMs && b.t0Ms < toMs);
}

/** Row counts and text bytes of the timeline tables in [fromMs, toMs] (sizes the EDF annotation signal). */
export function timelineTotals(s: RecordingStore, fromMs: number, toMs: number): { rows: number; textBytes: number } {
  let rows = 0;
  let textBytes = 0;
  for (const [table, col, text] of [
    ['events', 't_ms', 'code || text'],
    ['alarms', 't_ms', 'text'],
    ['annotations', 't_ms', 'kind || text || data_json'],
    ['gaps', 'from_ms', 'reason'],
    ['device_events', 't_ms', 'device_id || state || reason'],
  ] as const) {
    const r = s
      .prepared(interopSql(`SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(CAST(${text} AS BLOB))), 0) AS b FROM ${table} WHERE ${col} BETWEEN ? AND ?`))
      .get(fromMs, toMs) as { n: number; b: number };
    rows += r.n;
    textBytes += r.b;
  }
  return { rows, textBytes };
}

/** Appends annotation versions as stored elsewhere (same seq, ids and hashes): the chain stays verifiable. */
export function insertAnnotationRecords(s: RecordingStore, records: readonly AnnotationRecord[]): void {
  const st = s.prepared(
    interopSql(
      'INSERT INTO annotations (seq, entry_id, version, action, kind, t_ms, recorded_ms, role, name, text, data_json, prev_hash, hash) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  );
  for (const r of records)
    st.run(r.seq, r.entryId, r.version, r.action, r.kind, r.tMs, r.recordedMs, r.role, r.name, r.text, JSON.stringify(r.data), r.prevHash, r.hash);
}

/** Writes a device row and its descriptor exactly as given (import of an OR Hub export). */
export function insertDeviceRow(s: RecordingStore, d: DeviceRow): void {
  const desc = d.descriptor as { kind?: string; manufacturer?: string; model?: string; serial?: string };
  s.prepared(interopSql('INSERT INTO devices (device_id, kind, manufacturer, model, serial, descriptor_json, first_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')).run(
    d.deviceId,
    desc.kind ?? 'other',
    desc.manufacturer ?? '',
    desc.model ?? '',
    desc.serial ?? '',
    JSON.stringify(d.descriptor),
    d.firstSeenMs,
  );
}

/** Writes a channel row exactly as given; returns its id. */
export function insertChannelRow(s: RecordingStore, c: Omit<ChannelRow, 'id'>): number {
  return Number(
    s
      .prepared(interopSql('INSERT INTO channels (device_id, channel, kind, label, unit, mdc, rate_hz, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'))
      .run(c.deviceId, c.channel, c.kind, c.label, c.unit, c.mdc, c.rateHz, c.format).lastInsertRowid,
  );
}

/** Sets the case's state and times as given (imports reproduce a finished case). */
export function setCaseTimes(
  s: RecordingStore,
  c: { state: string; createdMs: number; startedMs: number | null; endedMs: number | null; lastDataMs: number | null },
): void {
  s.prepared(interopSql('UPDATE case_info SET state = ?, created_ms = ?, started_ms = ?, ended_ms = ?, last_data_ms = ?')).run(
    c.state,
    c.createdMs,
    c.startedMs,
    c.endedMs,
    c.lastDataMs,
  );
}

const declared = new Map<string, Sql>();
/**
 * The interop layer's SQL, declared with the store's statement table on first use (the store only
 * prepares declared statements; main/recorder/store/connection.ts).
 */
export function interopSql(sql: string): Sql {
  let d = declared.get(sql);
  if (!d) declared.set(sql, (d = sqlTable(`interop${declared.size}`, { q: sql }).q));
  return d;
}
