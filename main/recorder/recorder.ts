/**
 * Recorder: the hub's recording sink. Runs on the hub thread and never touches
 * the disk: HubSink calls copy data into per-channel buffers, and every
 * `flushMs` (default 200 ms) one batch goes to the recorder worker, which owns
 * the SQLite write connection (typed arrays are transferred, not cloned).
 *
 * Bounded memory: data posted but not yet committed plus data buffered here is
 * capped by `maxBufferedBytes`; beyond it waveform, numeric and pose data is
 * dropped (counted, and recorded as a gap with reason 'recorder-overflow').
 * Disk trouble never throws into the hub: it is raised as a technical alarm on the
 * hub's alarm board, and recording resumes by itself when the disk recovers.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workerScriptPath } from '../start-worker';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { AlarmPriority, AlarmState } from '../../native-bridge/common/wire';
import type { DeviceLinkState, GapRecord, HubSink, WaveBlock } from '../hub/sink';
import { PRIORITY_OF_LEVEL, type AlarmBoard } from '../hub/alarm-board';
import type { AlarmChange } from '../hub/alarms/state';
import { type AnnotationAck, type AnnotationInput, type AnnotationPatch, type AnnotationRecord, type Preset, loadPresets } from './annotations';
import type { OpenResult, RequestMap, RequestType, RowItem, Timeline } from './protocol';
import { OverflowTracker, TechnicalAlarms } from './recorder-alarms';
import { BatchBuffer } from './recorder-buffers';
import { RecorderError, WorkerLink } from './recorder-link';
import type { CaseInfo, CaseMeta, DicomShown, GapRow, Registration } from './store';

/**
 * Path of the worker script: recorder-worker.ts beside this module under tsx,
 * or recorder-worker.cjs beside the bundle (dist/hub/) in a build.
 */
export function recorderWorkerPath(): string {
  return workerScriptPath({ dir: __dirname, source: 'recorder-worker.ts', bundled: 'recorder-worker' });
}

export type { TechnicalAlarmCode } from './recorder-alarms';
export { RecorderError } from './recorder-link';

export interface RecorderOptions {
  dataDir: string;
  /** Batch interval, ms (≤ 250 keeps a SIGKILL's loss under a second). */
  flushMs?: number;
  /** Cap on buffered plus uncommitted data, bytes. Default 64 MiB. */
  maxBufferedBytes?: number;
  /** Hub clock (Unix ms). Default Date.now. */
  clock?: () => number;
  /** Override for tests; default recorderWorkerPath(). */
  workerPath?: string;
  /** Where the recorder raises and clears its technical alarms (the hub's board); without one they are not shown. */
  alarms?: Pick<AlarmBoard, 'raise' | 'clear'>;
}

export interface RecorderStats {
  recording: boolean;
  caseId: string | null;
  bufferedBytes: number;
  inFlightBytes: number;
  inFlightBatches: number;
  batchesCommitted: number;
  /** Waveform samples, numerics and poses dropped because the buffer bound was hit. */
  droppedSamples: number;
  droppedNumerics: number;
  droppedPoses: number;
  /** Hub-thread time spent inside sink calls and flushes, ms. */
  hubThreadMs: number;
  diskFailing: boolean;
}

export interface Recorder {
  on(event: 'resumed', listener: (info: { caseInfo: CaseInfo; gap: GapRow }) => void): this;
  on(event: 'warning', listener: (message: string) => void): this;
  emit(event: 'resumed', info: { caseInfo: CaseInfo; gap: GapRow }): boolean;
  emit(event: 'warning', message: string): boolean;
}

export class Recorder extends EventEmitter implements HubSink {
  /** Annotation presets (standard moments + configured ones) with keyboard shortcuts. */
  readonly presets: Preset[];
  /** Why the presets file was not used, when it exists but is invalid. */
  readonly presetsError: string | undefined;
  private readonly link: WorkerLink;
  private readonly clock: () => number;
  private readonly flushMs: number;
  private readonly maxBytes: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private caseInfo: CaseInfo | null = null;
  private isRecording = false;
  private closing = false;
  private readonly online = new Map<string, { desc: DeviceDescriptor; tMs: number }>();
  /** Buffered since the last batch. */
  private readonly buf: BatchBuffer;
  private readonly alarms: TechnicalAlarms;
  private readonly overflow: OverflowTracker;
  private readonly counters = { droppedSamples: 0, droppedNumerics: 0, droppedPoses: 0, hubThreadMs: 0 };
  private diskFailing = false;

  private constructor(private readonly opts: RecorderOptions) {
    super();
    this.clock = opts.clock ?? Date.now;
    this.flushMs = Math.min(opts.flushMs ?? 200, 250);
    this.maxBytes = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.buf = new BatchBuffer(this.flushMs);
    this.alarms = new TechnicalAlarms(opts.alarms, this.clock);
    this.overflow = new OverflowTracker(this.alarms, this.maxBytes);
    this.link = new WorkerLink(opts.workerPath ?? recorderWorkerPath(), {
      status: (st) => {
        const failing = this.alarms.fromStatus(st, this.maxBytes);
        if (failing !== undefined) this.diskFailing = failing;
      },
      gone: (e) => this.onWorkerGone(e),
    });
    const p = loadPresets(opts.dataDir);
    this.presets = p.presets;
    this.presetsError = p.error;
  }

