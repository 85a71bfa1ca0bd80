/**
 * The recorder worker's logic, independent of worker_threads so it can be
 * tested in-thread. Owns the only write connection to the active case's file.
 *
 * Batches are committed one transaction each, in order. When a commit fails
 * with an I/O-type error (disk full, I/O error, locked, read-only), the batch
 * stays queued, the in-memory block state is rolled back with it, a status
 * message goes to the hub thread, and the commit is retried every second.
 * The hub thread stops posting while batches are unacknowledged and bounds
 * its own buffer, so memory stays bounded.
 */
import * as fs from 'node:fs';
import type { Preset } from './annotations';
import { SeriesAccumulator, WaveAccumulator } from './accumulators';
import {
  type AlarmInterval,
  type Batch,
  type OpenResult,
  type Request,
  type RequestMap,
  type StatusMessage,
  type Timeline,
  toWireError,
  type Reply,
} from './protocol';
import { type CaseInfo, type GapRow, RecordingStore, StoreError, listRecordingFiles, newCaseId, recordingPath } from './store';

const RETRY_MS = 1000;

/** Error codes that mean "the disk or file system is in trouble; retry later". */
export function isIoError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return (
    /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|NOMEM|PROTOCOL)/.test(code) || ['ENOSPC', 'EIO', 'EROFS', 'EDQUOT', 'EACCES', 'EPERM'].includes(code)
  );
}

export function ioErrorMessage(e: unknown): string {
  const code = String((e as { code?: unknown })?.code ?? '');
  const what = /FULL|ENOSPC|EDQUOT/.test(code)
    ? 'the disk is full'
    : /READONLY|EROFS|EACCES|EPERM/.test(code)
      ? 'the recording file cannot be written'
      : /BUSY|LOCKED/.test(code)
        ? 'the recording file is locked by another process'
        : 'the disk reported an I/O error';
  return `Recording is not being saved: ${what} (${code}: ${(e as Error)?.message ?? String(e)})`;
}

type Accs = { waves: Map<string, WaveAccumulator>; series: Map<string, SeriesAccumulator> };

