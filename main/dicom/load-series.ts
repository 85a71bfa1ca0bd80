/**
 * Series building of a DICOM load (loader.ts): files grouped into series, duplicates of one SOP
 * instance resolved, unusable pixels and other stacks set aside, and the main stack decoded
 * (load-stack.ts) into the series' volume, retrying with a duplicate where a file fails.
 */
import { performance } from 'node:perf_hooks';
import type { VolumeGeometry } from '../../common/volume';
import type { DicomErrorCode } from './errors';
import { buildStackGeometry, stackKey, type FrameGeometry, type StackGeometry } from './geometry';
import { isNativeSyntax, type FileHeader } from './parse';
import { unsupportedPixelReason } from './pixels';
import type { DicomWorkerPool } from './pool';
import { sourceName } from './tasks';
import { decodeStack, geomOpts } from './load-stack';
import type { FileEntry, InputFrame, LoadedSeries, Placement, SkippedFile } from './load-types';

function unitFor(h: FileHeader): string {
  if (h.photometric === 'MONOCHROME1') return '';
  if (h.modality === 'CT' && (!h.rescaleType || h.rescaleType === 'HU')) return 'HU';
  if (h.rescaleType && h.rescaleType !== 'US') return h.rescaleType;
  if (h.modality === 'RTDOSE') return 'Gy';
  return '';
}

/** The files' series, each sorted by file name, in study, series number and UID order; entries of no series go to `skipped`. */
export function groupSeries(entries: FileEntry[], skipped: SkippedFile[]): FileEntry[][] {
  const bySeries = new Map<string, FileEntry[]>();
  for (const e of entries) {
    if (!e.header.seriesInstanceUid && !e.header.pixelData) {
      skipped.push({
        file: e.header.file,
        reason: `DICOM data set without SeriesInstanceUID or pixel data (SOP class ${e.header.sopClassUid || 'none'}): not part of any series`,
        code: 'NOT_IMAGE',
      });
      continue;
    }
    const key = e.header.seriesInstanceUid || `(no SeriesInstanceUID) ${e.header.file}`;
    if (!e.header.seriesInstanceUid) e.header.warnings.push('no SeriesInstanceUID: treated as its own series');
    const list = bySeries.get(key) ?? [];
    list.push(e);
    bySeries.set(key, list);
  }
  const groups = [...bySeries.values()].map((g) => g.sort((a, b) => (sourceName(a.source) < sourceName(b.source) ? -1 : 1)));
  groups.sort((a, b) => {
    const ha = a[0].header;
    const hb = b[0].header;
    return (
      ha.studyInstanceUid.localeCompare(hb.studyInstanceUid) ||
      (ha.seriesNumber ?? 0) - (hb.seriesNumber ?? 0) ||
      ha.seriesInstanceUid.localeCompare(hb.seriesInstanceUid)
    );
  });
  return groups;
}

function seriesShell(g: FileEntry[], t0: number): LoadedSeries {
  const h = g[0].header;
  return {
    studyInstanceUid: h.studyInstanceUid,
    seriesInstanceUid: h.seriesInstanceUid,
    seriesNumber: h.seriesNumber,
    modality: h.modality,
    description: h.seriesDescription,
    studyDescription: h.studyDescription,
    studyDate: h.studyDate ?? '',
    patientName: h.patientName,
    patientId: h.patientId,
    transferSyntaxes: [...new Set(g.map((e) => e.header.transferSyntax))],
    isVolume: false,
    unit: unitFor(h),
    filesUsed: 0,
    filesSkipped: [],
    warnings: [],
    incomplete: false,
    framesUsed: 0,
    interpolatedSlices: 0,
    loadMs: performance.now() - t0,
  };
}

