/**
 * The HTTP half of the hub <-> display contract: every API route in one typed table. The hub's
 * router (main/hub/api-router.ts) registers a handler per route name and validates params, query
 * and body with the schemas here; the display's client (renderer/src/api.ts) calls routes by name;
 * docs/display-api.md is generated from this file (scripts/display-api-doc.ts). The WebSocket half
 * is common/display-contract.ts. Every request carries the session token (see the doc).
 *
 * To add a route: add an entry here, register `router.on(name, handler)` in the hub service that
 * owns it, call `callApi(name, input)` in the renderer, and run `npm run docs:api`.
 */
import * as z from 'zod/mini';
import type {
  AnnotationAckView,
  AnnotationPatchRequest,
  AnnotationRequest,
  AnnotationVersionView,
  CaseStartRequest,
  CaseStateMessage,
  CaseView,
  TimelineMessage,
} from './case-contract';
import type { AnatomyStateView, DicomSourcesView, PacsSeriesView, RegistrationView } from './anatomy-contract';
import type { AlarmChangeView, AlarmEngineState, AlarmLimitView, AlarmsView, StatusView } from './display-contract';
import type {
  OverviewView,
  RecordingDetailView,
  RecordingListView,
  ReviewCommentView,
  ReviewCommentsView,
  ReviewSeriesStateView,
  ReviewStateView,
  WavesWindowView,
} from './review-contract';
import { binary, json, type RouteDef } from './api-route';

// zod/mini (not the full zod): the renderer bundles this table, and mini adds about 20 KB where zod adds 450 KB.
const text = (max: number, what: string) => z.string().check(z.minLength(1), z.maxLength(max), z.describe(what));
const optText = (max: number, what: string) => z.optional(z.string().check(z.maxLength(max), z.describe(what)));
const optNumber = (what: string) => z.optional(z.number().check(z.describe(what)));
const vec3 = (what: string) => z.tuple([z.number(), z.number(), z.number()]).check(z.describe(what));
const limited = (max: number) => z.optional(z.string().check(z.maxLength(max)));

const teamMember = z.object({ role: text(40, 'role on the team, e.g. surgeon'), name: text(100, 'name') });

export const caseStartBody = z.object({
  procedure: text(200, 'the procedure, e.g. "Laparoscopic cholecystectomy"'),
  room: optText(100, 'the theatre, e.g. "OR 1"'),
  team: z.array(teamMember).check(z.minLength(1), z.maxLength(50), z.describe('who is on the case: at least one {role, name}; annotations name one of them')),
  patient: z.optional(
    z
      .object({ identifier: limited(100), name: limited(200), birthDate: limited(40), sex: limited(20) })
      .check(z.describe('patient identifiers, kept apart from the recording so it can be shared without them')),
  ),
});

const who = {
  role: text(40, 'who: a role on the case team'),
  name: optText(100, "who: a name (default: that team member's)"),
};

export const annotationBody = z.object({
  kind: text(40, 'a preset kind (e.g. "incision", see GET /api/case presets), "note", "bolus" or "blood-loss"'),
  tMs: optNumber('hub time the entry refers to (Unix ms); default now; not with agoMs'),
  agoMs: optNumber('back-dating: the entry refers to now − agoMs (ms)'),
  text: optText(2000, 'free text (required for a note)'),
  drug: optText(100, 'bolus: the drug'),
  dose: optNumber('bolus: the dose'),
  unit: optText(20, 'bolus: the dose unit (UCUM, e.g. "mg")'),
  bloodLossMl: optNumber('blood loss, mL'),
  confirmed: z.optional(z.boolean().check(z.describe('the person confirmed a number above its usual limit (after a 409 REC_CONFIRM)'))),
  ...who,
});

export const annotationEditBody = z.object({
  patch: z
    .object({
      kind: z.optional(text(40, 'kind')),
      tMs: optNumber('hub time (Unix ms)'),
      text: optText(2000, 'text'),
      drug: optText(100, 'drug'),
      dose: optNumber('dose'),
      unit: optText(20, 'unit'),
      bloodLossMl: optNumber('blood loss, mL'),
      confirmed: z.optional(z.boolean().check(z.describe('the person confirmed a number above its usual limit'))),
    })
    .check(z.describe('the fields that change; omitted ones keep their value')),
  ...who,
});

