/**
 * One recording (case) = one SQLite file in WAL mode. RecordingStore owns a
 * connection: the recorder worker holds the only long-lived write connection;
 * the CLI opens short ones (reads, or appending annotations under BEGIN IMMEDIATE).
 * All `*Ms` values are hub time (Unix ms on the hub's clock).
 *
 * This is the facade; each table family lives in its own module:
 * case.ts (case_info, team, patient), catalogue.ts (devices, channels),
 * blocks.ts (wave/numeric/pose blocks), events.ts (timestamped rows),
 * annotations-ledger.ts (the hash-chained annotations), paths.ts (files and ids),
 * connection.ts (the connection and the statement catalogue STORE_SQL).
 */
import { anchorHead } from './chain-anchor';
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import type { AnnotationAck, AnnotationRecord, Preset, TeamMember } from '../annotations';
import * as ledger from './annotations-ledger';
import * as blocks from './blocks';
import * as caseData from './case';
import * as catalogue from './catalogue';
import { Connection, type Sql } from './connection';
import type Database from 'better-sqlite3';
import * as ev from './events';

export { STORE_SQL, type Sql, StoreError } from './connection';
export { RECORDINGS_DIR, RECORDING_EXT, listRecordingFiles, newCaseId, recordingPath } from './paths';
export type { CaseHeadline, CaseInfo, CaseMeta, CaseState, PatientIdentifiers } from './case';
export { caseHeadline } from './case';
export type { ChannelInfo, DeviceInfo } from './catalogue';
export { MAX_NUMERIC_BLOCK_MS, MAX_POSE_BLOCK_MS, MAX_WAVE_BLOCK_MS } from './blocks';
export type { BlockRow, BlockTable, ChannelSummary, NumericSample, PoseSample, SeriesTable, WaveBlockRow, WaveSamples } from './blocks';
export type { AlarmRow, DeviceEventRow, DicomShown, EventRow, GapRow, Registration, SettingRow } from './events';
export type { LedgerOp } from './annotations-ledger';

export class RecordingStore {
  private constructor(
    private readonly c: Connection,
    readonly file: string,
    readonly readonly: boolean,
  ) {}

  /** Opens (and migrates, when writable) a recording file. `create` allows a new file. */
  static open(file: string, opts: { readonly?: boolean; create?: boolean } = {}): RecordingStore {
    return new RecordingStore(Connection.open(file, opts), file, opts.readonly ?? false);
  }

  close(): void {
    this.c.close();
  }

  get isOpen(): boolean {
    return this.c.isOpen;
  }

  /** Runs fn in one transaction: every write in it commits together or not at all (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.c.transaction(fn);
  }

  /** Caps the file at `pages` pages (≤ 0: no cap), to simulate a full disk; returns the cap in force. */
  setMaxPageCount(pages: number): number {
    return this.c.setMaxPageCount(pages);
  }

  // ------------------------------------------------------------ case (case.ts)

  createCase(id: string, meta: caseData.CaseMeta, nowMs: number): caseData.CaseInfo {
    return caseData.createCase(this.c, this.file, id, meta, nowMs);
  }

  caseInfo(): caseData.CaseInfo {
    return caseData.caseInfo(this.c, this.file);
  }

  team(): TeamMember[] {
    return caseData.team(this.c);
  }

  setState(state: caseData.CaseState, nowMs: number): void {
    caseData.setState(this.c, state, nowMs);
  }

  /** Raises last_data_ms to tMs (never lowers it). */
  touchData(tMs: number): void {
    caseData.touchData(this.c, tMs);
  }

  setPatient(p: caseData.PatientIdentifiers): void {
    caseData.setPatient(this.c, p);
  }

  patient(): caseData.PatientIdentifiers | undefined {
    return caseData.patient(this.c);
  }

  /** Writes a copy of this recording without patient identifiers (erased, not just unlinked). */
  exportWithoutPatient(dest: string): void {
    caseData.exportWithoutPatient(this.c, dest);
  }

  // ------------------------------------------------------------ devices and channels (catalogue.ts)

  upsertDevice(desc: DeviceDescriptor, tMs: number): Map<number, number> {
    return catalogue.upsertDevice(this.c, desc, tMs);
  }

  /** Channel row id, created with minimal information when the descriptor did not list it. */
  channelId(deviceId: string, channel: number, kind: string, rateHz?: number, format?: string): number {
    return catalogue.channelId(this.c, deviceId, channel, kind, rateHz, format);
  }

  channels(): catalogue.ChannelInfo[] {
    return catalogue.channels(this.c);
  }

  devices(): catalogue.DeviceInfo[] {
    return catalogue.devices(this.c);
  }

  // ------------------------------------------------------------ blocks (blocks.ts)

  insertWaveBlock(b: Omit<blocks.WaveBlockRow, 'id'>, partial: boolean): number {
    return blocks.insertWaveBlock(this.c, b, partial);
  }

  insertSeriesBlock(table: blocks.SeriesTable, b: Omit<blocks.BlockRow, 'id'>, partial: boolean): number {
    return blocks.insertSeriesBlock(this.c, table, b, partial);
  }

  deleteBlocks(table: blocks.BlockTable, ids: readonly number[]): void {
    blocks.deleteBlocks(this.c, table, ids);
  }

  /** Wave blocks of a channel overlapping [fromMs, toMs], by index range on (channel_id, t0_ms). */
  waveBlocks(channelId: number, fromMs: number, toMs: number): blocks.WaveBlockRow[] {
    return blocks.waveBlocks(this.c, channelId, fromMs, toMs);
  }

