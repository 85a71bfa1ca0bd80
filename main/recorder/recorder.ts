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
import type { Worker } from 'node:worker_threads';
import { startWorker, workerScriptPath } from '../start-worker';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { AlarmPriority, AlarmState } from '../../native-bridge/common/wire';
import type { DeviceLinkState, GapRecord, HubSink, WaveBlock } from '../hub/sink';
import type { AlarmBoard } from '../hub/alarm-board';
import type { AlarmChange } from '../hub/alarms/state';
import { type AnnotationAck, type AnnotationInput, type AnnotationPatch, type AnnotationRecord, type Preset, loadPresets } from './annotations';
import { type Batch, type OpenResult, type RequestMap, type RequestType, type RowItem, type SampleFormatName, type SeriesEntry, type StatusMessage, type Timeline, type WaveEntry, type WorkerMessage, NUMERIC_WIDTH, POSE_WIDTH } from './protocol';
import type { CaseInfo, CaseMeta, DicomShown, GapRow, Registration } from './store';

/**
 * Path of the worker script: recorder-worker.ts beside this module under tsx,
 * or recorder-worker.cjs beside the bundle (dist/hub/) in a build.
 */
export function recorderWorkerPath(): string {
  return workerScriptPath({ dir: __dirname, source: 'recorder-worker.ts', bundled: 'recorder-worker' });
}

/** The recorder's technical alarms, raised on the alarm board with source 'recorder' (key `recorder/tech/CODE`). */
export type TechnicalAlarmCode = 'REC_DISK_FULL' | 'REC_IO_ERROR' | 'REC_OVERFLOW' | 'REC_WORKER_FAILED' | 'REC_INTERNAL';

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

export class RecorderError extends Error {
  override name = 'RecorderError';
  constructor(message: string, readonly code: string = 'REC_ERROR') {
    super(message);
  }
}

const FORMAT_OF = (raw: WaveBlock['raw']): SampleFormatName => (raw instanceof Int16Array ? 'i16' : raw instanceof Int32Array ? 'i32' : 'f32');

class WaveBuf {
  samples: Int16Array | Int32Array | Float32Array;
  n = 0;
  frames = new Float64Array(16);
  nf = 0;
  constructor(
    readonly deviceId: string,
    readonly channel: number,
    readonly rateHz: number,
    readonly scale: number,
    readonly offset: number,
    readonly format: SampleFormatName,
    capacity: number,
  ) {
    const C = format === 'i16' ? Int16Array : format === 'i32' ? Int32Array : Float32Array;
    this.samples = new C(Math.max(64, capacity));
  }

  push(t0: number, raw: Int16Array | Int32Array | Float32Array): void {
    if (this.n + raw.length > this.samples.length) {
      const C = this.samples.constructor as Int16ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor;
      const next = new C(Math.max(this.samples.length * 2, this.n + raw.length));
      next.set(this.samples.subarray(0, this.n));
      this.samples = next;
    }
    this.samples.set(raw, this.n);
    this.n += raw.length;
    if (this.nf + 2 > this.frames.length) {
      const next = new Float64Array(this.frames.length * 2);
      next.set(this.frames);
      this.frames = next;
    }
    this.frames[this.nf++] = t0;
    this.frames[this.nf++] = raw.length;
  }
}

class SeriesBuf {
  rows: Float64Array;
  n = 0;
  constructor(
    readonly deviceId: string,
    readonly channel: number,
    readonly width: number,
  ) {
    this.rows = new Float64Array(width * 16);
  }

