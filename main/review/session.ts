/**
 * A review session: one case file opened read-only (review never changes it; a case still
 * being recorded can be reviewed while the recorder writes, WAL readers do not block it).
 * Gives the whole-case overview (trends min/max per pixel column, markers, alarm intervals,
 * gaps, device online/offline, tracking quality) and the state at any instant T: what the
 * in-theatre screen needed then. Times are hub time (Unix ms) of the recording hub.
 *
 * The small time-indexed tables (settings, alarms, device events, images shown, registrations,
 * annotations, gaps) are read once into memory (re-read for a running case when it has grown);
 * samples are read by index range per request; trends come from the review cache (trends.ts).
 */
import fs from 'node:fs';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { AnnotationRecord } from '../recorder/annotations';
import type { AlarmInterval } from '../recorder/protocol';
import { type CaseInfo, type ChannelInfo, type DicomShown, type GapRow, type Registration, RecordingStore } from '../recorder/store';
import { decodeWave } from '../recorder/wavecodec';
import { timeline } from '../recorder/worker-core';
import { deviceDescriptors, lastNumericAt, poseAt, stmt, REVIEW_SQL } from './case-reader';
import { ReviewCache, defaultCacheDir } from './review-cache';
import { extendPyramid, trendChannels, trendColumns, type TrendChannel } from './trends';
import { CodedError } from './errors';

/** A running case's newest this-many ms are read raw rather than cached (late batches may still land there). */
export const LIVE_MARGIN_MS = 30000;
/** How old a numeric may be and still be shown at T, ms (NIBP cycles every few minutes). */
export const NUMERIC_MAX_AGE_MS = 10 * 60000;
/** How old a pose may be and still be in force at T, ms. */
export const POSE_MAX_AGE_MS = 1000;

export interface DeviceInterval {
  state: string;
  fromMs: number;
  /** null: still in this state at the end of the recording. */
  toMs: number | null;
  reason: string;
}

export interface WaveRun {
  /** Hub time of raw[0]; sample i is at t0Ms + i·stepMs. */
  t0Ms: number;
  stepMs: number;
  raw: Int32Array | Float32Array;
  scale: number;
  offset: number;
}

export interface OverviewRequest {
  fromMs?: number;
  toMs?: number;
  /** Pixel columns, 1..8192. */
  width: number;
  /** Time this request may spend building the review cache, ms; default OVERVIEW_BUILD_BUDGET_MS. */
  buildBudgetMs?: number;
}

/** How long one overview request spends building a cold cache before answering with what it has, ms. */
export const OVERVIEW_BUILD_BUDGET_MS = 150;

export interface Overview {
  caseId: string;
  fromMs: number;
  toMs: number;
  width: number;
  columnMs: number;
  /** `pending`: the cache of this channel is still being built; columns past what it covers are empty (ask again). */
  trends: (TrendChannel & { min: Float64Array; max: Float64Array; pending: boolean })[];
  /** False while any trend is pending. */
  complete: boolean;
  markers: AnnotationRecord[];
  alarms: AlarmInterval[];
  gaps: GapRow[];
  devices: { deviceId: string; intervals: DeviceInterval[] }[];
}

export interface InstantState {
  tMs: number;
  windowMs: number;
  waves: { channelId: number; deviceId: string; channel: number; label: string; unit: string; rateHz: number | null; runs: WaveRun[] }[];
  numerics: { channelId: number; deviceId: string; channel: number; label: string; unit: string; tMs: number; value: number; status: number; ageMs: number }[];
  settings: { deviceId: string; channel: number; tMs: number; value: number; text: string }[];
  devices: { deviceId: string; state: string; sinceMs: number; reason: string }[];
  alarms: AlarmInterval[];
  poses: { channelId: number; deviceId: string; channel: number; label: string; tMs: number; quality: number; status: number; matrix: number[] }[];
  /** The series on screen at T, and whether its source is still where it was loaded from (null: not a local path). */
  series: (DicomShown & { sourceAvailable: boolean | null }) | null;
  registration: Registration | null;
  gaps: GapRow[];
}

