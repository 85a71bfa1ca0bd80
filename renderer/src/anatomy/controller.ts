/**
 * The anatomy module's state and glue: hub messages (volume, registration), voxel download,
 * the four views, crosshair and window, tracker poses -> instrument in image space, tracking
 * warnings, and the fiducial workflow. React reads `useAnatomy`; the views are plain classes
 * mounted into the components' elements.
 */
import type { Volume } from '../../../common/volume';
import type { PoseView } from '../../../common/display-contract';
import type { AnatomyMessage, DicomSourcesView, PacsSeriesView, RegistrationView, VolumeMeta, VolumeStatus } from '../../../common/anatomy-contract';
import { callApi, openApiStream } from '../api';
import { createStore } from '../create-store';
import type { SliceOrientation, Vec3 } from '../../../common/geometry';
import { onHubMessage, onPoses } from '../connection';
import { getState, findStream } from '../store';
import { AnatomyViews } from './anatomy-views';
import { initialWindow, readVolume } from './voxels';
import { INSTRUMENT_MDC, captureTip, instrumentInImage, trackingState, type InstrumentPose, type TrackingState, type InstrumentInImage } from './navigation';
import { defaultPreset } from './transfer';
import { withConfirmation, type PendingConfirm } from './confirm-change';

export interface PendingFiducial {
  image?: Vec3;
  tracker?: Vec3;
}

export interface AnatomyState {
  status: VolumeStatus;
  progress: number;
  phase: string;
  sourceLabel: string;
  message?: string;
  meta: VolumeMeta | null;
  /** Voxel download progress 0..1 while downloading, null otherwise. */
  download: number | null;
  downloadError: string | null;
  /** The views show this volume id. */
  shownId: string | null;
  registration: RegistrationView | null;
  window: [number, number];
  preset: string;
  follow: boolean;
  tracking: TrackingState;
  fiducials: PendingFiducial[];
  maximised: 'volume' | SliceOrientation | null;
  notice: string | null;
  pacs: PacsSeriesView[] | null;
  /** The folders and PACS this hub may read for a display (GET /api/anatomy/sources). */
  sources: DicomSourcesView | null;
  /** The hub asks to confirm a change (replacing images or the registration, FRE above its limit): AnatomyConfirm shows it. */
  confirm: PendingConfirm | null;
}

const store = createStore<AnatomyState>({
  status: 'none',
  progress: 0,
  phase: '',
  sourceLabel: '',
  meta: null,
  download: null,
  downloadError: null,
  shownId: null,
  registration: null,
  window: [40, 400],
  preset: 'ct-bone',
  follow: false,
  tracking: 'none',
  fiducials: [],
  maximised: null,
  notice: null,
  pacs: null,
  sources: null,
  confirm: null,
});
const set = store.set;
const showConfirm = (confirm: PendingConfirm | null) => set({ confirm });

export const getAnatomy = store.get;
export const useAnatomy = store.use;

class AnatomyController {
  /** The 3D and slice views (anatomy-views.ts), fed from the hub's current volume. */
  readonly views = new AnatomyViews(store);
  private pose: InstrumentPose | null = null;
  private readonly recent: InstrumentPose[] = [];
  private instrument: InstrumentInImage | null = null;
  private downloading: string | null = null;
  private lastFollowMs = 0;
  private started = false;
  /** Poses received (tests). */
  posesReceived = 0;

  start(): void {
    if (this.started) return;
    this.started = true;
    onHubMessage((m) => {
      if (m.t === 'volume' || m.t === 'registration') this.onMessage(m);
    });
    onPoses((p) => this.onPoses(p));
    setInterval(() => this.updateTracking(), 100);
    void callApi('anatomy')
      .then((r) => {
        this.onMessage(r.volume);
        this.onMessage({ t: 'registration', registration: r.registration });
      })
      .catch(() => undefined);
  }

  get volume(): Volume | null {
    return this.views.volume;
  }

  get volumeView() {
    return this.views.volumeView;
  }

  /** Views mount themselves here (AnatomyView). */
  attach(volumeHost: HTMLElement, sliceHosts: Record<SliceOrientation, HTMLElement>): () => void {
    return this.views.attach(volumeHost, sliceHosts); // shows the volume already downloaded
  }

  private onMessage(m: AnatomyMessage): void {
    if (m.t === 'registration') {
      set({ registration: m.registration });
      this.updateInstrument();
      return;
    }
    set({ status: m.status, progress: m.progress, phase: m.phase, sourceLabel: m.sourceLabel, message: m.message, meta: m.meta });
    if (m.status === 'ready' && m.meta && m.meta.id !== store.get().shownId && m.meta.id !== this.downloading) void this.download(m.meta);
  }

  private async download(meta: VolumeMeta): Promise<void> {
    this.downloading = meta.id;
    set({ download: 0, downloadError: null });
    try {
      const res = await openApiStream('anatomyVoxels', { query: { id: meta.id } }).catch((e: Error) => {
        throw new Error(`voxels: ${e.message}`);
      });
      const v = await readVolume(
        res,
        meta,
        (f) => set({ download: f }),
        () => this.downloading !== meta.id,
      );
      if (!v || this.downloading !== meta.id) return;
      const preset = defaultPreset(meta.modality);
      set({ download: null, shownId: meta.id, window: initialWindow(meta), preset, fiducials: [] });
      this.showVolume(v);
    } catch (e) {
      set({ download: null, downloadError: (e as Error).message });
    } finally {
      if (this.downloading === meta.id) this.downloading = null;
    }
  }

