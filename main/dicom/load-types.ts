/** The types of a DICOM load (loader.ts): options, progress, the results, and the internal records the passes share. */
import type { Volume, VolumeGeometry } from '../../common/volume';
import type { DicomErrorCode } from './errors';
import type { FrameGeometry, StackGeometry } from './geometry';
import type { FileHeader } from './parse';
import type { DicomWorkerPool } from './pool';
import type { ScanLayout, ScanPlan } from './placement';
import type { Placed, Source } from './tasks';

export interface LoadProgress {
  done: number;
  total: number;
  /**
   * 'list' | 'download' | 'header' | 'scan' | 'pixels' | 'done'. 'scan' replaces 'header' for
   * files on disk: each file is read once, header and (where they fit) pixels.
   */
  phase: string;
}

export interface LoadOptions {
  onProgress?(p: LoadProgress): void;
  signal?: AbortSignal;
  /** Worker pool to use (default: the shared one). */
  pool?: DicomWorkerPool;
  /**
   * Place pixels during the header pass where the first files predict their slot (default
   * true). Off: headers first, then pixels (the result is the same; tests compare the two).
   */
  placeDuringScan?: boolean;
  /**
   * Time limits (issue 12 §2): listing a local path (default 30 s), and reading one file's header
   * (default 5 s; a request of n files gets the limit + 200 ms per file). A file that does not answer is
   * skipped with code TIMEOUT; a listing that does not answer fails the load with TIMEOUT.
   */
  listTimeoutMs?: number;
  fileTimeoutMs?: number;
  /** Headers for DICOMweb requests (a PACS's credentials, from the hub's --pacs configuration). */
  dicomwebHeaders?: Record<string, string>;
  /**
   * Build only the series with this SeriesInstanceUID (a review locating the series it recorded); the
   * others found are listed in `otherSeries`, their pixels never decoded (from DICOMweb never retrieved).
   */
  seriesUid?: string;
}

/** A series found but not built (LoadOptions.seriesUid named another one). */
export interface SeriesFound {
  seriesInstanceUid: string;
  modality: string;
  description: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
  code?: DicomErrorCode | 'DUPLICATE' | 'OTHER_STACK' | 'NOT_IMAGE';
}

export interface LoadedSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber?: number;
  modality: string;
  description: string;
  studyDescription: string;
  /** StudyDate, DICOM DA "YYYYMMDD" ('' when absent). */
  studyDate: string;
  patientName: string;
  patientId: string;
  transferSyntaxes: string[];
  /** True when the series became a scalar volume (`volume` set). */
  isVolume: boolean;
  /** Why the series is not a volume (non-image object, colour, no decoder, ...). */
  notVolumeReason?: string;
  volume?: Volume;
  /** Geometry also for series whose pixels could not be used (undefined for non-images). */
  geometry?: VolumeGeometry;
  valueRange?: [number, number];
  unit: string;
  filesUsed: number;
  filesSkipped: SkippedFile[];
  warnings: string[];
  /** True when any file or frame of the series could not be used. */
  incomplete: boolean;
  /** Frames (slices) read from files, and output slices filled by interpolation. */
  framesUsed: number;
  interpolatedSlices: number;
  tiltDeg?: number;
  missingSlices?: number;
  oblique?: boolean;
  /** Positions of the real slices along the slice normal, mm (sorted). */
  slicePositionsMm?: number[];
  /** Wall time from the start of the load until this series was complete, ms. */
  loadMs: number;
  /**
   * True when the volume's pixels were placed during the header scan (each file read once);
   * false when they were read in a second pass (placement not predicted, or not confirmed by
   * the geometry: uneven spacing, missing slices, compressed files, ...).
   */
  placedDuringScan?: boolean;
}

export interface LoadedStudySet {
  source: string;
  kind: 'folder' | 'dicomdir' | 'file' | 'dicomweb';
  series: LoadedSeries[];
  /** Files that belong to no series: not DICOM, unreadable, directory objects. */
  skipped: SkippedFile[];
  filesFound: number;
  warnings: string[];
  loadMs: number;
  /** With LoadOptions.seriesUid: the other series found there. */
  otherSeries?: SeriesFound[];
}

export interface FileEntry {
  source: Source;
  header: FileHeader;
  /** Where the scan already put this file's pixels (single-frame native 16-bit files only). */
  placed?: Placed;
}

/** The memory a scan placed pixels into, for the series its layout expects (placement.ts). */
export interface Placement {
  mem: WebAssembly.Memory;
  plan: ScanPlan;
  /** The layout the scan used (read once the scan is over). */
  layout?: ScanLayout;
  /** Taken by a volume, or handed back: either way no longer this load's to release. */
  done: boolean;
}

export interface InputFrame {
  entry: FileEntry;
  frame: number;
  geom: FrameGeometry;
}

export interface StackResult {
  /** The volume is the scan's placement (no second read). */
  placed?: boolean;
  geometry?: StackGeometry;
  volume?: Volume;
  failedInputs: Map<InputFrame, { reason: string; code: DicomErrorCode }>;
  interpolated?: number;
  stackKeyFrame: FrameGeometry;
}