/** How a wave channel is described to the review screen (its runs are added by the caller). */
export function waveChannel(c: ChannelInfo): { channelId: number; deviceId: string; channel: number; label: string; unit: string; rateHz: number | null } {
  return { channelId: c.id, deviceId: c.deviceId, channel: c.channel, label: c.label, unit: c.unit, rateHz: c.rateHz };
}

export class ReviewError extends CodedError {
  constructor(message: string, code = 'REVIEW') {
    super(message, code, 'ReviewError');
  }
}

interface Rows {
  lastDataMs: number | null;
  annotations: number;
  settings: Map<string, { t: number[]; value: number[]; text: string[]; deviceId: string; channel: number }>;
  alarms: AlarmInterval[];
  gaps: GapRow[];
  markers: AnnotationRecord[];
  devices: Map<string, DeviceInterval[]>;
  dicom: DicomShown[];
  registrations: Registration[];
}

/** Index of the last element of `xs` (sorted by `key`) whose key is at or before x; -1 when none. */
function atOrBefore<T>(xs: ArrayLike<T>, x: number, key: (e: T) => number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (key(xs[m]) <= x) lo = m + 1;
    else hi = m;
  }
  return lo - 1;
}

export class ReviewSession {
  readonly info: CaseInfo;
  readonly channels: ChannelInfo[];
  readonly descriptors: DeviceDescriptor[];
  readonly trends: TrendChannel[];
  private rows!: Rows;
  private rowsCheckedMs = 0;

  private constructor(
    readonly store: RecordingStore,
    readonly cache: ReviewCache,
  ) {
    this.info = store.caseInfo();
    this.channels = store.channels();
    this.descriptors = deviceDescriptors(store);
    this.trends = trendChannels(this.channels, this.descriptors);
    this.loadRows();
  }

  /** Opens a case file read-only, with its review cache (default: DATA_DIR/review-cache). */
  static open(file: string, opts: { cacheDir?: string } = {}): ReviewSession {
    const store = RecordingStore.open(file, { readonly: true });
    try {
      const info = store.caseInfo();
      return new ReviewSession(store, ReviewCache.open(opts.cacheDir ?? defaultCacheDir(file), info.id, info.createdMs));
    } catch (e) {
      store.close();
      throw e;
    }
  }

  close(): void {
    this.cache.close();
    this.store.close();
  }

  /** The case as it is now (a running case grows). */
  caseNow(): CaseInfo {
    return this.store.caseInfo();
  }

  private loadRows(): void {
    const info = this.store.caseInfo();
    const settings: Rows['settings'] = new Map();
    for (const s of this.store.settings(-Infinity, Infinity)) {
      const k = `${s.deviceId}\u0000${s.channel}`;
      let e = settings.get(k);
      if (!e) settings.set(k, (e = { t: [], value: [], text: [], deviceId: s.deviceId, channel: s.channel }));
      e.t.push(s.tMs);
      e.value.push(s.value);
      e.text.push(s.text);
    }
    const devices: Rows['devices'] = new Map();
    for (const ev of this.store.deviceEvents(-Infinity, Infinity)) {
      const list = devices.get(ev.deviceId) ?? [];
      const prev = list[list.length - 1];
      if (prev && prev.toMs === null) prev.toMs = ev.tMs;
      list.push({ state: ev.state, fromMs: ev.tMs, toMs: null, reason: ev.reason });
      devices.set(ev.deviceId, list);
    }
    const tl = timeline(this.store, -Infinity, Infinity);
    this.rows = {
      lastDataMs: info.lastDataMs,
      annotations: tl.markers.length,
      settings,
      alarms: tl.alarms,
      gaps: tl.gaps,
      markers: tl.markers,
      devices,
      dicom: this.store.dicomShown(-Infinity, Infinity),
      registrations: this.store.registrations(-Infinity, Infinity),
    };
  }

  /** Re-reads the small tables of a running case when it has grown (at most once a second). */
  private freshRows(): Rows {
    const now = Date.now();
    if (this.info.state !== 'ended' && now - this.rowsCheckedMs >= 1000) {
      this.rowsCheckedMs = now;
      const c = this.store.caseInfo();
      const n = (stmt(this.store, REVIEW_SQL.annotationCount).get() as { n: number }).n;
      if (c.lastDataMs !== this.rows.lastDataMs || n !== this.rows.annotations) this.loadRows();
    }
    return this.rows;
  }

