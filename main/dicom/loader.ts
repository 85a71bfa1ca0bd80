/**
 * Loads DICOM from a folder, a DICOMDIR, a single file or a DICOMweb URL into studies and
 * series; each scalar image series becomes one `Volume` (common/volume.ts) with its patient
 * geometry. Parsing and decoding run in worker threads (pool.ts); pixels are written by the
 * workers straight into a SharedArrayBuffer, so `Volume.data` is backed by shared memory.
 *
 * Bad input never throws: a file that cannot be used is listed with the reason, and its series
 * is marked incomplete. Only a source that cannot be opened at all (or an abort) rejects.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findSeries, parseDicomwebUrl, retrieveSeries } from './dicomweb';
import { DicomError } from './errors';
import { sharedPool } from './pool';
import { readLayout } from './placement';
import { releaseVolumeMemory } from './volume-memory';
import type { Source } from './tasks';
import { guidedChunks, listInWorker, planScan, scanFiles } from './load-scan';
import { buildSeries, groupSeries } from './load-series';
import type { FileEntry, LoadedSeries, LoadedStudySet, LoadOptions, SeriesFound, SkippedFile } from './load-types';

export type { LoadOptions, LoadProgress, LoadedSeries, LoadedStudySet, SeriesFound, SkippedFile } from './load-types';

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DicomError('ABORTED', '', 'load aborted');
}

/** Load everything found at `source` (path or DICOMweb URL). */
export async function loadSeries(source: string, opts: LoadOptions = {}): Promise<LoadedStudySet> {
  const t0 = performance.now();
  const pool = opts.pool ?? sharedPool();
  const signal = opts.signal;
  const report = (done: number, total: number, phase: string) => opts.onProgress?.({ done, total, phase });
  const skipped: SkippedFile[] = [];
  const warnings: string[] = [];
  const fileMs = opts.fileTimeoutMs ?? 5000;
  let sources: Source[] = [];
  const otherSeries: SeriesFound[] = [];
  let kind: LoadedStudySet['kind'];

  report(0, 0, 'list');
  if (isUrl(source)) {
    kind = 'dicomweb';
    const target = parseDicomwebUrl(source, opts.dicomwebHeaders);
    const all = await findSeries(target, signal);
    const refs = opts.seriesUid === undefined ? all : all.filter((r) => r.seriesUid === opts.seriesUid);
    if (opts.seriesUid !== undefined)
      otherSeries.push(
        ...all
          .filter((r) => r.seriesUid !== opts.seriesUid)
          .map((r) => ({ seriesInstanceUid: r.seriesUid, modality: r.modality ?? '', description: r.description ?? '' })),
      );
    report(0, refs.length, 'download');
    for (let i = 0; i < refs.length; i++) {
      throwIfAborted(signal);
      try {
        const parts = await retrieveSeries(refs[i], signal);
        parts.forEach((bytes, k) => sources.push({ name: `${refs[i].url}/#${k + 1}`, bytes }));
      } catch (e) {
        if (e instanceof DicomError) skipped.push({ file: e.file, reason: e.reason, code: e.code });
        else throw e;
      }
      report(i + 1, refs.length, 'download');
    }
  } else {
    const list = await listInWorker(pool, path.resolve(source), opts.listTimeoutMs ?? 30_000);
    kind = list.kind;
    sources = list.files.map((p) => ({ path: p }));
    for (const m of list.missing) skipped.push({ file: m.file, reason: m.reason, code: 'IO' });
    for (const m of list.special) skipped.push({ file: m.file, reason: m.reason, code: 'SPECIAL' });
    warnings.push(...list.warnings);
  }
  throwIfAborted(signal);

  // Header pass: every file in parallel through the pool. For files on disk it is a scan:
  // pixels that the first files predict a slot for are read and placed in the same pass.
  const total = sources.length;
  let done = 0;
  const batches = guidedChunks(sources, pool.size);
  const placement = opts.placeDuringScan === false || kind === 'dicomweb' ? undefined : await planScan(sources, batches.length, fileMs);
  const phase = placement ? 'scan' : 'header';
  report(0, total, phase);
  try {
    const entries = await scanFiles(pool, batches, placement, fileMs, skipped, (n) => {
      done += n;
      report(done, total, phase);
    });
    throwIfAborted(signal);
    if (placement) placement.layout = readLayout(placement.plan);
    return await buildAll(entries);
  } finally {
    if (placement && !placement.done) releaseVolumeMemory(placement.mem);
  }

  async function buildAll(entries: FileEntry[]): Promise<LoadedStudySet> {
    const groups = groupSeries(entries, skipped).filter((g) => {
      const h = g[0].header;
      if (opts.seriesUid === undefined || h.seriesInstanceUid === opts.seriesUid) return true;
      otherSeries.push({ seriesInstanceUid: h.seriesInstanceUid, modality: h.modality, description: h.seriesDescription });
      return false;
    });
    const totalFrames = groups.reduce((n, g) => n + g.reduce((m, e) => m + (e.header.pixelData ? e.header.numberOfFrames : 0), 0), 0);
    const pixelProgress = { done: 0, total: totalFrames };
    report(0, totalFrames, 'pixels');
    const series: LoadedSeries[] = [];
    for (const g of groups) {
      throwIfAborted(signal);
      series.push(
        await buildSeries(g, pool, t0, placement, (n) => {
          pixelProgress.done += n;
          report(pixelProgress.done, pixelProgress.total, 'pixels');
        }),
      );
    }
    skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    report(totalFrames, totalFrames, 'done');
    return {
      source,
      kind,
      series,
      skipped,
      filesFound: sources.length + skipped.filter((s) => s.code === 'IO').length,
      warnings,
      loadMs: performance.now() - t0,
      ...(opts.seriesUid !== undefined ? { otherSeries } : {}),
    };
  }
}
