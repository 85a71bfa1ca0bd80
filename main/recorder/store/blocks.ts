/**
 * Signal blocks: `wave_blocks`, `numeric_blocks`, `pose_blocks`. Each row holds one
 * encoded block (wavecodec.ts) of one channel; t0/t1 are the hub times of its first
 * and last sample. Time-range reads are index range searches on (channel_id, t0_ms),
 * bounded by the longest span a block may have.
 */
import { decodeColumns, decodeWave } from '../wavecodec';
import { type Connection, type Sql, sqlTable } from './connection';
import { type ChannelInfo, channels } from './catalogue';

/** Blocks never span more than this (ms); time-range queries rely on it to bound index scans. */
export const MAX_WAVE_BLOCK_MS = 8000;
export const MAX_NUMERIC_BLOCK_MS = 60000;
export const MAX_POSE_BLOCK_MS = 8000;

export type BlockTable = 'wave_blocks' | 'numeric_blocks' | 'pose_blocks';
export type SeriesTable = 'numeric_blocks' | 'pose_blocks';

export interface BlockRow {
  id: number;
  channelId: number;
  t0Ms: number;
  t1Ms: number;
  count: number;
  data: Uint8Array;
}

export interface WaveBlockRow extends BlockRow {
  rateHz: number;
  codec: number;
  scale: number;
  offset: number;
}

/** Decoded wave samples, one entry per sample: hub time, raw count, and the block's scale and offset (physical = raw * scale + offset). */
export interface WaveSamples {
  tMs: Float64Array;
  raw: Float64Array;
  scale: Float64Array;
  offset: Float64Array;
}

export interface NumericSample {
  tMs: number;
  value: number;
  status: number;
}

/** One pose; matrix is the 4x4 tool->tracker transform, column-major, mm. */
export interface PoseSample {
  tMs: number;
  quality: number;
  status: number;
  matrix: Float32Array;
}

export interface ChannelSummary extends ChannelInfo {
  firstMs: number | null;
  lastMs: number | null;
  samples: number;
  blocks: number;
}

const range = (table: BlockTable, cols: string) =>
  `SELECT ${cols} FROM ${table} WHERE channel_id = ? AND t0_ms >= ? AND t0_ms <= ? AND t1_ms >= ? ORDER BY t0_ms`;
const insertSeries = (table: SeriesTable) => `INSERT INTO ${table} (channel_id, t0_ms, t1_ms, count, partial, data) VALUES (?, ?, ?, ?, ?, ?)`;
const del = (table: BlockTable) => `DELETE FROM ${table} WHERE id = ?`;
const summary = (table: BlockTable) =>
  `SELECT MIN(t0_ms) AS first, MAX(t1_ms) AS last, COALESCE(SUM(count), 0) AS n, COUNT(*) AS blocks FROM ${table} WHERE channel_id = ?`;
const SERIES_COLS = 'id, channel_id, t0_ms, t1_ms, count, data';

export const BLOCK_SQL = sqlTable('blocks', {
  insertWave:
    'INSERT INTO wave_blocks (channel_id, t0_ms, t1_ms, rate_hz, count, codec, scale, value_offset, partial, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  insertNumeric: insertSeries('numeric_blocks'),
  insertPose: insertSeries('pose_blocks'),
  deleteWave: del('wave_blocks'),
  deleteNumeric: del('numeric_blocks'),
  deletePose: del('pose_blocks'),
  waveRange: range('wave_blocks', 'id, channel_id, t0_ms, t1_ms, rate_hz, count, codec, scale, value_offset, data'),
  numericRange: range('numeric_blocks', SERIES_COLS),
  poseRange: range('pose_blocks', SERIES_COLS),
  waveSummary: summary('wave_blocks'),
  numericSummary: summary('numeric_blocks'),
  poseSummary: summary('pose_blocks'),
  lastDataMs:
    'SELECT MAX(m) AS m FROM (SELECT MAX(t1_ms) AS m FROM wave_blocks UNION ALL SELECT MAX(t1_ms) FROM numeric_blocks ' +
    'UNION ALL SELECT MAX(t1_ms) FROM pose_blocks)',
});

/** Per table: its statements and the longest span one of its blocks may have. */
const TABLES: Record<BlockTable, { del: Sql; range: Sql; summary: Sql; maxSpanMs: number }> = {
  wave_blocks: { del: BLOCK_SQL.deleteWave, range: BLOCK_SQL.waveRange, summary: BLOCK_SQL.waveSummary, maxSpanMs: MAX_WAVE_BLOCK_MS },
  numeric_blocks: { del: BLOCK_SQL.deleteNumeric, range: BLOCK_SQL.numericRange, summary: BLOCK_SQL.numericSummary, maxSpanMs: MAX_NUMERIC_BLOCK_MS },
  pose_blocks: { del: BLOCK_SQL.deletePose, range: BLOCK_SQL.poseRange, summary: BLOCK_SQL.poseSummary, maxSpanMs: MAX_POSE_BLOCK_MS },
};
const SERIES_INSERT: Record<SeriesTable, Sql> = { numeric_blocks: BLOCK_SQL.insertNumeric, pose_blocks: BLOCK_SQL.insertPose };

type BlockRowDb = { id: number; channel_id: number; t0_ms: number; t1_ms: number; count: number; data: Buffer };
type WaveRowDb = BlockRowDb & { rate_hz: number; codec: number; scale: number; value_offset: number };

