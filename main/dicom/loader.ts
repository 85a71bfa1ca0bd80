/**
 * Loads DICOM from a folder, a DICOMDIR, a single file or a DICOMweb URL into studies and
 * series; each scalar image series becomes one `Volume` (common/volume.ts) with its patient
 * geometry. Parsing and decoding run in worker threads (pool.ts); pixels are written by the
 * workers straight into a SharedArrayBuffer, so `Volume.data` is backed by shared memory.
 *
 * Bad input never throws: a file that cannot be used is listed with the reason, and its series
 * is marked incomplete. Only a source that cannot be opened at all (or an abort) rejects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Volume, VolumeGeometry } from '../../common/volume';
import { findSeries, parseDicomwebUrl, retrieveSeries } from './dicomweb';
import { DicomError, type DicomErrorCode } from './errors';
import { buildStackGeometry, stackKey, type FrameGeometry, type StackGeometry } from './geometry';
import { isNativeSyntax, type FileHeader } from './parse';
import { unsupportedPixelReason } from './pixels';
import { PoolTimeout, sharedPool, type DicomWorkerPool } from './pool';
import { KERNEL_SCRATCH_BYTES } from './simd';
import type { FileList } from './sources';
import { newScanPlan, readLayout, type ScanLayout, type ScanPlan } from './placement';
import { sourceName, type FrameJob, type FrameResult, type Placed, type Response, type Source } from './tasks';
import { acquireVolumeMemory, releaseVolumeMemory, volumeData } from './volume-memory';

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
}

interface FileEntry {
  source: Source;
  header: FileHeader;
  /** Where the scan already put this file's pixels (single-frame native 16-bit files only). */
  placed?: Placed;
}

/** The memory a scan placed pixels into, for the series its layout expects (placement.ts). */
interface Placement {
  mem: WebAssembly.Memory;
  plan: ScanPlan;
  /** The layout the scan used (read once the scan is over). */
  layout?: ScanLayout;
  /** Taken by a volume, or handed back: either way no longer this load's to release. */
  done: boolean;
}

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DicomError('ABORTED', '', 'load aborted');
}

