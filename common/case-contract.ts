/**
 * The procedure (case), its annotations and its timeline as the display sees them.
 * Pure TypeScript shared by hub and display; the hub's recorder stores the same shapes.
 * Times are hub time (Unix ms).
 */

export interface TeamMemberView {
  role: string;
  name: string;
}

export interface CaseView {
  id: string;
  procedure: string;
  room: string;
  state: 'created' | 'recording' | 'ended';
  createdMs: number;
  startedMs: number | null;
  endedMs: number | null;
  team: TeamMemberView[];
}

export interface PresetView {
  kind: string;
  label: string;
  /** e.g. "Alt+4", "F5" */
  shortcut: string;
}

/** One stored version of an annotation entry (edits and deletions add versions). */
export interface AnnotationView {
  seq: number;
  entryId: string;
  version: number;
  action: 'create' | 'edit' | 'delete';
  kind: string;
  tMs: number;
  recordedMs: number;
  role: string;
  name: string;
  text: string;
  data: Record<string, string | number>;
  hash: string;
}

/** One version in an entry's history (GET /api/annotations/:entryId/history): the view plus its place in the hash chain. */
export interface AnnotationVersionView extends AnnotationView {
  caseId: string;
  /** Hash of the version before it in the case's chain ('' for the first). */
  prevHash: string;
}

/** The hub's answer once an annotation, edit or deletion is committed to disk. */
export interface AnnotationAckView {
  entryId: string;
  version: number;
  /** Position in the case's annotation chain. */
  seq: number;
  /** Hub time the entry refers to (Unix ms). */
  tMs: number;
  /** SHA-256 of this version, chained to the previous one. */
  hash: string;
}

export interface AlarmIntervalView {
  deviceId: string;
  channel: number;
  code: number;
  priority: number;
  text: string;
  fromMs: number;
  toMs: number | null;
}

export interface GapView {
  deviceId: string;
  channel: number;
  fromMs: number;
  toMs: number;
  lostFrames: number;
  reason: string;
}

export interface TimelineView {
  caseId: string;
  startedMs: number | null;
  /** Latest version of each entry (deleted entries have action 'delete'). */
  markers: AnnotationView[];
  alarms: AlarmIntervalView[];
  gaps: GapView[];
}

/** What a display or script submits to annotate (POST /api/annotations); the recorder stores it. */
export interface AnnotationRequest {
  /** A preset kind (e.g. "incision"), "note", "bolus" or "blood-loss". */
  kind: string;
  /** Hub time the entry refers to; default now. */
  tMs?: number;
  /** Back-dating: the entry refers to now − agoMs ("incision 2 minutes ago"). */
  agoMs?: number;
  text?: string;
  /** Bolus given by hand. */
  drug?: string;
  dose?: number;
  unit?: string;
  /** Blood loss, millilitres. */
  bloodLossMl?: number;
  /** Who: a role on the case's team; name defaults to that member's. */
  role: string;
  name?: string;
}

export interface CaseStartRequest {
  procedure: string;
  room?: string;
  team: TeamMemberView[];
  /** Kept apart from the recording so it can be shared without them. */
  patient?: { identifier?: string; name?: string; birthDate?: string; sex?: string };
}

/** Changes in an edit (POST /api/annotations/:entryId/edit); omitted fields keep the previous version's value. */
export type AnnotationPatchRequest = Partial<Pick<AnnotationRequest, 'kind' | 'tMs' | 'text' | 'drug' | 'dose' | 'unit' | 'bloodLossMl'>>;

/** The case on the hub now (GET /api/case, and the `case` message). */
export interface CaseStateMessage {
  t: 'case';
  /** null when no case is active. */
  case: CaseView | null;
  /** One-touch annotation kinds of this hub. */
  presets: PresetView[];
  recording: boolean;
}

/** The active case's timeline (GET /api/timeline, and the `timeline` message). */
export interface TimelineMessage {
  t: 'timeline';
  timeline: TimelineView;
}

export type CaseMessage = CaseStateMessage | TimelineMessage;