  /** The span with data: case start (or first data) to the end (or the newest data). */
  span(): { fromMs: number; toMs: number } {
    const c = this.store.caseInfo();
    const fromMs = c.startedMs ?? c.createdMs;
    const toMs = Math.max(fromMs + 1, c.endedMs ?? c.lastDataMs ?? fromMs + 1);
    return { fromMs, toMs };
  }

  /**
   * Folds what the cache may hold into it (an ended case entirely; a running one up to LIVE_MARGIN_MS ago),
   * vitals first, for at most budgetMs. Returns the samples folded in and the channels still pending.
   * The hub may call this with no budget when a case ends, so the first review finds the cache warm.
   */
  updateCache(budgetMs = Infinity): { folded: number; pending: Set<number> } {
    const c = this.store.caseInfo();
    const horizon = c.state === 'ended' ? Infinity : (c.lastDataMs ?? -Infinity) - LIVE_MARGIN_MS;
    const deadline = performance.now() + budgetMs;
    let folded = 0;
    const pending = new Set<number>();
    for (const ch of [...this.trends].sort((a, b) => Number(a.kind === 'pose') - Number(b.kind === 'pose'))) {
      const r = extendPyramid(this.store, this.cache, ch, horizon, deadline);
      folded += r.folded;
      if (!r.complete) pending.add(ch.channelId);
    }
    return { folded, pending };
  }

