/**
 * Pixel values: pull one frame's stored values out of a parsed data set (native or
 * encapsulated), decode compressed syntaxes, and write real-world values (after modality
 * rescale, PS3.3 C.11.1) into the output volume. MONOCHROME1 is inverted so that higher
 * values are brighter, like MONOCHROME2.
 */
import * as dicomParser from 'dicom-parser';
import { codecFor, decodeCompressed } from './codecs';
import { DicomError } from './errors';
import { TS, isNativeSyntax, syntaxName, type FileHeader } from './parse';

export interface StoreParams {
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  monochrome1: boolean;
  slope: number;
  intercept: number;
}

export interface StoreResult {
  min: number;
  max: number;
  /** True when a value did not fit the Int16 output (caller retries with Float32). */
  overflow: boolean;
}

/** Bytes of one uncompressed frame. */
export function frameByteLength(h: Pick<FileHeader, 'rows' | 'columns' | 'samplesPerPixel' | 'bitsAllocated'>): number {
  return Math.ceil((h.rows * h.columns * h.samplesPerPixel * h.bitsAllocated) / 8);
}

/** Why a header cannot be turned into scalar volume pixels, or undefined when it can. */
/** True when a file's native samples can be read straight into an Int16 output and converted there. */
export function inPlaceCapable(h: Pick<FileHeader, 'bitsAllocated' | 'bitsStored' | 'transferSyntax' | 'photometric' | 'pixelRepresentation'>): boolean {
  return (
    h.bitsAllocated === 16 && h.transferSyntax !== TS.explicitBE && h.photometric !== 'MONOCHROME1' && (h.pixelRepresentation === 0 || h.bitsStored === 16)
  );
}

export function unsupportedPixelReason(h: FileHeader): string | undefined {
  if (!h.pixelData) return 'no pixel data';
  if (h.rows <= 0 || h.columns <= 0) return `invalid image size ${h.columns}x${h.rows}`;
  if (h.samplesPerPixel !== 1) return `colour image (${h.samplesPerPixel} samples/pixel, ${h.photometric}): not a scalar volume`;
  if (h.photometric === 'PALETTE COLOR') return 'PALETTE COLOR image: not a scalar volume';
  if (![8, 16, 32].includes(h.bitsAllocated)) return `BitsAllocated ${h.bitsAllocated} not supported (8, 16 or 32)`;
  if (h.bitsStored < 1 || h.bitsStored > h.bitsAllocated) return `BitsStored ${h.bitsStored} inconsistent with BitsAllocated ${h.bitsAllocated}`;
  if (!isNativeSyntax(h.transferSyntax) && !codecFor(h.transferSyntax)) {
    return `transfer syntax ${syntaxName(h.transferSyntax)} has no decoder`;
  }
  return undefined;
}

function swapBytes(src: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(src.length);
  if (width === 2) {
    for (let i = 0; i + 1 < src.length; i += 2) {
      out[i] = src[i + 1];
      out[i + 1] = src[i];
    }
  } else if (width === 4) {
    for (let i = 0; i + 3 < src.length; i += 4) {
      out[i] = src[i + 3];
      out[i + 1] = src[i + 2];
      out[i + 2] = src[i + 1];
      out[i + 3] = src[i];
    }
  } else out.set(src);
  return out;
}

/** A typed view of little-endian stored samples. Copies only when unaligned. */
function samplesView(bytes: Uint8Array, bitsAllocated: number, signed: boolean, n: number): ArrayLike<number> {
  const width = bitsAllocated <= 8 ? 1 : bitsAllocated <= 16 ? 2 : 4;
  let b = bytes;
  if (b.byteOffset % width !== 0) b = b.slice(0, n * width);
  if (width === 1) return signed ? new Int8Array(b.buffer, b.byteOffset, n) : new Uint8Array(b.buffer, b.byteOffset, n);
  if (width === 2) return signed ? new Int16Array(b.buffer, b.byteOffset, n) : new Uint16Array(b.buffer, b.byteOffset, n);
  return signed ? new Int32Array(b.buffer, b.byteOffset, n) : new Uint32Array(b.buffer, b.byteOffset, n);
}