function unitFor(h: FileHeader): string {
  if (h.photometric === 'MONOCHROME1') return '';
  if (h.modality === 'CT' && (!h.rescaleType || h.rescaleType === 'HU')) return 'HU';
  if (h.rescaleType && h.rescaleType !== 'US') return h.rescaleType;
  if (h.modality === 'RTDOSE') return 'Gy';
  return '';
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
  let kind: LoadedStudySet['kind'];

  report(0, 0, 'list');
  if (isUrl(source)) {
    kind = 'dicomweb';
    const target = parseDicomwebUrl(source);
    const refs = await findSeries(target, signal);
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
  const entries: FileEntry[] = [];
  const addResult = (r: Extract<Response, { type: 'scan' }>['results'][number], src: Source) => {
    if (!r.ok) {
      skipped.push({ file: r.error.file, reason: r.error.reason, code: r.error.code });
      return;
    }
    const h = r.header;
    if (h.isDirectory) {
      skipped.push({ file: h.file, reason: 'DICOMDIR / media directory object (not an image)', code: 'NOT_IMAGE' });
      return;
    }
    entries.push({ source: src, header: h, ...(r.placed ? { placed: r.placed } : {}) });
  };
  try {
    // allSettled: a placement memory is only handed back once no worker can still write into it.
    const settled = await Promise.allSettled(
      batches.map(async (batch, b) => {
        let res: Extract<Response, { type: 'scan' }>;
        try {
          res = await pool.run<Extract<Response, { type: 'scan' }>>(
            {
              type: 'scan',
              sources: batch,
              // Each request's kernel scratch follows the slots.
              ...(placement ? { plan: placement.plan, mem: placement.mem, scratch: placement.plan.bytes + KERNEL_SCRATCH_BYTES * b } : {}),
            },
            undefined,
            fileMs + 200 * batch.length,
          );
        } catch (e) {
          if (!(e instanceof PoolTimeout)) throw e;
          // A file of this request does not answer. Its worker was retired but may still write
          // into the placement memory when the file answers: never reuse that memory (the
          // volume is then read in the second pass), and find the file by asking one at a time.
          if (placement) placement.done = true;
          for (const src of batch) await headerAlone(src).then((r) => addResult(r, src));
          done += batch.length;
          report(done, total, phase);
          return;
        }
        res.results.forEach((r, i) => addResult(r, batch[i]));
        done += batch.length;
        report(done, total, phase);
      }),
    );
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    throwIfAborted(signal);
    if (placement) placement.layout = readLayout(placement.plan);
    return await buildAll();
  } finally {
    if (placement && !placement.done) releaseVolumeMemory(placement.mem);
  }

  /** One file's header on its own, with the per-file limit; a timeout is the file's skip reason. */
  async function headerAlone(src: Source): Promise<Extract<Response, { type: 'headers' }>['results'][number]> {
    try {
      return (await pool.run<Extract<Response, { type: 'headers' }>>({ type: 'headers', sources: [src] }, undefined, fileMs)).results[0];
    } catch (e) {
      if (!(e instanceof PoolTimeout)) throw e;
      return { ok: false, error: { code: 'TIMEOUT', file: sourceName(src), reason: `no answer within ${fileMs} ms (a hung network share or device?): skipped` } };
    }
  }

  async function buildAll(): Promise<LoadedStudySet> {
    // Group by series.
    const bySeries = new Map<string, FileEntry[]>();
    for (const e of entries) {
      if (!e.header.seriesInstanceUid && !e.header.pixelData) {
        skipped.push({ file: e.header.file, reason: `DICOM data set without SeriesInstanceUID or pixel data (SOP class ${e.header.sopClassUid || 'none'}): not part of any series`, code: 'NOT_IMAGE' });
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

    const totalFrames = groups.reduce((n, g) => n + g.reduce((m, e) => m + (e.header.pixelData ? e.header.numberOfFrames : 0), 0), 0);
    const pixelProgress = { done: 0, total: totalFrames };
    report(0, totalFrames, 'pixels');
    const series: LoadedSeries[] = [];
    for (const g of groups) {
      throwIfAborted(signal);
      series.push(await buildSeries(g, pool, t0, placement, (n) => {
        pixelProgress.done += n;
        report(pixelProgress.done, pixelProgress.total, 'pixels');
      }));
    }
    skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    report(totalFrames, totalFrames, 'done');
    return { source, kind, series, skipped, filesFound: sources.length + skipped.filter((s) => s.code === 'IO').length, warnings, loadMs: performance.now() - t0 };
  }
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

interface InputFrame {
  entry: FileEntry;
  frame: number;
  geom: FrameGeometry;
}

async function buildSeries(g: FileEntry[], pool: DicomWorkerPool, t0: number, placement: Placement | undefined, onFrames: (n: number) => void): Promise<LoadedSeries> {
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
    (isNativeSyntax(e.header.transferSyntax) ? 0 : 2) + (e.header.warnings.some((w) => /truncated/.test(w)) ? 4 : 0) + (unsupportedPixelReason(e.header) ? 8 : 0);
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
    s.geometry = stripStack(buildStackGeometry(frames.filter((f) => stackKey(f) === key), geomOpts(h0)));
    s.filesSkipped = s.filesSkipped.filter((f) => f.code !== 'UNSUPPORTED_PIXELS' || !/colour|PALETTE/.test(f.reason));
    s.incomplete = s.filesSkipped.length > 0;
    s.filesUsed = unique.length - s.filesSkipped.filter((f) => f.code !== 'DUPLICATE' && f.code !== 'NOT_IMAGE').length;
    addWarnings(unique);
    s.warnings.push(...fileWarnings);
    s.loadMs = performance.now() - t0;
    return s;
  }

  // Frames, grouped into stacks of equal size and orientation; the largest is the volume.
  const inputs: InputFrame[] = usable.flatMap((e) =>
    e.header.frames.map((f, i) => ({ entry: e, frame: i, geom: frameGeom(e.header, f, i) })),
  );
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
        reason: `different size or orientation (${f.columns}x${f.rows}, IOP ${f.frames[0].iop?.join('\\') ?? 'none'}) than the main stack: localizer or another stack`,
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
        alternates.set(e, alternates.get(e)!.filter((a) => a !== alt));
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

/**
 * The plan for placing pixels during the scan (placement.ts): the first three files in natural
 * name order to predict the layout from, and memory for 2n - 1 slots as large as the largest of
 * them. Undefined for fewer than two files or when no such memory can be had.
 */
async function planScan(sources: Source[], requests: number, timeoutMs: number): Promise<Placement | undefined> {
  const paths = sources.flatMap((x) => ('path' in x ? [x.path] : []));
  if (paths.length < 2) return undefined;
  const probe = firstInNaturalOrder(paths, 3);
  // Asynchronous stats with a time limit: the main thread never waits on a user's file system.
  const sizes = await Promise.all(
    probe.map((f) =>
      Promise.race([fs.promises.stat(f).then((st) => st.size, () => 0), new Promise<number>((r) => setTimeout(() => r(0), timeoutMs).unref())]),
    ),
  );
  const capacity = Math.max(0, ...sizes);
  if (!capacity) return undefined;
  const plan = newScanPlan(probe, paths.length, capacity);
  const mem = acquireVolumeMemory(plan.bytes + KERNEL_SCRATCH_BYTES * requests);
  return mem ? { mem, plan, done: false } : undefined;
}

/** The first `k` names in natural order (numbers compared by value: I2 before I10). */
function firstInNaturalOrder(names: string[], k: number): string[] {
  const out: string[] = [];
  for (const n of names) {
    let i = out.length;
    while (i > 0 && naturalOrder(n, out[i - 1]) < 0) i--;
    if (i < k) out.splice(i, 0, n);
    if (out.length > k) out.pop();
  }
  return out;
}

/**
 * The volume straight from the scan's placement, when the real geometry (from every header)
 * confirms it: no interpolation, and each sorted slice sits in the slot after the previous
 * one. Undefined otherwise (the caller then reads the pixels again, into a new layout).
 */
function placedVolume(frames: InputFrame[], geometry: StackGeometry, slotOf: number[], nOut: number, L: ScanLayout, mem: WebAssembly.Memory, h0: FileHeader, s: LoadedSeries): StackResult | undefined {
  const { sortedInputs, plan } = geometry;
  if (h0.rows !== L.rows || h0.columns !== L.columns || slotOf.length !== nOut) return undefined;
  if (!plan.every((p, k) => p.w === 0 && slotOf[p.a] === k)) return undefined;
  const first = frames[sortedInputs[0]].entry.placed;
  if (!first) return undefined;
  const base = first.slot - slotOf[0];
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < sortedInputs.length; j++) {
    const f = frames[sortedInputs[j]];
    const pl = f.entry.placed;
    if (f.frame !== 0 || !pl || pl.slot !== base + slotOf[j] || pl.overflow) return undefined;
    if (pl.min < min) min = pl.min;
    if (pl.max > max) max = pl.max;
  }
  if (base < 0 || base + nOut > L.slots) return undefined;
  const sliceLen = L.rows * L.columns;
  const data = volumeData(new Int16Array(mem.buffer, base * sliceLen * 2, nOut * sliceLen), mem);
  return { placed: true, geometry, volume: volumeOf(geometry, data, [min, max], h0, s), failedInputs: new Map(), interpolated: 0, stackKeyFrame: frames[0].geom };
}

/**
 * Requests for a pass over files, largest first (a quarter of what is left per worker pair, at most 64, at
 * least 2 files): few messages, and small ones at the end so the workers finish together.
 */
function guidedChunks<T>(xs: T[], workers: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; ) {
    const n = Math.max(2, Math.min(64, Math.ceil((xs.length - i) / (2 * workers))));
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}

function frameGeom(h: FileHeader, f: FileHeader['frames'][number], i: number): FrameGeometry {
  return { ipp: f.ipp, iop: f.iop, pixelSpacing: f.pixelSpacing, rows: h.rows, columns: h.columns, order: (h.instanceNumber ?? 0) * 100000 + i };
}

function geomOpts(h: FileHeader) {
  return { fallbackSliceSpacing: h.spacingBetweenSlices ?? h.sliceThickness, gantryTiltTagDeg: h.gantryTiltDeg };
}

function stripStack(g: StackGeometry): VolumeGeometry {
  return { dimensions: g.dimensions, spacing: g.spacing, origin: g.origin, direction: g.direction };
}

interface StackResult {
  /** The volume is the scan's placement (no second read). */
  placed?: boolean;
  geometry?: StackGeometry;
  volume?: Volume;
  failedInputs: Map<InputFrame, { reason: string; code: DicomErrorCode }>;
  interpolated?: number;
  stackKeyFrame: FrameGeometry;
}

/** Decide the output type: Int16 when every rescaled value is certainly (or probably) an integer in range. */
function chooseType(frames: InputFrame[]): { type: 'int16' | 'float32'; certain: boolean } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const f of frames) {
    const h = f.entry.header;
    const fr = h.frames[f.frame];
    if (!Number.isInteger(fr.slope) || !Number.isInteger(fr.intercept)) return { type: 'float32', certain: true };
    const bs = h.bitsStored;
    const sMin = h.pixelRepresentation === 1 ? -(2 ** (bs - 1)) : 0;
    const sMax = h.pixelRepresentation === 1 ? 2 ** (bs - 1) - 1 : 2 ** bs - 1;
    const a = sMin * fr.slope + fr.intercept;
    const b = sMax * fr.slope + fr.intercept;
    lo = Math.min(lo, a, b);
    hi = Math.max(hi, a, b);
  }
  return { type: 'int16', certain: lo >= -32768 && hi <= 32767 };
}

async function decodeStack(
  frames: InputFrame[],
  pool: DicomWorkerPool,
  h0: FileHeader,
  onFrames: (n: number) => void,
  s: LoadedSeries,
  forceFloat = false,
  placement?: Placement,
): Promise<StackResult> {
  const geometry = buildStackGeometry(frames.map((f) => f.geom), geomOpts(h0));
  const { sortedInputs, plan } = geometry;
  const sliceLen = h0.rows * h0.columns;
  const nOut = plan.length;
  // Slot of each sorted input: its exact output slice, or an extra slice after the volume.
  const slotOf: number[] = new Array(sortedInputs.length).fill(-1);
  plan.forEach((p, k) => {
    if (p.w === 0 && slotOf[p.a] < 0) slotOf[p.a] = k;
  });
  let extra = nOut;
  for (let j = 0; j < slotOf.length; j++) if (slotOf[j] < 0) slotOf[j] = extra++;
  const typeChoice = forceFloat ? { type: 'float32' as const, certain: true } : chooseType(frames);
  const bytesPer = typeChoice.type === 'int16' ? 2 : 4;
  if (placement?.layout && !placement.done && typeChoice.type === 'int16' && h0.seriesInstanceUid === placement.layout.seriesInstanceUid) {
    const placed = placedVolume(frames, geometry, slotOf, nOut, placement.layout, placement.mem, h0, s);
    placement.done = true;
    if (placed) {
      onFrames(frames.length);
      return placed;
    }
    // Not as predicted: the memory goes back now, so the read below can reuse it.
    releaseVolumeMemory(placement.mem);
  }

  // One pixel request per file, with all its frames.
  const perFile = new Map<FileEntry, Array<{ input: InputFrame; job: FrameJob }>>();
  sortedInputs.forEach((inputIdx, j) => {
    const f = frames[inputIdx];
    const fr = f.entry.header.frames[f.frame];
    const list = perFile.get(f.entry) ?? [];
    list.push({ input: f, job: { frame: f.frame, outOffset: slotOf[j] * sliceLen, slope: fr.slope, intercept: fr.intercept } });
    perFile.set(f.entry, list);
  });
  const fileJobs = [...perFile.entries()];
  const batches = guidedChunks(fileJobs, pool.size);

  // Int16 volumes live in a shared WebAssembly.Memory when possible: workers read native
  // samples straight into their slot and the SIMD kernel converts them there. Each request
  // gets its own kernel scratch after the voxels.
  const volumeBytes = extra * sliceLen * bytesPer;
  const scratchAt = Math.ceil(volumeBytes / 16) * 16;
  const mem = typeChoice.type === 'int16' ? acquireVolumeMemory(scratchAt + KERNEL_SCRATCH_BYTES * batches.length) : undefined;
  const sab = (mem?.buffer as SharedArrayBuffer | undefined) ?? new SharedArrayBuffer(volumeBytes);
  const out = typeChoice.type === 'int16' ? new Int16Array(sab, 0, extra * sliceLen) : new Float32Array(sab);

  const failedInputs: StackResult['failedInputs'] = new Map();
  let min = Infinity;
  let max = -Infinity;
  let overflow = false;
  await Promise.all(
    batches.map(async (batch, b) => {
      // A file that answered its header but hangs on its pixels fails the load (TIMEOUT) rather
      // than freezing it; the memory is then never reused (a retired worker may still write into it).
      const res = await pool
        .run<Extract<Response, { type: 'pixelsBatch' }>>(
          {
            type: 'pixelsBatch',
            items: batch.map(([entry, list]) => ({ source: entry.source, header: entry.header, jobs: list.map((l) => l.job) })),
            out: sab,
            outType: typeChoice.type,
            ...(mem ? { mem, scratch: scratchAt + KERNEL_SCRATCH_BYTES * b } : {}),
          },
          undefined,
          30_000 + 5000 * batch.length,
        )
        .catch((e: Error) => {
          throw e instanceof PoolTimeout ? new DicomError('TIMEOUT', sourceName(batch[0][0].source), `pixel data did not answer in time (${e.message})`) : e;
        });
      res.results.forEach((results: FrameResult[], b) => {
        const list = batch[b][1];
        results.forEach((r, i) => {
          if (r.ok) {
            if (r.min < min) min = r.min;
            if (r.max > max) max = r.max;
            if (r.overflow) overflow = true;
          } else failedInputs.set(list[i].input, { reason: r.error.reason, code: r.error.code });
        });
        onFrames(list.length);
      });
    }),
  );
  if ((overflow && typeChoice.type === 'int16') || failedInputs.size) {
    if (mem) releaseVolumeMemory(mem); // every request has answered: nothing writes into it any more
    if (failedInputs.size) return { geometry, failedInputs, stackKeyFrame: frames[0].geom };
    s.warnings.push('rescaled values exceed the Int16 range: volume stored as Float32');
    return decodeStack(frames, pool, h0, () => {}, s, true);
  }

  // Fill interpolated slices (missing slices / uneven spacing) from their neighbours.
  let interpolated = 0;
  for (let k = 0; k < nOut; k++) {
    const p = plan[k];
    if (p.w === 0 && slotOf[p.a] === k) continue;
    interpolated++;
    const a = slotOf[p.a] * sliceLen;
    const b = slotOf[p.b] * sliceLen;
    const o = k * sliceLen;
    const w = p.w;
    const isInt = out instanceof Int16Array;
    for (let i = 0; i < sliceLen; i++) {
      const v = out[a + i] * (1 - w) + out[b + i] * w;
      out[o + i] = isInt ? Math.round(v) : v;
    }
  }
  const data = typeChoice.type === 'int16' ? new Int16Array(sab, 0, nOut * sliceLen) : new Float32Array(sab, 0, nOut * sliceLen);
  if (mem) volumeData(data, mem);
  if (extra > nOut) {
    // Some real slices were off the grid: the range is that of the resampled data.
    min = Infinity;
    max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { geometry, volume: volumeOf(geometry, data, [min, max], h0, s), failedInputs, interpolated, stackKeyFrame: frames[0].geom };
}

/** The Volume for a stack's samples: geometry, value range, unit, and the display window. */
function volumeOf(geometry: StackGeometry, data: Int16Array | Float32Array, valueRange: [number, number], h0: FileHeader, s: LoadedSeries): Volume {
  const hasW = h0.window;
  let window: [number, number] | undefined = hasW ? [hasW[0], hasW[1]] : undefined;
  if (window && h0.photometric === 'MONOCHROME1') {
    const fr = h0.frames[0];
    const bs = h0.bitsStored;
    const lo = h0.pixelRepresentation === 1 ? -(2 ** (bs - 1)) : 0;
    const hi = h0.pixelRepresentation === 1 ? 2 ** (bs - 1) - 1 : 2 ** bs - 1;
    window = [fr.slope * (lo + hi) + 2 * fr.intercept - window[0], window[1]];
  }
  if (h0.photometric === 'MONOCHROME1') s.warnings.push('MONOCHROME1: values inverted so that higher is brighter');
  return {
    dimensions: geometry.dimensions,
    spacing: geometry.spacing,
    origin: geometry.origin,
    direction: geometry.direction,
    data,
    valueRange,
    unit: s.unit,
    modality: s.modality,
    description: s.description,
    ...(window ? { window } : {}),
  };
}

/** Lists a local path in a DICOM worker with a time limit (the path may be a hung share or a FIFO). */
async function listInWorker(pool: DicomWorkerPool, p: string, timeoutMs: number): Promise<FileList> {
  let res: Extract<Response, { type: 'list' }>;
  try {
    res = await pool.run<Extract<Response, { type: 'list' }>>({ type: 'list', path: p }, undefined, timeoutMs);
  } catch (e) {
    if (e instanceof PoolTimeout) throw new DicomError('TIMEOUT', p, `listing did not answer within ${timeoutMs} ms (a hung network share?)`);
    throw e;
  }
  if (!res.ok) throw new DicomError(res.error.code, res.error.file, res.error.reason);
  return res.list;
}
