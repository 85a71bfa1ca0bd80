/**
 * The review screen's 3D navigation (issue 14): the live display's views (anatomy/anatomy-views.ts)
 * fed with what was in force at the instant shown: the series that was loaded then, loaded by its
 * UID into a review slot on the hub (POST /api/review/series: never the live display's volume),
 * and the instrument placed from the recorded pose through the recorded registration, in patient
 * LPS mm. When the series is no longer where it was loaded from, the reviewer locates it by UID in
 * a folder inside the hub's DICOM roots or on a PACS.
 */
import type { DicomSourcesView, VolumeMeta } from '../../../common/anatomy-contract';
import type { ReviewSeriesStateView } from '../../../common/review-contract';
import { invertRigid } from '../../../common/geometry';
import { callApi, openApiStream } from '../api';
import { createStore } from '../create-store';
import { AnatomyViews, type ViewName } from '../anatomy/anatomy-views';
import { INSTRUMENT_MDC, instrumentInImage, trackingState, type InstrumentInImage, type TrackingState } from '../anatomy/navigation';
import { defaultPreset } from '../anatomy/transfer';
import { initialWindow, readVolume } from '../anatomy/voxels';
import type { InstantView } from './review-store';
import { player } from './player';

/** How often a review load's progress is asked for, ms. */
const POLL_MS = 250;

export interface ReviewAnatomyState {
  /** The series in force at the instant shown (null: none was loaded then). */
  seriesUid: string | null;
  /** Where it is being loaded from: the recorded source, or where the reviewer located it. */
  source: string | null;
  /** missing: the recorded source is gone (locate it); error: it could not be loaded from `source`. */
  status: 'none' | 'missing' | 'loading' | 'ready' | 'error';
  progress: number;
  message: string | null;
  /** The series found at `source` when the one wanted was not there. */
  found: ReviewSeriesStateView['found'] | null;
  meta: VolumeMeta | null;
  /** The views show this load (meta.id). */
  shownId: string | null;
  window: [number, number];
  preset: string;
  maximised: ViewName | null;
  tracking: TrackingState;
  /** The instrument tip (patient LPS, mm) at the instant shown. */
  tip: [number, number, number] | null;
  quality: number | null;
  /** The hub's DICOM roots and PACS, to locate a series in. */
  sources: DicomSourcesView | null;
}

const store = createStore<ReviewAnatomyState>({
  seriesUid: null,
  source: null,
  status: 'none',
  progress: 0,
  message: null,
  found: null,
  meta: null,
  shownId: null,
  window: [40, 400],
  preset: 'ct-bone',
  maximised: null,
  tracking: 'none',
  tip: null,
  quality: null,
  sources: null,
});
const set = store.set;
export const useReviewAnatomy = store.use;
export const getReviewAnatomy = store.get;

/**
 * The instrument at the instant shown: the recorded pose (tool -> tracker) through the registration
 * in force, in the images (null when not registered to this series), and what tracking was then.
 */
export function instrumentAt(instant: InstantView | null): { inst: InstrumentInImage | null; quality: number; tracking: TrackingState } | null {
  const reg = instant?.registration;
  const pose = instant?.poses.find((p) => player.mdc(p.deviceId, p.channel) === INSTRUMENT_MDC);
  if (!instant || !pose) return null;
  const device = instant.devices.find((d) => d.deviceId === pose.deviceId);
  const registered = !!reg && (!reg.seriesUid || reg.seriesUid === instant.series?.seriesUid);
  // The review's pose is the one in force at T (at most POSE_MAX_AGE_MS old): current by construction.
  const p = { matrix: Float32Array.from(pose.matrix), quality: pose.quality, status: pose.status, tHubMs: pose.tMs, receivedMs: 0 };
  const tracking = trackingState(p, 0, !device || device.state === 'online', registered);
  // The recorder stores image -> tracker (main/hub/anatomy-recording.ts); the navigation maths takes tracker -> image.
  return { inst: registered ? instrumentInImage(pose.matrix, invertRigid(reg.matrix)) : null, quality: pose.quality, tracking };
}

