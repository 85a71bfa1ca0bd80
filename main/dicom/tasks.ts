/**
 * The work a DICOM worker does, as plain request/response messages (typed union). Used by
 * worker.ts inside worker_threads and directly (in-process) as a fallback.
 *
 * header: read the first bytes of a file (more if needed), parse up to the pixel data, return a
 *   FileHeader. pixels: read just the pixel bytes of the requested frames (or the whole file
 *   for compressed / deflated / big-endian data), decode, rescale, and write into the shared
 *   output buffer at the given offsets.
 */
import * as fs from 'node:fs';
import { codecFor, prepareCodecs, type CodecKind } from './codecs';
import { maskOrShift, sharedKernel, simdKernel, type SharedKernel16 } from './simd';
import { DicomError, type PlainDicomError } from './errors';
import { extractHeader, parseBytes, TS, type FileHeader } from './parse';
import { awaitLayout, claimSlot, layoutSlot, tryLayout, type ScanPlan } from './placement';
import { listLocal, openRegular, type FileList } from './sources';
import { frameByteLength, frameSamples, inPlaceCapable, signed16InPlace, storeFrame, unsigned16InPlace, type StoreResult } from './pixels';

/** A file on disk, or bytes already in memory (DICOMweb). `name` is what messages show. */
export type Source = { path: string } | { name: string; bytes: Uint8Array };

export function sourceName(s: Source): string {
  return 'path' in s ? s.path : s.name;
}

export interface FrameJob {
  frame: number;
  /** Element offset in the output array. */
  outOffset: number;
  slope: number;
  intercept: number;
}

export type Request =
  /** List a local path (folder, DICOMDIR or file) off the main thread: it may be a hung share. */
  | { type: 'list'; id: number; path: string }
  | { type: 'header'; id: number; source: Source }
  | { type: 'headers'; id: number; sources: Source[] }
  | {
      /**
       * Headers of every source, and, with a plan, the pixels of each file that fits the plan's
       * layout read straight into their slot of `mem` and converted there (one open, one pass
       * over the file; placement.ts).
       */
      type: 'scan';
      id: number;
      sources: Source[];
      plan?: ScanPlan;
      mem?: WebAssembly.Memory;
      /** Byte offset of KERNEL_SCRATCH_BYTES private to this request. */
      scratch?: number;
    }
  | {
      type: 'pixelsBatch';
      id: number;
      items: PixelItem[];
      out: SharedArrayBuffer;
      outType: 'int16' | 'float32';
      /**
       * When set, `out` is this shared memory's buffer: native 16-bit frames are read straight
       * into their output slot and converted there by the SIMD kernel instantiated on it,
       * using KERNEL_SCRATCH_BYTES at byte offset `scratch` (private to this request).
       */
      mem?: WebAssembly.Memory;
      scratch?: number;
    }
  | {
      type: 'pixels';
      id: number;
      source: Source;
      header: FileHeader;
      out: SharedArrayBuffer;
      outType: 'int16' | 'float32';
      jobs: FrameJob[];
    };

/** A frame placed by a scan: its slot and stored range (after intercept). */
export interface Placed {
  slot: number;
  min: number;
  max: number;
  overflow: boolean;
}

export interface PixelItem {
  source: Source;
  header: FileHeader;
  jobs: FrameJob[];
}

export type FrameResult = ({ ok: true } & StoreResult) | { ok: false; error: PlainDicomError };

export type Response =
  | { type: 'list'; id: number; ok: true; list: FileList }
  | { type: 'list'; id: number; ok: false; error: PlainDicomError }
  | { type: 'header'; id: number; ok: true; header: FileHeader }
  | { type: 'header'; id: number; ok: false; error: PlainDicomError; partial?: Partial<FileHeader> }
  | { type: 'pixels'; id: number; results: FrameResult[] }
  | { type: 'headers'; id: number; results: HeaderResult[] }
  | { type: 'pixelsBatch'; id: number; results: FrameResult[][] }
  | { type: 'scan'; id: number; results: ScanResult[] };

export type ScanResult = HeaderResult & { placed?: Placed };

export type HeaderResult = { ok: true; header: FileHeader } | { ok: false; error: PlainDicomError };