export async function buildSeries(
  g: FileEntry[],
  pool: DicomWorkerPool,
  t0: number,
  placement: Placement | undefined,
  onFrames: (n: number) => void,
): Promise<LoadedSeries> {
  const s = seriesShell(g, t0);
  const fileWarnings = new Set<string>();
  const addWarnings = (es: Iterable<FileEntry>) => {
    for (const e of es) for (const w of e.header.warnings) fileWarnings.add(w);
  };

  // Files without usable pixels.
  const withPixels = g.filter((e) => e.header.pixelData);
  if (!withPixels.length) {
    s.notVolumeReason = `no pixel data (${g[0].header.modality || 'unknown modality'} object, SOP class ${g[0].header.sopClassUid})`;
    s.filesUsed = g.length;
    addWarnings(g);
    s.warnings.push(...fileWarnings);
    s.loadMs = performance.now() - t0;
    return s;
  }
  for (const e of g) if (!e.header.pixelData) s.filesSkipped.push({ file: e.header.file, reason: 'no pixel data in this file', code: 'NOT_IMAGE' });

  // Deduplicate SOP instances (the same image stored twice, e.g. in two syntaxes): prefer native.
  const bySop = new Map<string, FileEntry>();
  const unique: FileEntry[] = [];
  const alternates = new Map<FileEntry, FileEntry[]>();
  const rank = (e: FileEntry) =>
    (isNativeSyntax(e.header.transferSyntax) ? 0 : 2) +
    (e.header.warnings.some((w) => /truncated/.test(w)) ? 4 : 0) +
    (unsupportedPixelReason(e.header) ? 8 : 0);
  const ranked = [...withPixels].sort((a, b) => rank(a) - rank(b));
  for (const e of ranked) {
    const uid = e.header.sopInstanceUid;
    const prev = uid ? bySop.get(uid) : undefined;
    if (prev) {
      s.filesSkipped.push({ file: e.header.file, reason: `duplicate of SOP instance ${uid} already read from ${prev.header.file}`, code: 'DUPLICATE' });
      alternates.set(prev, [...(alternates.get(prev) ?? []), e]);
      continue;
    }
    if (uid) bySop.set(uid, e);
    unique.push(e);
  }

  // Files whose pixels we cannot turn into a scalar volume.
  const usable: FileEntry[] = [];
  const reasons = new Map<string, number>();
  for (const e of unique) {
    const why = unsupportedPixelReason(e.header);
    if (why) {
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      s.filesSkipped.push({ file: e.header.file, reason: why, code: /decoder/.test(why) ? 'UNSUPPORTED_SYNTAX' : 'UNSUPPORTED_PIXELS' });
    } else usable.push(e);
  }
  const h0 = (usable[0] ?? unique[0]).header;
  if (!usable.length) {
    s.notVolumeReason = [...reasons.keys()].join('; ');
    // Still report the geometry the headers describe.
    const frames = unique.flatMap((e) => e.header.frames.map((f, i) => frameGeom(e.header, f, i)));
    const key = stackKey(frames[0]);
    s.geometry = stripStack(
      buildStackGeometry(
        frames.filter((f) => stackKey(f) === key),
        geomOpts(h0),
      ),
    );
    s.filesSkipped = s.filesSkipped.filter((f) => f.code !== 'UNSUPPORTED_PIXELS' || !/colour|PALETTE/.test(f.reason));
    s.incomplete = s.filesSkipped.length > 0;
    s.filesUsed = unique.length - s.filesSkipped.filter((f) => f.code !== 'DUPLICATE' && f.code !== 'NOT_IMAGE').length;
    addWarnings(unique);
    s.warnings.push(...fileWarnings);
    s.loadMs = performance.now() - t0;
    return s;
  }

  // Frames, grouped into stacks of equal size and orientation; the largest is the volume.
  const inputs: InputFrame[] = usable.flatMap((e) => e.header.frames.map((f, i) => ({ entry: e, frame: i, geom: frameGeom(e.header, f, i) })));
  const stacks = new Map<string, InputFrame[]>();
  for (const f of inputs) {
    const k = stackKey(f.geom);
    const list = stacks.get(k) ?? [];
    list.push(f);
    stacks.set(k, list);
  }
  const ordered = [...stacks.values()].sort((a, b) => b.length - a.length);
  let main = ordered[0];
  if (ordered.length > 1) {
    const other = ordered.slice(1);
    const otherFiles = new Set(other.flatMap((st) => st.map((f) => f.entry)));
    for (const e of otherFiles) {
      const f = e.header;
      s.filesSkipped.push({
        file: f.file,
        reason:
          `different size or orientation (${f.columns}x${f.rows}, IOP ` +
          `${f.frames[0].iop?.join('\\') ?? 'none'}) than the main stack: localizer or another stack`,
        code: 'OTHER_STACK',
      });
    }
    s.warnings.push(`${ordered.length} stacks of different size/orientation in one series: the largest (${main.length} frames) is the volume`);
  }

  let result = await decodeStack(main, pool, h0, onFrames, s, false, placement);
  const firstGeometry = result.geometry;
  while (result.failedInputs.size) {
    // Some frames failed: use a duplicate of the same SOP instance if there is one, else
    // drop the file; then rebuild the geometry and decode again.
    const failedFiles = new Map<FileEntry, { reason: string; code: DicomErrorCode }>();
    for (const [f, why] of result.failedInputs) if (!failedFiles.has(f.entry)) failedFiles.set(f.entry, why);
    const failed = result.failedInputs;
    main = main.filter((f) => !failed.has(f) && !failedFiles.has(f.entry));
    const mainKey = stackKey(result.stackKeyFrame);
    for (const [e, why] of failedFiles) {
      const alt = alternates.get(e)?.find((a) => !unsupportedPixelReason(a.header));
      if (alt) {
        alternates.set(
          e,
          alternates.get(e)!.filter((a) => a !== alt),
        );
        alternates.set(alt, alternates.get(e)!);
        s.filesSkipped = s.filesSkipped.filter((f) => f.file !== alt.header.file);
        s.filesSkipped.push({ file: e.header.file, reason: `${why.reason} (same SOP instance read from ${alt.header.file} instead)`, code: why.code });
        for (const [i, f] of alt.header.frames.entries()) {
          const geom = frameGeom(alt.header, f, i);
          if (stackKey(geom) === mainKey) main.push({ entry: alt, frame: i, geom });
        }
      } else s.filesSkipped.push({ file: e.header.file, reason: why.reason, code: why.code });
    }
    if (!main.length) break;
    result = await decodeStack(main, pool, h0, () => {}, s);
  }
  addWarnings(new Set(main.map((f) => f.entry)));
  for (const w of fileWarnings) s.warnings.push(w);
  s.filesUsed = new Set(main.map((f) => f.entry)).size;
  s.incomplete = s.filesSkipped.some((f) => f.code !== 'DUPLICATE' && f.code !== 'NOT_IMAGE') || (result.geometry?.missingSlices ?? 0) > 0;
  s.framesUsed = main.length;
  if (!main.length || !result.volume) {
    s.notVolumeReason = 'no frame of the series could be decoded';
    if (firstGeometry) s.geometry = stripStack(firstGeometry);
    s.loadMs = performance.now() - t0;
    return s;
  }
  const geo = result.geometry!;
  s.isVolume = true;
  s.volume = result.volume;
  s.placedDuringScan = result.placed === true;
  s.geometry = stripStack(geo);
  s.valueRange = result.volume.valueRange;
  s.interpolatedSlices = result.interpolated ?? 0;
  s.tiltDeg = geo.tiltDeg;
  s.missingSlices = geo.missingSlices;
  s.oblique = geo.oblique;
  s.slicePositionsMm = geo.slicePositionsMm;
  s.warnings.unshift(...geo.warnings);
  for (const d of geo.duplicates) {
    const f = main[d.input];
    const same = main[d.sameAs];
    if (f.entry !== same.entry && f.entry.header.numberOfFrames === 1) {
      s.filesSkipped.push({ file: f.entry.header.file, reason: `same slice position as ${same.entry.header.file}`, code: 'DUPLICATE' });
      s.filesUsed--;
    }
  }
  s.loadMs = performance.now() - t0;
  return s;
}

export function frameGeom(h: FileHeader, f: FileHeader['frames'][number], i: number): FrameGeometry {
  return { ipp: f.ipp, iop: f.iop, pixelSpacing: f.pixelSpacing, rows: h.rows, columns: h.columns, order: (h.instanceNumber ?? 0) * 100000 + i };
}

export function stripStack(g: StackGeometry): VolumeGeometry {
  return { dimensions: g.dimensions, spacing: g.spacing, origin: g.origin, direction: g.direction };
}