const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function insertWaveBlock(c: Connection, b: Omit<WaveBlockRow, 'id'>, partial: boolean): number {
  const r = c.prepare(BLOCK_SQL.insertWave).run(b.channelId, b.t0Ms, b.t1Ms, b.rateHz, b.count, b.codec, b.scale, b.offset, partial ? 1 : 0, b.data);
  return Number(r.lastInsertRowid);
}

export function insertSeriesBlock(c: Connection, table: SeriesTable, b: Omit<BlockRow, 'id'>, partial: boolean): number {
  return Number(c.prepare(SERIES_INSERT[table]).run(b.channelId, b.t0Ms, b.t1Ms, b.count, partial ? 1 : 0, b.data).lastInsertRowid);
}

export function deleteBlocks(c: Connection, table: BlockTable, ids: readonly number[]): void {
  const s = c.prepare(TABLES[table].del);
  for (const id of ids) s.run(id);
}

/** Wave blocks of a channel overlapping [fromMs, toMs], by index range on (channel_id, t0_ms). */
export function waveBlocks(c: Connection, channelId: number, fromMs: number, toMs: number): WaveBlockRow[] {
  return (c.prepare(BLOCK_SQL.waveRange).all(channelId, fromMs - MAX_WAVE_BLOCK_MS, toMs, fromMs) as WaveRowDb[]).map((r) => ({
    id: r.id,
    channelId: r.channel_id,
    t0Ms: r.t0_ms,
    t1Ms: r.t1_ms,
    rateHz: r.rate_hz,
    count: r.count,
    codec: r.codec,
    scale: r.scale,
    offset: r.value_offset,
    data: bytes(r.data),
  }));
}

/** Numeric or pose blocks of a channel overlapping [fromMs, toMs]. */
export function seriesBlocks(c: Connection, table: SeriesTable, channelId: number, fromMs: number, toMs: number): BlockRow[] {
  const t = TABLES[table];
  return (c.prepare(t.range).all(channelId, fromMs - t.maxSpanMs, toMs, fromMs) as BlockRowDb[]).map((r) => ({
    id: r.id,
    channelId: r.channel_id,
    t0Ms: r.t0_ms,
    t1Ms: r.t1_ms,
    count: r.count,
    data: bytes(r.data),
  }));
}

/** Decoded samples of a channel in [fromMs, toMs]: raw counts with their hub times. */
export function readWave(c: Connection, channelId: number, fromMs: number, toMs: number): WaveSamples {
  const t: number[] = [];
  const raw: number[] = [];
  const sc: number[] = [];
  const of: number[] = [];
  for (const b of waveBlocks(c, channelId, fromMs, toMs)) {
    const x = decodeWave(b.data);
    const step = b.count > 1 ? (b.t1Ms - b.t0Ms) / (b.count - 1) : 0;
    for (let i = 0; i < x.length; i++) {
      const ti = b.t0Ms + i * step;
      if (ti < fromMs || ti > toMs) continue;
      t.push(ti);
      raw.push(x[i]);
      sc.push(b.scale);
      of.push(b.offset);
    }
  }
  return { tMs: Float64Array.from(t), raw: Float64Array.from(raw), scale: Float64Array.from(sc), offset: Float64Array.from(of) };
}

export function readNumerics(c: Connection, channelId: number, fromMs: number, toMs: number): NumericSample[] {
  const out: NumericSample[] = [];
  for (const b of seriesBlocks(c, 'numeric_blocks', channelId, fromMs, toMs)) {
    const [t, v, s] = decodeColumns(b.data);
    for (let i = 0; i < t.length; i++) if (t[i] >= fromMs && t[i] <= toMs) out.push({ tMs: t[i], value: v[i], status: s[i] });
  }
  return out;
}

/** Poses in [fromMs, toMs]; matrix is the 4x4 tool->tracker transform, column-major, mm. */
export function readPoses(c: Connection, channelId: number, fromMs: number, toMs: number): PoseSample[] {
  const out: PoseSample[] = [];
  for (const b of seriesBlocks(c, 'pose_blocks', channelId, fromMs, toMs)) {
    const cols = decodeColumns(b.data);
    const [t, q, s] = cols;
    for (let i = 0; i < t.length; i++) {
      if (t[i] < fromMs || t[i] > toMs) continue;
      const m = new Float32Array(16);
      for (let k = 0; k < 16; k++) m[k] = cols[3 + k][i];
      out.push({ tMs: t[i], quality: q[i], status: s[i], matrix: m });
    }
  }
  return out;
}

/** Per channel: first and last sample time, sample count, block count. Uses the (channel_id, t0_ms) indexes. */
export function channelSummaries(c: Connection): ChannelSummary[] {
  return channels(c).map((ch) => {
    const table: BlockTable = ch.kind === 'numeric' ? 'numeric_blocks' : ch.kind === 'pose' ? 'pose_blocks' : 'wave_blocks';
    const r = c.prepare(TABLES[table].summary).get(ch.id) as { first: number | null; last: number | null; n: number; blocks: number };
    return { ...ch, firstMs: r.first, lastMs: r.last, samples: r.n, blocks: r.blocks };
  });
}

/** Newest data time over all blocks (slow path; recovery uses case_info.last_data_ms). */
export function lastDataMs(c: Connection): number | null {
  return (c.prepare(BLOCK_SQL.lastDataMs).get() as { m: number | null }).m;
}
