/**
 * DICOM loading for OR Hub: folders, DICOMDIR, DICOMweb; series to `Volume`s with patient
 * geometry. See docs/dicom.md.
 */
export { loadSeries } from './loader';
export type { LoadOptions, LoadProgress, LoadedSeries, LoadedStudySet, SkippedFile } from './loader';
export { dicomCommand, seriesJson, studySetJson } from './inspect';
export { DicomError } from './errors';
export type { DicomErrorCode } from './errors';
export { DicomWorkerPool, sharedPool } from './pool';
export { buildStackGeometry } from './geometry';
export type { FrameGeometry, StackGeometry } from './geometry';
export { releaseVolume, trimVolumeMemory, volumeMemoryStats } from './volume-memory';
