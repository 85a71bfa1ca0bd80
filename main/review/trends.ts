/**
 * Whole-case trends: which channels are the main vitals, and their min/max per pixel column
 * for any span, from the review cache's pyramids (built lazily, extended as a running case
 * grows) plus a raw read of whatever the cache does not cover yet.
 * Times are hub time (Unix ms).
 */
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { ChannelInfo, RecordingStore } from '../recorder/store';
import { decodeColumns } from '../recorder/wavecodec';
import { bucketMs, emptyColumns, foldBuckets, foldSamples, levelFor, Pyramid, type MinMaxColumns } from './pyramid';
import type { ReviewCache } from './review-cache';
import { BLOCK_SQL, stmt } from './case-reader';

export type TrendGroup = 'hr' | 'spo2' | 'abp' | 'etco2' | 'temperature' | 'agent' | 'infusion' | 'insufflation' | 'tracking';

/** The main vitals of the case overview (issue 14), by IEEE 11073 reference id. */
const GROUPS: { group: TrendGroup; match: (mdc: string, kind: string) => boolean }[] = [
  { group: 'hr', match: (m) => m === 'MDC_ECG_HEART_RATE' || m === 'MDC_PULS_OXIM_PULS_RATE' },
  { group: 'spo2', match: (m) => m === 'MDC_PULS_OXIM_SAT_O2' },
  { group: 'abp', match: (m) => /^MDC_PRESS_BLD_(ART_ABP|NONINV)_(SYS|DIA|MEAN)$/.test(m) },
  { group: 'etco2', match: (m) => m === 'MDC_AWAY_CO2_ET' },
  { group: 'temperature', match: (m) => m.startsWith('MDC_TEMP') },
  { group: 'agent', match: (m) => /^MDC_CONC_AWAY_(SEVOFL|DESFL|ISOFL|ENFL|HALOTH|AGENT)_ET$/.test(m) || m === 'MDC_CONC_MAC' },
  { group: 'infusion', match: (m) => m === 'MDC_FLOW_FLUID_PUMP' },
  { group: 'insufflation', match: (m) => m === 'MDC_INSUF_PRESS' },
  { group: 'tracking', match: (_m, kind) => kind === 'pose' },
];

export interface TrendChannel {
  channelId: number;
  deviceId: string;
  channel: number;
  kind: 'numeric' | 'pose';
  label: string;
  /** UCUM; tracking quality is dimensionless (1). */
  unit: string;
  mdc: string;
  group: TrendGroup;
}

/** The trend channels of a case, in overview order (pose channels give tracking quality). */
export function trendChannels(channels: readonly ChannelInfo[], descs: readonly DeviceDescriptor[]): TrendChannel[] {
  const mdcOf = new Map(descs.flatMap((d) => d.channels.map((c) => [`${d.deviceId}\u0000${c.index}`, c.mdc] as const)));
  const out: TrendChannel[] = [];
  for (const g of GROUPS) {
    for (const c of channels) {
      if (c.kind !== 'numeric' && c.kind !== 'pose') continue;
      const mdc = mdcOf.get(`${c.deviceId}\u0000${c.channel}`) ?? '';
      if (!g.match(mdc, c.kind)) continue;
      out.push({
        channelId: c.id,
        deviceId: c.deviceId,
        channel: c.channel,
        kind: c.kind,
        label: c.label,
        unit: c.kind === 'pose' ? '1' : c.unit,
        mdc,
        group: g.group,
      });
    }
  }
  return out;
}

const tableOf = (kind: string) => (kind === 'pose' ? 'pose_blocks' : 'numeric_blocks');

/** Times and values (numerics: value; poses: tracking quality) of a channel in (afterMs, toMs], or [afterMs, toMs] when `inclusive`. */
export function readTrendValues(
  store: RecordingStore,
  ch: Pick<TrendChannel, 'channelId' | 'kind'>,
  afterMs: number,
  toMs: number,
  inclusive = false,
): { t: Float64Array; v: Float64Array } {
  const ts: number[] = [];
  const vs: number[] = [];
  for (const b of store.seriesBlocks(tableOf(ch.kind), ch.channelId, afterMs, toMs)) {
    const cols = decodeColumns(b.data, 2);
    const t = cols[0];
    const v = cols[1];
    for (let i = 0; i < t.length; i++) {
      if ((t[i] > afterMs || (inclusive && t[i] === afterMs)) && t[i] <= toMs) {
        ts.push(t[i]);
        vs.push(v[i]);
      }
    }
  }
  return { t: Float64Array.from(ts), v: Float64Array.from(vs) };
}