class ReviewAnatomyController {
  readonly views = new AnatomyViews(store);
  /** Where the reviewer located a series (by UID), for the rest of the review. */
  private readonly located = new Map<string, string>();
  private loadSeq = 0;

  /** The instant shown changed: the series and the instrument in force then. */
  show(instant: InstantView | null): void {
    const series = instant?.series ?? null;
    if (!series) {
      if (store.get().seriesUid !== null) this.loadSeq++;
      set({ seriesUid: null, source: null, status: 'none', message: null, found: null });
    } else if (series.seriesUid !== store.get().seriesUid) {
      const source = this.located.get(series.seriesUid) ?? series.source ?? '';
      set({ seriesUid: series.seriesUid, found: null });
      if (!this.located.has(series.seriesUid) && (series.sourceAvailable === false || !source)) {
        this.loadSeq++;
        set({ source, status: 'missing', message: `The series is no longer at ${source || 'the place it was loaded from'}` });
      } else void this.load(series.seriesUid, source);
    }
    const at = instrumentAt(instant);
    const tracking = at?.tracking ?? 'none';
    set({ tracking, tip: at?.inst?.tip ?? null, quality: at?.quality ?? null });
    this.views.setInstrument(tracking !== 'lost' ? (at?.inst ?? null) : null, tracking);
  }

  /** Loads series `uid` from `source` into the hub's review slot, then its voxels into the views. */
  private async load(uid: string, source: string): Promise<void> {
    const seq = ++this.loadSeq;
    const current = () => seq === this.loadSeq;
    set({ source, status: 'loading', progress: 0, message: null, found: null });
    try {
      let st = await callApi('reviewSeriesOpen', { body: { seriesUid: uid, source } });
      while (current() && st.status === 'loading') {
        set({ progress: st.progress * 0.8 });
        await new Promise((r) => setTimeout(r, POLL_MS));
        st = await callApi('reviewSeries', { params: { uid } });
      }
      if (!current()) return;
      if (st.status === 'error' || !st.meta) return set({ status: 'error', message: st.message ?? 'not loaded', found: st.found ?? null });
      const meta = st.meta;
      if (meta.id !== store.get().shownId) {
        const res = await openApiStream('reviewSeriesVoxels', { params: { uid }, query: { id: meta.id } });
        const v = await readVolume(
          res,
          meta,
          (f) => current() && set({ progress: 0.8 + 0.2 * f }),
          () => !current(),
        );
        if (!v || !current()) return;
        set({ shownId: meta.id, window: initialWindow(meta), preset: defaultPreset(meta.modality) });
        this.views.show(v);
      }
      set({ status: 'ready', progress: 1, meta });
    } catch (e) {
      if (current()) set({ status: 'error', message: (e as Error).message });
    }
  }

  /** Locates the series in force in a folder (inside the hub's DICOM roots) or at a DICOMweb series URL, by its UID. */
  async locate(source: string): Promise<void> {
    const uid = store.get().seriesUid;
    if (!uid || !source.trim()) return;
    this.located.set(uid, source.trim());
    await this.load(uid, source.trim());
  }

  /** Searches a PACS for the series in force (by UID) and loads it from there when found. */
  async locateOnPacs(url: string): Promise<void> {
    const uid = store.get().seriesUid;
    if (!uid) return;
    try {
      const hit = (await callApi('pacsSearch', { query: { url } })).find((h) => h.seriesUid === uid);
      if (hit) await this.locate(hit.url);
      else set({ status: 'error', message: `no series with UID ${uid} on ${url}`, found: null });
    } catch (e) {
      set({ status: 'error', message: (e as Error).message });
    }
  }

  async loadSources(): Promise<void> {
    if (!store.get().sources) set({ sources: await callApi('anatomySources').catch(() => null) });
  }
}

export const reviewAnatomy = new ReviewAnatomyController();