export class RecorderCore {
  private store: RecordingStore | undefined;
  private dataDir = '';
  private presets: Preset[] = [];
  private accs: Accs = { waves: new Map(), series: new Map() };
  private readonly channelIds = new Map<string, number>();
  private readonly queue: { seq: number; batch: Batch }[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failing: string | undefined;

  constructor(
    private readonly reply: (r: Reply) => void,
    private readonly status: (s: StatusMessage) => void,
  ) {}

  /** Handles one request; replies (possibly later, for batches) through `reply`. */
  handle(msg: Request): void {
    if (msg.type === 'batch') {
      this.queue.push({ seq: msg.seq, batch: msg.req });
      if (this.retryTimer === undefined) this.drain();
      return;
    }
    try {
      const value = this.run(msg);
      this.reply({ seq: msg.seq, ok: true, value });
    } catch (e) {
      if (isIoError(e)) this.reportIo(e);
      this.reply({ seq: msg.seq, ok: false, error: toWireError(e) });
    }
  }

  private run(msg: Exclude<Request, { type: 'batch' }>): unknown {
    switch (msg.type) {
      case 'open':
        return this.open(msg.req);
      case 'createCase':
        return this.createCase(msg.req);
      case 'startRecording': {
        const s = this.need();
        s.transaction(() => {
          s.setState('recording', msg.req.nowMs);
          for (const d of msg.req.devices) this.online(s, d.desc, d.tMs);
        });
        return s.caseInfo();
      }
      case 'endCase': {
        const s = this.need();
        this.drainNow();
        s.transaction(() => {
          this.finishAll(s);
          s.setState('ended', msg.req.nowMs);
        });
        const info = s.caseInfo();
        this.closeStore();
        return info;
      }
      case 'annotate':
        return this.need().appendAnnotation(msg.req.op, this.presets, msg.req.nowMs);
      case 'history':
        return this.need().annotationHistory(msg.req.entryId);
      case 'timeline':
        return timeline(this.need(), msg.req.fromMs, msg.req.toMs);
      case 'close': {
        if (this.store) {
          try {
            this.drainNow();
            this.store.transaction(() => this.finishAll(this.store!));
          } finally {
            this.closeStore();
          }
        }
        return null;
      }
      case 'debugMaxPages':
        return this.need().setMaxPageCount(msg.req.pages);
    }
  }

  private need(): RecordingStore {
    if (!this.store) throw new StoreError('no case is open: create one first', 'REC_NO_CASE');
    return this.store;
  }

  private closeStore(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.queue.length = 0;
    this.accs = { waves: new Map(), series: new Map() };
    this.channelIds.clear();
    try {
      this.store?.close();
    } finally {
      this.store = undefined;
    }
  }

  /** Finds the active case (newest file in created/recording state); resumes a recording one with a gap. */
  private open(req: RequestMap['open']['req']): OpenResult {
    this.dataDir = req.dataDir;
    this.presets = req.presets;
    fs.mkdirSync(req.dataDir, { recursive: true });
    const files = listRecordingFiles(req.dataDir).reverse();
    for (const f of files) {
      let info: CaseInfo;
      let store: RecordingStore;
      try {
        store = RecordingStore.open(f);
        info = store.caseInfo();
      } catch {
        continue; // unreadable or empty file: not ours to resume; `recordings list` shows it
      }
      if (info.state === 'ended') {
        store.close();
        continue;
      }
      this.store = store;
      let gap: GapRow | null = null;
      if (info.state === 'recording') {
        const from = info.lastDataMs ?? info.startedMs ?? req.nowMs;
        gap = { deviceId: '*', channel: -1, fromMs: from, toMs: req.nowMs, lostFrames: 0, reason: 'hub-restart' };
        store.insertGap(gap);
        store.touchData(req.nowMs);
      }
      return { active: store.caseInfo(), resumedGap: gap };
    }
    return { active: null, resumedGap: null };
  }

  private createCase(req: RequestMap['createCase']['req']): CaseInfo {
    if (this.store) {
      const cur = this.store.caseInfo();
      throw new StoreError(`case ${cur.id} is still ${cur.state}: end it before creating another`, 'REC_CASE_ACTIVE');
    }
    const id = newCaseId(req.nowMs);
    const store = RecordingStore.open(recordingPath(this.dataDir, id), { create: true });
    try {
      const info = store.createCase(id, req.meta, req.nowMs);
      this.store = store;
      return info;
    } catch (e) {
      store.close();
      fs.rmSync(store.file, { force: true });
      throw e;
    }
  }

  private online(s: RecordingStore, desc: Parameters<RecordingStore['upsertDevice']>[0], tMs: number): void {
    for (const [ch, id] of s.upsertDevice(desc, tMs)) this.channelIds.set(`${desc.deviceId}\u0000${ch}`, id);
    s.insertDeviceEvent(desc.deviceId, tMs, 'online', 'hello');
  }

  private channel(s: RecordingStore, deviceId: string, channel: number, kind: string, rateHz?: number, format?: string): number {
    const key = `${deviceId}\u0000${channel}`;
    let id = this.channelIds.get(key);
    if (id === undefined) {
      id = s.channelId(deviceId, channel, kind, rateHz, format);
      this.channelIds.set(key, id);
    }
    return id;
  }

  private finishAll(s: RecordingStore): void {
    for (const a of this.accs.waves.values()) a.finish(s);
    for (const a of this.accs.series.values()) a.finish(s);
  }

  private apply(s: RecordingStore, b: Batch): void {
    for (const r of b.rows) {
      switch (r.k) {
        case 'online':
          this.online(s, r.desc, r.tMs);
          break;
        case 'state':
          s.insertDeviceEvent(r.deviceId, r.tMs, r.state, r.reason);
          break;
        case 'setting':
          s.insertSetting(r.deviceId, r.channel, r.tMs, r.value, r.text);
          break;
        case 'alarm':
          s.insertAlarm(r);
          break;
        case 'event':
          s.insertEvent(r.deviceId, r.channel, r.tMs, r.code, r.text);
          break;
        case 'gap':
          s.insertGap(r);
          break;
        case 'dicom':
          s.insertDicomShown(r.d);
          break;
        case 'registration':
          s.insertRegistration(r.r);
          break;
      }
    }
    for (const w of b.waves) {
      const key = `${w.deviceId}\u0000${w.channel}`;
      const id = this.channel(s, w.deviceId, w.channel, 'wave', w.rateHz, w.format);
      let acc = this.accs.waves.get(key);
      if (acc && !acc.matches(w.rateHz, w.scale, w.offset, w.format)) {
        acc.finish(s);
        acc = undefined;
      }
      if (!acc) {
        acc = new WaveAccumulator(id, w.rateHz, w.scale, w.offset, w.format);
        this.accs.waves.set(key, acc);
      }
      let at = 0;
      for (let f = 0; f + 1 < w.frames.length; f += 2) {
        const n = w.frames[f + 1];
        acc.append(s, w.frames[f], w.samples.subarray(at, at + n));
        at += n;
      }
    }
    for (const [list, table, kind] of [
      [b.numerics, 'numeric_blocks', 'numeric'],
      [b.poses, 'pose_blocks', 'pose'],
    ] as const) {
      for (const e of list) {
        const key = `${table}\u0000${e.deviceId}\u0000${e.channel}`;
        let acc = this.accs.series.get(key);
        if (!acc) {
          acc = new SeriesAccumulator(this.channel(s, e.deviceId, e.channel, kind), table);
          this.accs.series.set(key, acc);
        }
        acc.append(s, e.rows);
      }
    }
    for (const a of this.accs.waves.values()) a.writePartial(s);
    for (const a of this.accs.series.values()) a.writePartial(s);
    if (Number.isFinite(b.maxTMs)) s.touchData(b.maxTMs);
  }

  private snapshot(): Accs {
    const waves = new Map<string, WaveAccumulator>();
    for (const [k, a] of this.accs.waves) waves.set(k, a.clone());
    const series = new Map<string, SeriesAccumulator>();
    for (const [k, a] of this.accs.series) series.set(k, a.clone());
    return { waves, series };
  }

  /** Commits queued batches in order; on an I/O error keeps them and schedules a retry. Returns true when the queue is empty. */
  private drain(): boolean {
    this.retryTimer = undefined;
    while (this.queue.length > 0) {
      const { seq, batch } = this.queue[0];
      const s = this.store;
      if (!s) {
        this.queue.shift();
        this.reply({ seq, ok: false, error: { name: 'StoreError', message: 'no case is open', code: 'REC_NO_CASE' } });
        continue;
      }
      const before = this.snapshot();
      const ids = new Map(this.channelIds);
      try {
        s.transaction(() => this.apply(s, batch));
      } catch (e) {
        this.accs = before;
        this.channelIds.clear();
        for (const [k, v] of ids) this.channelIds.set(k, v);
        if (isIoError(e)) {
          this.reportIo(e);
          this.retryTimer = setTimeout(() => this.drain(), RETRY_MS);
          return false;
        }
        // Not a disk problem: a bug or bad data. Drop this batch rather than wedge recording.
        this.queue.shift();
        this.status({ status: 'internal-error', message: `Recorder dropped a batch: ${(e as Error).message}` });
        this.reply({ seq, ok: false, error: toWireError(e) });
        continue;
      }
      this.queue.shift();
      if (this.failing !== undefined) {
        this.failing = undefined;
        this.status({ status: 'io-ok', message: 'Recording is being saved again' });
      }
      this.reply({ seq, ok: true, value: { committed: seq } });
    }
    return true;
  }

  /** Drains now (for end/close); throws when the disk is still failing. */
  private drainNow(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (!this.drain()) throw new StoreError(this.failing ?? 'recording could not be saved', 'REC_IO');
  }

  private reportIo(e: unknown): void {
    const message = ioErrorMessage(e);
    const first = this.failing === undefined;
    this.failing = message;
    if (first) this.status({ status: 'io-error', code: String((e as { code?: unknown }).code), message, pendingBatches: this.queue.length });
  }
}

/** Markers, alarm intervals and gaps for the display's timeline strip. */
export function timeline(s: RecordingStore, fromMs: number, toMs: number): Timeline {
  const info = s.caseInfo();
  const alarms: AlarmInterval[] = [];
  const open = new Map<string, AlarmInterval>();
  for (const a of s.alarms(fromMs, toMs)) {
    const key = `${a.deviceId}\u0000${a.channel}\u0000${a.code}`;
    const cur = open.get(key);
    if (a.state === 1) {
      if (!cur) {
        const iv: AlarmInterval = { deviceId: a.deviceId, channel: a.channel, code: a.code, priority: a.priority, text: a.text, fromMs: a.tMs, toMs: null };
        open.set(key, iv);
        alarms.push(iv);
      }
    } else if (cur) {
      cur.toMs = a.tMs;
      open.delete(key);
    }
  }
  return {
    caseId: info.id,
    startedMs: info.startedMs,
    markers: s.currentAnnotations().filter((m) => m.tMs >= fromMs && m.tMs <= toMs),
    alarms,
    gaps: s.gaps(fromMs, toMs),
  };
}
