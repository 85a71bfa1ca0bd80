/**
 * One recording (case) = one SQLite file in WAL mode. RecordingStore owns a
 * connection: the recorder worker holds the only long-lived write connection;
 * the CLI opens short ones (reads, or appending annotations under BEGIN IMMEDIATE).
 * All `*Ms` values are hub time (Unix ms on the hub's clock).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { GapView } from '../../common/case-contract';
import {
  type AnnotationAck,
  type AnnotationAction,
  type AnnotationInput,
  type AnnotationPatch,
  type AnnotationRecord,
  type Preset,
  type TeamMember,
  genesisHash,
  hashRecord,
  resolveFields,
  resolveWho,
} from './annotations';
import { migrate } from './schema';
import { decodeColumns, decodeWave } from './wavecodec';

/** Blocks never span more than this (ms); time-range queries rely on it to bound index scans. */
export const MAX_WAVE_BLOCK_MS = 8000;
export const MAX_NUMERIC_BLOCK_MS = 60000;
export const MAX_POSE_BLOCK_MS = 8000;

export const RECORDINGS_DIR = 'recordings';
export const RECORDING_EXT = '.orrec';

export type CaseState = 'created' | 'recording' | 'ended';

export interface PatientIdentifiers {
  identifier?: string;
  name?: string;
  birthDate?: string;
  sex?: string;
  extra?: Record<string, string>;
}

export interface CaseMeta {
  procedure: string;
  room?: string;
  team?: TeamMember[];
  patient?: PatientIdentifiers;
  meta?: Record<string, unknown>;
}

export interface CaseInfo {
  id: string;
  procedure: string;
  room: string;
  state: CaseState;
  createdMs: number;
  startedMs: number | null;
  endedMs: number | null;
  lastDataMs: number | null;
  team: TeamMember[];
  meta: Record<string, unknown>;
}

export interface ChannelInfo {
  id: number;
  deviceId: string;
  channel: number;
  kind: string;
  label: string;
  unit: string;
  rateHz: number | null;
  format: string | null;
}

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

export type GapRow = GapView;

export interface AlarmRow {
  deviceId: string;
  channel: number;
  tMs: number;
  priority: number;
  state: number;
  code: number;
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

export interface ChannelSummary extends ChannelInfo {
  firstMs: number | null;
  lastMs: number | null;
  samples: number;
  blocks: number;
}

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(message: string, readonly code: string = 'REC_STORE') {
    super(message);
  }
}