/**
 * Hot path, in place: `u` and `o` view the same memory (stored unsigned 16-bit samples, read
 * straight from the file into the output). o[i] = (u[i] & mask) + intercept. Returns the range.
 * Monomorphic on purpose (Uint16Array in, Int16Array out) so the JIT keeps it tight.
 */
export function unsigned16InPlace(u: Uint16Array, o: Int16Array, mask: number, intercept: number): StoreResult {
  const n = u.length;
  let mn = 65535;
  let mx = 0;
  for (let i = 0; i < n; i++) {
    const v = u[i] & mask;
    o[i] = v + intercept;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  if (n === 0) return { min: 0, max: 0, overflow: false };
  const min = mn + intercept;
  const max = mx + intercept;
  return { min, max, overflow: min < -32768 || max > 32767 };
}

/** Hot path, in place: signed 16-bit samples (BitsStored 16) plus an integer intercept. */
export function signed16InPlace(o: Int16Array, intercept: number): StoreResult {
  const n = o.length;
  let mn = 32767;
  let mx = -32768;
  for (let i = 0; i < n; i++) {
    const v = o[i];
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  if (n === 0) return { min: 0, max: 0, overflow: false };
  const min = mn + intercept;
  const max = mx + intercept;
  const overflow = min < -32768 || max > 32767;
  if (intercept !== 0 && !overflow) for (let i = 0; i < n; i++) o[i] += intercept;
  return { min, max, overflow };
}

/**
 * Write `n` stored samples (little endian bytes) as real values into `out` at `outOffset`.
 * Masks to BitsStored, sign-extends, inverts MONOCHROME1, applies slope/intercept.
 */
/** The stored-value range [lo, hi] of `bitsStored`-bit samples, two's complement when `signed`. */
export function storedRange(bitsStored: number, signed: boolean): [number, number] {
  return signed ? [-(2 ** (bitsStored - 1)), 2 ** (bitsStored - 1) - 1] : [0, 2 ** bitsStored - 1];
}

export function storeFrame(bytes: Uint8Array, n: number, p: StoreParams, out: Int16Array | Float32Array, outOffset: number): StoreResult {
  const bs = p.bitsStored;
  const ba = p.bitsAllocated <= 8 ? 8 : p.bitsAllocated <= 16 ? 16 : 32;
  const signed = p.pixelRepresentation === 1;
  const fullWidth = bs === ba;
  const src = samplesView(bytes, p.bitsAllocated, signed && fullWidth, n);
  const shift = 32 - bs;
  const mask = bs >= 32 ? 0xffffffff : 2 ** bs - 1;
  // MONOCHROME1: stored range [lo, hi] maps to hi + lo - v.
  const [lo, hi] = storedRange(bs, signed);
  const inv = p.monochrome1;
  const slope = p.slope;
  const icpt = p.intercept;
  let min = Infinity;
  let max = -Infinity;
  let overflow = false;
  const isInt = out instanceof Int16Array;
  if (fullWidth && !inv && slope === 1 && isInt) {
    // Common case: stored values used as they are, plus an integer intercept.
    for (let i = 0; i < n; i++) {
      const r = src[i] + icpt;
      if (r < min) min = r;
      if (r > max) max = r;
      out[outOffset + i] = r;
    }
  } else if (!fullWidth && !signed && !inv && slope === 1 && isInt && bs < 32) {
    for (let i = 0; i < n; i++) {
      const r = (src[i] & mask) + icpt;
      if (r < min) min = r;
      if (r > max) max = r;
      out[outOffset + i] = r;
    }
  } else {
    for (let i = 0; i < n; i++) {
      let v = src[i];
      if (!fullWidth) v = signed ? (v << shift) >> shift : bs < 32 ? (v & mask) >>> 0 : v;
      if (inv) v = hi + lo - v;
      const r = v * slope + icpt;
      if (r < min) min = r;
      if (r > max) max = r;
      out[outOffset + i] = isInt ? Math.round(r) : r;
    }
  }
  if (isInt && (min < -32768 || max > 32767)) overflow = true;
  if (n === 0) {
    min = 0;
    max = 0;
  }
  return { min, max, overflow };
}

/**
 * Little-endian stored sample bytes of frame `frame` from a fully parsed data set.
 * Throws DicomError (TRUNCATED, DECODE_FAILED, UNSUPPORTED_SYNTAX).
 */
export function frameSamples(ds: dicomParser.DataSet, h: FileHeader, frame: number): Uint8Array {
  const el = ds.elements.x7fe00010;
  if (!el) throw new DicomError('NO_PIXEL_DATA', h.file, 'no pixel data element (7FE0,0010)');
  const n = h.rows * h.columns * h.samplesPerPixel;
  const frameBytes = frameByteLength(h);
  const bytesArr = ds.byteArray as Uint8Array;
  const ts = h.transferSyntax;
  const encapsulated = el.hadUndefinedLength === true || !!el.encapsulatedPixelData;
  if (!encapsulated) {
    const start = el.dataOffset + frame * frameBytes;
    const available = Math.min(el.length, bytesArr.length - el.dataOffset);
    if ((frame + 1) * frameBytes > available) {
      throw new DicomError(
        'TRUNCATED',
        h.file,
        `pixel data truncated: frame ${frame + 1} of ${h.numberOfFrames} needs bytes ` +
          `${frame * frameBytes}..${(frame + 1) * frameBytes} but only ${available} of ` +
          `${frameBytes * h.numberOfFrames} bytes are present`,
      );
    }
    const raw = bytesArr.subarray(start, start + frameBytes);
    if (ts === TS.explicitBE && h.bitsAllocated > 8) return swapBytes(raw, h.bitsAllocated <= 16 ? 2 : 4);
    return raw;
  }
  const kind = codecFor(ts);
  if (!kind) throw new DicomError('UNSUPPORTED_SYNTAX', h.file, `transfer syntax ${syntaxName(ts)} has no decoder`);
  let data: Uint8Array;
  try {
    const fragments = el.fragments ?? [];
    if (fragments.length === 0) throw new Error('encapsulated pixel data has no fragments');
    if (h.numberOfFrames === 1) {
      data = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length) as Uint8Array;
    } else if (el.basicOffsetTable && el.basicOffsetTable.length) {
      data = dicomParser.readEncapsulatedImageFrame(ds, el, frame) as Uint8Array;
    } else if (fragments.length === h.numberOfFrames) {
      data = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, frame, 1) as Uint8Array;
    } else {
      const bot = dicomParser.createJPEGBasicOffsetTable(ds, el);
      data = dicomParser.readEncapsulatedImageFrame(ds, el, frame, bot) as Uint8Array;
    }
  } catch (e) {
    throw new DicomError('TRUNCATED', h.file, `cannot read encapsulated frame ${frame + 1}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let dec;
  try {
    dec = decodeCompressed(kind, data, h.rows, h.columns, h.samplesPerPixel, h.bitsAllocated);
  } catch (e) {
    const msg = e instanceof Error ? e.message : typeof e === 'number' ? `decoder error code ${e}` : String(e);
    const code = /handles 8-bit only/.test(msg) ? 'UNSUPPORTED_SYNTAX' : 'DECODE_FAILED';
    throw new DicomError(code, h.file, `${syntaxName(ts)} frame ${frame + 1}: ${msg}`);
  }
  if (dec.width !== h.columns || dec.height !== h.rows || dec.components !== h.samplesPerPixel) {
    throw new DicomError(
      'DECODE_FAILED',
      h.file,
      `${syntaxName(ts)} frame ${frame + 1}: decoded ${dec.width}x${dec.height}x${dec.components}, header says ${h.columns}x${h.rows}x${h.samplesPerPixel}`,
    );
  }
  const want = h.bitsAllocated <= 8 ? n : n * (h.bitsAllocated <= 16 ? 2 : 4);
  let bytes = dec.bytes;
  if (bytes.length !== want) {
    // 8-bit codestream for 16-bit allocated pixels (or vice versa): widen/narrow sample by sample.
    const inW = bytes.length / n;
    const outW = want / n;
    if (!Number.isInteger(inW) || ![1, 2, 4].includes(inW)) {
      throw new DicomError('DECODE_FAILED', h.file, `${syntaxName(ts)} frame ${frame + 1}: decoded ${bytes.length} bytes for ${n} samples`);
    }
    const src = inW === 1 ? bytes : inW === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint32Array(bytes.buffer, bytes.byteOffset, n);
    const dst = outW === 1 ? new Uint8Array(n) : outW === 2 ? new Uint16Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) dst[i] = src[i];
    bytes = new Uint8Array(dst.buffer);
  }
  return bytes;
}
