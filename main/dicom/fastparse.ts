/**
 * A faster header parse for the common case: a Part 10 file in Implicit or Explicit VR Little
 * Endian, read up to the pixel data. It walks the data set exactly as dicom-parser's
 * `parseDicom(bytes, {untilTag: 'x7fe00010'})` does (same element and sequence rules, same
 * places where it would throw), but records only the top-level attributes `extractHeader`
 * reads, and builds no objects for the rest. Anything else (another syntax, a functional-group
 * multi-frame, an undefined-length value that is not a sequence, a read past the end, an
 * unexpected item tag) returns undefined: the caller then parses with dicom-parser as before,
 * so the result, errors included, is the same either way (fastparse.test.ts checks that on
 * every file of the shared test data).
 *
 * Why: the header pass reads every file of a series; dicom-parser's general walk (an object
 * and a tag string per element, sequence items as data sets) was most of its cost.
 */
import * as dicomParser from 'dicom-parser';
import { TS, type ParsedFile } from './parse';

/** Attributes extractHeader / parseBytes read at the top level (tag number -> dicom-parser key). */
const WANTED = new Map<number, string>(
  [
    0x00020002, 0x00020003, 0x00020010, 0x00041220, 0x00080016, 0x00080018, 0x00080060, 0x00081030, 0x0008103e, 0x00100010,
    0x00100020, 0x00180050, 0x00180088, 0x00181120, 0x00181164, 0x0020000d, 0x0020000e, 0x00200011, 0x00200012, 0x00200013,
    0x00200032, 0x00200037, 0x00200052, 0x00280002, 0x00280004, 0x00280006, 0x00280008, 0x00280010, 0x00280011, 0x00280030,
    0x00280100, 0x00280101, 0x00280102, 0x00280103, 0x00281050, 0x00281051, 0x00281052, 0x00281053, 0x00281054, 0x00283000,
    0x3004000c, 0x3004000e, 0x7fe00008, 0x7fe00009, 0x7fe00010,
  ].map((t) => [t, `x${t.toString(16).padStart(8, '0')}`]),
);
/** Functional groups: extractHeader reads their items, which this walk does not build. */
const NEEDS_ITEMS = new Set([0x52009229, 0x52009230]);

const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
/** Returned by the walkers: give up, let dicom-parser parse the file. */
const BAIL = -1;

type Element = { tag: string; vr: string | undefined; length: number; dataOffset: number; hadUndefinedLength?: boolean };
type Elements = Record<string, Element>;

const u16 = (b: Uint8Array, p: number) => b[p] | (b[p + 1] << 8);
const u32 = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
const tagAt = (b: Uint8Array, p: number) => u16(b, p) * 0x10000 + u16(b, p + 2);

/** dicom-parser's 4-byte-length VRs (getDataLengthSizeInBytesForVR): OB OD OL OW SQ OF UC UR UT UN. */
function longVr(c0: number, c1: number): boolean {
  switch (c0) {
    case 0x4f: // O
      return c1 === 0x42 || c1 === 0x44 || c1 === 0x4c || c1 === 0x57 || c1 === 0x46;
    case 0x53: // S
      return c1 === 0x51;
    case 0x55: // U
      return c1 === 0x43 || c1 === 0x52 || c1 === 0x54 || c1 === 0x4e;
    default:
      return false;
  }
}

/** readFixedString(2): characters up to the first NUL. */
function vrString(c0: number, c1: number): string {
  if (c0 === 0) return '';
  return c1 === 0 ? String.fromCharCode(c0) : String.fromCharCode(c0, c1);
}

class Walker {
  constructor(private readonly b: Uint8Array) {}

  private record(out: Elements | undefined, tag: number, vr: string | undefined, length: number, dataOffset: number): boolean {
    if (!out) return true;
    if (NEEDS_ITEMS.has(tag)) return false;
    const key = WANTED.get(tag);
    if (key) {
      const el: Element = { tag: key, vr, length, dataOffset };
      if (length === UNDEFINED) el.hadUndefinedLength = true;
      out[key] = el;
    }
    return true;
  }

  /**
   * One explicit VR element at p (readDicomElementExplicit). With `untilPixels`, the pixel data
   * element ends the walk: its position is returned negated minus 2 (see `dataSet`).
   */
  explicit(p: number, out: Elements | undefined, untilPixels: boolean): number {
    const b = this.b;
    if (p + 8 > b.length) return BAIL;
    const tag = tagAt(b, p);
    const c0 = b[p + 4];
    const c1 = b[p + 5];
    let length: number;
    let dataOffset: number;
    if (longVr(c0, c1)) {
      if (p + 12 > b.length) return BAIL;
      length = u32(b, p + 8);
      dataOffset = p + 12;
    } else {
      length = u16(b, p + 6);
      dataOffset = p + 8;
    }
    if (!this.record(out, tag, out && vrString(c0, c1), length, dataOffset)) return BAIL;
    if (untilPixels && tag === PIXEL_DATA) return -2 - dataOffset;
    if (c0 === 0x53 && c1 === 0x51) return this.sequence(dataOffset, length, true);
    // Undefined length outside a sequence (encapsulated pixels, UN, delimiter scan): bail.
    if (length === UNDEFINED) return BAIL;
    return dataOffset + length;
  }

