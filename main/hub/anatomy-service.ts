/**
 * The hub's anatomy (DICOM) service: keeps the current image volume and the tracker-to-image
 * registration, tells displays (`volume` / `registration` messages, common/anatomy-contract.ts),
 * and serves voxels over the token-protected API.
 *
 * Sources: a folder, DICOMDIR, file or DICOMweb URL loaded with main/dicom's loadSeries (in its
 * worker pool), or the built-in demo phantom (demo-phantom.ts). Registrations are kept per image
 * key (series instance UID) in DATA_DIR/anatomy/registrations.json, so a restarted hub finds the
 * registration of the procedure again; the recorder reads `currentRegistration()`.
 *
 * API: the anatomy* , pacsSearch and registration* routes of common/display-api.ts (docs/display-api.md).
 */
import path from 'node:path';
import type { Volume } from '../../common/volume';
import type { AnatomyMessage, PacsSeriesView, RegistrationView, VolumeMeta, VolumeStatus } from '../../common/anatomy-contract';
import { ANATOMY_CONFIRM } from '../../common/anatomy-contract';
import { registerPoints, RegistrationError, type FiducialPair } from '../../common/registration';
import { loadSeries, releaseVolume, sharedPool } from '../dicom/index';
import { findSeries, parseDicomwebUrl } from '../dicom/dicomweb';
import { badRequest, type ApiRouter, type RouteReply } from './api-router';
import { hubNow } from './clock';
import { DEMO_VOLUME_ID, demoFiducialPairs, demoPhantomAsync } from './demo-phantom';
import type { AlarmBoard } from './alarm-board';
import { DicomSources, PACS_UNUSABLE, SourceRefused, type PacsConfig } from './dicom-sources';
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
import { changedBy, DEFAULT_MAX_FRE_MM, imagesAsk, imagesNote, registrationAsk, registrationNote, type ChangeWho, type RecordChange } from './anatomy-confirm';
import { RegistrationStore } from './registration-store';

export interface AnatomyServiceOptions {
  dataDir: string;
  broadcast(m: AnatomyMessage): void;
  log(line: string): void;
  /** The hub runs the simulated OR: the demo phantom comes with a registration from the simulated pointer. */
  simulated: boolean;
  /** What displays may ask the hub to read (default: nothing but the demo; main/hub/dicom-sources.ts). */
  sources?: DicomSources;
  /** Where a failed image load is raised as a low technical alarm (source 'anatomy'), cleared by the next load that succeeds. */
  alarms?: Pick<AlarmBoard, 'raise' | 'clear'>;
  /** Above this FRE (mm) a registration needs confirmation (default 2, `--max-fre-mm`; anatomy-confirm.ts). */
  maxFreMm?: number;
  /**
   * Records a change made through the API in the active case's annotation ledger with who; answers
   * who as recorded (the team member), null when no case records; throws when who is not on the team.
   */
  recordChange?: RecordChange;
}

const IMAGES_ALARM = { source: 'anatomy', kind: 'technical', code: 'IMAGES_NOT_LOADED' } as const;

type VolumeState = Extract<AnatomyMessage, { t: 'volume' }>;

export class AnatomyService {
  private volume: Volume | null = null;
  private state: VolumeState = { t: 'volume', status: 'none', progress: 0, phase: '', sourceLabel: '', meta: null };
  private registration: RegistrationView | null = null;
  private loadSeq = 0;
  private abort: AbortController | null = null;
  private lastProgressMs = 0;
  private usedPool = false;
  /** Voxel downloads in progress: a replaced volume's memory is handed back after them. */
  private readonly downloads = new VolumeDownloads();
  private readonly store: RegistrationStore;

  private readonly sources: DicomSources;

  constructor(private readonly opts: AnatomyServiceOptions) {
    this.store = new RegistrationStore(path.join(opts.dataDir, 'anatomy', 'registrations.json'), opts.log);
    this.sources = opts.sources ?? DicomSources.configure({ roots: [], pacs: [] });
  }

  /** Messages a newly connected display needs. */
  messages(): AnatomyMessage[] {
    return [this.state, { t: 'registration', registration: this.registration }];
  }

  get current(): { volume: Volume; meta: VolumeMeta } | null {
    return this.volume && this.state.meta ? { volume: this.volume, meta: this.state.meta } : null;
  }

  /**
   * The registration in force now and the images it belongs to. The procedure recorder should
   * call this when a registration message is broadcast (or at case end) and store it with the case.
   */
  currentRegistration(): { registration: RegistrationView; volume: VolumeMeta } | null {
    return this.registration && this.state.meta ? { registration: this.registration, volume: this.state.meta } : null;
  }

  private setState(patch: Partial<VolumeState>, force = true): void {
    this.state = { ...this.state, ...patch };
    const now = Date.now();
    if (!force && now - this.lastProgressMs < 100) return;
    this.lastProgressMs = now;
    this.opts.broadcast(this.state);
  }