  private showVolume(v: Volume): void {
    this.views.show(v);
    this.pushFiducials();
    this.updateInstrument();
  }

  setCrosshair(p: Vec3): void {
    this.views.setCrosshair(p);
  }

  getCrosshair(): Vec3 {
    return this.views.getCrosshair();
  }

  setFollow(on: boolean): void {
    set({ follow: on });
  }

  // ---------------------------------------------------------------- loading

  async openSource(source: string): Promise<void> {
    set({ notice: null });
    try {
      await withConfirmation((who) => callApi('anatomyOpen', { body: { source, ...who } }), showConfirm);
    } catch (e) {
      set({ notice: (e as Error).message });
    }
  }

  /** Asks the hub which folders and PACS it may read (shown in the open panel). */
  async loadSources(): Promise<void> {
    try {
      set({ sources: await callApi('anatomySources') });
    } catch (e) {
      set({ notice: (e as Error).message });
    }
  }

  async openDemo(): Promise<void> {
    set({ notice: null });
    await withConfirmation((who) => callApi('anatomyDemo', { body: who }), showConfirm).catch((e: Error) => set({ notice: e.message }));
  }

  async searchPacs(url: string): Promise<void> {
    set({ notice: null, pacs: null });
    try {
      set({ pacs: await callApi('pacsSearch', { query: { url } }) });
    } catch (e) {
      set({ notice: (e as Error).message });
    }
  }

  // ---------------------------------------------------------------- tracking

  private instrumentStream(): { streamId: number; online: boolean } | null {
    const s = getState();
    const info = findStream(s, INSTRUMENT_MDC, 'pose');
    if (!info) return null;
    return { streamId: info.streamId, online: s.devices.get(info.deviceId)?.state === 'online' };
  }

  private onPoses(poses: PoseView[]): void {
    const stream = this.instrumentStream();
    if (!stream) return;
    const now = performance.now();
    let latest: PoseView | null = null;
    for (const p of poses) {
      if (p.streamId !== stream.streamId) continue;
      latest = p;
      this.recent.push({ matrix: p.matrix, quality: p.quality, status: p.status, tHubMs: p.tHubMs, receivedMs: now });
    }
    if (!latest) return;
    this.posesReceived++;
    while (this.recent.length > 120) this.recent.shift();
    this.pose = this.recent[this.recent.length - 1];
    this.updateInstrument();
  }

  private updateTracking(): TrackingState {
    const stream = this.instrumentStream();
    const t = trackingState(this.pose, performance.now(), !!stream?.online, !!store.get().registration);
    if (t !== store.get().tracking) {
      set({ tracking: t });
      this.pushInstrument();
    }
    return t;
  }

  private updateInstrument(): void {
    const { registration: reg, meta } = store.get();
    this.instrument = this.pose && reg && meta && reg.volumeKey === meta.key ? instrumentInImage(this.pose.matrix, reg.trackerToImage) : null;
    this.updateTracking();
    this.pushInstrument();
    if (store.get().follow && this.instrument && store.get().tracking === 'ok') {
      const now = performance.now();
      if (now - this.lastFollowMs > 100) {
        this.lastFollowMs = now;
        this.setCrosshair(this.instrument.tip);
      }
    }
  }

  private pushInstrument(): void {
    this.views.setInstrument(store.get().tracking === 'lost' ? null : this.instrument, store.get().tracking);
  }

  /** Latest instrument tip in tracker space (tests). */
  trackerTip(): Vec3 | null {
    return this.pose ? [this.pose.matrix[12], this.pose.matrix[13], this.pose.matrix[14]] : null;
  }

  /** Current instrument tip in image space (tests). */
  instrumentTip(): Vec3 | null {
    return this.instrument ? [...this.instrument.tip] : null;
  }

  // ---------------------------------------------------------------- registration workflow

  private pushFiducials(): void {
    const pts = store
      .get()
      .fiducials.map((f) => f.image)
      .filter((p): p is Vec3 => !!p);
    this.views.setFiducials(pts);
  }

  addFiducial(): void {
    set({ fiducials: [...store.get().fiducials, {}] });
  }

  /** Uses the crosshair as the image position of fiducial i. */
  setFiducialImage(i: number): void {
    const f = [...store.get().fiducials];
    f[i] = { ...f[i], image: this.getCrosshair() };
    set({ fiducials: f, notice: null });
    this.pushFiducials();
  }

  /** Captures the pointer tip (mean of the last 0.5 s) as the tracker position of fiducial i. */
  captureFiducial(i: number): void {
    const r = captureTip(this.recent, performance.now());
    if ('error' in r) {
      set({ notice: r.error });
      return;
    }
    const f = [...store.get().fiducials];
    f[i] = { ...f[i], tracker: r.tip };
    set({ fiducials: f, notice: null });
  }

  removeFiducial(i: number): void {
    set({ fiducials: store.get().fiducials.filter((_, k) => k !== i) });
    this.pushFiducials();
  }

  async register(): Promise<void> {
    const pairs = store
      .get()
      .fiducials.filter((f) => f.image && f.tracker)
      .map((f) => ({ image: f.image!, tracker: f.tracker! }));
    try {
      const r = await withConfirmation((who) => callApi('registrationSet', { body: { pairs, ...who } }), showConfirm);
      set({ registration: r, notice: `Registered: FRE ${r.freMm.toFixed(2)} mm` });
      this.updateInstrument();
    } catch (e) {
      set({ notice: (e as Error).message });
    }
  }

  async clearRegistration(): Promise<void> {
    await callApi('registrationClear').catch((e: Error) => set({ notice: e.message }));
  }
}

export const anatomy = new AnatomyController();
