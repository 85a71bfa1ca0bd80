/**
 * The procedure (case) on the hub: owns the Recorder (a HubSink writing SQLite from a
 * worker), exposes case lifecycle and annotations over the API, keeps displays told
 * (case, timeline), and raises recording-disk trouble on the hub's alarm board.
 */
import type { CaseMessage, CaseStateMessage, CaseView, PresetView, CaseStartRequest, TimelineMessage } from '../../common/case-contract';
import { Recorder, RecorderError } from '../recorder/recorder';
import { type CaseInfo, caseHeadline } from '../recorder/store';
import { resolveWho } from '../recorder/annotations';
import type { Hub } from './hub';
import type { ApiRouter } from './api-router';
import type { ApiErrorBody } from '../../common/api-route';
import { hubNow } from './clock';
import fs from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from './data-dir';

/** Free space below which recording is about to fail (high priority) or soon will (medium). */
const DISK_FULL_BYTES = 64 * 1024 * 1024;
const DISK_LOW_BYTES = 1024 * 1024 * 1024;

export interface CaseServiceOptions {
  dataDir: string;
  hub: Hub;
  broadcast(m: CaseMessage): void;
  log(line: string): void;
  /** Called once a case has started recording (to record what is already on screen). */
  onStarted?(): void;
}

type PatientShown = { name: string | null; identifier: string | null } | null;

function view(c: CaseInfo | null, patient: PatientShown = null): CaseView | null {
  if (!c) return null;
  return {
    id: c.id,
    ...caseHeadline(c),
    team: c.team,
    patient,
  };
}

/**
 * The active case's patient as shown on the display, kept beside the recording (0600) so a
 * restarted hub shows it again; the recording keeps the identifiers in its own table.
 */
const PATIENT_FILE = 'case-patient.json';

function readShownPatient(dataDir: string, caseId: string | undefined): PatientShown {
  try {
    const f = JSON.parse(fs.readFileSync(path.join(dataDir, PATIENT_FILE), 'utf8')) as { caseId?: string; name?: string | null; identifier?: string | null };
    return caseId && f.caseId === caseId ? { name: f.name ?? null, identifier: f.identifier ?? null } : null;
  } catch {
    return null;
  }
}

export class CaseService {
  private lastCaseJson = '';
  /** The active case's patient as the display shows it (null: not identified). */
  private patient: PatientShown = null;
  private lastTimelineJson = '';
  private constructor(
    readonly recorder: Recorder,
    private readonly opts: CaseServiceOptions,
  ) {}

  static async open(opts: CaseServiceOptions): Promise<CaseService> {
    const recorder = await Recorder.open({ dataDir: opts.dataDir, clock: hubNow, alarms: opts.hub.alarms });
    const s = new CaseService(recorder, opts);
    s.patient = readShownPatient(opts.dataDir, recorder.case?.id);
    recorder.on('warning', (m) => opts.log(`recorder: ${m}`));
    recorder.on('resumed', ({ caseInfo, gap }) =>
      opts.log(`recorder: resumed case ${caseInfo.id} after a hub restart; ${((gap.toMs - gap.fromMs) / 1000).toFixed(1)} s recorded as a gap`),
    );
    opts.hub.addSink(recorder);
    return s;
  }

  get presets(): PresetView[] {
    return this.recorder.presets.map((p) => ({ kind: p.kind, label: p.label, shortcut: p.shortcut }));
  }

  caseMessage(): CaseStateMessage {
    return { t: 'case', case: view(this.recorder.case, this.patient), presets: this.presets, recording: this.recorder.recording };
  }

  async timelineMessage(): Promise<TimelineMessage | null> {
    if (!this.recorder.case) return null;
    return { t: 'timeline', timeline: await this.recorder.timeline() };
  }

  /** Tells displays the case and its timeline, when either changed since last told (the ticker calls this every few seconds). */
  private async announce(): Promise<void> {
    const c = this.caseMessage();
    const cj = JSON.stringify(c);
    if (cj !== this.lastCaseJson) {
      this.lastCaseJson = cj;
      this.opts.broadcast(c);
    }
    const tl = await this.timelineMessage().catch(() => null);
    const tj = tl ? JSON.stringify(tl) : '';
    if (tl && tj !== this.lastTimelineJson) {
      this.lastTimelineJson = tj;
      this.opts.broadcast(tl);
    }
  }

  /** The active case's patient as entered (null: not identified). */
  get shownPatient(): PatientShown {
    return this.recorder.case && this.recorder.case.state !== 'ended' ? this.patient : null;
  }

  /** Creates and starts recording a case (the demo OR does this at start). */
  async startCase(req: CaseStartRequest): Promise<CaseView> {
    await this.recorder.createCase({ procedure: req.procedure, room: req.room, team: req.team, patient: req.patient });
    const p = req.patient;
    this.patient = p && (p.name || p.identifier) ? { name: p.name || null, identifier: p.identifier || null } : null;
    writePrivateFile(path.join(this.opts.dataDir, PATIENT_FILE), JSON.stringify({ caseId: this.recorder.case?.id, ...this.patient }));
    const c = await this.recorder.startRecording();
    this.opts.onStarted?.();
    void this.announce();
    return view(c, this.patient)!;
  }

