/**
 * What the live anatomy service (anatomy-service.ts) and the review's series slots
 * (review-volumes.ts) share: picking the series to show from a DICOM load, turning it into the
 * `VolumeMeta` displays read (common/anatomy-contract.ts) with its warnings, and serving a
 * volume's voxels so that its memory goes back to the loader only once no download still reads it.
 */
import type { Volume } from '../../common/volume';
import type { VolumeMeta } from '../../common/anatomy-contract';
import { releaseVolume, type LoadedSeries, type LoadedStudySet, type LoadProgress } from '../dicom/index';
import { DicomError } from '../dicom/errors';
import { DEMO_VOLUME_ID } from './demo-phantom';
import { PACS_UNUSABLE, type PacsConfig } from './dicom-sources';

/** The fields a source knows about its images; the rest of VolumeMeta comes from the volume. */
export type MetaFields = Omit<VolumeMeta, 'id' | 'dataType' | 'byteLength' | keyof Volume> & Partial<VolumeMeta>;

/** The metadata of `volume` as displays get it, `id` naming this load. */
export function volumeMeta(id: string, volume: Volume, meta: MetaFields): VolumeMeta {
  return {
    id,
    dimensions: volume.dimensions,
    spacing: volume.spacing,
    origin: volume.origin,
    direction: volume.direction,
    modality: volume.modality,
    description: volume.description,
    unit: volume.unit,
    valueRange: volume.valueRange,
    window: volume.window,
    dataType: volume.data instanceof Int16Array ? 'int16' : 'float32',
    byteLength: volume.data.byteLength,
    ...meta,
    warnings: meta.warnings ?? [],
  } as VolumeMeta;
}

/** A load's progress as one fraction 0..1 (never going back), from the loader's phases: list → header (or scan, which also reads most pixels) → pixels. */
export function loadFraction(p: LoadProgress, prev: number): number {
  const progress = p.total > 0 ? p.done / p.total : 0;
  if (p.phase === 'scan') return 0.9 * progress;
  if (p.phase === 'pixels') return Math.max(prev, 0.3 + 0.7 * progress);
  if (p.phase === 'header' || p.phase === 'download') return 0.3 * progress;
  return 0;
}

/** Picks the series to show: the scalar volume with the most voxels. */
export function pickSeries(series: LoadedSeries[]): LoadedSeries | null {
  let best: LoadedSeries | null = null;
  let bestN = -1;
  for (const s of series) {
    if (!s.isVolume || !s.volume) continue;
    const n = s.volume.dimensions[0] * s.volume.dimensions[1] * s.volume.dimensions[2];
    if (n > bestN) {
      best = s;
      bestN = n;
    }
  }
  return best;
}

/** Why a load gave no volume to show (files found, skipped, and what the series were). */
export function noVolumeReason(set: LoadedStudySet, source: string): string {
  const why = set.series.map((x) => `${x.description || x.seriesInstanceUid}: ${x.notVolumeReason ?? 'no pixels'}`).slice(0, 3);
  const skipped = set.skipped.length ? `; ${set.skipped.length} files skipped (${set.skipped[0].reason})` : '';
  return `no image volume in ${source} (${set.filesFound} files${skipped}${why.length ? '; ' + why.join('; ') : ''})`;
}

/** The VolumeMeta fields of series `s` of a DICOM load from `source`, with what the display should warn about. */
export function dicomMetaFields(set: LoadedStudySet, s: LoadedSeries, source: string): MetaFields {
  const warnings = [...s.warnings];
  // Files never read because they could block the hub (FIFOs, devices) or did not answer in time.
  const unread = set.skipped.filter((k) => k.code === 'SPECIAL' || k.code === 'TIMEOUT');
  if (unread.length)
    warnings.push(
      `${unread.length} file(s) skipped: ${unread
        .slice(0, 5)
        .map((k) => `${k.file} (${k.reason})`)
        .join('; ')}`,
    );
  if (s.incomplete) warnings.push(`incomplete: ${s.filesSkipped.length} files could not be used`);
  if (s.interpolatedSlices) warnings.push(`${s.interpolatedSlices} slices interpolated (missing or uneven spacing)`);
  return {
    key: s.seriesInstanceUid,
    source: 'dicom',
    sourceLabel: source,
    patientName: s.patientName,
    patientId: s.patientId || undefined,
    studyDate: s.studyDate || undefined,
    tiltDeg: s.tiltDeg || undefined,
    oblique: s.oblique || undefined,
    warnings,
  };
}

/** The VolumeMeta fields of the built-in demo phantom. */
export const DEMO_META_FIELDS: MetaFields = {
  key: DEMO_VOLUME_ID,
  source: 'demo',
  sourceLabel: 'built-in demo phantom',
  patientName: 'DEMO^PHANTOM',
  warnings: ['synthetic phantom: not patient data'],
};

/** Why loading `source` (from `pacs` for DICOMweb) failed with `e`: a PACS that cannot be used gets one answer, whatever the reason (no oracle for what is behind it). */
export function loadFailure(e: unknown, source: string, pacs?: PacsConfig): string {
  return e instanceof DicomError && e.code === 'NETWORK' && pacs ? `PACS ${pacs.label}: ${PACS_UNUSABLE}` : `${source}: ${(e as Error).message}`;
}

/**
 * Voxel downloads in progress per volume: a volume no longer kept hands its memory back to the
 * DICOM loader for the next load (about 15 ms less per load of a CT, docs/dicom.md) once its
 * last download has ended.
 */
export class VolumeDownloads {
  private readonly running = new Map<Volume, number>();

  /** The voxels of `v` as a route body; `kept()` says, when the download ends, whether `v` is still in use. */
  serve(v: Volume, kept: () => boolean): { body: Uint8Array; done: () => void } {
    const d = v.data;
    this.running.set(v, (this.running.get(v) ?? 0) + 1);
    const done = () => {
      const left = (this.running.get(v) ?? 1) - 1;
      if (left > 0) return void this.running.set(v, left);
      this.running.delete(v);
      if (!kept()) releaseVolume(v); // replaced while it was being sent
    };
    return { body: new Uint8Array(d.buffer, d.byteOffset, d.byteLength), done };
  }

  /** `v` is no longer kept: its memory goes back now, or when its last download ends. */
  retire(v: Volume): void {
    if (!this.running.get(v)) releaseVolume(v);
  }
}
