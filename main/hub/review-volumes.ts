/**
 * The review screen's series (issue 14, review mode): the series a case showed, loaded by its
 * SeriesInstanceUID into a review slot of its own, so that reviewing a running case (on the
 * theatre display itself, or a second workstation) never replaces the live display's volume
 * (anatomy-service.ts). A source is read only when the hub may read it (dicom-sources.ts: a
 * folder inside a --dicom-root, a DICOMweb URL under a --pacs, or the demo phantom); the load
 * runs in the DICOM worker pool and builds only the series with that UID. When it is not there,
 * the slot says so and lists the series that were, so the reviewer can locate it elsewhere
 * (another folder, a PACS) by the same UID.
 *
 * A few slots are kept (large CTs: at most MAX_SLOTS, least recently used dropped first, and any
 * unused for IDLE_MS); their memory goes back to the loader once no download still reads it.
 * Routes: reviewSeriesOpen, reviewSeries, reviewSeriesVoxels (common/display-api.ts).
 */
import type { Volume } from '../../common/volume';
import type { ReviewSeriesStateView } from '../../common/review-contract';
import { loadSeries, releaseVolume, sharedPool } from '../dicom/index';
import type { ApiRouter, RouteReply } from './api-router';
import { DEMO_VOLUME_ID, demoPhantomAsync } from './demo-phantom';
import { type DicomSources, SourceRefused, type PacsConfig } from './dicom-sources';
import {
  DEMO_META_FIELDS,
  dicomMetaFields,
  loadFailure,
  loadFraction,
  noVolumeReason,
  pickSeries,
  volumeMeta,
  VolumeDownloads,
  type MetaFields,
} from './anatomy-meta';

/** Series kept loaded for review at once (two reviewers, or a review beside a comparison). */
export const MAX_SLOTS = 2;
/** A slot nobody asked about for this long is dropped, ms. */
export const IDLE_MS = 10 * 60000;
/** At most this many other series are listed when the one asked for is not there. */
const MAX_FOUND = 50;

interface Slot {
  seq: number;
  state: ReviewSeriesStateView;
  volume: Volume | null;
  abort: AbortController | null;
  usedMs: number;
}

type Where = { kind: 'demo' } | { kind: 'path'; path: string } | { kind: 'pacs'; url: string; pacs: PacsConfig };

export class ReviewVolumes {
  private readonly slots = new Map<string, Slot>();
  private readonly downloads = new VolumeDownloads();
  private readonly timer: NodeJS.Timeout;
  private seq = 0;
  private usedPool = false;

  constructor(private readonly opts: { sources: DicomSources; log(line: string): void; maxSlots?: number; idleMs?: number }) {
    this.timer = setInterval(() => this.dropIdle(), 60000);
    this.timer.unref();
  }