/** Case ids: sortable, readable, unique enough for one data dir: 20260102-1304-5f3a9c. */
export function newCaseId(nowMs: number): string {
  const d = new Date(nowMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomUUID().slice(0, 6)}`;
}

export function recordingPath(dataDir: string, caseId: string): string {
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(caseId)) throw new StoreError(`recordingPath: bad case id "${caseId}"`, 'REC_BAD_ID');
  return path.join(dataDir, RECORDINGS_DIR, caseId + RECORDING_EXT);
}

/** Recording files in a data dir, sorted by name (= by creation time). */
export function listRecordingFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, RECORDINGS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(RECORDING_EXT)).sort().map((f) => path.join(dir, f));
}

interface CaseRowDb {
  id: string;
  procedure: string;
  room: string;
  state: CaseState;
  created_ms: number;
  started_ms: number | null;
  ended_ms: number | null;
  last_data_ms: number | null;
  meta_json: string;
}

interface AnnotationRowDb {
  seq: number;
  entry_id: string;
  version: number;
  action: AnnotationAction;
  kind: string;
  t_ms: number;
  recorded_ms: number;
  role: string;
  name: string;
  text: string;
  data_json: string;
  prev_hash: string;
  hash: string;
}

export class RecordingStore {
  readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, readonly file: string, readonly readonly: boolean) {
    this.db = db;
  }

  /** Opens (and migrates, when writable) a recording file. `create` allows a new file. */
  static open(file: string, opts: { readonly?: boolean; create?: boolean } = {}): RecordingStore {
    const readonly = opts.readonly ?? false;
    if (!opts.create && !fs.existsSync(file)) throw new StoreError(`no recording file ${file}`, 'REC_NOT_FOUND');
    if (opts.create) fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file, { readonly, fileMustExist: !opts.create });
    try {
      db.pragma('busy_timeout = 5000');
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        // NORMAL in WAL: a commit survives a process crash (SIGKILL); annotations switch to FULL.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db);
      }
    } catch (e) {
      db.close();
      throw e;
    }
    return new RecordingStore(db, file, readonly);
  }

  close(): void {
    this.db.close();
  }

  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  // ------------------------------------------------------------ case

  createCase(id: string, meta: CaseMeta, nowMs: number): CaseInfo {
    if (typeof meta.procedure !== 'string' || meta.procedure.trim() === '') throw new StoreError('createCase: a procedure name is required', 'REC_BAD_CASE');
    this.db.transaction(() => {
      this.st('INSERT INTO case_info (id, procedure, room, state, created_ms, meta_json) VALUES (?, ?, ?, ?, ?, ?)').run(id, meta.procedure.trim(), meta.room ?? '', 'created', nowMs, JSON.stringify(meta.meta ?? {}));
      for (const m of meta.team ?? []) {
        if (typeof m.role !== 'string' || m.role.trim() === '' || typeof m.name !== 'string') throw new StoreError('createCase: each team member needs a role and a name', 'REC_BAD_CASE');
        this.st('INSERT OR IGNORE INTO team (role, name) VALUES (?, ?)').run(m.role.trim(), m.name.trim());
      }
      if (meta.patient) this.setPatient(meta.patient);
    })();
    return this.caseInfo();
  }

  caseInfo(): CaseInfo {
    const r = this.st('SELECT * FROM case_info LIMIT 1').get() as CaseRowDb | undefined;
    if (!r) throw new StoreError(`${this.file} holds no case`, 'REC_NO_CASE');
    return {
      id: r.id,
      procedure: r.procedure,
      room: r.room,
      state: r.state,
      createdMs: r.created_ms,
      startedMs: r.started_ms,
      endedMs: r.ended_ms,
      lastDataMs: r.last_data_ms,
      team: this.team(),
      meta: JSON.parse(r.meta_json) as Record<string, unknown>,
    };
  }

  team(): TeamMember[] {
    return this.st('SELECT role, name FROM team ORDER BY role, name').all() as TeamMember[];
  }

  setState(state: CaseState, nowMs: number): void {
    if (state === 'recording') this.st("UPDATE case_info SET state = 'recording', started_ms = COALESCE(started_ms, ?)").run(nowMs);
    else if (state === 'ended') this.st("UPDATE case_info SET state = 'ended', ended_ms = ?").run(nowMs);
    else this.st('UPDATE case_info SET state = ?').run(state);
  }

  /** Raises last_data_ms to tMs (never lowers it). */
  touchData(tMs: number): void {
    this.st('UPDATE case_info SET last_data_ms = MAX(COALESCE(last_data_ms, ?), ?)').run(tMs, tMs);
  }

  setPatient(p: PatientIdentifiers): void {
    this.st('INSERT OR REPLACE INTO patient (id, identifier, name, birth_date, sex, extra_json) VALUES (1, ?, ?, ?, ?, ?)').run(p.identifier ?? '', p.name ?? '', p.birthDate ?? '', p.sex ?? '', JSON.stringify(p.extra ?? {}));
  }

  patient(): PatientIdentifiers | undefined {
    const r = this.st('SELECT * FROM patient WHERE id = 1').get() as { identifier: string; name: string; birth_date: string; sex: string; extra_json: string } | undefined;
    return r ? { identifier: r.identifier, name: r.name, birthDate: r.birth_date, sex: r.sex, extra: JSON.parse(r.extra_json) as Record<string, string> } : undefined;
  }

  /** Writes a copy of this recording without patient identifiers (erased, not just unlinked). */
  exportWithoutPatient(dest: string): void {
    if (fs.existsSync(dest)) throw new StoreError(`exportWithoutPatient: ${dest} exists`, 'REC_EXISTS');
    this.db.prepare('VACUUM INTO ?').run(dest);
    const copy = new Database(dest);
    try {
      copy.pragma('secure_delete = ON');
      copy.exec('DELETE FROM patient');
      copy.exec('VACUUM');
    } finally {
      copy.close();
    }
  }

  // ------------------------------------------------------------ devices and channels

  upsertDevice(desc: DeviceDescriptor, tMs: number): Map<number, number> {
    this.st('INSERT INTO devices (device_id, kind, manufacturer, model, serial, descriptor_json, first_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET descriptor_json = excluded.descriptor_json, kind = excluded.kind, manufacturer = excluded.manufacturer, model = excluded.model, serial = excluded.serial').run(
      desc.deviceId, desc.kind, desc.manufacturer, desc.model, desc.serial, JSON.stringify(desc), tMs,
    );
    const ids = new Map<number, number>();
    for (const c of desc.channels) {
      this.st('INSERT INTO channels (device_id, channel, kind, label, unit, mdc, rate_hz, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, channel) DO UPDATE SET kind = excluded.kind, label = excluded.label, unit = excluded.unit, mdc = excluded.mdc, rate_hz = excluded.rate_hz, format = excluded.format').run(
        desc.deviceId, c.index, c.kind, c.label, c.unit, c.mdc, c.rateHz ?? null, c.format ?? null,
      );
      ids.set(c.index, this.channelId(desc.deviceId, c.index, c.kind));
    }
    return ids;
  }

  /** Channel row id, created with minimal information when the descriptor did not list it. */
  channelId(deviceId: string, channel: number, kind: string, rateHz?: number, format?: string): number {
    const r = this.st('SELECT id FROM channels WHERE device_id = ? AND channel = ?').get(deviceId, channel) as { id: number } | undefined;
    if (r) return r.id;
    return Number(this.st('INSERT INTO channels (device_id, channel, kind, rate_hz, format) VALUES (?, ?, ?, ?, ?)').run(deviceId, channel, kind, rateHz ?? null, format ?? null).lastInsertRowid);
  }

  channels(): ChannelInfo[] {
    return (this.st('SELECT id, device_id, channel, kind, label, unit, rate_hz, format FROM channels ORDER BY device_id, channel').all() as { id: number; device_id: string; channel: number; kind: string; label: string; unit: string; rate_hz: number | null; format: string | null }[]).map((r) => ({
      id: r.id,
      deviceId: r.device_id,
      channel: r.channel,
      kind: r.kind,
      label: r.label,
      unit: r.unit,
      rateHz: r.rate_hz,
      format: r.format,
    }));
  }

  devices(): { deviceId: string; kind: string; manufacturer: string; model: string; serial: string; firstSeenMs: number }[] {
    return (this.st('SELECT device_id, kind, manufacturer, model, serial, first_seen_ms FROM devices ORDER BY device_id').all() as { device_id: string; kind: string; manufacturer: string; model: string; serial: string; first_seen_ms: number }[]).map((r) => ({
      deviceId: r.device_id,
      kind: r.kind,
      manufacturer: r.manufacturer,
      model: r.model,
      serial: r.serial,
      firstSeenMs: r.first_seen_ms,
    }));
  }

  // ------------------------------------------------------------ blocks

  insertWaveBlock(b: Omit<WaveBlockRow, 'id'>, partial: boolean): number {
    return Number(this.st('INSERT INTO wave_blocks (channel_id, t0_ms, t1_ms, rate_hz, count, codec, scale, value_offset, partial, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(b.channelId, b.t0Ms, b.t1Ms, b.rateHz, b.count, b.codec, b.scale, b.offset, partial ? 1 : 0, b.data).lastInsertRowid);
  }

  insertSeriesBlock(table: 'numeric_blocks' | 'pose_blocks', b: Omit<BlockRow, 'id'>, partial: boolean): number {
    return Number(this.st(`INSERT INTO ${table} (channel_id, t0_ms, t1_ms, count, partial, data) VALUES (?, ?, ?, ?, ?, ?)`).run(b.channelId, b.t0Ms, b.t1Ms, b.count, partial ? 1 : 0, b.data).lastInsertRowid);
  }

  deleteBlocks(table: 'wave_blocks' | 'numeric_blocks' | 'pose_blocks', ids: readonly number[]): void {
    const s = this.st(`DELETE FROM ${table} WHERE id = ?`);
    for (const id of ids) s.run(id);
  }

  /** Wave blocks of a channel overlapping [fromMs, toMs], by index range on (channel_id, t0_ms). */
  waveBlocks(channelId: number, fromMs: number, toMs: number): WaveBlockRow[] {
    return (this.st('SELECT id, channel_id, t0_ms, t1_ms, rate_hz, count, codec, scale, value_offset, data FROM wave_blocks WHERE channel_id = ? AND t0_ms >= ? AND t0_ms <= ? AND t1_ms >= ? ORDER BY t0_ms').all(channelId, fromMs - MAX_WAVE_BLOCK_MS, toMs, fromMs) as {
      id: number; channel_id: number; t0_ms: number; t1_ms: number; rate_hz: number; count: number; codec: number; scale: number; value_offset: number; data: Buffer;
    }[]).map((r) => ({ id: r.id, channelId: r.channel_id, t0Ms: r.t0_ms, t1Ms: r.t1_ms, rateHz: r.rate_hz, count: r.count, codec: r.codec, scale: r.scale, offset: r.value_offset, data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength) }));
  }

  seriesBlocks(table: 'numeric_blocks' | 'pose_blocks', channelId: number, fromMs: number, toMs: number): BlockRow[] {
    const span = table === 'numeric_blocks' ? MAX_NUMERIC_BLOCK_MS : MAX_POSE_BLOCK_MS;
    return (this.st(`SELECT id, channel_id, t0_ms, t1_ms, count, data FROM ${table} WHERE channel_id = ? AND t0_ms >= ? AND t0_ms <= ? AND t1_ms >= ? ORDER BY t0_ms`).all(channelId, fromMs - span, toMs, fromMs) as {
      id: number; channel_id: number; t0_ms: number; t1_ms: number; count: number; data: Buffer;
    }[]).map((r) => ({ id: r.id, channelId: r.channel_id, t0Ms: r.t0_ms, t1Ms: r.t1_ms, count: r.count, data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength) }));
  }

  /** Decoded samples of a channel in [fromMs, toMs]: raw counts with their hub times. */
  readWave(channelId: number, fromMs: number, toMs: number): { tMs: Float64Array; raw: Float64Array; scale: Float64Array; offset: Float64Array } {
    const t: number[] = [];
    const raw: number[] = [];
    const sc: number[] = [];
    const of: number[] = [];
    for (const b of this.waveBlocks(channelId, fromMs, toMs)) {
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

  readNumerics(channelId: number, fromMs: number, toMs: number): { tMs: number; value: number; status: number }[] {
    const out: { tMs: number; value: number; status: number }[] = [];
    for (const b of this.seriesBlocks('numeric_blocks', channelId, fromMs, toMs)) {
      const [t, v, s] = decodeColumns(b.data);
      for (let i = 0; i < t.length; i++) if (t[i] >= fromMs && t[i] <= toMs) out.push({ tMs: t[i], value: v[i], status: s[i] });
    }
    return out;
  }

  readPoses(channelId: number, fromMs: number, toMs: number): { tMs: number; quality: number; status: number; matrix: Float32Array }[] {
    const out: { tMs: number; quality: number; status: number; matrix: Float32Array }[] = [];
    for (const b of this.seriesBlocks('pose_blocks', channelId, fromMs, toMs)) {
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

  // ------------------------------------------------------------ rows

  insertSetting(deviceId: string, channel: number, tMs: number, value: number, text: string): void {
    this.st('INSERT INTO settings (device_id, channel, t_ms, value, text) VALUES (?, ?, ?, ?, ?)').run(deviceId, channel, tMs, value, text);
  }

  insertAlarm(a: AlarmRow): void {
    this.st('INSERT INTO alarms (device_id, channel, t_ms, priority, state, code, text) VALUES (?, ?, ?, ?, ?, ?, ?)').run(a.deviceId, a.channel, a.tMs, a.priority, a.state, a.code, a.text);
  }

  insertGap(g: GapRow): void {
    this.st('INSERT INTO gaps (device_id, channel, from_ms, to_ms, lost_frames, reason) VALUES (?, ?, ?, ?, ?, ?)').run(g.deviceId, g.channel, g.fromMs, g.toMs, g.lostFrames, g.reason);
  }

  insertDeviceEvent(deviceId: string, tMs: number, state: string, reason: string): void {
    this.st('INSERT INTO device_events (device_id, t_ms, state, reason) VALUES (?, ?, ?, ?)').run(deviceId, tMs, state, reason);
  }

  insertEvent(deviceId: string, channel: number, tMs: number, code: string, text: string): void {
    this.st('INSERT INTO events (device_id, channel, t_ms, code, text) VALUES (?, ?, ?, ?, ?)').run(deviceId, channel, tMs, code, text);
  }

  insertDicomShown(d: DicomShown): void {
    this.st('INSERT INTO dicom_shown (t_ms, study_uid, series_uid, modality, description, source, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)').run(d.tMs, d.studyUid ?? '', d.seriesUid, d.modality ?? '', d.description ?? '', d.source ?? '', JSON.stringify(d.detail ?? {}));
  }

  insertRegistration(r: Registration): void {
    if (r.matrix.length !== 16) throw new StoreError('insertRegistration: matrix must have 16 values', 'REC_BAD_VALUE');
    const m = Float64Array.from(r.matrix);
    this.st('INSERT INTO registrations (t_ms, series_uid, tracker_device_id, method, matrix, fre_mm, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)').run(r.tMs, r.seriesUid ?? '', r.trackerDeviceId ?? '', r.method ?? '', Buffer.from(m.buffer), r.freMm ?? null, JSON.stringify(r.detail ?? {}));
  }

  alarms(fromMs: number, toMs: number): AlarmRow[] {
    return (this.st('SELECT device_id, channel, t_ms, priority, state, code, text FROM alarms WHERE t_ms BETWEEN ? AND ? ORDER BY t_ms').all(fromMs, toMs) as { device_id: string; channel: number; t_ms: number; priority: number; state: number; code: number; text: string }[]).map((r) => ({
      deviceId: r.device_id, channel: r.channel, tMs: r.t_ms, priority: r.priority, state: r.state, code: r.code, text: r.text,
    }));
  }

  /** Gaps overlapping [fromMs, toMs]. */
  gaps(fromMs = -Infinity, toMs = Infinity): GapRow[] {
    return (this.st('SELECT device_id, channel, from_ms, to_ms, lost_frames, reason FROM gaps WHERE from_ms <= ? AND to_ms >= ? ORDER BY from_ms').all(toMs, fromMs) as { device_id: string; channel: number; from_ms: number; to_ms: number; lost_frames: number; reason: string }[]).map((r) => ({
      deviceId: r.device_id, channel: r.channel, fromMs: r.from_ms, toMs: r.to_ms, lostFrames: r.lost_frames, reason: r.reason,
    }));
  }

  settings(fromMs: number, toMs: number): { deviceId: string; channel: number; tMs: number; value: number; text: string }[] {
    return (this.st('SELECT device_id, channel, t_ms, value, text FROM settings WHERE t_ms BETWEEN ? AND ? ORDER BY t_ms').all(fromMs, toMs) as { device_id: string; channel: number; t_ms: number; value: number; text: string }[]).map((r) => ({ deviceId: r.device_id, channel: r.channel, tMs: r.t_ms, value: r.value, text: r.text }));
  }

  deviceEvents(fromMs: number, toMs: number): { deviceId: string; tMs: number; state: string; reason: string }[] {
    return (this.st('SELECT device_id, t_ms, state, reason FROM device_events WHERE t_ms BETWEEN ? AND ? ORDER BY t_ms').all(fromMs, toMs) as { device_id: string; t_ms: number; state: string; reason: string }[]).map((r) => ({ deviceId: r.device_id, tMs: r.t_ms, state: r.state, reason: r.reason }));
  }

  events(fromMs: number, toMs: number): { deviceId: string; channel: number; tMs: number; code: string; text: string }[] {
    return (this.st('SELECT device_id, channel, t_ms, code, text FROM events WHERE t_ms BETWEEN ? AND ? ORDER BY t_ms').all(fromMs, toMs) as { device_id: string; channel: number; t_ms: number; code: string; text: string }[]).map((r) => ({ deviceId: r.device_id, channel: r.channel, tMs: r.t_ms, code: r.code, text: r.text }));
  }

  dicomShown(fromMs: number, toMs: number): DicomShown[] {
    return (this.st('SELECT t_ms, study_uid, series_uid, modality, description, source, detail_json FROM dicom_shown WHERE t_ms BETWEEN ? AND ? ORDER BY t_ms').all(fromMs, toMs) as { t_ms: number; study_uid: string; series_uid: string; modality: string; description: string; source: string; detail_json: string }[]).map((r) => ({
      tMs: r.t_ms, studyUid: r.study_uid, seriesUid: r.series_uid, modality: r.modality, description: r.description, source: r.source, detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    }));
  }

  registrations(fromMs: number, toMs: number): Registration[] {
    return (this.st('SELECT t_ms, series_uid, tracker_device_id, method, matrix, fre_mm, detail_json FROM registrations WHERE t_ms BETWEEN ? AND ? ORDER BY t_ms').all(fromMs, toMs) as { t_ms: number; series_uid: string; tracker_device_id: string; method: string; matrix: Buffer; fre_mm: number | null; detail_json: string }[]).map((r) => ({
      tMs: r.t_ms, seriesUid: r.series_uid, trackerDeviceId: r.tracker_device_id, method: r.method, matrix: Array.from(new Float64Array(new Uint8Array(r.matrix).buffer)), freMm: r.fre_mm ?? undefined, detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    }));
  }

  /** Per channel: first and last sample time, sample count, block count. Uses the (channel_id, t0_ms) indexes. */
  channelSummaries(): ChannelSummary[] {
    return this.channels().map((c) => {
      const table = c.kind === 'numeric' ? 'numeric_blocks' : c.kind === 'pose' ? 'pose_blocks' : 'wave_blocks';
      const r = this.st(`SELECT MIN(t0_ms) AS first, MAX(t1_ms) AS last, COALESCE(SUM(count), 0) AS n, COUNT(*) AS blocks FROM ${table} WHERE channel_id = ?`).get(c.id) as { first: number | null; last: number | null; n: number; blocks: number };
      return { ...c, firstMs: r.first, lastMs: r.last, samples: r.n, blocks: r.blocks };
    });
  }

  /** Newest data time over all blocks and rows (slow path; recovery uses case_info.last_data_ms). */
  lastDataMs(): number | null {
    const r = this.st('SELECT MAX(m) AS m FROM (SELECT MAX(t1_ms) AS m FROM wave_blocks UNION ALL SELECT MAX(t1_ms) FROM numeric_blocks UNION ALL SELECT MAX(t1_ms) FROM pose_blocks)').get() as { m: number | null };
    return r.m;
  }

  // ------------------------------------------------------------ annotations

  /**
   * Appends one annotation version under BEGIN IMMEDIATE, chaining it to the
   * newest stored hash (so concurrent writers such as the CLI stay in one chain).
   * Committed with synchronous=FULL: acknowledged means on disk.
   */
  appendAnnotation(op: { action: 'create'; input: AnnotationInput } | { action: 'edit'; entryId: string; patch: AnnotationPatch; role: string; name?: string } | { action: 'delete'; entryId: string; role: string; name?: string; reason?: string }, presets: readonly Preset[], nowMs: number): AnnotationAck {
    const caseInfo = this.caseInfo();
    const run = this.db.transaction((): AnnotationAck => {
      let entryId: string;
      let version: number;
      let fields: { kind: string; tMs: number; text: string; data: Record<string, string | number> };
      let who;
      if (op.action === 'create') {
        const w = resolveWho(op.input.role, op.input.name, caseInfo.team);
        if (!w.ok) throw new StoreError(w.error, 'REC_BAD_ANNOTATION');
        who = w.value;
        const f = resolveFields(op.input, presets, nowMs);
        if (!f.ok) throw new StoreError(f.error, 'REC_BAD_ANNOTATION');
        fields = f.value;
        entryId = randomUUID();
        version = 1;
      } else {
        const w = resolveWho(op.role, op.name, caseInfo.team);
        if (!w.ok) throw new StoreError(w.error, 'REC_BAD_ANNOTATION');
        who = w.value;
        const prev = this.st('SELECT * FROM annotations WHERE entry_id = ? ORDER BY version DESC LIMIT 1').get(op.entryId) as AnnotationRowDb | undefined;
        if (!prev) throw new StoreError(`no annotation ${op.entryId}`, 'REC_NOT_FOUND');
        if (prev.action === 'delete') throw new StoreError(`annotation ${op.entryId} is deleted`, 'REC_BAD_ANNOTATION');
        entryId = op.entryId;
        version = prev.version + 1;
        const prevData = JSON.parse(prev.data_json) as Record<string, string | number>;
        if (op.action === 'edit') {
          const merged = {
            kind: op.patch.kind ?? prev.kind,
            tMs: op.patch.tMs ?? prev.t_ms,
            text: op.patch.text ?? prev.text,
            drug: op.patch.drug ?? (prevData.drug as string | undefined),
            dose: op.patch.dose ?? (prevData.dose as number | undefined),
            unit: op.patch.unit ?? (prevData.unit as string | undefined),
            bloodLossMl: op.patch.bloodLossMl ?? (prevData.ml as number | undefined),
          };
          const kind = merged.kind;
          if (kind !== 'bolus') merged.drug = merged.dose = merged.unit = undefined;
          if (kind !== 'blood-loss') merged.bloodLossMl = undefined;
          const f = resolveFields(merged, presets, Math.max(nowMs, merged.tMs));
          if (!f.ok) throw new StoreError(f.error, 'REC_BAD_ANNOTATION');
          fields = f.value;
        } else {
          fields = { kind: prev.kind, tMs: prev.t_ms, text: op.reason ?? '', data: prevData };
        }
      }
      const last = this.st('SELECT seq, hash FROM annotations ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const rec: Omit<AnnotationRecord, 'hash'> = {
        seq,
        caseId: caseInfo.id,
        entryId,
        version,
        action: op.action,
        kind: fields.kind,
        tMs: fields.tMs,
        recordedMs: nowMs,
        role: who.role,
        name: who.name,
        text: fields.text,
        data: fields.data,
        prevHash: last?.hash ?? genesisHash(caseInfo.id),
      };
      const hash = hashRecord(rec);
      this.st('INSERT INTO annotations (seq, entry_id, version, action, kind, t_ms, recorded_ms, role, name, text, data_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        seq, entryId, version, rec.action, rec.kind, rec.tMs, rec.recordedMs, rec.role, rec.name, rec.text, JSON.stringify(rec.data), rec.prevHash, hash,
      );
      return { entryId, version, seq, tMs: rec.tMs, hash };
    });
    this.db.pragma('synchronous = FULL');
    try {
      return run.immediate();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Every stored version in chain order. */
  annotationHistory(entryId?: string): AnnotationRecord[] {
    const caseId = this.caseInfo().id;
    const rows = (entryId === undefined ? this.st('SELECT * FROM annotations ORDER BY seq').all() : this.st('SELECT * FROM annotations WHERE entry_id = ? ORDER BY seq').all(entryId)) as AnnotationRowDb[];
    return rows.map((r) => ({
      seq: r.seq,
      caseId,
      entryId: r.entry_id,
      version: r.version,
      action: r.action,
      kind: r.kind,
      tMs: r.t_ms,
      recordedMs: r.recorded_ms,
      role: r.role,
      name: r.name,
      text: r.text,
      data: JSON.parse(r.data_json) as Record<string, string | number>,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** The latest version of each entry that is not deleted, by event time. */
  currentAnnotations(): AnnotationRecord[] {
    const latest = new Map<string, AnnotationRecord>();
    for (const r of this.annotationHistory()) latest.set(r.entryId, r);
    return [...latest.values()].filter((r) => r.action !== 'delete').sort((a, b) => a.tMs - b.tMs || a.seq - b.seq);
  }

  /** Checks the annotation chain: links, hashes, sequence, versions. */
  verifyAnnotations(): { ok: boolean; entries: number; problems: string[] } {
    const problems: string[] = [];
    let caseId: string;
    try {
      caseId = this.caseInfo().id;
    } catch (e) {
      return { ok: false, entries: 0, problems: [(e as Error).message] };
    }
    const rows = this.annotationHistory();
    let prev = genesisHash(caseId);
    const versions = new Map<string, number>();
    rows.forEach((r, i) => {
      if (r.seq !== i + 1) problems.push(`entry seq ${r.seq}: expected seq ${i + 1} (an entry is missing)`);
      if (r.prevHash !== prev) problems.push(`entry seq ${r.seq}: previous-hash link broken`);
      const { hash, ...rest } = r;
      if (hashRecord(rest) !== hash) problems.push(`entry seq ${r.seq}: content does not match its hash (altered)`);
      const v = versions.get(r.entryId) ?? 0;
      if (r.version !== v + 1) problems.push(`entry seq ${r.seq}: version ${r.version} of ${r.entryId} follows version ${v}`);
      if ((r.version === 1) !== (r.action === 'create')) problems.push(`entry seq ${r.seq}: action ${r.action} at version ${r.version}`);
      versions.set(r.entryId, r.version);
      prev = hash;
    });
    const sq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'annotations'").get() as { seq: number } | undefined;
    if (sq && sq.seq !== rows.length) problems.push(`the chain has ${rows.length} entries but ${sq.seq} were written (entries removed from the end)`);
    return { ok: problems.length === 0, entries: rows.length, problems };
  }
}