  /** The whole-case overview (or any span of it), `width` columns of min/max per trend. */
  overview(req: OverviewRequest): Overview {
    const width = Math.floor(req.width);
    if (!(width >= 1 && width <= 8192)) throw new ReviewError(`overview: width must be 1..8192 columns, got ${req.width}`, 'REVIEW_BAD_WIDTH');
    const span = this.span();
    const fromMs = req.fromMs ?? span.fromMs;
    const toMs = req.toMs ?? span.toMs;
    if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs))
      throw new ReviewError('overview: the span must have from < to', 'REVIEW_BAD_SPAN');
    const { pending } = this.updateCache(req.buildBudgetMs ?? OVERVIEW_BUILD_BUDGET_MS);
    const rows = this.freshRows();
    const inSpan = (a: number, b: number | null) => a <= toMs && (b === null || b >= fromMs);
    return {
      caseId: this.info.id,
      fromMs,
      toMs,
      width,
      columnMs: (toMs - fromMs) / width,
      trends: this.trends.map((ch) => ({
        ...ch,
        ...trendColumns(this.store, this.cache, ch, fromMs, toMs, width, !pending.has(ch.channelId)),
        pending: pending.has(ch.channelId),
      })),
      complete: pending.size === 0,
      markers: rows.markers.filter((m) => m.tMs >= fromMs && m.tMs <= toMs),
      alarms: rows.alarms.filter((a) => inSpan(a.fromMs, a.toMs)),
      gaps: rows.gaps.filter((g) => inSpan(g.fromMs, g.toMs)),
      devices: [...rows.devices].map(([deviceId, list]) => ({ deviceId, intervals: list.filter((i) => inSpan(i.fromMs, i.toMs)) })),
    };
  }

  /** Raw waveform runs of a channel over [fromMs, toMs]. */
  waveRuns(channelId: number, fromMs: number, toMs: number): WaveRun[] {
    const runs: WaveRun[] = [];
    for (const b of this.store.waveBlocks(channelId, fromMs, toMs)) {
      const x = decodeWave(b.data);
      const step = b.count > 1 ? (b.t1Ms - b.t0Ms) / (b.count - 1) : 1000 / b.rateHz;
      const i0 = Math.max(0, Math.ceil((fromMs - b.t0Ms) / step - 1e-9));
      const i1 = Math.min(x.length, Math.floor((toMs - b.t0Ms) / step + 1e-9) + 1);
      if (i1 > i0) runs.push({ t0Ms: b.t0Ms + i0 * step, stepMs: step, raw: x.subarray(i0, i1), scale: b.scale, offset: b.offset });
    }
    return runs;
  }

  /**
   * What the in-theatre screen needed at tMs: waveforms for the window ending at tMs and everything in force then.
   * `waveWindows` (wave channel id -> ms before tMs): only those waves, each for its own window (a seek reads the
   * rows it shows, each for one sweep, in the same request as the state).
   */
  stateAt(tMs: number, windowMs = 10000, waveWindows?: ReadonlyMap<number, number>): InstantState {
    if (!Number.isFinite(tMs)) throw new ReviewError('stateAt: the instant must be a number (hub time, Unix ms)', 'REVIEW_BAD_TIME');
    const badWindow = (w: number) => !(w > 0 && w <= 600000);
    if (badWindow(windowMs)) throw new ReviewError(`stateAt: window must be 1 ms..10 min, got ${windowMs}`, 'REVIEW_BAD_WINDOW');
    const rows = this.freshRows();
    const waveChans = this.channels.filter((c) => c.kind === 'wave' && (!waveWindows || waveWindows.has(c.id)));
    if (waveWindows) {
      if (waveChans.length !== waveWindows.size)
        throw new ReviewError(`stateAt: unknown wave channel in ${[...waveWindows.keys()].join(',')}`, 'REVIEW_BAD_CHANNEL');
      const bad = [...waveWindows.values()].find(badWindow);
      if (bad !== undefined) throw new ReviewError(`stateAt: a wave window must be 1 ms..10 min, got ${bad}`, 'REVIEW_BAD_WINDOW');
    }
    const waves = waveChans.map((c) => ({ ...waveChannel(c), runs: this.waveRuns(c.id, tMs - (waveWindows?.get(c.id) ?? windowMs), tMs) }));
    const numerics: InstantState['numerics'] = [];
    for (const c of this.channels) {
      if (c.kind !== 'numeric') continue;
      const n = lastNumericAt(this.store, c.id, tMs, NUMERIC_MAX_AGE_MS);
      if (n) numerics.push({ channelId: c.id, deviceId: c.deviceId, channel: c.channel, label: c.label, unit: c.unit, ...n, ageMs: tMs - n.tMs });
    }
    const settings: InstantState['settings'] = [];
    for (const s of rows.settings.values()) {
      const i = atOrBefore(s.t, tMs, (t) => t);
      if (i >= 0) settings.push({ deviceId: s.deviceId, channel: s.channel, tMs: s.t[i], value: s.value[i], text: s.text[i] });
    }
    const devices: InstantState['devices'] = [];
    for (const [deviceId, list] of rows.devices) {
      const i = atOrBefore(list, tMs, (d) => d.fromMs);
      if (i >= 0) devices.push({ deviceId, state: list[i].state, sinceMs: list[i].fromMs, reason: list[i].reason });
    }
    const poses: InstantState['poses'] = [];
    for (const c of this.channels) {
      if (c.kind !== 'pose') continue;
      const p = poseAt(this.store, c.id, tMs, POSE_MAX_AGE_MS);
      if (p) poses.push({ channelId: c.id, deviceId: c.deviceId, channel: c.channel, label: c.label, ...p });
    }
    const di = atOrBefore(rows.dicom, tMs, (d) => d.tMs);
    const shown = di >= 0 ? rows.dicom[di] : null;
    const ri = atOrBefore(rows.registrations, tMs, (r) => r.tMs);
    // The demo phantom is built in, a URL is a PACS's to answer: only a local path can have gone.
    const local = shown?.source && shown.source !== 'demo' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(shown.source);
    return {
      tMs,
      windowMs,
      waves,
      numerics,
      settings,
      devices,
      alarms: rows.alarms.filter((a) => a.fromMs <= tMs && (a.toMs === null || a.toMs > tMs)),
      poses,
      series: shown ? { ...shown, sourceAvailable: local ? fs.existsSync(shown.source!) : null } : null,
      registration: ri >= 0 ? rows.registrations[ri] : null,
      gaps: rows.gaps.filter((g) => g.fromMs <= tMs && g.toMs >= tMs - windowMs),
    };
  }
}
