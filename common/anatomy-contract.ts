/**
 * The 3D anatomy and navigation as the display sees them (issue 5). Pure TypeScript shared by
 * hub and display. Times are hub time (Unix ms); coordinates are patient LPS millimetres.
 *
 * The hub keeps one current volume. Its metadata travels as a `volume` message over the display
 * WebSocket; its voxels over HTTP: GET /api/anatomy/voxels?id=ID answers the raw little-endian
 * samples (Int16 or Float32, `dataType`), x fastest, then y, then z (common/volume.ts).
 */
import type { VolumeGeometry } from './volume';
import type { FiducialPair } from './registration';

export interface VolumeMeta extends VolumeGeometry {
  /** Changes with every load; the voxel request names it so a display never mixes two loads. */
  id: string;
  /** Stable identity of the images (series instance UID; for the demo a fixed name): registrations are kept per key. */
  key: string;
  source: 'demo' | 'dicom';
  /** What was opened: the folder, file or URL; for the demo "built-in demo phantom". */
  sourceLabel: string;
  modality: string;
  description: string;
  patientName: string;
  /** PatientID (0010,0020) of the images, when they have one. */
  patientId?: string;
  /** StudyDate of the images, DICOM DA "YYYYMMDD", when they have one. */
  studyDate?: string;
  /** Unit of the values: "HU" for CT. */
  unit: string;
  valueRange: [number, number];
  /** Suggested window [centre, width]. */
  window?: [number, number];
  dataType: 'int16' | 'float32';
  byteLength: number;
  /** Gantry tilt measured from the slice positions (degrees), when not 0. */
  tiltDeg?: number;
  oblique?: boolean;
  warnings: string[];
}

export type VolumeStatus = 'none' | 'loading' | 'ready' | 'error';

export interface RegistrationView {
  /** Key of the images it belongs to (VolumeMeta.key). */
  volumeKey: string;
  /** tracker -> image (patient LPS), column-major 4x4, mm. */
  trackerToImage: number[];
  /** Fiducial registration error, RMS, mm. */
  freMm: number;
  residualsMm: number[];
  pairs: FiducialPair[];
  createdHubMs: number;
  /** e.g. "5 fiducials" or "demo: simulated pointer on the skin markers". */
  label: string;
  /** Who registered (the case's team member when a case records); null or absent: not said (the API without role, the demo, an older hub). */
  by?: { role: string; name: string } | null;
  /** The hub's FRE limit when it was made (mm, --max-fre-mm). */
  freLimitMm?: number;
  /** It needed a confirmation (it replaced one in force, or its FRE was above the limit) and `by` confirmed it. */
  confirmed?: boolean;
}

/**
 * The codes of a 409 that asks for a confirmation (issue 12 §4): the same request again with
 * `confirmed: true` and who (role, name) goes through and is recorded with who confirmed it.
 */
export const ANATOMY_CONFIRM = {
  /** A registration is in force for these images: the new one would replace it. */
  replaceRegistration: 'REG_REPLACE_CONFIRM',
  /** The registration's FRE is above the hub's limit (--max-fre-mm, default 2 mm). */
  highFre: 'REG_FRE_CONFIRM',
  /** Images are shown: loading others would replace them. */
  replaceImages: 'IMAGES_REPLACE_CONFIRM',
} as const;

export type AnatomyConfirmCode = (typeof ANATOMY_CONFIRM)[keyof typeof ANATOMY_CONFIRM];

export const isAnatomyConfirmCode = (c: string | undefined): c is AnatomyConfirmCode => Object.values(ANATOMY_CONFIRM).includes(c as AnatomyConfirmCode);

/** One series a DICOMweb (PACS) search found. */
export interface PacsSeriesView {
  url: string;
  studyUid: string;
  seriesUid: string;
  modality?: string;
  description?: string;
}

/** The current image volume: loading progress, then its metadata (the `volume` message, and GET /api/anatomy). */
export interface VolumeMessage {
  t: 'volume';
  status: VolumeStatus;
  /** 0..1 while loading. */
  progress: number;
  /** Loader phase: 'list' | 'download' | 'header' | 'pixels' | 'generate' | 'done'. */
  phase: string;
  sourceLabel: string;
  meta: VolumeMeta | null;
  /** Why a load failed, or what is odd about the series. */
  message?: string;
}

export interface RegistrationMessage {
  t: 'registration';
  registration: RegistrationView | null;
}

export type AnatomyMessage = VolumeMessage | RegistrationMessage;

/** GET /api/anatomy: what a display needs to show the images (the same as the two messages). */
export interface AnatomyStateView {
  /** The current volume: loading progress, its metadata once ready. */
  volume: VolumeMessage;
  /** The registration in force for these images, null when none. */
  registration: RegistrationView | null;
}

/** What a display may ask the hub to read (GET /api/anatomy/sources): configured folders and PACS. */
export interface DicomSourcesView {
  /** Folders (from --dicom-root and --dicom): these and paths inside them may be opened. */
  roots: { path: string; label: string }[];
  /** DICOMweb services (from --pacs): these and URLs below them may be searched and loaded. */
  pacs: { url: string; label: string }[];
}