  reserve(): number {
    if (this.n + this.width > this.rows.length) {
      const next = new Float64Array(this.rows.length * 2);
      next.set(this.rows);
      this.rows = next;
    }
    const at = this.n;
    this.n += this.width;
    return at;
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; bytes: number; type: RequestType };

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
  private worker!: Worker;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly clock: () => number;
  private readonly flushMs: number;
  private readonly maxBytes: number;
  private readonly workerPath: string;
  private timer: ReturnType<typeof setInterval> | undefined;
  private caseInfo: CaseInfo | null = null;
  private isRecording = false;
  private closing = false;
  private readonly online = new Map<string, { desc: DeviceDescriptor; tMs: number }>();
  // Buffers since the last batch.
  private waves = new Map<string, WaveBuf>();
  private numerics = new Map<string, SeriesBuf>();
  private poses = new Map<string, SeriesBuf>();
  private rows: RowItem[] = [];
  private maxT = -Infinity;
  private buffered = 0;
  private inFlight = 0;
  private inFlightBatches = 0;
  // Overflow tracking: per channel key, the hub time where dropping began.
  private readonly dropping = new Map<string, { deviceId: string; channel: number; fromMs: number }>();
  private readonly activeAlarms = new Set<TechnicalAlarmCode>();
  private readonly counters = { batchesCommitted: 0, droppedSamples: 0, droppedNumerics: 0, droppedPoses: 0, hubThreadMs: 0 };
  private diskFailing = false;