  /**
   * Records a note by who in the active case's annotation ledger (e.g. a registration replaced,
   * anatomy-confirm.ts) and tells displays; answers who as recorded, null when no case records.
   * Throws the recorder's refusal (who is not on the team).
   */
  async recordNote(who: { role: string; name?: string }, text: string): Promise<{ role: string; name: string } | null> {
    const c = this.recorder.case;
    if (!c || !this.recorder.recording) return null;
    const w = resolveWho(who.role, who.name, c.team);
    if (!w.ok) throw new RecorderError(w.error, 'REC_BAD_ANNOTATION');
    await this.recorder.annotate({ kind: 'note', text, role: w.value.role, name: w.value.name });
    void this.announce();
    return w.value;
  }

  /** Registers the case API on the router (routes: common/display-api.ts). */
  routes(r: ApiRouter): void {
    const fail = (e: unknown): { status: 409 | 503; body: ApiErrorBody } => {
      const code = e instanceof RecorderError ? e.code : 'REC_ERROR';
      return { status: code === 'REC_WORKER_FAILED' ? 503 : 409, body: { error: (e as Error).message, code } };
    };
    /** Runs a recorder change, tells displays, and answers `status` with its result (or the recorder's refusal). */
    const change = async <const S extends 200 | 201, T>(status: S, run: () => Promise<T>): Promise<{ status: S; body: T } | ReturnType<typeof fail>> => {
      try {
        const body = await run();
        void this.announce();
        return { status, body };
      } catch (e) {
        return fail(e);
      }
    };
    r.register({
      case: () => ({ status: 200, body: this.caseMessage() }),
      caseStart: async ({ body }) => {
        try {
          return { status: 201, body: await this.startCase(body) };
        } catch (e) {
          return fail(e);
        }
      },
      caseEnd: ({ body }) =>
        change(200, async () => {
          // Who ended the case goes into its annotation chain before the case file is closed.
          if (body?.role) await this.recorder.annotate({ kind: 'note', text: 'Case ended', role: body.role, name: body.name });
          return view(await this.recorder.endCase(), this.patient)!;
        }),
      timeline: async () => {
        const tl = await this.timelineMessage().catch(() => null);
        return tl ? { status: 200, body: tl } : { status: 404, body: { error: 'no active case' } };
      },
      // The schema has dropped every field the route does not define.
      annotate: ({ body }) => change(201, () => this.recorder.annotate(body)),
      annotationEdit: ({ params, body: b }) => change(200, () => this.recorder.editAnnotation(params.entryId, b.patch, { role: b.role, name: b.name })),
      annotationDelete: ({ params, body: b }) => change(200, () => this.recorder.deleteAnnotation(params.entryId, { role: b.role, name: b.name }, b.reason)),
      annotationHistory: async ({ params }) => ({ status: 200, body: await this.recorder.annotationHistory(params.entryId) }),
      annotationVersions: async () =>
        this.recorder.case ? { status: 200, body: await this.recorder.annotationHistory() } : { status: 404, body: { error: 'no active case' } },
    });
  }

  /**
   * Watches free space on the recording disk, so a filling disk is an alarm before SQLite
   * reports SQLITE_FULL (which, with WAL, may only surface at a checkpoint).
   */
  startDiskWatch(ms = 2000): NodeJS.Timeout {
    const board = this.opts.hub.alarms;
    const check = () => {
      fs.statfs(this.opts.dataDir, (err, st) => {
        const tHubMs = hubNow();
        const disk = { source: 'recorder', kind: 'technical' as const, code: 'REC_DISK_SPACE' };
        const probe = { ...disk, code: 'REC_DISK_CHECK' };
        if (err) return void board.raise({ ...probe, priority: 'medium', text: `Cannot check the recording disk: ${err.message}`, tHubMs });
        board.clear(probe, tHubMs);
        const free = st.bavail * st.bsize;
        const mib = (free / 1048576).toFixed(0);
        if (free < DISK_FULL_BYTES) board.raise({ ...disk, priority: 'high', text: `Recording disk full: ${mib} MiB free in ${this.opts.dataDir}`, tHubMs });
        else if (free < DISK_LOW_BYTES) board.raise({ ...disk, priority: 'medium', text: `Recording disk low: ${mib} MiB free`, tHubMs });
        else board.clear(disk, tHubMs);
      });
    };
    check();
    const t = setInterval(check, ms);
    t.unref();
    return t;
  }

  /** Periodic timeline refresh (alarms and gaps change without annotations). */
  startTimelineTicker(ms = 5000): NodeJS.Timeout {
    const t = setInterval(() => void this.announce(), ms);
    t.unref();
    return t;
  }

  async close(): Promise<void> {
    await this.recorder.close();
  }
}