/** Newest sample time of a channel (index search on the newest block). */
export function channelEndMs(store: RecordingStore, ch: Pick<TrendChannel, 'channelId' | 'kind'>): number | null {
  const r = stmt(store, BLOCK_SQL.newestEnd(tableOf(ch.kind))).get(ch.channelId) as { t1_ms: number } | undefined;
  return r ? r.t1_ms : null;
}

/** Recorded time read per step while building a pyramid, ms (bounds memory; poses are 60 Hz, so shorter steps keep to a time budget). */
const BUILD_STEP_MS = { numeric: 3600000, pose: 300000 };

/**
 * Folds a channel's samples up to horizonMs into its cached pyramid (only those newer than what
 * the cache covers), one step at least, then until a step ends past `deadline` (performance.now() ms).
 * Returns the samples folded in and whether the cache now covers the channel up to the horizon.
 */
export function extendPyramid(
  store: RecordingStore,
  cache: ReviewCache,
  ch: TrendChannel,
  horizonMs: number,
  deadline = Infinity,
): { folded: number; complete: boolean } {
  const covered = cache.coveredTo(ch.channelId);
  const end = Math.min(horizonMs, channelEndMs(store, ch) ?? -Infinity);
  if (!(end > covered)) return { folded: 0, complete: true };
  const first = Number.isFinite(covered) ? covered : (stmt(store, BLOCK_SQL.firstStart(tableOf(ch.kind))).get(ch.channelId) as { t: number }).t;
  let inclusive = !Number.isFinite(covered);
  const p = new Pyramid(undefined, covered);
  const step = BUILD_STEP_MS[ch.kind];
  let n = 0;
  let a = first;
  // At least one step per call, so that repeated calls with any budget make progress.
  do {
    const { t, v } = readTrendValues(store, ch, a, Math.min(end, a + step), inclusive);
    inclusive = false;
    p.add(t, v);
    n += t.length;
    a += step;
  } while (a < end && performance.now() <= deadline);
  if (n > 0) {
    p.complete();
    cache.merge(ch.channelId, p);
  }
  return { folded: n, complete: a >= end };
}

/** Spans of tracking quality longer than this are read from the pyramid even when its buckets are wider than a column, ms. */
export const RAW_POSE_SPAN_MS = 60000;

/**
 * Min/max per column of a channel over [fromMs, toMs), `width` columns: cached buckets, then raw samples past them
 * (unless `rawTail` is false: a channel whose cache is still being built leaves those columns empty).
 */
export function trendColumns(
  store: RecordingStore,
  cache: ReviewCache,
  ch: TrendChannel,
  fromMs: number,
  toMs: number,
  width: number,
  rawTail = true,
): MinMaxColumns {
  const cols = emptyColumns(width);
  // Raw samples below the finest bucket, except for tracking quality (60 Hz poses are costly to decode): 1 s buckets beyond a minute.
  const fine = levelFor((toMs - fromMs) / width);
  const level = ch.kind === 'pose' && toMs - fromMs > RAW_POSE_SPAN_MS ? Math.max(0, fine) : fine;
  let rawFrom = fromMs;
  let inclusive = true;
  if (level >= 0) {
    const covered = cache.coveredTo(ch.channelId);
    const b = bucketMs(level);
    // Buckets wholly at or before `covered` are complete; the one holding `covered` may be too, but samples after it are read raw.
    const last = Math.floor(Math.min(toMs, covered) / b);
    const first = Math.floor(fromMs / b);
    if (Number.isFinite(covered) && last >= first) {
      for (const c of cache.chunks(ch.channelId, level, first, last)) foldBuckets(cols, fromMs, toMs, c.first, b, c.min, c.max);
      if (covered >= rawFrom) [rawFrom, inclusive] = [covered, false];
    }
    if (!rawTail) return cols;
  }
  if (rawFrom < toMs) {
    const { t, v } = readTrendValues(store, ch, rawFrom, toMs, inclusive);
    foldSamples(cols, fromMs, toMs, t, v);
  }
  return cols;
}
