/**
 * What the review screen's routes answer (GET /api/review/..., docs/review.md): plain JSON views of
 * main/review (the hub side). Times are hub time (Unix ms). Pure types: no Node, no DOM.
 */
import type { AlarmIntervalView, AnnotationView, CaseView, GapView } from './case-contract';
import type { VolumeMeta, VolumeStatus } from './anatomy-contract';

export type ReviewCaseState = 'created' | 'recording' | 'ended';

export interface RecordingEntryView {
  id: string;
  file: string;
  procedure: string;
  room: string;
  state: ReviewCaseState;
  createdMs: number;
  startedMs: number | null;
  endedMs: number | null;
  /** End, or newest data for a running case, or start. */
  lastMs: number;
  team: { role: string; name: string }[];
  /** Kinds of the current (not deleted) team annotations, with counts. */
  markerKinds: Record<string, number>;
  bytes: number;
}

export interface RecordingListView {
  entries: RecordingEntryView[];
  unreadable: { file: string; error: string }[];
}

export interface ReviewChannelView {
  id: number;
  deviceId: string;
  channel: number;
  kind: string;
  label: string;
  unit: string;
  rateHz: number | null;
  format: string | null;
}

export interface ReviewTrendInfo {
  channelId: number;
  deviceId: string;
  channel: number;
  label: string;
  unit: string;
  mdc: string;
  group: string;
  kind: string;
}

export interface RecordingDetailView {
  case: Pick<CaseView, 'id' | 'procedure' | 'room' | 'team'> & Record<string, unknown>;
  span: { fromMs: number; toMs: number };
  channels: ReviewChannelView[];
  /** The device descriptors as recorded (docs/device-protocol.md): channels carry their IEEE 11073 id. */
  devices: {
    deviceId: string;
    kind: string;
    manufacturer: string;
    model: string;
    channels: { index: number; kind: string; mdc: string; label: string; unit: string; rateHz?: number }[];
  }[];
  trends: ReviewTrendInfo[];
}

export interface DeviceIntervalView {
  state: string;
  fromMs: number;
  toMs: number | null;
  reason: string;
}

export interface OverviewView {
  caseId: string;
  fromMs: number;
  toMs: number;
  width: number;
  columnMs: number;
  complete: boolean;
  /** min/max per pixel column (null: no data in that column). */
  trends: (ReviewTrendInfo & { pending: boolean; min: (number | null)[]; max: (number | null)[] })[];
  markers: AnnotationView[];
  alarms: AlarmIntervalView[];
  gaps: GapView[];
  devices: { deviceId: string; intervals: DeviceIntervalView[] }[];
}

/** A run of raw counts: physical = raw * scale + offset, sample i at t0Ms + i * stepMs. */
export interface WaveRunView {
  t0Ms: number;
  stepMs: number;
  scale: number;
  offset: number;
  raw: number[];
}

export interface WaveView {
  channelId: number;
  deviceId: string;
  channel: number;
  label: string;
  unit: string;
  rateHz: number | null;
  runs: WaveRunView[];
}

export interface ReviewNumericView {
  channelId: number;
  deviceId: string;
  channel: number;
  label: string;
  unit: string;
  tMs: number;
  value: number;
  status: number;
  ageMs: number;
}

export interface ReviewPoseView {
  channelId: number;
  deviceId: string;
  channel: number;
  label: string;
  tMs: number;
  quality: number;
  status: number;
  /** 4x4 tool->tracker, column-major, mm. */
  matrix: number[];
}

export interface ReviewSeriesView {
  tMs: number;
  studyUid?: string;
  seriesUid: string;
  modality?: string;
  description?: string;
  source?: string;
  /** As recorded: geometry (dimensions, spacing, origin, direction) of the volume shown. */
  detail?: Record<string, unknown>;
  /** false when the local source it was loaded from is gone (offer to locate it by series UID); null when not a local path. */
  sourceAvailable: boolean | null;
}

export interface ReviewRegistrationView {
  tMs: number;
  seriesUid?: string;
  trackerDeviceId?: string;
  method?: string;
  /** 4x4 column-major, mm (as recorded). */
  matrix: number[];
  freMm?: number;
  detail?: Record<string, unknown>;
}

export interface ReviewStateView {
  tMs: number;
  windowMs: number;
  waves: WaveView[];
  numerics: ReviewNumericView[];
  settings: { deviceId: string; channel: number; tMs: number; value: number; text: string }[];
  devices: { deviceId: string; state: string; sinceMs: number; reason: string }[];
  alarms: AlarmIntervalView[];
  poses: ReviewPoseView[];
  series: ReviewSeriesView | null;
  registration: ReviewRegistrationView | null;
  gaps: GapView[];
}

export interface WavesWindowView {
  fromMs: number;
  toMs: number;
  waves: WaveView[];
}

/** A reviewer's comment: kept in the review ledger (DATA_DIR/review/), never in the case file; hash-chained. */
export interface ReviewCommentView {
  seq: number;
  caseId: string;
  /** Hub time the comment refers to (Unix ms). */
  tMs: number;
  /** Hub time it was written. */
  recordedMs: number;
  role: string;
  name: string;
  text: string;
  prevHash: string;
  hash: string;
}

export interface ReviewCommentsView {
  comments: ReviewCommentView[];
  /** The chain checked end to end (and against the anchored head). */
  chain: { ok: boolean; error?: string };
}

export interface ReviewCommentRequest {
  /** The instant commented on: an instant as in the other review routes (ISO, Unix ms, or +offset from the case start). */
  t: string;
  text: string;
  role: string;
  name: string;
}

/** A series loaded for review (POST/GET /api/review/series): kept apart from the live display's volume. */
export interface ReviewSeriesStateView {
  seriesUid: string;
  /** What it is loaded from: the recorded source, or where the reviewer located it. */
  source: string;
  status: Exclude<VolumeStatus, 'none'>;
  /** 0..1 while loading. */
  progress: number;
  phase: string;
  /** Once ready (voxels: GET /api/review/series/:uid/voxels?id=meta.id). */
  meta: VolumeMeta | null;
  /** Why it could not be loaded. */
  message?: string;
  /** When no series with that UID was at the source: the series that were (at most 50). */
  found?: { seriesUid: string; modality: string; description: string }[];
}