  private constructor(private readonly opts: RecorderOptions) {
    super();
    this.clock = opts.clock ?? Date.now;
    this.flushMs = Math.min(opts.flushMs ?? 200, 250);
    this.maxBytes = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.workerPath = opts.workerPath ?? recorderWorkerPath();
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
    const w = startWorker(this.workerPath);
    this.worker = w;
    w.on('message', (m: WorkerMessage) => this.onMessage(m));
    w.on('error', (e) => this.onWorkerGone(w, e));
    w.on('exit', (code) => this.onWorkerGone(w, new Error(`recorder worker exited with code ${code}`)));
    const res = (await this.call('open', { dataDir: path.resolve(this.opts.dataDir), nowMs: this.clock(), presets: this.presets })) as OpenResult;
    this.caseInfo = res.active;
    this.isRecording = res.active?.state === 'recording';
    if (res.resumedGap && res.active) this.emit('resumed', { caseInfo: res.active, gap: res.resumedGap });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  private onWorkerGone(w: Worker, e: Error): void {
    if (w !== this.worker || this.closing) return;
    for (const [, p] of this.pending) p.reject(new RecorderError(`recorder worker stopped: ${e.message}`, 'REC_WORKER_FAILED'));
    this.pending.clear();
    this.inFlight = 0;
    this.inFlightBatches = 0;
    this.technical('REC_WORKER_FAILED', true, `Recording interrupted: the recorder worker stopped (${e.message}); restarting it`);
    this.worker = undefined as unknown as Worker;
    setTimeout(() => {
      if (this.closing) return;
      this.spawn().then(
        () => this.technical('REC_WORKER_FAILED', false, 'Recorder worker restarted; the interruption is recorded as a gap'),
        (err: Error) => this.emit('warning', `recorder worker restart failed: ${err.message}`),
      );
    }, 1000).unref();
  }

  private onMessage(m: WorkerMessage): void {
    if ('status' in m) {
      this.onStatus(m);
      return;
    }
    const p = this.pending.get(m.seq);
    if (!p) return;
    this.pending.delete(m.seq);
    if (p.type === 'batch') {
      this.inFlight -= p.bytes;
      this.inFlightBatches--;
      if (m.ok) this.counters.batchesCommitted++;
    }
    if (m.ok) p.resolve(m.value);
    else p.reject(Object.assign(new RecorderError(m.error.message, m.error.code ?? 'REC_ERROR'), { name: m.error.name }));
  }

  private onStatus(s: StatusMessage): void {
    if (s.status === 'io-error') {
      this.diskFailing = true;
      this.technical(/FULL|ENOSPC|EDQUOT/.test(s.code) ? 'REC_DISK_FULL' : 'REC_IO_ERROR', true, `${s.message}. The live display is unaffected; holding up to ${Math.round(this.maxBytes / 1048576)} MiB until the disk recovers.`);
    } else if (s.status === 'io-ok') {
      this.diskFailing = false;
      this.technical('REC_DISK_FULL', false, s.message);
      this.technical('REC_IO_ERROR', false, s.message);
    } else {
      this.technical('REC_INTERNAL', true, s.message);
    }
  }

  private call<K extends RequestType>(type: K, req: RequestMap[K]['req'], transfer: ArrayBuffer[] = [], bytes = 0): Promise<RequestMap[K]['res']> {
    if (!this.worker) return Promise.reject(new RecorderError('recorder worker is restarting; try again', 'REC_WORKER_FAILED'));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject, bytes, type });
      this.worker.postMessage({ seq, type, req }, transfer);
    });
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
    if (this.worker) {
      this.flush(true);
      const done = this.call('close', {}).catch((e: Error) => this.emit('warning', `recorder close: ${e.message}`));
      await Promise.race([done, new Promise((r) => setTimeout(r, 10000).unref())]);
    }
    this.closing = true;
    this.isRecording = false;
    await this.worker?.terminate();
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
      bufferedBytes: this.buffered,
      inFlightBytes: this.inFlight,
      inFlightBatches: this.inFlightBatches,
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
    const format = FORMAT_OF(block.raw);
    const key = `${block.deviceId}\u0000${block.channel}\u0000${format}\u0000${block.scale}\u0000${block.offset}\u0000${block.rateHz}`;
    const n = block.raw.length;
    const tEnd = block.t0HubMs + ((n - 1) * 1000) / block.rateHz;
    if (this.overBudget()) {
      this.counters.droppedSamples += n;
      this.startDropping(`${block.deviceId}\u0000${block.channel}`, block.deviceId, block.channel, block.t0HubMs);
    } else {
      this.stopDropping(`${block.deviceId}\u0000${block.channel}`, block.t0HubMs);
      let b = this.waves.get(key);
      if (!b) {
        b = new WaveBuf(block.deviceId, block.channel, block.rateHz, block.scale, block.offset, format, Math.ceil((block.rateHz * this.flushMs) / 1000) * 2);
        this.waves.set(key, b);
      }
      b.push(block.t0HubMs, block.raw);
      this.buffered += block.raw.byteLength + 16;
      if (tEnd > this.maxT) this.maxT = tEnd;
    }
    this.counters.hubThreadMs += performance.now() - t;
  }

  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void {
    if (!this.isRecording) return;
    if (this.overBudget()) {
      this.counters.droppedNumerics++;
      return;
    }
    const b = this.series(this.numerics, deviceId, channel, NUMERIC_WIDTH);
    const at = b.reserve();
    b.rows[at] = tHubMs;
    b.rows[at + 1] = value;
    b.rows[at + 2] = status;
    this.buffered += NUMERIC_WIDTH * 8;
    if (tHubMs > this.maxT) this.maxT = tHubMs;
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
    const priority = { info: 0, low: 1, medium: 2, high: 3 }[c.priority];
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
    const b = this.series(this.poses, deviceId, channel, POSE_WIDTH);
    const at = b.reserve();
    b.rows[at] = tHubMs;
    b.rows[at + 1] = quality;
    b.rows[at + 2] = status;
    for (let k = 0; k < 16; k++) b.rows[at + 3 + k] = matrix[k];
    this.buffered += POSE_WIDTH * 8;
    if (tHubMs > this.maxT) this.maxT = tHubMs;
  }

  event(deviceId: string, channel: number, tHubMs: number, code: string, text: string): void {
    this.row({ k: 'event', deviceId, channel, tMs: tHubMs, code, text }, tHubMs);
  }

  gap(g: GapRecord): void {
    this.row({ k: 'gap', deviceId: g.deviceId, channel: g.channel, fromMs: g.fromHubMs, toMs: g.toHubMs, lostFrames: g.lostFrames, reason: g.reason }, g.toHubMs);
  }

  // ------------------------------------------------------------ buffering

  private technical(code: TechnicalAlarmCode, active: boolean, message: string): void {
    if (active === this.activeAlarms.has(code) && code !== 'REC_INTERNAL') return;
    if (active) this.activeAlarms.add(code);
    else this.activeAlarms.delete(code);
    const ref = { source: 'recorder', kind: 'technical' as const, code };
    const high = code === 'REC_DISK_FULL' || code === 'REC_IO_ERROR';
    if (active) this.opts.alarms?.raise({ ...ref, priority: high ? 'high' : 'medium', text: message, tHubMs: this.clock() });
    else this.opts.alarms?.clear(ref, this.clock());
  }

  private overBudget(): boolean {
    return this.buffered + this.inFlight > this.maxBytes;
  }

  private startDropping(key: string, deviceId: string, channel: number, tMs: number): void {
    if (!this.dropping.has(key)) this.dropping.set(key, { deviceId, channel, fromMs: tMs });
    this.technical('REC_OVERFLOW', true, `Recording is dropping data: ${Math.round(this.maxBytes / 1048576)} MiB waiting for the disk. The live display is unaffected.`);
  }

  private stopDropping(key: string, tMs: number): void {
    const d = this.dropping.get(key);
    if (!d) return;
    this.dropping.delete(key);
    this.rows.push({ k: 'gap', deviceId: d.deviceId, channel: d.channel, fromMs: d.fromMs, toMs: tMs, lostFrames: 0, reason: 'recorder-overflow' });
    if (this.dropping.size === 0) this.technical('REC_OVERFLOW', false, 'Recording caught up; the dropped span is recorded as a gap');
  }

  private series(map: Map<string, SeriesBuf>, deviceId: string, channel: number, width: number): SeriesBuf {
    const key = `${deviceId}\u0000${channel}`;
    let b = map.get(key);
    if (!b) {
      b = new SeriesBuf(deviceId, channel, width);
      map.set(key, b);
    }
    return b;
  }

  private row(r: RowItem, tMs: number): void {
    if (!this.isRecording) return;
    this.rows.push(r);
    this.buffered += 256;
    if (tMs > this.maxT) this.maxT = tMs;
  }

  /**
   * Posts buffered data to the worker. Runs every flushMs; `force` posts even
   * when earlier batches are still uncommitted (end/close).
   */
  flush(force = false): void {
    if (!this.worker || (!force && this.inFlightBatches >= 4)) return;
    if (this.rows.length === 0 && this.waves.size === 0 && this.numerics.size === 0 && this.poses.size === 0) return;
    const t = performance.now();
    const transfer: ArrayBuffer[] = [];
    const waves: WaveEntry[] = [];
    for (const b of this.waves.values()) {
      const samples = b.samples.slice(0, b.n);
      const frames = b.frames.slice(0, b.nf);
      transfer.push(samples.buffer as ArrayBuffer, frames.buffer as ArrayBuffer);
      waves.push({ deviceId: b.deviceId, channel: b.channel, rateHz: b.rateHz, scale: b.scale, offset: b.offset, format: b.format, samples, frames });
    }
    const series = (m: Map<string, SeriesBuf>): SeriesEntry[] =>
      [...m.values()].map((b) => {
        const rows = b.rows.slice(0, b.n);
        transfer.push(rows.buffer as ArrayBuffer);
        return { deviceId: b.deviceId, channel: b.channel, rows };
      });
    const batch: Batch = { rows: this.rows, waves, numerics: series(this.numerics), poses: series(this.poses), maxTMs: this.maxT };
    const bytes = this.buffered;
    this.rows = [];
    this.waves = new Map();
    this.numerics = new Map();
    this.poses = new Map();
    this.buffered = 0;
    this.inFlight += bytes;
    this.inFlightBatches++;
    // Batch failures other than I/O are reported through status messages; nothing to do here.
    this.call('batch', batch, transfer, bytes).catch(() => undefined);
    this.counters.hubThreadMs += performance.now() - t;
  }
}
