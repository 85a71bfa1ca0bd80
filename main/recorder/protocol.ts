/**
 * Messages between the Recorder (hub thread) and its worker (write connection).
 * Requests carry a sequence number; every request gets exactly one Reply.
 * The worker also sends unsolicited StatusMessages (I/O trouble and recovery).
 */
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { AlarmIntervalView } from '../../common/case-contract';
import type { AnnotationAck, AnnotationInput, AnnotationPatch, AnnotationRecord, Preset } from './annotations';
import type { AlarmRow, CaseInfo, CaseMeta, DicomShown, GapRow, Registration } from './store';

export type SampleFormatName = 'i16' | 'i32' | 'f32';

/** All samples one channel produced since the last batch, at one scale/offset/rate. */
export interface WaveEntry {
  deviceId: string;
  channel: number;
  rateHz: number;
  scale: number;
  offset: number;
  format: SampleFormatName;
  samples: Int16Array | Int32Array | Float32Array;
  /** Pairs [t0HubMs, count] per frame, in arrival order; counts sum to samples.length. */
  frames: Float64Array;
}

/** Numerics: rows of [tHubMs, value, status]. Poses: rows of [tHubMs, quality, status, m0..m15]. */
export interface SeriesEntry {
  deviceId: string;
  channel: number;
  rows: Float64Array;
}

export const NUMERIC_WIDTH = 3;
export const POSE_WIDTH = 19;

export type RowItem =
  | { k: 'online'; desc: DeviceDescriptor; tMs: number }
  | { k: 'state'; deviceId: string; state: string; tMs: number; reason: string }
  | { k: 'setting'; deviceId: string; channel: number; tMs: number; value: number; text: string }
  | ({ k: 'alarm' } & AlarmRow)
  | { k: 'event'; deviceId: string; channel: number; tMs: number; code: string; text: string }
  | ({ k: 'gap' } & GapRow)
  | { k: 'dicom'; d: DicomShown }
  | { k: 'registration'; r: Registration };

export interface Batch {
  rows: RowItem[];
  waves: WaveEntry[];
  numerics: SeriesEntry[];
  poses: SeriesEntry[];
  /** Newest hub time in the batch (for case_info.last_data_ms). */
  maxTMs: number;
}

export type AnnotationOp =
  | { action: 'create'; input: AnnotationInput }
  | { action: 'edit'; entryId: string; patch: AnnotationPatch; role: string; name?: string }
  | { action: 'delete'; entryId: string; role: string; name?: string; reason?: string };

export type AlarmInterval = AlarmIntervalView;

/** What the display's timeline strip shows for the case so far. */
export interface Timeline {
  caseId: string;
  startedMs: number | null;
  markers: AnnotationRecord[];
  alarms: AlarmInterval[];
  gaps: GapRow[];
}

export interface OpenResult {
  /** The active case found in the data dir (created or recording), if any. */
  active: CaseInfo | null;
  /** When a recording case was resumed after a crash: the downtime recorded as a gap. */
  resumedGap: GapRow | null;
}

export interface RequestMap {
  open: { req: { dataDir: string; nowMs: number; presets: Preset[] }; res: OpenResult };
  createCase: { req: { meta: CaseMeta; nowMs: number }; res: CaseInfo };
  startRecording: { req: { nowMs: number; devices: { desc: DeviceDescriptor; tMs: number }[] }; res: CaseInfo };
  endCase: { req: { nowMs: number }; res: CaseInfo };
  batch: { req: Batch; res: { committed: number } };
  annotate: { req: { op: AnnotationOp; nowMs: number }; res: AnnotationAck };
  history: { req: { entryId?: string }; res: AnnotationRecord[] };
  timeline: { req: { fromMs: number; toMs: number }; res: Timeline };
  close: { req: Record<string, never>; res: null };
  /** Test hook: limits the database size to simulate a full disk (0 = no limit). */
  debugMaxPages: { req: { pages: number }; res: number };
}

export type RequestType = keyof RequestMap;

export type Request = { [K in RequestType]: { seq: number; type: K; req: RequestMap[K]['req'] } }[RequestType];

export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export type Reply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: WireError };

export type StatusMessage =
  | { status: 'io-error'; code: string; message: string; pendingBatches: number }
  | { status: 'io-ok'; message: string }
  | { status: 'internal-error'; message: string };

export type WorkerMessage = Reply | StatusMessage;

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message, code: (e as { code?: string }).code };
  return { name: 'Error', message: String(e) };
}
