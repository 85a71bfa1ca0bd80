/**
 * Header parsing with dicom-parser: turns one file's bytes into a plain, serializable
 * `FileHeader` (UIDs, pixel format, per-frame geometry and rescale). Runs in the worker.
 * Handles files without a meta header (raw data sets, PS3.10 7.1 missing), meta headers
 * without a TransferSyntaxUID, deflate (via dicom-parser's Node zlib path), big endian.
 */
import * as zlib from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import { DicomError, wrapParseError } from './errors';
import { cross, type Vec3 } from '../../common/geometry';

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflate: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
} as const;

export const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.53': 'JPEG Spectral Selection (Process 6 & 8, retired)',
  '1.2.840.10008.1.2.4.55': 'JPEG Full Progression (Process 10 & 12, retired)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1 (Process 14, selection value 1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
};

export function syntaxName(uid: string): string {
  return TRANSFER_SYNTAX_NAMES[uid] ? `${TRANSFER_SYNTAX_NAMES[uid]} (${uid})` : uid;
}

export function isNativeSyntax(ts: string): boolean {
  return ts === TS.implicitLE || ts === TS.explicitLE || ts === TS.explicitBE || ts === TS.deflate;
}

/** Per-frame geometry and rescale. */
export interface FrameInfo {
  ipp?: Vec3;
  iop?: [number, number, number, number, number, number];
  pixelSpacing?: [number, number];
  slope: number;
  intercept: number;
}

export interface PixelDataInfo {
  /** Offset of the pixel data value in the file (only meaningful when `inFile`). */
  offset: number;
  /** Value length in bytes (undefined length: -1). */
  length: number;
  encapsulated: boolean;
  /** True when offset/length index the file bytes directly (not after inflation). */
  inFile: boolean;
  /** Pixel data element VR when explicit ('OB' | 'OW' | ...). */
  vr?: string;
}

/** Everything the loader needs from one file, without the pixel values. Plain data. */
export interface FileHeader {
  file: string;
  fileSize: number;
  transferSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber?: number;
  studyDescription: string;
  /** StudyDate (0008,0020), DICOM DA "YYYYMMDD"; '' when absent. */
  studyDate?: string;
  seriesDescription: string;
  modality: string;
  patientName: string;
  patientId: string;
  frameOfReferenceUid: string;
  instanceNumber?: number;
  acquisitionNumber?: number;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  photometric: string;
  planarConfiguration: number;
  numberOfFrames: number;
  frames: FrameInfo[];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  gantryTiltDeg?: number;
  window?: [number, number];
  rescaleType?: string;
  pixelData?: PixelDataInfo;
  isDirectory: boolean;
  /** True when the file is a multi-frame whose frames carry their own positions. */
  perFrameGeometry: boolean;
  warnings: string[];
}

const VRS = new Set('AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/** Guess the transfer syntax of a raw data set (no meta header) from its first element. */
export function guessRawSyntax(bytes: Uint8Array, pos = 0): string | undefined {
  if (bytes.length < pos + 8) return undefined;
  const vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
  const explicit = VRS.has(vr);
  const le = bytes[pos] | (bytes[pos + 1] << 8);
  const be = (bytes[pos] << 8) | bytes[pos + 1];
  // Data sets start with a low group (0008 usually; 0001/0002 in some broken files).
  const plausible = (g: number) => g >= 0x0001 && g <= 0x0030;
  if (plausible(le)) {
    if (explicit) return TS.explicitLE;
    // Implicit LE: bytes 4..7 are a 32-bit length; require it to be sane.
    const len = (bytes[pos + 4] | (bytes[pos + 5] << 8) | (bytes[pos + 6] << 16)) + bytes[pos + 7] * 2 ** 24;
    if (len < bytes.length || len === 0xffffffff) return TS.implicitLE;
    return undefined;
  }
  if (plausible(be) && explicit) return TS.explicitBE;
  return undefined;
}

function hasPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** Deflated data sets (PS3.5 A.5): raw deflate after the meta header. Returns header + inflated bytes. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = zlib.inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position), 0);
  out.set(inflated, position);
  return out;
}

export interface ParsedFile {
  dataSet: dicomParser.DataSet;
  transferSyntax: string;
  warnings: string[];
}