  private begin(sourceLabel: string): { seq: number; signal: AbortSignal } {
    this.abort?.abort();
    this.abort = new AbortController();
    const seq = ++this.loadSeq;
    this.setState({ status: 'loading', progress: 0, phase: 'list', sourceLabel, message: undefined });
    return { seq, signal: this.abort.signal };
  }

  private finish(seq: number, volume: Volume, meta: MetaFields): void {
    if (seq !== this.loadSeq) return;
    const full = volumeMeta(`${meta.key}#${seq}`, volume, meta);
    if (this.volume && this.volume !== volume) this.downloads.retire(this.volume);
    this.volume = volume;
    this.abort = null;
    this.opts.alarms?.clear(IMAGES_ALARM, hubNow());
    this.setState({ status: 'ready', progress: 1, phase: 'done', meta: full });
    const stored = this.store.get(full.key);
    if (stored) this.setRegistration(stored, false);
    else if (full.source === 'demo' && this.opts.simulated) {
      try {
        this.register(demoFiducialPairs(), 'demo: simulated pointer on the 5 skin markers', false);
      } catch (e) {
        this.opts.log(`anatomy: demo registration: ${(e as Error).message}`);
      }
    } else this.setRegistration(null, false);
    this.opts.log(`anatomy: ${full.sourceLabel}: ${full.dimensions.join('x')} ${full.modality} ready`);
  }

  private fail(seq: number, message: string): void {
    if (seq !== this.loadSeq) return;
    this.abort = null;
    this.opts.log(`anatomy: ${message}`);
    this.opts.alarms?.raise({ ...IMAGES_ALARM, priority: 'low', text: `Images not loaded: ${message.slice(0, 180)}`, tHubMs: hubNow() });
    this.setState({ status: 'error', message, phase: 'done' });
  }

  /** Loads the built-in demo phantom (≈ 0.5 s, in slices so the hub keeps serving devices). */
  async openDemo(): Promise<void> {
    const { seq, signal } = this.begin('built-in demo phantom');
    try {
      const v = await demoPhantomAsync(
        (done, total) => seq === this.loadSeq && this.setState({ progress: done / total, phase: 'generate' }, done === total),
        signal,
      );
      this.finish(seq, v, DEMO_META_FIELDS);
    } catch (e) {
      if (!signal.aborted) this.fail(seq, `demo phantom: ${(e as Error).message}`);
    }
  }

  /**
   * Loads a DICOM folder, DICOMDIR, file or DICOMweb URL (`pacs` for DICOMweb); the largest scalar series becomes the
   * current volume. The source is trusted: the hub's --dicom, or one a route has checked against the sources.
   */
  async open(source: string, pacs?: PacsConfig): Promise<void> {
    const { seq, signal } = this.begin(source);
    this.usedPool = true;
    try {
      const set = await loadSeries(source, {
        signal,
        ...(pacs?.headers ? { dicomwebHeaders: pacs.headers } : {}),
        onProgress: (p) => {
          if (seq === this.loadSeq) this.setState({ progress: loadFraction(p, this.state.progress), phase: p.phase }, false);
        },
      });
      const s = pickSeries(set.series);
      // The series not shown (and all of them when a newer load has begun) are not kept.
      for (const other of set.series) if (other.volume && (other !== s || seq !== this.loadSeq)) releaseVolume(other.volume);
      if (seq !== this.loadSeq) return;
      if (!s || !s.volume) return this.fail(seq, noVolumeReason(set, source));
      this.finish(seq, s.volume, dicomMetaFields(set, s, source));
    } catch (e) {
      if (!signal.aborted) this.fail(seq, loadFailure(e, source, pacs));
    }
  }

  /** Computes and keeps a registration from fiducial pairs; throws RegistrationError when it cannot. */
  register(pairs: FiducialPair[], label?: string, persist = true): RegistrationView {
    const view = this.compute(pairs, label);
    this.setRegistration(view, persist);
    return view;
  }

  /** The registration of the current images from fiducial pairs, not applied; throws RegistrationError when there is none. */
  private compute(pairs: FiducialPair[], label?: string): RegistrationView {
    const meta = this.state.meta;
    if (!meta) throw new RegistrationError('no images loaded to register to');
    const r = registerPoints(pairs);
    return {
      volumeKey: meta.key,
      trackerToImage: Array.from(r.matrix),
      freMm: r.freMm,
      residualsMm: r.residualsMm,
      pairs,
      createdHubMs: hubNow(),
      label: label ?? `${pairs.length} fiducials`,
      freLimitMm: this.maxFreMm,
    };
  }

  get maxFreMm(): number {
    return this.opts.maxFreMm ?? DEFAULT_MAX_FRE_MM;
  }