  /** One implicit VR element at p (readDicomElementImplicit, no VR callback). */
  implicit(p: number, out: Elements | undefined, untilPixels: boolean): number {
    const b = this.b;
    if (p + 8 > b.length) return BAIL;
    const tag = tagAt(b, p);
    const length = u32(b, p + 4);
    const dataOffset = p + 8;
    if (!this.record(out, tag, undefined, length, dataOffset)) return BAIL;
    if (untilPixels && tag === PIXEL_DATA) return -2 - dataOffset;
    // isSequence: peek at the next tag (dicom-parser warns at the end of the buffer: bail).
    if (dataOffset + 4 > b.length) return BAIL;
    const next = tagAt(b, dataOffset);
    const isPrivate = (tag >>> 16) % 2 === 1;
    if ((next === ITEM || next === SEQUENCE_END) && (!isPrivate || length === UNDEFINED)) return this.sequence(dataOffset, length, false);
    if (length === UNDEFINED) return BAIL;
    return dataOffset + length;
  }

  private element(p: number, explicit: boolean): number {
    return explicit ? this.explicit(p, undefined, false) : this.implicit(p, undefined, false);
  }

  /** The items of a sequence value (readSequenceItemsExplicit / Implicit). */
  private sequence(dataOffset: number, length: number, explicit: boolean): number {
    const b = this.b;
    let p = dataOffset;
    if (length === UNDEFINED) {
      for (;;) {
        if (p + 4 > b.length) return BAIL; // eof before the sequence delimiter (a warning there)
        if (tagAt(b, p) === SEQUENCE_END) return p + 8;
        p = this.item(p, explicit);
        if (p === BAIL) return BAIL;
      }
    }
    const end = dataOffset + length;
    while (p < end) {
      p = this.item(p, explicit);
      if (p === BAIL) return BAIL;
    }
    return p;
  }

  /** One sequence item (readSequenceItem + its data set). */
  private item(p: number, explicit: boolean): number {
    const b = this.b;
    if (p + 8 > b.length || tagAt(b, p) !== ITEM) return BAIL;
    const length = u32(b, p + 4);
    let q = p + 8;
    if (length === UNDEFINED) {
      while (q < b.length) {
        const isEnd = q + 4 <= b.length && tagAt(b, q) === ITEM_END;
        q = this.element(q, explicit);
        if (q === BAIL) return BAIL;
        if (isEnd) return q;
      }
      return BAIL; // eof before the item delimiter (a warning there)
    }
    const end = q + length;
    if (end > b.length) return BAIL; // dicom-parser: invalid maxPosition
    while (q < end) {
      q = this.element(q, explicit);
      if (q === BAIL) return BAIL;
    }
    // parseDicomDataSetExplicit throws on an overrun; the implicit one does not.
    if (explicit && q > end) return BAIL;
    return q;
  }
}

/** Parse a Part 10 file's bytes up to the pixel data, or undefined (use parseBytes). */
export function fastParseUntilPixelData(bytes: Uint8Array): ParsedFile | undefined {
  const b = bytes;
  if (b.length < 132 || b[128] !== 0x44 || b[129] !== 0x49 || b[130] !== 0x43 || b[131] !== 0x4d) return undefined;
  const w = new Walker(b);

  // File meta group (readPart10Header): explicit LE elements while the tag is <= (0002,FFFF);
  // the first later element is read too (and must not fail), then the data set starts there.
  const meta: Elements = {};
  let p = 132;
  while (p < b.length) {
    if (p + 4 > b.length) return undefined;
    const inMeta = tagAt(b, p) <= 0x0002ffff;
    const next = w.explicit(p, inMeta ? meta : undefined, false);
    if (next === BAIL) return undefined;
    if (!inMeta) break;
    p = next;
  }
  // dicom-parser cannot start a data set at or past the end (ByteStream throws).
  if (p >= b.length) return undefined;
  const tsEl = meta.x00020010;
  if (!tsEl || tsEl.dataOffset + tsEl.length > b.length) return undefined;
  let ts = '';
  for (let i = 0; i < tsEl.length; i++) {
    const c = b[tsEl.dataOffset + i];
    if (c === 0) break;
    ts += String.fromCharCode(c);
  }
  if (ts !== TS.explicitLE && ts !== TS.implicitLE) return undefined;
  const explicit = ts === TS.explicitLE;

  // Data set (parseDicomDataSetExplicit / Implicit with untilTag (7FE0,0010)).
  const elements: Elements = {};
  let atPixels = false;
  while (p < b.length) {
    const next = explicit ? w.explicit(p, elements, true) : w.implicit(p, elements, true);
    if (next === BAIL) return undefined;
    if (next <= -2) {
      atPixels = true;
      break;
    }
    p = next;
  }
  if (explicit && !atPixels && p > b.length) return undefined; // dicom-parser: buffer overrun
  // A value that runs past the bytes read would fail later in dicom-parser's readers: bail.
  for (const k in elements) {
    const el = elements[k];
    if (k !== 'x7fe00010' && el.length !== UNDEFINED && el.dataOffset + el.length > b.length) return undefined;
  }
  for (const k in meta) elements[k] = meta[k];
  const dp = dicomParser as unknown as {
    DataSet: new (p: dicomParser.ByteArrayParser, b: Uint8Array, e: Record<string, Element>) => dicomParser.DataSet;
  };
  const dataSet = new dp.DataSet(dicomParser.littleEndianByteArrayParser, b, elements);
  dataSet.warnings = [];
  return { dataSet, transferSyntax: ts, warnings: [] };
}
