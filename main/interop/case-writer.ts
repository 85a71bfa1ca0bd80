/**
 * Writes an imported case as a normal OR Hub recording: DATA_DIR/recordings/<caseId>.orrec,
 * with blocks built by the recorder's own accumulators (so block sizes, codecs and the
 * time-range rules are those of a live recording). The file is written under a temporary
 * name and renamed when complete, so the recorder never sees (or resumes) a half import;
 * an imported case is always in state `ended`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnnotationInput } from '../recorder/annotations';
import { SeriesAccumulator, WaveAccumulator } from '../recorder/accumulators';
import type { SampleFormatName } from '../recorder/protocol';
import { type CaseMeta, RECORDINGS_DIR, RecordingStore, StoreError, newCaseId, recordingPath } from '../recorder/store';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { validateDescriptor } from '../../native-bridge/common/descriptor';
import { interopSql, setCaseTimes } from './store-queries';

export interface WaveParams {
  rateHz: number;
  scale: number;
  offset: number;
  format: SampleFormatName;
}

type Samples = Int16Array | Int32Array | Float32Array;

/** Commit every this many block writes: one transaction per import would grow the WAL without bound. */
const COMMIT_EVERY = 2000;

/** A device id (descriptor rule [A-Za-z0-9._:-]{1,64}) made from a foreign file's name for a device. */
export function importedDeviceId(name: string): string {
  return name.replace(/[^A-Za-z0-9._:-]+/g, '_').slice(0, 64) || 'device';
}

export class CaseWriter {
  readonly store: RecordingStore;
  readonly caseId: string;
  readonly file: string;
  private readonly tmp: string;
  private readonly waves = new Map<number, WaveAccumulator>();
  private readonly series = new Map<number, SeriesAccumulator>();
  private readonly ids = new Map<string, number>();
  private readonly annotations: AnnotationInput[] = [];
  private readonly deviceSpan = new Map<string, [number, number]>();
  private ops = 0;
  firstMs = Infinity;
  lastMs = -Infinity;
  samples = 0;