/**
 * Parse a file (or a prefix of it when `untilPixelData`). Throws DicomError.
 * When `bytes` is only a prefix, a failure may just mean "read more": the caller retries with
 * the full file before reporting.
 */
export function parseBytes(bytes: Uint8Array, file: string, untilPixelData: boolean, fileSize = bytes.length): ParsedFile {
  const warnings: string[] = [];
  const opts: dicomParser.ParseDicomOptions = untilPixelData ? { untilTag: 'x7fe00010', inflater } : { inflater };
  try {
    if (!hasPreamble(bytes)) {
      const ts = guessRawSyntax(bytes);
      if (!ts)
        throw new DicomError('NOT_DICOM', file, 'not a DICOM file (no DICM prefix at byte 128, and the file does not start with a recognizable data element)');
      warnings.push(`no file meta header (no preamble/DICM): read as a raw data set in ${syntaxName(ts)}`);
      const ds = dicomParser.parseDicom(bytes, { ...opts, TransferSyntaxUID: ts });
      return { dataSet: ds, transferSyntax: ts, warnings };
    }
    const meta = dicomParser.readPart10Header(bytes) as dicomParser.DataSet & { position: number };
    if (!meta.elements.x00020010) {
      // The meta group ends where (0002,0000) says; dicom-parser reads on through any group 0001.
      const gl = meta.elements.x00020000 ? meta.uint32('x00020000') : undefined;
      const metaEnd = gl !== undefined && 144 + gl <= bytes.length ? 144 + gl : meta.position;
      meta.position = metaEnd;
      for (const k of Object.keys(meta.elements)) if (!k.startsWith('x0002')) delete meta.elements[k];
      const ts = guessRawSyntax(bytes, metaEnd);
      if (!ts) throw new DicomError('MALFORMED', file, 'file meta header lacks TransferSyntaxUID (0002,0010) and the data set encoding is not recognizable');
      warnings.push(`file meta header lacks TransferSyntaxUID (0002,0010): data set read as ${syntaxName(ts)}`);
      const dp = dicomParser as unknown as {
        ByteStream: new (p: dicomParser.ByteArrayParser, b: Uint8Array, pos: number) => dicomParser.ByteStream;
        DataSet: new (p: dicomParser.ByteArrayParser, b: Uint8Array, e: Record<string, dicomParser.Element>) => dicomParser.DataSet;
      };
      const parser = ts === TS.explicitBE ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser;
      const stream = new dp.ByteStream(parser, bytes, meta.position);
      const ds = new dp.DataSet(parser, bytes, {});
      ds.warnings = [];
      const o = untilPixelData ? { untilTag: 'x7fe00010' } : undefined;
      if (ts === TS.implicitLE) dicomParser.parseDicomDataSetImplicit(ds, stream, bytes.length, o);
      else dicomParser.parseDicomDataSetExplicit(ds, stream, bytes.length, o);
      for (const [k, v] of Object.entries(meta.elements)) ds.elements[k] = v;
      return { dataSet: ds, transferSyntax: ts, warnings };
    }
    const ds = dicomParser.parseDicom(bytes, opts);
    const ts = dsString(ds, 'x00020010') ?? TS.implicitLE;
    return { dataSet: ds, transferSyntax: ts.replace(/\0/g, '').trim(), warnings };
  } catch (e) {
    throw wrapParseError(file, e, fileSize);
  }
}

/**
 * `DataSet.string(tag, index)` with the same result (the value up to its first NUL, as Latin-1,
 * split on backslash when `index` is given, trimmed), decoded in one go. dicom-parser builds it
 * one character at a time, which leaves a chain of string pieces that V8 must join again each
 * time the string is copied, e.g. in every header a worker posts (about 25 µs per header).
 */
export function dsString(ds: dicomParser.DataSet, tag: string, index?: number): string | undefined {
  const el = ds.elements[tag] as (dicomParser.Element & { Value?: string }) | undefined;
  if (!el || el.Value || !(el.length > 0)) return ds.string(tag, index);
  const b = ds.byteArray;
  const start = el.dataOffset;
  const stop = start + el.length;
  if (stop > b.length) return ds.string(tag, index); // dicom-parser's own error
  let end = start;
  while (end < stop && b[end] !== 0) end++;
  const text = Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
  return index !== undefined && index >= 0 ? text.split('\\')[index].trim() : text.trim();
}