export const annotationDeleteBody = z.object({ ...who, reason: optText(500, 'why it is deleted') });

/** Confirming a change to what navigation relies on (issue 12 §4): after a 409 naming the ANATOMY_CONFIRM code, with who. */
const anatomyConfirm = {
  confirmed: z.optional(
    z.boolean().check(z.describe('the person confirmed replacing what is in force or an FRE above the limit (after a 409 REG_…/IMAGES_…_CONFIRM)')),
  ),
  role: optText(40, 'who: a role on the case team while a case records (else any role); required with confirmed'),
  name: optText(100, "who: a name (default: that team member's; required with confirmed when no case records)"),
};

export const anatomyOpenBody = z.object({
  source: z.string().check(z.trim(), z.minLength(1), z.maxLength(4096), z.describe('a DICOM folder, DICOMDIR or file on the hub, or a DICOMweb series URL')),
  ...anatomyConfirm,
});

export const anatomyDemoBody = z.optional(z.object(anatomyConfirm));

export const registrationBody = z.object({
  pairs: z
    .array(z.object({ image: vec3('point in the images (patient LPS, mm)'), tracker: vec3('the same point seen by the tracker (mm)') }))
    .check(z.maxLength(64), z.describe('fiducial pairs; a registration needs at least 3')),
  label: optText(200, 'e.g. "5 skin markers" (default: "N fiducials")'),
  ...anatomyConfirm,
});

const alarmWho = z.object({ who: text(100, 'who acts (name or role), recorded with the change') });
const limitValue = (what: string) => z.optional(z.nullable(z.number().check(z.describe(what))));
export const alarmLimitsBody = z.object({
  who: text(100, 'who changes the limits, recorded with the change'),
  low: limitValue('low limit (UCUM unit of the channel), null: none'),
  high: limitValue('high limit, null: none'),
  extremeLow: limitValue('below this the alarm is high priority, null: none'),
  extremeHigh: limitValue('above this the alarm is high priority, null: none'),
  delayS: z.optional(z.number().check(z.describe('condition delay, s (0-120)'))),
});

/** POST /api/alarms/:alarmId/ACTION (alarmId URL-encoded: it contains slashes). */
const alarmAction = <A extends string>(action: A, summary: string) =>
  ({
    method: 'POST',
    path: `/api/alarms/:alarmId/${action}`,
    summary,
    body: alarmWho,
    status: 200,
    response: json<{ alarmId: string; engine: AlarmEngineState }>(),
    errors: { 400: 'who is missing or blank', 404: 'no active alarm with that id' },
  }) as const;
const INSTANT = 'an ISO date-time with a zone, Unix ms, or an offset from the case start (+90s, 1h20m, 1:20:00)';
const instant = (what: string) => z.optional(z.string().check(z.minLength(1), z.maxLength(64), z.describe(`${what}: ${INSTANT}`)));

export const reviewListQuery = z.object({
  from: instant('cases overlapping from'),
  to: instant('cases overlapping up to'),
  room: optText(100, 'room contains (case-insensitive)'),
  procedure: optText(200, 'procedure contains (case-insensitive)'),
  member: optText(100, "a team member's name or role contains"),
  marker: optText(40, 'has a team marker of this kind (e.g. incision)'),
  state: z.optional(z.enum(['created', 'recording', 'ended']).check(z.describe('created, recording or ended'))),
});

export const reviewCommentBody = z.object({
  t: z.string().check(z.minLength(1), z.maxLength(64), z.describe(`the instant commented on: ${INSTANT}`)),
  text: text(4000, 'the comment'),
  role: text(40, 'who: the reviewer\'s role, e.g. "M&M chair"'),
  name: text(100, "who: the reviewer's name"),
});

export const reviewSeriesBody = z.object({
  seriesUid: text(128, 'the SeriesInstanceUID recorded with the case (series.seriesUid of the review state)'),
  source: z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(4096),
      z.describe(
        'where to load it from: the source recorded with the case, a folder inside a --dicom-root to locate it in, a DICOMweb URL under a --pacs, or demo',
      ),
    ),
});