  /** Where `source` may be read from, or a refusal (SourceRefused: 403 not allowed, 400 not there). */
  private async where(source: string): Promise<Where> {
    if (source === 'demo') return { kind: 'demo' };
    if (/^https?:\/\//i.test(source)) return { kind: 'pacs', url: source, pacs: this.opts.sources.checkPacs(source) };
    return { kind: 'path', path: await this.opts.sources.checkPath(source) };
  }

  /** POST /api/review/series: starts loading (or answers the slot that has it already). */
  async open(seriesUid: string, source: string): Promise<RouteReply<'reviewSeriesOpen'>> {
    const hit = this.slots.get(seriesUid);
    // Kept or on its way from the same source: answered as it is (another source is read anew: the reviewer located it there).
    if (hit && hit.state.source === source && hit.state.status !== 'error') {
      hit.usedMs = Date.now();
      return { status: 202, body: hit.state };
    }
    let where: Where;
    try {
      where = await this.where(source);
    } catch (e) {
      if (e instanceof SourceRefused) return { status: e.status, body: { error: e.message } };
      throw e;
    }
    this.drop(seriesUid); // (also one another request started meanwhile)
    const slot: Slot = {
      seq: ++this.seq,
      state: { seriesUid, source, status: 'loading', progress: 0, phase: 'list', meta: null },
      volume: null,
      abort: new AbortController(),
      usedMs: Date.now(),
    };
    this.slots.set(seriesUid, slot);
    this.evict(seriesUid);
    void this.load(slot, where);
    return { status: 202, body: slot.state };
  }

  private async load(slot: Slot, where: Where): Promise<void> {
    const { seriesUid, source } = slot.state;
    const signal = slot.abort!.signal;
    const live = () => this.slots.get(seriesUid) === slot && !signal.aborted;
    try {
      if (where.kind === 'demo') {
        if (seriesUid !== DEMO_VOLUME_ID) return this.fail(slot, `the demo phantom is series ${DEMO_VOLUME_ID}, not ${seriesUid}`);
        const v = await demoPhantomAsync((done, total) => live() && this.patch(slot, { progress: done / total, phase: 'generate' }), signal);
        return this.ready(slot, v, DEMO_META_FIELDS);
      }
      this.usedPool = true;
      const set = await loadSeries(where.kind === 'path' ? where.path : where.url, {
        signal,
        seriesUid,
        ...(where.kind === 'pacs' && where.pacs.headers ? { dicomwebHeaders: where.pacs.headers } : {}),
        onProgress: (p) => live() && this.patch(slot, { progress: loadFraction(p, slot.state.progress), phase: p.phase }),
      });
      const s = pickSeries(set.series);
      for (const other of set.series) if (other.volume && (other !== s || !live())) releaseVolume(other.volume);
      if (!live()) return;
      if (s?.volume) return this.ready(slot, s.volume, dicomMetaFields(set, s, source));
      if (set.series.length) return this.fail(slot, noVolumeReason(set, source));
      const found = (set.otherSeries ?? [])
        .slice(0, MAX_FOUND)
        .map((o) => ({ seriesUid: o.seriesInstanceUid, modality: o.modality, description: o.description }));
      const list = found.map((f) => `${f.seriesUid}${f.modality || f.description ? ` (${[f.modality, f.description].filter(Boolean).join(' ')})` : ''}`);
      const more = (set.otherSeries?.length ?? 0) > found.length ? ` and ${set.otherSeries!.length - found.length} more` : '';
      const there = found.length ? `the series there: ${list.join(', ')}${more}` : `no DICOM series there (${set.filesFound} files)`;
      this.fail(slot, `no series with UID ${seriesUid} in ${source}: ${there}`, found);
    } catch (e) {
      if (signal.aborted) return;
      this.fail(slot, loadFailure(e, source, where.kind === 'pacs' ? where.pacs : undefined));
    }
  }

  private patch(slot: Slot, p: Partial<ReviewSeriesStateView>): void {
    slot.state = { ...slot.state, ...p };
  }

  private ready(slot: Slot, v: Volume, fields: MetaFields): void {
    if (this.slots.get(slot.state.seriesUid) !== slot || slot.abort?.signal.aborted) return this.downloads.retire(v);
    slot.volume = v;
    slot.abort = null;
    this.patch(slot, { status: 'ready', progress: 1, phase: 'done', meta: volumeMeta(`review:${fields.key}#${slot.seq}`, v, fields) });
    this.opts.log(`review: series ${slot.state.seriesUid} from ${slot.state.source}: ${v.dimensions.join('x')} ${v.modality} ready`);
  }

  private fail(slot: Slot, message: string, found?: ReviewSeriesStateView['found']): void {
    slot.abort = null;
    this.patch(slot, { status: 'error', phase: 'done', message, ...(found ? { found } : {}) });
    this.opts.log(`review: ${message}`);
  }

  /** Stops a slot's load and hands its volume back (after the downloads still reading it). */
  private drop(uid: string): void {
    const s = this.slots.get(uid);
    if (!s) return;
    this.slots.delete(uid);
    s.abort?.abort();
    if (s.volume) this.downloads.retire(s.volume);
  }

  /** Keeps at most maxSlots, dropping the least recently used other than `keep`. */
  private evict(keep: string): void {
    const max = this.opts.maxSlots ?? MAX_SLOTS;
    while (this.slots.size > max) {
      const [oldest] = [...this.slots].filter(([k]) => k !== keep).sort((a, b) => a[1].usedMs - b[1].usedMs)[0];
      this.drop(oldest);
    }
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const [uid, s] of [...this.slots]) if (now - s.usedMs > (this.opts.idleMs ?? IDLE_MS)) this.drop(uid);
  }

  routes(router: ApiRouter): void {
    router.register({
      reviewSeriesOpen: ({ body }) => this.open(body.seriesUid, body.source),
      reviewSeries: ({ params }) => {
        const s = this.slots.get(params.uid);
        if (!s) return { status: 404, body: { error: `series ${params.uid} is not loaded for review (POST /api/review/series first)` } };
        s.usedMs = Date.now();
        return { status: 200, body: s.state };
      },
      reviewSeriesVoxels: ({ params, query }) => {
        const s = this.slots.get(params.uid);
        const v = s?.volume;
        if (!s || !v || !s.state.meta) return { status: 404, body: { error: `series ${params.uid} is not loaded for review` } };
        if (query.id && query.id !== s.state.meta.id) return { status: 409, body: { error: `load ${query.id} is no longer kept (now ${s.state.meta.id})` } };
        s.usedMs = Date.now();
        return { status: 200, ...this.downloads.serve(v, () => this.slots.get(params.uid)?.volume === v) };
      },
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const uid of [...this.slots.keys()]) this.drop(uid);
    if (this.usedPool) await sharedPool().close();
  }
}