function num(ds: dicomParser.DataSet, tag: string, i = 0): number | undefined {
  const s = dsString(ds, tag, i);
  if (s === undefined || s === '') return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

function nums(ds: dicomParser.DataSet | undefined, tag: string): number[] | undefined {
  if (!ds || !ds.elements[tag]) return undefined;
  const s = dsString(ds, tag);
  if (!s) return undefined;
  const parts = s.split('\\').map((p) => Number(p.trim()));
  return parts.every((p) => Number.isFinite(p)) ? parts : undefined;
}

function us(ds: dicomParser.DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  // Implicit VR or UN: still 2-byte binary for these US attributes.
  return ds.uint16(tag);
}

function str(ds: dicomParser.DataSet, tag: string): string {
  return (dsString(ds, tag) ?? '').trim();
}

function firstItem(ds: dicomParser.DataSet | undefined, tag: string): dicomParser.DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** Geometry and rescale from a functional-group item (PS3.3 C.7.6.16). */
function frameFromGroups(shared: dicomParser.DataSet | undefined, perFrame: dicomParser.DataSet | undefined): Partial<FrameInfo> {
  const out: Partial<FrameInfo> = {};
  for (const g of [shared, perFrame]) {
    if (!g) continue;
    const pos = nums(firstItem(g, 'x00209113'), 'x00200032');
    if (pos && pos.length === 3) out.ipp = pos as Vec3;
    const ori = nums(firstItem(g, 'x00209116'), 'x00200037');
    if (ori && ori.length === 6) out.iop = ori as FrameInfo['iop'];
    const ps = nums(firstItem(g, 'x00289110'), 'x00280030');
    if (ps && ps.length === 2) out.pixelSpacing = ps as [number, number];
    const pvt = firstItem(g, 'x00289145');
    if (pvt) {
      const s = pvt.elements.x00281053 ? Number(dsString(pvt, 'x00281053')) : undefined;
      const i = pvt.elements.x00281052 ? Number(dsString(pvt, 'x00281052')) : undefined;
      if (s !== undefined && Number.isFinite(s)) out.slope = s;
      if (i !== undefined && Number.isFinite(i)) out.intercept = i;
    }
  }
  return out;
}

/** Extract the plain header from a parsed data set. */
export function extractHeader(parsed: ParsedFile, file: string, fileSize: number, inFileOffsets: boolean): FileHeader {
  const ds = parsed.dataSet;
  const warnings = [...parsed.warnings];
  const sopClassUid = str(ds, 'x00080016') || str(ds, 'x00020002');
  const isDirectory = sopClassUid === '1.2.840.10008.1.3.10' || !!ds.elements.x00041220;
  const rows = us(ds, 'x00280010') ?? 0;
  const columns = us(ds, 'x00280011') ?? 0;
  const bitsAllocated = us(ds, 'x00280100') ?? 0;
  const bitsStored = us(ds, 'x00280101') ?? bitsAllocated;
  const nFrames = Math.max(1, num(ds, 'x00280008') ?? 1);

  const baseSlope = num(ds, 'x00281053') ?? 1;
  const baseIntercept = num(ds, 'x00281052') ?? 0;
  const ipp = nums(ds, 'x00200032');
  const iop = nums(ds, 'x00200037');
  let ps = nums(ds, 'x00280030');
  if (!ps || ps.length !== 2) {
    const ips = nums(ds, 'x00181164'); // ImagerPixelSpacing (projection images)
    if (ips && ips.length === 2) ps = ips;
  }
  const base: FrameInfo = {
    ipp: ipp && ipp.length === 3 ? (ipp as Vec3) : undefined,
    iop: iop && iop.length === 6 ? (iop as FrameInfo['iop']) : undefined,
    pixelSpacing: ps && ps.length === 2 ? (ps as [number, number]) : undefined,
    slope: baseSlope === 0 ? 1 : baseSlope,
    intercept: baseIntercept,
  };
  if (baseSlope === 0) warnings.push('RescaleSlope is 0: treated as 1');
  const modality = str(ds, 'x00080060');
  if (modality === 'RTDOSE') {
    const scaling = num(ds, 'x3004000e');
    if (scaling !== undefined) base.slope = scaling;
  }

  const frames: FrameInfo[] = [];
  let perFrameGeometry = false;
  const sharedGroups = firstItem(ds, 'x52009229');
  const perFrameItems = ds.elements.x52009230?.items;
  const gridOffsets = nums(ds, 'x3004000c');
  if (sharedGroups || perFrameItems) {
    for (let f = 0; f < nFrames; f++) {
      const g = frameFromGroups(sharedGroups, perFrameItems?.[f]?.dataSet);
      frames.push({ ...base, ...g });
    }
    perFrameGeometry = frames.some((f) => f.ipp);
    if (perFrameItems && perFrameItems.length !== nFrames) {
      warnings.push(`PerFrameFunctionalGroupsSequence has ${perFrameItems.length} items for ${nFrames} frames`);
    }
  } else if (nFrames > 1 && gridOffsets && gridOffsets.length === nFrames && base.ipp && base.iop) {
    // RT Dose style: GridFrameOffsetVector (PS3.3 C.8.8.3.2) along the plane normal.
    const r = base.iop;
    const n = cross([r[0], r[1], r[2]], [r[3], r[4], r[5]]);
    const o0 = gridOffsets[0];
    for (let f = 0; f < nFrames; f++) {
      const d = gridOffsets[f] - o0;
      frames.push({ ...base, ipp: [base.ipp[0] + d * n[0], base.ipp[1] + d * n[1], base.ipp[2] + d * n[2]] });
    }
    perFrameGeometry = true;
  } else {
    for (let f = 0; f < nFrames; f++) frames.push({ ...base });
    if (nFrames > 1) warnings.push(`multi-frame (${nFrames} frames) without per-frame positions: frames stacked in order`);
  }

  const pixelEl = ds.elements.x7fe00010 ?? ds.elements.x7fe00008 ?? ds.elements.x7fe00009;
  let pixelData: PixelDataInfo | undefined;
  if (pixelEl) {
    const encapsulated = pixelEl.hadUndefinedLength === true || pixelEl.length === 0xffffffff;
    pixelData = {
      offset: pixelEl.dataOffset,
      length: encapsulated ? -1 : pixelEl.length,
      encapsulated,
      inFile: inFileOffsets,
      vr: pixelEl.vr,
    };
  }
  if (ds.elements.x00283000) warnings.push('Modality LUT Sequence present: not applied (linear rescale only)');
  const wc = num(ds, 'x00281050');
  const ww = num(ds, 'x00281051');

  return {
    file,
    fileSize,
    transferSyntax: parsed.transferSyntax,
    sopClassUid,
    sopInstanceUid: str(ds, 'x00080018') || str(ds, 'x00020003'),
    studyInstanceUid: str(ds, 'x0020000d'),
    seriesInstanceUid: str(ds, 'x0020000e'),
    seriesNumber: num(ds, 'x00200011'),
    studyDescription: str(ds, 'x00081030'),
    studyDate: str(ds, 'x00080020'),
    seriesDescription: str(ds, 'x0008103e'),
    modality,
    patientName: str(ds, 'x00100010'),
    patientId: str(ds, 'x00100020'),
    frameOfReferenceUid: str(ds, 'x00200052'),
    instanceNumber: num(ds, 'x00200013'),
    acquisitionNumber: num(ds, 'x00200012'),
    rows,
    columns,
    bitsAllocated,
    bitsStored,
    highBit: us(ds, 'x00280102') ?? bitsStored - 1,
    pixelRepresentation: us(ds, 'x00280103') ?? 0,
    samplesPerPixel: us(ds, 'x00280002') ?? 1,
    photometric: str(ds, 'x00280004') || 'MONOCHROME2',
    planarConfiguration: us(ds, 'x00280006') ?? 0,
    numberOfFrames: nFrames,
    frames,
    sliceThickness: num(ds, 'x00180050'),
    spacingBetweenSlices: num(ds, 'x00180088'),
    gantryTiltDeg: num(ds, 'x00181120'),
    window: wc !== undefined && ww !== undefined ? [wc, ww] : undefined,
    rescaleType: str(ds, 'x00281054') || undefined,
    pixelData,
    isDirectory,
    perFrameGeometry,
    warnings,
  };
}