const REVIEW_400 = 'a parameter is wrong (code REVIEW_BAD_WIDTH, REVIEW_BAD_TIME, REVIEW_BAD_SPAN, REVIEW_BAD_CHANNEL, REVIEW_BAD_BUDGET, REC_BAD_ID...)';
const REVIEW_404 = 'no recording with that id (code REC_NOT_FOUND)';
const REVIEW_503 = 'the review worker stopped (code REVIEW_WORKER): try again';

const REC_ENTRY =
  'the recorder refused (code REC_NO_CASE: no active case; ' +
  'REC_BAD_ANNOTATION: unknown kind, who is not on the team, dated in the future, a note without text...)';
const REC_RESTARTING = 'the recorder worker is restarting (code REC_WORKER_FAILED): try again';
const WHO_CONFIRMS = 'confirmed without role (and, with no case recording, name), or who is not on the case team';

export const API_ROUTES = {
  status: {
    method: 'GET',
    path: '/api/status',
    summary: 'The hub now: contract version, devices with their counters, alarms, device bus counters.',
    status: 200,
    response: json<StatusView>(),
    errors: {},
  },
  case: {
    method: 'GET',
    path: '/api/case',
    summary: 'The active case (null when none), the annotation presets and whether it records.',
    status: 200,
    response: json<CaseStateMessage>(),
    errors: {},
  },
  caseStart: {
    method: 'POST',
    path: '/api/case',
    summary: 'Creates a case and starts recording it.',
    body: caseStartBody,
    status: 201,
    response: json<CaseView>(),
    errors: {
      400: 'a field is missing or wrong',
      409: 'a case is already active (code REC_CASE_ACTIVE), or the recorder refused the case',
      503: REC_RESTARTING,
    },
  },
  caseEnd: {
    method: 'POST',
    path: '/api/case/end',
    summary: 'Ends the active case: everything is flushed and the case file is complete. With {role, name}, who ended it is recorded (a note "Case ended").',
    body: z.optional(
      z.object({
        role: optText(40, 'who ends the case: a role on the case team (the display always sends it)'),
        name: optText(100, "who: a name (default: that team member's)"),
      }),
    ),
    status: 200,
    response: json<CaseView>(),
    errors: { 409: 'no active case (code REC_NO_CASE)', 503: REC_RESTARTING },
  },
  timeline: {
    method: 'GET',
    path: '/api/timeline',
    summary: "The active case's timeline: latest version of each entry, alarm intervals, gaps.",
    status: 200,
    response: json<TimelineMessage>(),
    errors: { 404: 'no active case' },
  },
  annotate: {
    method: 'POST',
    path: '/api/annotations',
    summary: 'Adds an entry (marker, note, bolus, blood loss); answers once it is on disk.',
    body: annotationBody,
    status: 201,
    response: json<AnnotationAckView>(),
    errors: { 400: 'a field is missing or wrong', 409: REC_ENTRY, 503: REC_RESTARTING },
  },
  annotationEdit: {
    method: 'POST',
    path: '/api/annotations/:entryId/edit',
    summary: 'Adds a new version of an entry with the changed fields; earlier versions stay.',
    body: annotationEditBody,
    status: 200,
    response: json<AnnotationAckView>(),
    errors: { 400: 'a field is missing or wrong', 409: `${REC_ENTRY}; REC_NOT_FOUND: no such entry`, 503: REC_RESTARTING },
  },
  annotationDelete: {
    method: 'POST',
    path: '/api/annotations/:entryId/delete',
    summary: 'Adds a deletion version; the entry stays in the history.',
    body: annotationDeleteBody,
    status: 200,
    response: json<AnnotationAckView>(),
    errors: { 400: 'a field is missing or wrong', 409: `${REC_ENTRY}; REC_NOT_FOUND: no such entry`, 503: REC_RESTARTING },
  },
  annotationHistory: {
    method: 'GET',
    path: '/api/annotations/:entryId/history',
    summary: 'Every version of one entry, in chain order.',
    status: 200,
    response: json<AnnotationVersionView[]>(),
    errors: {},
  },
  annotationVersions: {
    method: 'GET',
    path: '/api/annotations',
    summary: "Every version of every entry of the active case, in chain order: the case log's edit history (who and when).",
    status: 200,
    response: json<AnnotationVersionView[]>(),
    errors: { 404: 'no active case' },
  },
  anatomy: {
    method: 'GET',
    path: '/api/anatomy',
    summary: 'The current image volume (status, progress, metadata) and registration.',
    status: 200,
    response: json<AnatomyStateView>(),
    errors: {},
  },
  anatomyVoxels: {
    method: 'GET',
    path: '/api/anatomy/voxels',
    summary: "The current volume's samples: little-endian Int16 or Float32 (meta.dataType), x fastest, then y, then z.",
    query: z.object({ id: optText(4200, "the volume's meta.id: refused when another volume has replaced it") }),
    status: 200,
    response: binary(),
    errors: { 404: 'no volume loaded', 409: 'the volume named by id is no longer current' },
  },
  anatomyOpen: {
    method: 'POST',
    path: '/api/anatomy/open',
    summary: 'Starts loading images; progress and the result come as `volume` messages (and GET /api/anatomy).',
    body: anatomyOpenBody,
    status: 202,
    response: json<{ status: 'loading'; source: string }>(),
    errors: {
      400: `source is missing, no such file or folder on the hub, or its file system does not answer; ${WHO_CONFIRMS}`,
      403: 'not inside a configured DICOM folder or PACS (the message names the setting: --dicom-root, --pacs)',
      409: 'images are shown: confirm to replace them (code IMAGES_REPLACE_CONFIRM)',
    },
  },
  hl7OutStatus: {
    method: 'GET',
    path: '/api/hl7-out',
    summary: 'The outgoing HL7 PCD-01 feed (--hl7-out): receiver, reports queued, sent and rejected, last error (only when configured).',
    status: 200,
    response: json<Record<string, unknown>>(),
    errors: { 404: 'the hub runs without --hl7-out' },
  },
  anatomySources: {
    method: 'GET',
    path: '/api/anatomy/sources',
    summary: 'The DICOM folders (--dicom-root, --dicom) and PACS (--pacs) this hub may read for a display; anything else is refused (403).',
    status: 200,
    response: json<DicomSourcesView>(),
    errors: {},
  },
  anatomyDemo: {
    method: 'POST',
    path: '/api/anatomy/demo',
    summary: 'Starts loading the built-in demo phantom.',
    body: anatomyDemoBody,
    status: 202,
    response: json<{ status: 'loading' }>(),
    errors: { 400: WHO_CONFIRMS, 409: 'images are shown: confirm to replace them (code IMAGES_REPLACE_CONFIRM)' },
  },
  pacsSearch: {
    method: 'GET',
    path: '/api/anatomy/pacs',
    summary: 'Searches a DICOMweb (QIDO-RS) service for series (at most 200).',
    query: z.object({
      url: z
        .string()
        .check(
          z.regex(/^https?:\/\//i, { error: 'must be a DICOMweb service URL (http[s]://host/dicom-web[?PatientID=...])' }),
          z.describe('the DICOMweb service, optionally with QIDO filters (?PatientID=...)'),
        ),
    }),
    status: 200,
    response: json<PacsSeriesView[]>(),
    errors: {
      400: 'url is missing or not http(s)',
      403: 'not under a PACS configured with --pacs',
      502: 'the PACS cannot be used: one answer whatever the reason (refused, unknown host, not DICOMweb, timeout)',
    },
  },
  registration: {
    method: 'GET',
    path: '/api/anatomy/registration',
    summary: 'The tracker-to-image registration in force, or null.',
    status: 200,
    response: json<RegistrationView | null>(),
    errors: {},
  },
  registrationSet: {
    method: 'POST',
    path: '/api/anatomy/registration',
    summary:
      'Registers the tracker to the current images from fiducial pairs (kept per series across restarts). Replacing the one in force, ' +
      'or an FRE above the limit (--max-fre-mm), needs confirmed and who; recorded in the case with who.',
    body: registrationBody,
    status: 200,
    response: json<RegistrationView>(),
    errors: {
      400: `pairs is missing or not [{image, tracker}] of 3 numbers each; ${WHO_CONFIRMS}`,
      409: 'confirm first: a registration is in force (code REG_REPLACE_CONFIRM), or the FRE is above the limit (code REG_FRE_CONFIRM; the message says both)',
      422: 'no images loaded, fewer than 3 pairs, or the points are degenerate',
    },
  },
  registrationClear: {
    method: 'DELETE',
    path: '/api/anatomy/registration',
    summary: 'Removes the registration of the current images.',
    status: 200,
    response: json<null>(),
    errors: {},
  },
  alarms: {
    method: 'GET',
    path: '/api/alarms',
    summary: "The alarm engine's alarms (active and latched, with their state), the limits in force and the audio pause length.",
    status: 200,
    response: json<AlarmsView>(),
    errors: {},
  },
  alarmHistory: {
    method: 'GET',
    path: '/api/alarms/history',
    summary: 'The last alarm state changes (raised, acknowledged, audio paused, escalated, cleared, limits changed...), oldest first.',
    status: 200,
    response: json<AlarmChangeView[]>(),
    errors: {},
  },
  alarmAcknowledge: alarmAction('acknowledge', 'Acknowledges an alarm: its sound stops; a latched alarm whose condition has ended goes.'),
  alarmPauseAudio: alarmAction('pause-audio', "Pauses an alarm's sound for the configured time (default 2 min)."),
  alarmOff: alarmAction('off', 'Alarm off: no visual or auditory signal for this condition until switched on again.'),
  alarmOn: alarmAction('on', 'Switches an alarm that was off back on.'),
  alarmLimits: {
    method: 'POST',
    path: '/api/alarms/limits/:mdc',
    summary: "Changes a channel's alarm limits (by MDC reference id) for the case; recorded with who.",
    body: alarmLimitsBody,
    status: 200,
    response: json<AlarmLimitView>(),
    errors: { 400: 'a field is wrong, low is not below high, or no limits for that channel' },
  },
  reviewRecordings: {
    method: 'GET',
    path: '/api/review/recordings',
    summary: 'Review: every recording, finished or running, newest first, with search by date, room, procedure, team member, marker kind, state.',
    query: reviewListQuery,
    status: 200,
    response: json<RecordingListView>(),
    errors: { 400: REVIEW_400, 500: 'the search failed', 503: REVIEW_503 },
  },
  reviewRecording: {
    method: 'GET',
    path: '/api/review/recordings/:id',
    summary: 'Review: one recording (case, span, channels, device descriptors, trend channels); the case file is opened read-only.',
    status: 200,
    response: json<RecordingDetailView>(),
    errors: { 400: REVIEW_400, 404: REVIEW_404, 500: 'the case file could not be read', 503: REVIEW_503 },
  },
  reviewOverview: {
    method: 'GET',
    path: '/api/review/recordings/:id/overview',
    summary: 'Review: trend overview, min/max per pixel column, with markers, alarms, gaps and device intervals; complete: false means ask again.',
    query: z.object({
      width: z.string().check(z.regex(/^\d{1,4}$/, { error: 'must be a whole number of columns (1..8192)' }), z.describe('columns, 1..8192')),
      from: instant('from'),
      to: instant('to'),
      budget: z.optional(
        z.string().check(z.regex(/^(\d{1,6}|all)$/, { error: 'must be ms or "all"' }), z.describe('ms spent building the cache, or all (default 150)')),
      ),
    }),
    status: 200,
    response: json<OverviewView>(),
    errors: { 400: REVIEW_400, 404: REVIEW_404, 500: 'the case file could not be read', 503: REVIEW_503 },
  },
  reviewState: {
    method: 'GET',
    path: '/api/review/recordings/:id/state',
    summary:
      'Review: what the theatre display showed at t: waves of the window ending at t, numerics, settings, device states, alarms, poses, series, registration.',
    query: z.object({
      t: z.string().check(z.minLength(1), z.maxLength(64), z.describe(`the instant: ${INSTANT}`)),
      window: z.optional(
        z.string().check(z.regex(/^\d{1,6}$/, { error: 'must be ms (at most 600000)' }), z.describe('ms of waveform before t (default 10000, at most 600000)')),
      ),
      waves: z.optional(
        z
          .string()
          .check(
            z.regex(/^\d+:\d{1,6}(,\d+:\d{1,6}){0,63}$/, { error: 'must be ID:MS wave channel windows, comma-separated' }),
            z.describe('only these wave channels, each with its own ms before t (ID:MS,ID:MS); default every wave for window'),
          ),
      ),
    }),
    status: 200,
    response: json<ReviewStateView>(),
    errors: { 400: REVIEW_400, 404: REVIEW_404, 500: 'the case file could not be read', 503: REVIEW_503 },
  },
  reviewWaves: {
    method: 'GET',
    path: '/api/review/recordings/:id/waves',
    summary: 'Review: raw waveform runs for a span of at most 2 minutes (play and zoom).',
    query: z.object({
      from: z.string().check(z.minLength(1), z.maxLength(64), z.describe(`from: ${INSTANT}`)),
      to: z.string().check(z.minLength(1), z.maxLength(64), z.describe(`to: ${INSTANT}`)),
      channels: z.optional(
        z.string().check(z.regex(/^\d+(,\d+){0,63}$/, { error: 'must be channel ids, comma-separated' }), z.describe('wave channel ids, comma-separated')),
      ),
    }),
    status: 200,
    response: json<WavesWindowView>(),
    errors: { 400: REVIEW_400, 404: REVIEW_404, 500: 'the case file could not be read', 503: REVIEW_503 },
  },
  reviewComments: {
    method: 'GET',
    path: '/api/review/recordings/:id/comments',
    summary: "Review: reviewers' comments (kept in DATA_DIR/review/, apart from the team's entries) and whether their hash chain checks.",
    status: 200,
    response: json<ReviewCommentsView>(),
    errors: { 400: REVIEW_400, 404: REVIEW_404, 500: 'the ledger could not be read', 503: REVIEW_503 },
  },
  reviewComment: {
    method: 'POST',
    path: '/api/review/recordings/:id/comments',
    summary: "Review: adds a reviewer's comment (attributed, hash-chained, head anchored); never written to the case file.",
    body: reviewCommentBody,
    status: 201,
    response: json<ReviewCommentView>(),
    errors: { 400: `${REVIEW_400}; REVIEW_BAD_COMMENT: empty text or who missing`, 404: REVIEW_404, 500: 'the ledger could not be written', 503: REVIEW_503 },
  },
  reviewSeriesOpen: {
    method: 'POST',
    path: '/api/review/series',
    summary:
      "Review: loads the series with this UID from a source into a review slot (read-only; the live display's volume is not touched); " +
      'then poll GET /api/review/series/:uid.',
    body: reviewSeriesBody,
    status: 202,
    response: json<ReviewSeriesStateView>(),
    errors: {
      400: 'a field is missing, no such file or folder on the hub, or its file system does not answer',
      403: 'not inside a configured DICOM folder or PACS (the message names the setting: --dicom-root, --pacs)',
    },
  },
  reviewSeries: {
    method: 'GET',
    path: '/api/review/series/:uid',
    summary: "Review: a series' review slot: loading progress, then its metadata, or why it is not there (with the series UIDs that were found).",
    status: 200,
    response: json<ReviewSeriesStateView>(),
    errors: { 404: 'no review load of that series (POST /api/review/series first)' },
  },
  reviewSeriesVoxels: {
    method: 'GET',
    path: '/api/review/series/:uid/voxels',
    summary: "Review: a loaded review series' samples, laid out as GET /api/anatomy/voxels.",
    query: z.object({ id: optText(4200, "the volume's meta.id: refused when another load has replaced it") }),
    status: 200,
    response: binary(),
    errors: { 404: 'that series is not loaded for review', 409: 'the load named by id is no longer the one kept' },
  },
} as const satisfies Record<string, RouteDef>;

export type ApiRoutes = typeof API_ROUTES;
export type RouteName = keyof ApiRoutes;

// The schemas accept exactly the request types the rest of the code uses (a compile-time check).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<z.output<typeof annotationBody>, AnnotationRequest>,
  Same<z.output<typeof caseStartBody>, CaseStartRequest>,
  Same<z.output<typeof annotationEditBody>['patch'], AnnotationPatchRequest>,
] = [true, true, true];
void sameShapes;