  /** Registers from the API: a replacement or an FRE above the limit only when confirmed, and recorded with who. */
  private async registerRequest(body: ChangeWho & { pairs: FiducialPair[]; label?: string }): Promise<RouteReply<'registrationSet'>> {
    let view: RegistrationView;
    try {
      view = this.compute(body.pairs, body.label);
    } catch (e) {
      if (e instanceof RegistrationError) return { status: 422, body: { error: e.message } };
      throw e;
    }
    const replaced = this.registration;
    const ask = registrationAsk(replaced, view.freMm, this.maxFreMm, hubNow());
    if (ask && body.confirmed !== true) return { status: 409, body: ask };
    const who = await changedBy(body, !!ask, registrationNote(view, replaced, this.maxFreMm, !!ask), this.opts.recordChange);
    if ('error' in who) return { status: 400, body: { error: who.error } };
    // Other images or another registration while who was being recorded: never apply it to what it was not asked for.
    if (this.state.meta?.key !== view.volumeKey || this.registration !== replaced)
      return { status: 409, body: { error: 'the images or the registration changed meanwhile: register again', code: ANATOMY_CONFIRM.replaceRegistration } };
    const applied: RegistrationView = { ...view, by: who.by, ...(ask ? { confirmed: true } : {}) };
    this.setRegistration(applied, true);
    return { status: 200, body: applied };
  }

  /** Opens images from the API: replacing those shown only when confirmed, recorded with who. */
  private async openRequest(source: string, w: ChangeWho, start: () => void): Promise<{ status: 400 | 409; body: { error: string; code?: string } } | null> {
    const shown = this.current?.meta ?? null;
    const ask = imagesAsk(shown, source);
    if (ask && w.confirmed !== true) return { status: 409, body: ask };
    const who = await changedBy(w, !!ask, imagesNote(source, shown, !!ask), this.opts.recordChange);
    if ('error' in who) return { status: 400, body: { error: who.error } };
    start();
    return null;
  }

  clearRegistration(): void {
    this.setRegistration(null, true);
  }

  private setRegistration(r: RegistrationView | null, persist: boolean): void {
    this.registration = r;
    if (persist && this.state.meta) this.store.set(this.state.meta.key, r);
    this.opts.broadcast({ t: 'registration', registration: r });
  }

  /** Registers the anatomy API on the router (routes: common/display-api.ts). */
  routes(router: ApiRouter): void {
    router.register({
      anatomy: () => ({ status: 200, body: { volume: this.state, registration: this.registration } }),
      anatomyVoxels: ({ query }) => this.voxels(query.id ?? null),
      anatomyOpen: async ({ body }) => {
        const { source } = body;
        // Only configured folders and PACS (issue 12 §3): a display cannot make the hub read anything else.
        let start: () => void;
        try {
          if (/^https?:\/\//i.test(source)) {
            const pacs = this.sources.checkPacs(source);
            start = () => void this.open(source, pacs);
          } else {
            const checked = await this.sources.checkPath(source);
            start = () => void this.open(checked);
          }
        } catch (e) {
          if (e instanceof SourceRefused) return { status: e.status, body: { error: e.message } };
          throw e;
        }
        return (await this.openRequest(source, body, start)) ?? { status: 202, body: { status: 'loading', source } };
      },
      anatomySources: () => ({ status: 200, body: this.sources.view() }),
      anatomyDemo: async ({ body }) =>
        (await this.openRequest('built-in demo phantom', body ?? {}, () => void this.openDemo())) ?? { status: 202, body: { status: 'loading' } },
      pacsSearch: ({ query }) => {
        try {
          return this.pacs(query.url, this.sources.checkPacs(query.url));
        } catch (e) {
          if (e instanceof SourceRefused) return { status: e.status, body: { error: e.message } };
          throw e;
        }
      },
      registration: () => ({ status: 200, body: this.registration }),
      registrationClear: () => {
        this.clearRegistration();
        return { status: 200, body: null };
      },
      registrationSet: ({ body }) => this.registerRequest(body),
    });
  }

  private voxels(id: string | null): RouteReply<'anatomyVoxels'> {
    const cur = this.current;
    if (!cur) return { status: 404, body: { error: 'no volume loaded' } };
    if (id && id !== cur.meta.id) return { status: 409, body: { error: `volume ${id} is no longer current (now ${cur.meta.id})` } };
    const v = cur.volume;
    return { status: 200, ...this.downloads.serve(v, () => v === this.volume) };
  }

  private async pacs(url: string, pacs: PacsConfig): Promise<RouteReply<'pacsSearch'>> {
    try {
      const refs = await findSeries(parseDicomwebUrl(url, pacs.headers), AbortSignal.timeout(15000));
      const out: PacsSeriesView[] = refs
        .slice(0, 200)
        .map((r) => ({ url: r.url, studyUid: r.studyUid, seriesUid: r.seriesUid, modality: r.modality, description: r.description }));
      return { status: 200, body: out };
    } catch {
      return { status: 502, body: { error: `PACS ${pacs.label}: ${PACS_UNUSABLE}` } };
    }
  }

  /** The status word for logs and tests. */
  get status(): VolumeStatus {
    return this.state.status;
  }

  async close(): Promise<void> {
    this.abort?.abort();
    if (this.usedPool) await sharedPool().close();
  }
}