  /** Creates the case file (refuses an existing case id). `startMs` dates the case id when none is given. */
  constructor(dataDir: string, opts: { caseId?: string; startMs: number; meta: CaseMeta }) {
    this.caseId = opts.caseId ?? newCaseId(opts.startMs);
    this.file = recordingPath(dataDir, this.caseId);
    if (fs.existsSync(this.file)) throw new StoreError(`case ${this.caseId} already exists in ${dataDir} (${this.file})`, 'REC_EXISTS');
    this.tmp = path.join(dataDir, RECORDINGS_DIR, `.${this.caseId}.importing`);
    for (const f of [this.tmp, `${this.tmp}-wal`, `${this.tmp}-shm`]) fs.rmSync(f, { force: true });
    this.store = RecordingStore.open(this.tmp, { create: true });
    try {
      this.store.prepared(interopSql('PRAGMA synchronous = OFF')).run();
      this.store.createCase(this.caseId, opts.meta, opts.startMs);
      this.store.prepared(interopSql('BEGIN')).run();
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Writes (or updates) a device and its channels; the descriptor must be one the hub would accept. */
  device(desc: DeviceDescriptor, tMs: number): void {
    const v = validateDescriptor(desc);
    if (!v.ok) throw new StoreError(`import: device ${desc.deviceId}: ${v.error}`, 'REC_BAD_DEVICE');
    for (const [ch, id] of this.store.upsertDevice(desc, tMs)) this.ids.set(`${desc.deviceId}\u0000${ch}`, id);
  }

  channelId(deviceId: string, channel: number, kind: string): number {
    const key = `${deviceId}\u0000${channel}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.store.channelId(deviceId, channel, kind);
      this.ids.set(key, id);
    }
    return id;
  }

  private seen(deviceId: string, t0: number, t1: number): void {
    if (t0 < this.firstMs) this.firstMs = t0;
    if (t1 > this.lastMs) this.lastMs = t1;
    const s = this.deviceSpan.get(deviceId);
    if (!s) this.deviceSpan.set(deviceId, [t0, t1]);
    else {
      s[0] = Math.min(s[0], t0);
      s[1] = Math.max(s[1], t1);
    }
  }

  private tick(): void {
    if (++this.ops % COMMIT_EVERY === 0) {
      this.store.prepared(interopSql('COMMIT')).run();
      this.store.prepared(interopSql('BEGIN')).run();
    }
  }

  /** Appends consecutive samples starting at t0Ms; a time jump or a parameter change starts a new block. */
  wave(deviceId: string, channel: number, t0Ms: number, samples: Samples, p: WaveParams): void {
    if (samples.length === 0) return;
    const id = this.channelId(deviceId, channel, 'wave');
    let acc = this.waves.get(id);
    if (acc && !acc.matches(p.rateHz, p.scale, p.offset, p.format)) {
      acc.finish(this.store);
      acc = undefined;
    }
    if (!acc) {
      acc = new WaveAccumulator(id, p.rateHz, p.scale, p.offset, p.format);
      this.waves.set(id, acc);
    }
    acc.append(this.store, t0Ms, samples);
    this.samples += samples.length;
    this.seen(deviceId, t0Ms, t0Ms + ((samples.length - 1) * 1000) / p.rateHz);
    this.tick();
  }

  /**
   * Appends samples but leaves out those `invalid` says are not samples (WFDB invalid values,
   * packed-vital NaNs): each run of valid samples goes in at its own time, so the hole is a hole.
   */
  waveRuns(deviceId: string, channel: number, t0Ms: number, samples: Samples, p: WaveParams, invalid: (v: number) => boolean): void {
    let start = -1;
    for (let i = 0; i <= samples.length; i++) {
      const bad = i === samples.length || invalid(samples[i]);
      if (!bad && start < 0) start = i;
      if (bad && start >= 0) {
        this.wave(deviceId, channel, t0Ms + (start * 1000) / p.rateHz, samples.subarray(start, i), p);
        start = -1;
      }
    }
  }

  /** One numeric value (status 0 = valid). */
  numeric(deviceId: string, channel: number, tMs: number, value: number, status = 0): void {
    this.rows(deviceId, channel, 'numeric_blocks', Float64Array.of(tMs, value, status));
  }

  /** Rows of [t, value, status] (numerics) or [t, quality, status, m0..m15] (poses). */
  rows(deviceId: string, channel: number, table: 'numeric_blocks' | 'pose_blocks', flat: Float64Array): void {
    const id = this.channelId(deviceId, channel, table === 'numeric_blocks' ? 'numeric' : 'pose');
    let acc = this.series.get(id);
    if (!acc) {
      acc = new SeriesAccumulator(id, table);
      this.series.set(id, acc);
    }
    acc.append(this.store, flat);
    const w = table === 'numeric_blocks' ? 3 : 19;
    for (let o = 0; o < flat.length; o += w) this.seen(deviceId, flat[o], flat[o]);
    this.tick();
  }

  /** Queues a team-style annotation; written after the data (appendAnnotation commits on its own). */
  annotate(input: AnnotationInput): void {
    this.annotations.push(input);
  }

  /** Completes all blocks, writes queued annotations, sets the case ended and moves the file into place. */
  finish(opts: { startedMs?: number; endedMs?: number; deviceEvents?: boolean; keepCaseTimes?: boolean } = {}): { caseId: string; file: string } {
    try {
      for (const a of this.waves.values()) a.finish(this.store);
      for (const a of this.series.values()) a.finish(this.store);
      const started = opts.startedMs ?? (Number.isFinite(this.firstMs) ? this.firstMs : this.store.caseInfo().createdMs);
      const ended = opts.endedMs ?? (Number.isFinite(this.lastMs) ? this.lastMs : started);
      if (opts.deviceEvents !== false) {
        for (const [dev, [a, b]] of this.deviceSpan) {
          this.store.insertDeviceEvent(dev, a, 'online', 'import');
          this.store.insertDeviceEvent(dev, b, 'offline', 'import');
        }
      }
      if (!opts.keepCaseTimes)
        setCaseTimes(this.store, {
          state: 'ended',
          createdMs: started,
          startedMs: started,
          endedMs: ended,
          lastDataMs: Number.isFinite(this.lastMs) ? this.lastMs : null,
        });
      this.store.prepared(interopSql('COMMIT')).run();
      for (const input of this.annotations) {
        const t = input.tMs ?? started;
        this.store.appendAnnotation({ action: 'create', input }, [], t);
      }
      this.store.close();
      if (fs.existsSync(this.file)) throw new StoreError(`case ${this.caseId} appeared in the data dir during the import`, 'REC_EXISTS');
      fs.renameSync(this.tmp, this.file);
      return { caseId: this.caseId, file: this.file };
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drops the partial file. */
  abort(): void {
    try {
      if (this.store.isOpen) this.store.close();
    } catch {
      // closing a failed connection: nothing more to do
    }
    for (const f of [this.tmp, `${this.tmp}-wal`, `${this.tmp}-shm`]) fs.rmSync(f, { force: true });
  }

  /** Annotations queued so far (for reports). */
  get queuedAnnotations(): number {
    return this.annotations.length;
  }
}