  /**
   * Starts the worker on `dataDir`. A case left 'recording' by a crash is
   * resumed: its downtime is stored as a gap (reason 'hub-restart') and
   * recording continues at once.
   */
  static async open(opts: RecorderOptions): Promise<Recorder> {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    const r = new Recorder(opts);
    await r.spawn();
    return r;
  }

  private async spawn(): Promise<void> {
    this.link.start();
    const res = (await this.call('open', { dataDir: path.resolve(this.opts.dataDir), nowMs: this.clock(), presets: this.presets })) as OpenResult;
    this.caseInfo = res.active;
    this.isRecording = res.active?.state === 'recording';
    if (res.resumedGap && res.active) this.emit('resumed', { caseInfo: res.active, gap: res.resumedGap });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  private onWorkerGone(e: Error): void {
    if (this.closing) return;
    this.alarms.set('REC_WORKER_FAILED', true, `Recording interrupted: the recorder worker stopped (${e.message}); restarting it`);
    setTimeout(() => {
      if (this.closing) return;
      this.spawn().then(
        () => this.alarms.set('REC_WORKER_FAILED', false, 'Recorder worker restarted; the interruption is recorded as a gap'),
        (err: Error) => this.emit('warning', `recorder worker restart failed: ${err.message}`),
      );
    }, 1000).unref();
  }

  private call<K extends RequestType>(type: K, req: RequestMap[K]['req']): Promise<RequestMap[K]['res']> {
    return this.link.call(type, req);
  }

  // ------------------------------------------------------------ case lifecycle

  /** The active case (created or recording), or null. */
  get case(): CaseInfo | null {
    return this.caseInfo;
  }

  get recording(): boolean {
    return this.isRecording;
  }

  /** Creates a case (state 'created'); fails while another case is active. */
  async createCase(meta: CaseMeta): Promise<CaseInfo> {
    this.caseInfo = await this.call('createCase', { meta, nowMs: this.clock() });
    return this.caseInfo;
  }

  /** Starts recording the active case; devices already online are recorded as of now. */
  async startRecording(): Promise<CaseInfo> {
    const devices = [...this.online.values()];
    this.caseInfo = await this.call('startRecording', { nowMs: this.clock(), devices });
    this.isRecording = true;
    return this.caseInfo;
  }

  /** Flushes everything, completes all blocks and marks the case ended. */
  async endCase(): Promise<CaseInfo> {
    this.flush(true);
    this.isRecording = false;
    const info = await this.call('endCase', { nowMs: this.clock() });
    this.caseInfo = null;
    return info;
  }

  /**
   * Flushes, completes blocks and stops the worker. A recording case stays
   * 'recording', so the next open resumes it with a 'hub-restart' gap.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.link.up) {
      this.flush(true);
      const done = this.call('close', {}).catch((e: Error) => this.emit('warning', `recorder close: ${e.message}`));
      await Promise.race([done, new Promise((r) => setTimeout(r, 10000).unref())]);
    }
    this.closing = true;
    this.isRecording = false;
    await this.link.terminate();
  }

  // ------------------------------------------------------------ annotations

  /** Adds an annotation; resolves once committed to disk (an acknowledged annotation). */
  annotate(entry: AnnotationInput): Promise<AnnotationAck> {
    return this.call('annotate', { op: { action: 'create', input: entry }, nowMs: this.clock() });
  }

  /** Adds a new version with the changed fields; earlier versions stay. */
  editAnnotation(entryId: string, patch: AnnotationPatch, who: { role: string; name?: string }): Promise<AnnotationAck> {
    return this.call('annotate', { op: { action: 'edit', entryId, patch, role: who.role, name: who.name }, nowMs: this.clock() });
  }

  /** Adds a deletion version; the entry stays in the history. */
  deleteAnnotation(entryId: string, who: { role: string; name?: string }, reason?: string): Promise<AnnotationAck> {
    return this.call('annotate', { op: { action: 'delete', entryId, role: who.role, name: who.name, reason }, nowMs: this.clock() });
  }

  /** All versions (of one entry, or of all), in chain order. */
  annotationHistory(entryId?: string): Promise<AnnotationRecord[]> {
    return this.call('history', { entryId });
  }

  /** Markers, alarm intervals and gaps of the active case, for the timeline strip. */
  timeline(fromMs = -Infinity, toMs = Infinity): Promise<Timeline> {
    this.flush(true);
    return this.call('timeline', { fromMs: Number.isFinite(fromMs) ? fromMs : -1e300, toMs: Number.isFinite(toMs) ? toMs : 1e300 });
  }

  /** Records which DICOM series the display showed. */
  dicomShown(d: DicomShown): void {
    this.row({ k: 'dicom', d }, d.tMs);
  }

  /** Records an image-to-tracker registration. */
  registration(r: Registration): void {
    this.row({ k: 'registration', r: { ...r, matrix: Array.from(r.matrix) } }, r.tMs);
  }

  /** Test hook: caps the file size to simulate a full disk (0 lifts the cap). */
  debugMaxPages(pages: number): Promise<number> {
    return this.call('debugMaxPages', { pages });
  }

  stats(): RecorderStats {
    return {
      recording: this.isRecording,
      caseId: this.caseInfo?.id ?? null,
      bufferedBytes: this.buf.bytes,
      inFlightBytes: this.link.inFlight,
      inFlightBatches: this.link.inFlightBatches,
      batchesCommitted: this.link.batchesCommitted,
      diskFailing: this.diskFailing,
      ...this.counters,
    };
  }

  // ------------------------------------------------------------ HubSink

  deviceOnline(desc: DeviceDescriptor, tHubMs: number): void {
    this.online.set(desc.deviceId, { desc, tMs: tHubMs });
    this.row({ k: 'online', desc, tMs: tHubMs }, tHubMs);
  }

  deviceState(deviceId: string, state: DeviceLinkState, tHubMs: number, reason: string): void {
    if (state === 'offline') this.online.delete(deviceId);
    this.row({ k: 'state', deviceId, state, tMs: tHubMs, reason }, tHubMs);
  }

  wave(block: WaveBlock): void {
    if (!this.isRecording) return;
    const t = performance.now();
    const n = block.raw.length;
    if (this.overBudget()) {
      this.counters.droppedSamples += n;
      this.overflow.start(block.deviceId, block.channel, block.t0HubMs);
    } else {
      this.overflow.stop(block.deviceId, block.channel, block.t0HubMs, (r) => this.buf.pushRow(r));
      this.buf.wave(block);
    }
    this.counters.hubThreadMs += performance.now() - t;
  }

  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void {
    if (!this.isRecording) return;
    if (this.overBudget()) {
      this.counters.droppedNumerics++;
      return;
    }
    this.buf.numeric(deviceId, channel, tHubMs, value, status);
  }

  setting(deviceId: string, channel: number, tHubMs: number, value: number, text: string): void {
    this.row({ k: 'setting', deviceId, channel, tMs: tHubMs, value, text }, tHubMs);
  }

  alarm(deviceId: string, a: { channel: number; tHubMs: number; priority: AlarmPriority; state: AlarmState; code: number; text: string }): void {
    this.row({ k: 'alarm', deviceId, channel: a.channel, tMs: a.tHubMs, priority: a.priority, state: a.state, code: a.code, text: a.text }, a.tHubMs);
  }

  /**
   * One state change of the hub's alarm engine (raised, acknowledged, audio-paused, escalated,
   * cleared, limit-changed...), recorded with the case on the hub clock (alarms table, schema 4).
   */
  alarmChange(c: AlarmChange): void {
    const priority = PRIORITY_OF_LEVEL[c.priority];
    const detailJson = JSON.stringify({ kind: c.kind, sources: c.sources, notes: c.notes });
    const state = c.action === 'cleared' ? 0 : 1;
    const { deviceId, channel, text, key, action, who } = c;
    this.row({ k: 'alarm', deviceId, channel, tMs: c.tHubMs, priority, state, code: 0, text, key, action, who, detailJson }, c.tHubMs);
  }

  pose(deviceId: string, channel: number, tHubMs: number, quality: number, status: number, matrix: Float32Array): void {
    if (!this.isRecording) return;
    if (this.overBudget()) {
      this.counters.droppedPoses++;
      return;
    }
    this.buf.pose(deviceId, channel, tHubMs, quality, status, matrix);
  }

  event(deviceId: string, channel: number, tHubMs: number, code: string, text: string): void {
    this.row({ k: 'event', deviceId, channel, tMs: tHubMs, code, text }, tHubMs);
  }

  gap(g: GapRecord): void {
    this.row(
      { k: 'gap', deviceId: g.deviceId, channel: g.channel, fromMs: g.fromHubMs, toMs: g.toHubMs, lostFrames: g.lostFrames, reason: g.reason },
      g.toHubMs,
    );
  }

  // ------------------------------------------------------------ buffering

  private overBudget(): boolean {
    return this.buf.bytes + this.link.inFlight > this.maxBytes;
  }

  private row(r: RowItem, tMs: number): void {
    if (!this.isRecording) return;
    this.buf.row(r, tMs);
  }

  /**
   * Posts buffered data to the worker. Runs every flushMs; `force` posts even
   * when earlier batches are still uncommitted (end/close).
   */
  flush(force = false): void {
    if (!this.link.up || (!force && this.link.inFlightBatches >= 4)) return;
    if (this.buf.empty) return;
    const t = performance.now();
    const { batch, transfer, bytes } = this.buf.take();
    // Batch failures other than I/O are reported through status messages; nothing to do here.
    this.link.call('batch', batch, transfer, bytes).catch(() => undefined);
    this.counters.hubThreadMs += performance.now() - t;
  }
}