const PREFIX_BYTES = 16 * 1024;
/** Bytes read and converted at a time on the in-place path (a multiple of 16). */
const CHUNK_BYTES = 128 * 1024;
let scratch = Buffer.allocUnsafe(0);

function readAt(fd: number, length: number, position: number): Buffer {
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
  return scratch.subarray(0, readInto(fd, scratch, length, position));
}

/** Reads `length` bytes at file `position` into the start of `dst`; returns how many there were. */
function readInto(fd: number, dst: Uint8Array, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, dst, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

function plain(e: unknown, file: string): PlainDicomError {
  if (e instanceof DicomError) return e.toPlain();
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') return { code: 'IO', file, reason: `cannot read: ${msg}` };
  return { code: 'MALFORMED', file, reason: msg };
}

function headerFromBytes(bytes: Uint8Array, file: string, fileSize: number): FileHeader {
  const prefix = bytes.length < fileSize;
  const parsed = parseBytes(bytes, file, true, fileSize);
  const deflated = parsed.transferSyntax === TS.deflate;
  const h = extractHeader(parsed, file, fileSize, !deflated);
  if (prefix && !h.pixelData) throw new DicomError('TRUNCATED', file, 'prefix ended before pixel data');
  return h;
}

export function headerTask(source: Source): FileHeader {
  const file = sourceName(source);
  if ('bytes' in source) return checkPixelBounds(headerFromBytes(source.bytes, file, source.bytes.length));
  const fd = openRegular(source.path);
  try {
    return headerFromFd(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** The header of an open file: its first PREFIX_BYTES, or all of it when the header is longer. */
function headerFromFd(fd: number, file: string): FileHeader {
  const size = fs.fstatSync(fd).size;
  if (size === 0) throw new DicomError('NOT_DICOM', file, 'empty file (0 bytes)');
  if (size > PREFIX_BYTES) {
    const prefix = readAt(fd, PREFIX_BYTES, 0);
    try {
      return checkPixelBounds(headerFromBytes(new Uint8Array(prefix.buffer, prefix.byteOffset, prefix.length), file, size));
    } catch {
      // header longer than the prefix, deflated, or broken: parse the whole file below
    }
  }
  const all = readAt(fd, size, 0);
  return checkPixelBounds(headerFromBytes(new Uint8Array(all.buffer, all.byteOffset, all.length), file, size));
}

/** Note (as a warning) when native pixel data runs past the end of the file. */
function checkPixelBounds(h: FileHeader): FileHeader {
  const pd = h.pixelData;
  if (pd && pd.inFile && !pd.encapsulated) {
    const need = frameByteLength(h) * h.numberOfFrames;
    const avail = Math.max(0, Math.min(pd.length, h.fileSize - pd.offset));
    if (avail < need) h.warnings.push(`pixel data truncated: ${avail} of ${need} bytes present`);
  }
  return h;
}

function store(bytes: Uint8Array, h: FileHeader, job: FrameJob, out: Int16Array | Float32Array): StoreResult {
  return storeFrame(
    bytes,
    h.rows * h.columns,
    {
      bitsAllocated: h.bitsAllocated,
      bitsStored: h.bitsStored,
      pixelRepresentation: h.pixelRepresentation,
      monochrome1: h.photometric === 'MONOCHROME1',
      slope: job.slope,
      intercept: job.intercept,
    },
    out,
    job.outOffset,
  );
}

/** The SIMD kernel bound to the output memory, with this request's scratch offset. */
export interface InPlaceKernel {
  kernel: SharedKernel16;
  scratch: number;
}

/**
 * One frame of a native file (open as `fd`) into `out` at `job.outOffset`: read straight into
 * the slot and converted there when it can be (SIMD when available), else read and stored.
 */
function directFrame(
  fd: number,
  h: FileHeader,
  job: FrameJob,
  outBuf: SharedArrayBuffer,
  out: Int16Array | Float32Array,
  inPlaceOk: boolean,
  inOut?: InPlaceKernel,
): FrameResult {
  const pd = h.pixelData!;
  const fb = frameByteLength(h);
  const available = Math.min(pd.length, h.fileSize - pd.offset);
  if ((job.frame + 1) * fb > available) {
    return {
      ok: false,
      error: {
        code: 'TRUNCATED',
        file: h.file,
        reason:
          `pixel data truncated: frame ${job.frame + 1} of ${h.numberOfFrames} needs ${fb} bytes at ` +
          `${job.frame * fb} but only ${Math.max(0, available)} of ${fb * h.numberOfFrames} bytes are present`,
      },
    };
  }
  const kernel = simdKernel();
  const inPlace = inPlaceOk && job.slope === 1 && Number.isInteger(job.intercept);
  const at = pd.offset + job.frame * fb;
  const n = h.rows * h.columns;
  const byteOff = job.outOffset * 2;
  if (inPlace && (inOut || kernel)) {
    // SIMD: mask / sign-extend the stored samples, add the intercept, track the range.
    const signed = h.pixelRepresentation === 1;
    const arg = maskOrShift(signed, h.bitsStored);
    let range: [number, number];
    if (inOut) {
      // The output is the kernel's shared memory: read into the slot, convert there (no copy),
      // CHUNK_BYTES at a time so the kernel finds the samples still in the cache (about 10 %
      // faster than reading the whole frame first).
      range = [Infinity, -Infinity];
      for (let o = 0; o < fb; o += CHUNK_BYTES) {
        const len = Math.min(CHUNK_BYTES, fb - o);
        readInto(fd, new Uint8Array(outBuf, byteOff + o, len), len, at + o);
        const r = inOut.kernel.run(byteOff + o, len >> 1, signed, arg, job.intercept, inOut.scratch);
        if (r[0] < range[0]) range[0] = r[0];
        if (r[1] > range[1]) range[1] = r[1];
      }
    } else {
      // Read into the kernel's own memory, convert there, copy out.
      readInto(fd, kernel!.reserve(n), fb, at);
      range = kernel!.run(n, signed, arg, job.intercept);
      (out as Int16Array).set(new Int16Array(kernel!.bytes.buffer, 0, n), job.outOffset);
    }
    const min = range[0] + job.intercept;
    const max = range[1] + job.intercept;
    return { ok: true, min, max, overflow: min < -32768 || max > 32767 };
  }
  if (inPlace) {
    // Read the stored samples straight into their output slot, then convert in place.
    readInto(fd, new Uint8Array(outBuf, byteOff, fb), fb, at);
    const o = new Int16Array(outBuf, byteOff, n);
    if (h.pixelRepresentation === 0) {
      return { ok: true, ...unsigned16InPlace(new Uint16Array(outBuf, byteOff, n), o, maskOrShift(false, h.bitsStored), job.intercept) };
    }
    return { ok: true, ...signed16InPlace(o, job.intercept) };
  }
  return { ok: true, ...store(readAt(fd, fb, at), h, job, out) };
}

export async function pixelsTask(req: Extract<Request, { type: 'pixels' }>, inOut?: InPlaceKernel): Promise<FrameResult[]> {
  const { header: h, source, jobs } = req;
  const file = sourceName(source);
  const out = req.outType === 'int16' ? new Int16Array(req.out) : new Float32Array(req.out);
  const pd = h.pixelData;
  const kind = codecFor(h.transferSyntax);
  const direct =
    'path' in source &&
    pd &&
    pd.inFile &&
    !pd.encapsulated &&
    (h.transferSyntax === TS.explicitLE || h.transferSyntax === TS.implicitLE || h.bitsAllocated === 8);
  try {
    if (direct) {
      // Fast path: read exactly the frames' bytes from the file.
      const fd = openRegular(source.path);
      try {
        const inPlaceOk = req.outType === 'int16' && inPlaceCapable(h);
        return jobs.map((job) => directFrame(fd, h, job, req.out, out, inPlaceOk, inOut));
      } finally {
        fs.closeSync(fd);
      }
    }
    const bytes = 'path' in source ? readWhole(source.path) : source.bytes;
    if (pd?.encapsulated && kind) await prepareCodecs([kind as CodecKind]);
    const parsed = parseBytes(bytes, file, false);
    return jobs.map((job): FrameResult => {
      try {
        return { ok: true, ...store(frameSamples(parsed.dataSet, h, job.frame), h, job, out) };
      } catch (e) {
        return { ok: false, error: plain(e, file) };
      }
    });
  } catch (e) {
    const err = plain(e, file);
    return jobs.map(() => ({ ok: false, error: err }));
  }
}

/**
 * scan: each file opened once; its header parsed, and its pixels placed when it fits the layout
 * (placement.ts). Headers of the whole request come first, then its pixels: each phase keeps its
 * own code and data in the caches (parsing between two 512 KiB reads was about 15 % slower).
 */
function scanTask(req: Extract<Request, { type: 'scan' }>): ScanResult[] {
  const { plan, mem, scratch } = req;
  if (!plan || !mem || scratch === undefined) return req.sources.map(headerResult);
  // The first request to start decides the layout before its own headers, so that it is ready
  // by the time any request has parsed its files.
  tryLayout(plan, probeHeaders);
  const fds: Array<number | undefined> = [];
  try {
    const results = req.sources.map((source, i): ScanResult => {
      if ('bytes' in source) return headerResult(source);
      const file = sourceName(source);
      try {
        fds[i] = openRegular(source.path);
        return { ok: true, header: headerFromFd(fds[i]!, file) };
      } catch (e) {
        return { ok: false, error: plain(e, file) };
      }
    });
    const L = awaitLayout(plan, probeHeaders);
    if (!L) return results;
    const outBuf = mem.buffer as unknown as SharedArrayBuffer;
    const out = new Int16Array(outBuf);
    const kernel = sharedKernel(mem);
    return results.map((r, i) => {
      const fd = fds[i];
      if (fd === undefined || !r.ok) return r;
      const slot = layoutSlot(r.header, L);
      if (slot < 0 || !claimSlot(plan, slot)) return r;
      const fr = r.header.frames[0];
      const job = { frame: 0, outOffset: slot * L.rows * L.columns, slope: fr.slope, intercept: fr.intercept };
      try {
        const f = directFrame(fd, r.header, job, outBuf, out, true, kernel ? { kernel, scratch } : undefined);
        return f.ok ? { ...r, placed: { slot, min: f.min, max: f.max, overflow: f.overflow } } : r;
      } catch {
        return r; // not placed: the loader's second pass reads it again and reports the problem
      }
    });
  } finally {
    for (const fd of fds) if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The prober's headers: the files that parse, in the order given. */
function probeHeaders(files: string[]): FileHeader[] {
  return files.flatMap((f) => {
    const r = headerResult({ path: f });
    return r.ok ? [r.header] : [];
  });
}

function headerResult(source: Source): HeaderResult {
  try {
    return { ok: true, header: headerTask(source) };
  } catch (e) {
    return { ok: false, error: plain(e, sourceName(source)) };
  }
}

/** The whole of a regular file (never a FIFO or device, which could block the worker forever). */
function readWhole(path: string): Uint8Array {
  const fd = openRegular(path);
  try {
    return new Uint8Array(fs.readFileSync(fd));
  } finally {
    fs.closeSync(fd);
  }
}

export async function runTask(req: Request): Promise<Response> {
  if (req.type === 'list') {
    try {
      return { type: 'list', id: req.id, ok: true, list: await listLocal(req.path) };
    } catch (e) {
      return { type: 'list', id: req.id, ok: false, error: plain(e, req.path) };
    }
  }
  if (req.type === 'headers') return { type: 'headers', id: req.id, results: req.sources.map(headerResult) };
  if (req.type === 'scan') return { type: 'scan', id: req.id, results: scanTask(req) };
  if (req.type === 'pixelsBatch') {
    const results: FrameResult[][] = [];
    // Only when `out` really is that memory (the same buffer after structured cloning too).
    const kernel = req.mem && req.scratch !== undefined && (req.mem.buffer as unknown) === req.out ? sharedKernel(req.mem) : null;
    const inOut = kernel ? { kernel, scratch: req.scratch! } : undefined;
    for (const it of req.items) {
      results.push(
        await pixelsTask({ type: 'pixels', id: req.id, source: it.source, header: it.header, jobs: it.jobs, out: req.out, outType: req.outType }, inOut),
      );
    }
    return { type: 'pixelsBatch', id: req.id, results };
  }
  if (req.type === 'header') {
    try {
      return { type: 'header', id: req.id, ok: true, header: headerTask(req.source) };
    } catch (e) {
      return { type: 'header', id: req.id, ok: false, error: plain(e, sourceName(req.source)) };
    }
  }
  return { type: 'pixels', id: req.id, results: await pixelsTask(req) };
}
