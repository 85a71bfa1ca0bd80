/**
 * What every export reads: one recording opened read-only, the selected channels, the time
 * window, and (with --deidentify) one date shift applied to every time written. Data is read
 * in windows of WINDOW_MS through RecordingStore's time-range queries, so memory does not
 * grow with the length of the case.
 */
import type { AnnotationRecord } from '../recorder/annotations';
import { hashRecord, genesisHash } from '../recorder/annotations';
import { decodeWave } from '../recorder/wavecodec';
import { type CaseHeadline, type CaseInfo, MAX_WAVE_BLOCK_MS, caseHeadline, RecordingStore, StoreError, newCaseId } from '../recorder/store';
import { type ChannelRow, channelRows, channelSpan, rowsSpan, waveBlocksStarting } from './store-queries';

export const WINDOW_MS = 60_000;
const DAY_MS = 86_400_000;
/** De-identified cases start on this day (time of day kept). */
export const DEIDENTIFIED_EPOCH_MS = Date.UTC(2000, 0, 1);

export interface SelectOptions {
  fromMs?: number;
  toMs?: number;
  /** Selectors: "DEVICE/INDEX", an MDC term, or a label (case-insensitive). */
  channels?: string[];
  deidentify?: boolean;
}

export interface WaveBlock {
  t0Ms: number;
  t1Ms: number;
  rateHz: number;
  scale: number;
  offset: number;
  samples: Int32Array | Float32Array;
}

export class ExportSource {
  readonly info: CaseInfo;
  readonly channels: ChannelRow[];
  readonly fromMs: number;
  readonly toMs: number;
  /** Added to every time written (0 unless de-identifying). */
  readonly shiftMs: number;
  readonly caseId: string;
  private readonly scrubRe: RegExp | undefined;