  seriesBlocks(table: blocks.SeriesTable, channelId: number, fromMs: number, toMs: number): blocks.BlockRow[] {
    return blocks.seriesBlocks(this.c, table, channelId, fromMs, toMs);
  }

  /** Decoded samples of a channel in [fromMs, toMs]: raw counts with their hub times. */
  readWave(channelId: number, fromMs: number, toMs: number): blocks.WaveSamples {
    return blocks.readWave(this.c, channelId, fromMs, toMs);
  }

  readNumerics(channelId: number, fromMs: number, toMs: number): blocks.NumericSample[] {
    return blocks.readNumerics(this.c, channelId, fromMs, toMs);
  }

  readPoses(channelId: number, fromMs: number, toMs: number): blocks.PoseSample[] {
    return blocks.readPoses(this.c, channelId, fromMs, toMs);
  }

  /** Per channel: first and last sample time, sample count, block count. Uses the (channel_id, t0_ms) indexes. */
  channelSummaries(): blocks.ChannelSummary[] {
    return blocks.channelSummaries(this.c);
  }

  /** Newest data time over all blocks and rows (slow path; recovery uses case_info.last_data_ms). */
  lastDataMs(): number | null {
    return blocks.lastDataMs(this.c);
  }

  // ------------------------------------------------------------ timestamped rows (events.ts)

  insertSetting(deviceId: string, channel: number, tMs: number, value: number, text: string): void {
    ev.insertSetting(this.c, deviceId, channel, tMs, value, text);
  }

  insertAlarm(a: ev.AlarmRow): void {
    ev.insertAlarm(this.c, a);
  }

  insertGap(g: ev.GapRow): void {
    ev.insertGap(this.c, g);
  }

  insertDeviceEvent(deviceId: string, tMs: number, state: string, reason: string): void {
    ev.insertDeviceEvent(this.c, deviceId, tMs, state, reason);
  }

  insertEvent(deviceId: string, channel: number, tMs: number, code: string, text: string): void {
    ev.insertEvent(this.c, deviceId, channel, tMs, code, text);
  }

  insertDicomShown(d: ev.DicomShown): void {
    ev.insertDicomShown(this.c, d);
  }

  insertRegistration(r: ev.Registration): void {
    ev.insertRegistration(this.c, r);
  }

  alarms(fromMs: number, toMs: number): ev.AlarmRow[] {
    return ev.alarms(this.c, fromMs, toMs);
  }

  /** The alarm engine's state changes (raised, acknowledged, ... cleared), in order. */
  alarmLog(fromMs = -Infinity, toMs = Infinity): Required<ev.AlarmRow>[] {
    return ev.alarmLog(this.c, fromMs, toMs);
  }

  /** Gaps overlapping [fromMs, toMs]. */
  gaps(fromMs = -Infinity, toMs = Infinity): ev.GapRow[] {
    return ev.gaps(this.c, fromMs, toMs);
  }

  settings(fromMs: number, toMs: number): ev.SettingRow[] {
    return ev.settings(this.c, fromMs, toMs);
  }

  deviceEvents(fromMs: number, toMs: number): ev.DeviceEventRow[] {
    return ev.deviceEvents(this.c, fromMs, toMs);
  }

  events(fromMs: number, toMs: number): ev.EventRow[] {
    return ev.events(this.c, fromMs, toMs);
  }

  dicomShown(fromMs: number, toMs: number): ev.DicomShown[] {
    return ev.dicomShown(this.c, fromMs, toMs);
  }

  registrations(fromMs: number, toMs: number): ev.Registration[] {
    return ev.registrations(this.c, fromMs, toMs);
  }

  // ------------------------------------------------------------ annotations (annotations-ledger.ts)

  /**
   * Appends one annotation version under BEGIN IMMEDIATE, chained to the newest
   * stored hash. Committed with synchronous=FULL: acknowledged means on disk.
   */
  appendAnnotation(op: ledger.LedgerOp, presets: readonly Preset[], nowMs: number): AnnotationAck {
    const ack = ledger.appendAnnotation(this.c, this.file, op, presets, nowMs);
    // Committed: now anchor the new head outside the file. A failure here leaves the entry
    // committed but unanchored, which `verify` reports as a warning, not as tampering.
    try {
      anchorHead(this.file, { caseId: this.caseInfo().id, seq: ack.seq, hash: ack.hash, atMs: nowMs });
    } catch (e) {
      return { ...ack, anchorError: (e as Error).message };
    }
    return ack;
  }

  /** Every stored version in chain order. */
  annotationHistory(entryId?: string): AnnotationRecord[] {
    return ledger.annotationHistory(this.c, this.file, entryId);
  }

  /** The latest version of each entry that is not deleted, by event time. */
  currentAnnotations(): AnnotationRecord[] {
    return ledger.currentAnnotations(this.c, this.file);
  }

  /** Checks the annotation chain: links, hashes, sequence, versions. */
  verifyAnnotations(): { ok: boolean; entries: number; problems: string[] } {
    const { ok, entries, problems } = ledger.verifyAnnotations(this.c, this.file);
    return { ok, entries, problems };
  }

  /** A statement declared with sqlTable() (e.g. the review layer's), prepared once on this store's connection. */
  prepared(sql: Sql): Database.Statement {
    return this.c.prepare(sql);
  }

  /** verifyAnnotations with its notes, the chain's head and the head anchored outside the file. */
  checkAnnotationChain(): ledger.ChainCheck {
    return ledger.verifyAnnotations(this.c, this.file);
  }
}
