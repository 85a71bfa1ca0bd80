/**
 * The procedure (case), its annotations and its timeline as the display sees them.
 * Pure TypeScript shared by hub and display; the hub's recorder stores the same shapes.
 * Times are hub time (Unix ms).
 */

export interface TeamMemberView {
  /** e.g. surgeon, anaesthetist, scrub-nurse, circulating-nurse. */
  role: string;
  name: string;
}

export interface CaseView {
  /** The case's id (also the name of its recording file). */
  id: string;
  procedure: string;
  room: string;
  state: 'created' | 'recording' | 'ended';
  /** Hub times (Unix ms): created, recording started (null before), ended (null before). */
  createdMs: number;
  startedMs: number | null;
  endedMs: number | null;
  team: TeamMemberView[];
  /** The patient's identity as entered at the start (shown at all times); absent or null: not identified. */
  patient?: { name: string | null; identifier: string | null } | null;
}

export interface PresetView {
  /** What POST /api/annotations takes as `kind`, e.g. "incision". */
  kind: string;
  /** What the display's button says. */
  label: string;
  /** e.g. "Alt+4", "F5" */
  shortcut: string;
}

/** One stored version of an annotation entry (edits and deletions add versions). */
export interface AnnotationView {
  /** Position in the case's annotation chain. */
  seq: number;
  /** The entry this version belongs to (stable across edits). */
  entryId: string;
  /** 1 for the entry as created, +1 per edit or deletion. */
  version: number;
  action: 'create' | 'edit' | 'delete';
  kind: string;
  /** Hub time the entry refers to (Unix ms). */
  tMs: number;
  /** Hub time this version was written. */
  recordedMs: number;
  /** Who wrote this version. */
  role: string;
  name: string;
  text: string;
  /** Kind-specific values: bolus {drug, dose, unit}, blood loss {ml}. */
  data: Record<string, string | number>;
  /** SHA-256 of this version, chained to the previous one (tamper evidence). */
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
  /** The entry's id: edit, delete and history name it. */
  entryId: string;
  /** 1 for a new entry. */
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
  /** The device's channel index. */
  channel: number;
  /** The device's alarm code. */
  code: number;
  /** 0 info, 1 low, 2 medium, 3 high (IEC 60601-1-8). */
  priority: number;
  text: string;
  /** Hub times (Unix ms); toMs null while the alarm is still active. */
  fromMs: number;
  toMs: number | null;
}

/** A stretch with no data from a device (lost frames, device offline, hub restart). */
export interface GapView {
  deviceId: string;
  channel: number;
  /** Hub times (Unix ms). */
  fromMs: number;
  toMs: number;
  lostFrames: number;
  /** Why, e.g. "sequence" (frames lost), "hub-restart", "recorder-overflow". */
  reason: string;
}

export interface TimelineView {
  caseId: string;
  /** Hub time recording started (Unix ms). */
  startedMs: number | null;
  /** Latest version of each entry (deleted entries have action 'delete'). */
  markers: AnnotationView[];
  /** Alarm intervals of the case so far. */
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
  /** The person confirmed a number above its usual limit (the hub answered 409 REC_CONFIRM first); recorded with the entry. */
  confirmed?: boolean;
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
export type AnnotationPatchRequest = Partial<Pick<AnnotationRequest, 'kind' | 'tMs' | 'text' | 'drug' | 'dose' | 'unit' | 'bloodLossMl' | 'confirmed'>>;

/** The case on the hub now (GET /api/case, and the `case` message). */
export interface CaseStateMessage {
  /** Always "case" (the WebSocket message's tag). */
  t: 'case';
  /** null when no case is active. */
  case: CaseView | null;
  /** One-touch annotation kinds of this hub. */
  presets: PresetView[];
  /** True while the hub records the case. */
  recording: boolean;
}

/** The active case's timeline (GET /api/timeline, and the `timeline` message). */
export interface TimelineMessage {
  /** Always "timeline". */
  t: 'timeline';
  timeline: TimelineView;
}

export type CaseMessage = CaseStateMessage | TimelineMessage;