  private constructor(
    readonly store: RecordingStore,
    readonly opts: SelectOptions,
  ) {
    this.info = store.caseInfo();
    const all = channelRows(store);
    this.channels = opts.channels?.length ? selectChannels(all, opts.channels) : all;
    let first = Infinity;
    let last = -Infinity;
    for (const c of this.channels) {
      const sp = channelSpan(store, c.kind === 'numeric' ? 'numeric_blocks' : c.kind === 'pose' ? 'pose_blocks' : 'wave_blocks', c.id);
      if (sp.firstMs !== null) first = Math.min(first, sp.firstMs);
      if (sp.lastMs !== null) last = Math.max(last, sp.lastMs);
    }
    if (!opts.channels?.length) {
      const rs = rowsSpan(store);
      if (rs.firstMs !== null) first = Math.min(first, rs.firstMs);
      if (rs.lastMs !== null) last = Math.max(last, rs.lastMs);
    }
    if (!Number.isFinite(first)) first = last = this.info.startedMs ?? this.info.createdMs;
    this.fromMs = opts.fromMs ?? first;
    this.toMs = opts.toMs ?? last;
    if (this.toMs < this.fromMs)
      throw new StoreError(
        `export: the window ends (${new Date(this.toMs).toISOString()}) before it starts (${new Date(this.fromMs).toISOString()})`,
        'REC_BAD_WINDOW',
      );
    this.shiftMs = opts.deidentify ? DEIDENTIFIED_EPOCH_MS - Math.floor(this.fromMs / DAY_MS) * DAY_MS : 0;
    this.caseId = opts.deidentify ? newCaseId(this.fromMs + this.shiftMs) : this.info.id;
    const p = opts.deidentify ? store.patient() : undefined;
    const words = [p?.identifier, p?.name, ...(p?.name ?? '').split(/\s+/), ...Object.values(p?.extra ?? {})].filter(
      (w): w is string => !!w && w.trim().length >= 2,
    );
    const esc = words.sort((a, b) => b.length - a.length).map((w) => w.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.scrubRe = esc.length ? new RegExp(`\\b(?:${esc.join('|')})\\b`, 'gi') : undefined;
  }

  /** Free text as exported: de-identified, the patient's recorded name parts and identifiers are removed. */
  text(s: string): string {
    return this.scrubRe ? s.replace(this.scrubRe, '[removed]') : s;
  }

  static open(file: string, opts: SelectOptions = {}): ExportSource {
    const store = RecordingStore.open(file, { readonly: true });
    try {
      return new ExportSource(store, opts);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  close(): void {
    this.store.close();
  }

  /** Output time of a hub time. */
  t(ms: number): number {
    return ms + this.shiftMs;
  }

  /** t() for a time that may be missing. */
  tOrNull(ms: number | null): number | null {
    return ms === null ? null : this.t(ms);
  }

  /** The case fields every export writes (times shifted), in the order they are written. */
  caseFields(): { id: string } & CaseHeadline {
    const info = this.info;
    // The shifted times replace the stored ones in place, so the key order stays caseHeadline's.
    return {
      id: this.caseId,
      ...caseHeadline(info),
      createdMs: this.t(info.createdMs),
      startedMs: this.tOrNull(info.startedMs),
      endedMs: this.tOrNull(info.endedMs),
    };
  }

  /** Time windows [a, b) covering [fromMs - lead, toMs]; the last one also holds toMs itself. */
  *windows(leadMs = 0): Generator<[number, number, boolean]> {
    for (let a = this.fromMs - leadMs; a <= this.toMs; a += WINDOW_MS) {
      const b = Math.min(a + WINDOW_MS, this.toMs);
      const last = a + WINDOW_MS > this.toMs;
      yield [a, last ? this.toMs : b, last];
      if (last) break;
    }
  }

  /** Decoded wave blocks of a channel in time order, trimmed to the window. */
  *waveBlocks(channelId: number): Generator<WaveBlock> {
    for (const [a, b, last] of this.windows(MAX_WAVE_BLOCK_MS)) {
      for (const blk of waveBlocksStarting(this.store, channelId, a, last ? b + 1 : b)) {
        let x = decodeWave(blk.data);
        const step = blk.count > 1 ? (blk.t1Ms - blk.t0Ms) / (blk.count - 1) : 0;
        let i0 = 0;
        let i1 = x.length;
        while (i0 < i1 && blk.t0Ms + i0 * step < this.fromMs) i0++;
        while (i1 > i0 && blk.t0Ms + (i1 - 1) * step > this.toMs) i1--;
        if (i1 <= i0) continue;
        if (i0 > 0 || i1 < x.length) x = x.subarray(i0, i1);
        const t0 = i0 === 0 ? blk.t0Ms : blk.t0Ms + i0 * step;
        const t1 = i1 === blk.count ? blk.t1Ms : blk.t0Ms + (i1 - 1) * step;
        yield { t0Ms: t0, t1Ms: t1, rateHz: blk.rateHz, scale: blk.scale, offset: blk.offset, samples: x };
      }
    }
  }

  /** Rows of any windowed query in time order (each row exactly once). */
  *rows<T>(fetch: (a: number, b: number) => T[], time: (r: T) => number): Generator<T> {
    for (const [a, b, last] of this.windows()) for (const r of fetch(a, b)) if (time(r) >= a && (time(r) < b || (last && time(r) <= b))) yield r;
  }

  numerics(channelId: number): Generator<{ tMs: number; value: number; status: number }> {
    return this.rows(
      (a, b) => this.store.readNumerics(channelId, a, b),
      (r) => r.tMs,
    );
  }

  poses(channelId: number): Generator<{ tMs: number; quality: number; status: number; matrix: Float32Array }> {
    return this.rows(
      (a, b) => this.store.readPoses(channelId, a, b),
      (r) => r.tMs,
    );
  }

  events(): Generator<ReturnType<RecordingStore['events']>[number]> {
    return this.rows(
      (a, b) => this.store.events(a, b).map((e) => ({ ...e, text: this.text(e.text) })),
      (r) => r.tMs,
    );
  }

  alarms(): Generator<ReturnType<RecordingStore['alarms']>[number]> {
    return this.rows(
      (a, b) => this.store.alarms(a, b).map((e) => ({ ...e, text: this.text(e.text) })),
      (r) => r.tMs,
    );
  }

  deviceEvents(): Generator<ReturnType<RecordingStore['deviceEvents']>[number]> {
    return this.rows(
      (a, b) => this.store.deviceEvents(a, b),
      (r) => r.tMs,
    );
  }

  settings(): Generator<ReturnType<RecordingStore['settings']>[number]> {
    return this.rows(
      (a, b) => this.store.settings(a, b),
      (r) => r.tMs,
    );
  }

  /** Gaps overlapping the window, each once, by start time. */
  gaps(): ReturnType<RecordingStore['gaps']> {
    return this.store.gaps(this.fromMs, this.toMs);
  }

  /**
   * Annotation versions in the window, in chain order. De-identified: names become roles, times
   * shift, and the chain is recomputed for the new case id (so it still verifies).
   */
  annotations(): AnnotationRecord[] {
    const rows = this.store.annotationHistory().filter((r) => r.tMs >= this.fromMs && r.tMs <= this.toMs);
    if (!this.opts.deidentify && rows.length === this.store.annotationHistory().length) return rows;
    let prev = genesisHash(this.caseId);
    return rows.map((r, i) => {
      const rec = {
        ...r,
        seq: i + 1,
        caseId: this.caseId,
        tMs: this.t(r.tMs),
        recordedMs: this.t(r.recordedMs),
        name: this.opts.deidentify ? r.role : r.name,
        text: this.text(r.text),
        prevHash: prev,
      };
      const { hash: _old, ...rest } = rec;
      const hash = hashRecord(rest);
      prev = hash;
      return { ...rest, hash };
    });
  }

  /** The current (latest, not deleted) version of each annotation in the window, as exported. */
  currentAnnotations(): AnnotationRecord[] {
    const latest = new Map<string, AnnotationRecord>();
    for (const r of this.annotations()) latest.set(r.entryId, r);
    return [...latest.values()].filter((r) => r.action !== 'delete').sort((a, b) => a.tMs - b.tMs || a.seq - b.seq);
  }

  /** Team as exported (names replaced by roles when de-identifying). */
  team(): { role: string; name: string }[] {
    return this.info.team.map((m) => ({ role: m.role, name: this.opts.deidentify ? m.role : m.name }));
  }
}

/** Resolves --channels selectors; an unknown selector is an error naming what exists. */
export function selectChannels(all: ChannelRow[], selectors: string[]): ChannelRow[] {
  const picked = new Set<number>();
  for (const sel of selectors) {
    const s = sel.trim();
    const hits = all.filter((c) => `${c.deviceId}/${c.channel}` === s || c.mdc === s || (c.label !== '' && c.label.toLowerCase() === s.toLowerCase()));
    if (hits.length === 0) {
      const known = all.map((c) => c.label || `${c.deviceId}/${c.channel}`).join(', ');
      throw new StoreError(`export: no channel "${s}" (channels: ${known || 'none'}; select by label, MDC term or DEVICE/INDEX)`, 'REC_BAD_CHANNEL');
    }
    for (const h of hits) picked.add(h.id);
  }
  return all.filter((c) => picked.has(c.id));
}
