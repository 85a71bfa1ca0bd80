/**
 * Read-only queries over a recording that RecordingStore does not offer (yet): stored device
 * descriptors, settings in force at an instant, the last numeric value before an instant, the
 * pose in force. The per-channel queries are index searches on (channel_id, t0_ms).
 * All times are hub time (Unix ms on the recording hub's clock).
 */
import type Database from 'better-sqlite3';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { type RecordingStore, type SettingRow, MAX_NUMERIC_BLOCK_MS, MAX_POSE_BLOCK_MS } from '../recorder/store';
import { sqlTable, type Sql } from '../recorder/store/connection';
import { decodeColumns } from '../recorder/wavecodec';

type BlockTable = 'wave_blocks' | 'numeric_blocks' | 'pose_blocks';
const TABLES: readonly BlockTable[] = ['wave_blocks', 'numeric_blocks', 'pose_blocks'];
const perTable = (name: string, f: (t: BlockTable) => string) => Object.fromEntries(TABLES.map((t) => [`${name}:${t}`, f(t)]));

/** The review layer's statements, declared with the store's own (so the store's query-plan test sees them too). */
export const REVIEW_SQL = sqlTable('review', {
  descriptors: 'SELECT descriptor_json FROM devices ORDER BY device_id',
  settingsInForce:
    'SELECT device_id, channel, MAX(t_ms) AS t_ms, value, text FROM settings WHERE t_ms <= ? GROUP BY device_id, channel ORDER BY device_id, channel',
  annotationCount: 'SELECT COUNT(*) AS n FROM annotations',
  ...perTable('newestStartingBefore', (t) => `SELECT data FROM ${t} WHERE channel_id = ? AND t0_ms <= ? AND t0_ms >= ? ORDER BY t0_ms DESC LIMIT 1`),
  ...perTable('newestEnd', (t) => `SELECT t1_ms FROM ${t} WHERE channel_id = ? ORDER BY t0_ms DESC LIMIT 1`),
  ...perTable('firstStart', (t) => `SELECT MIN(t0_ms) AS t FROM ${t} WHERE channel_id = ?`),
}) as Readonly<Record<string, Sql>>;

/** A prepared statement on the store's connection (prepared once and cached by the store). */
export function stmt(s: RecordingStore, sql: Sql): Database.Statement {
  return s.prepared(sql);
}

/** The descriptor each device introduced itself with (its latest HELLO), by device id. */
export function deviceDescriptors(s: RecordingStore): DeviceDescriptor[] {
  const rows = stmt(s, REVIEW_SQL.descriptors).all() as { descriptor_json: string }[];
  return rows.map((r) => JSON.parse(r.descriptor_json) as DeviceDescriptor);
}

/** Per (device, channel): the newest setting at or before tMs. Uses settings_t. */
export function settingsInForce(s: RecordingStore, tMs: number): SettingRow[] {
  const rows = stmt(s, REVIEW_SQL.settingsInForce).all(tMs) as { device_id: string; channel: number; t_ms: number; value: number; text: string }[];
  return rows.map((r) => ({ deviceId: r.device_id, channel: r.channel, tMs: r.t_ms, value: r.value, text: r.text }));
}

/** SQL of the review layer's per-channel block queries (case-reader.test.ts checks their plans). */
export const BLOCK_SQL = {
  newestStartingBefore: (table: BlockTable) => REVIEW_SQL[`newestStartingBefore:${table}`],
  newestEnd: (table: BlockTable) => REVIEW_SQL[`newestEnd:${table}`],
  firstStart: (table: BlockTable) => REVIEW_SQL[`firstStart:${table}`],
};

/** The newest block of a channel that starts at or before tMs (index search, newest first). */
function blockBefore(s: RecordingStore, table: 'numeric_blocks' | 'pose_blocks', channelId: number, tMs: number, lookbackMs: number): Uint8Array | null {
  const r = stmt(s, BLOCK_SQL.newestStartingBefore(table)).get(channelId, tMs, tMs - lookbackMs) as { data: Buffer } | undefined;
  return r ? new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength) : null;
}

/**
 * The last numeric value of a channel at or before tMs, if one lies within maxAgeMs
 * (a display shows a value until it is that old). Decodes at most two blocks.
 */
export function lastNumericAt(s: RecordingStore, channelId: number, tMs: number, maxAgeMs: number): { tMs: number; value: number; status: number } | null {
  // Blocks of a channel never overlap and start with their first value, so the newest block
  // starting at or before tMs holds the newest value at or before tMs.
  const data = blockBefore(s, 'numeric_blocks', channelId, tMs, maxAgeMs + MAX_NUMERIC_BLOCK_MS);
  if (!data) return null;
  const [t, v, st] = decodeColumns(data);
  for (let i = t.length - 1; i >= 0; i--) {
    if (t[i] <= tMs) return tMs - t[i] <= maxAgeMs ? { tMs: t[i], value: v[i], status: st[i] } : null;
  }
  return null;
}

/** The pose of a tool at or before tMs, within maxAgeMs. */
export function poseAt(
  s: RecordingStore,
  channelId: number,
  tMs: number,
  maxAgeMs: number,
): { tMs: number; quality: number; status: number; matrix: number[] } | null {
  const data = blockBefore(s, 'pose_blocks', channelId, tMs, maxAgeMs + MAX_POSE_BLOCK_MS);
  if (!data) return null;
  const cols = decodeColumns(data);
  const t = cols[0];
  for (let i = t.length - 1; i >= 0; i--) {
    if (t[i] > tMs) continue;
    if (tMs - t[i] > maxAgeMs) return null;
    const m: number[] = [];
    for (let k = 0; k < 16; k++) m.push(cols[3 + k][i]);
    return { tMs: t[i], quality: cols[1][i], status: cols[2][i], matrix: m };
  }
  return null;
}
