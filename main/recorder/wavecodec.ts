/**
 * Lossless waveform block codec: the entry point of the recording file format.
 * Pure apart from node:zlib for float fallbacks.
 *
 * Integer samples (raw device counts) use FLAC-style fixed polynomial
 * prediction (order 0..3, chosen per block), then adaptive binary range coding
 * of the residual with magnitude contexts (IntAC, intac.ts), which gets below the
 * residual's zero-order entropy. Blocks in the older IntRice format (partitioned
 * Rice coding, intrice.ts) are still decoded.
 * Float32 channels whose values are all small integers take the integer path;
 * other float32 channels are XOR-delta coded, byte-shuffled and deflated.
 * Byte layouts are in docs/recording.md §Codec; golden bytes in fixtures/wavecodec.json.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BitReader, BitWriter, CodecError } from './bits';
import { COLUMNS_TAG, WaveCodec } from './codec-tags';
import { decodeIntsAC, encodeIntsAC } from './intac';
import { decodeInts } from './intrice';

export { CodecError } from './bits';
export { COLUMNS_TAG, WaveCodec } from './codec-tags';
export { decodeIntsAC, encodeIntsAC } from './intac';
export { decodeInts } from './intrice';
export { MAX_ORDER } from './predictor';

// ----------------------------------------------------------------- floats

/** XOR-delta of 32-bit words (stride words per element), then byte planes. */
function xorShuffle(words: Uint32Array, stride: number): Uint8Array {
  const n = words.length;
  const d = new Uint32Array(n);
  for (let i = 0; i < n; i++) d[i] = i >= stride ? (words[i] ^ words[i - stride]) >>> 0 : words[i];
  const bytes = new Uint8Array(d.buffer);
  const out = new Uint8Array(n * 4);
  for (let plane = 0; plane < 4; plane++) for (let i = 0; i < n; i++) out[plane * n + i] = bytes[i * 4 + plane];
  return out;
}

function unXorShuffle(planes: Uint8Array, n: number, stride: number): Uint32Array {
  if (planes.length !== n * 4) throw new CodecError(`unXorShuffle: ${planes.length} bytes for ${n} words`);
  const bytes = new Uint8Array(n * 4);
  for (let plane = 0; plane < 4; plane++) for (let i = 0; i < n; i++) bytes[i * 4 + plane] = planes[plane * n + i];
  const d = new Uint32Array(bytes.buffer);
  for (let i = stride; i < n; i++) d[i] = (d[i] ^ d[i - stride]) >>> 0;
  return d;
}

function isSmallIntegers(f: Float32Array): boolean {
  for (let i = 0; i < f.length; i++) {
    const v = f[i];
    if (!Number.isInteger(v) || v > 16777216 || v < -16777216 || Object.is(v, -0)) return false;
  }
  return true;
}

/** Encodes a waveform block of raw samples. Integers use IntAC; floats F32IntAC (all small integers) or F32Xor. */
export function encodeWave(samples: Int16Array | Int32Array | Float32Array): Uint8Array {
  if (!(samples instanceof Float32Array)) return encodeIntsAC(samples, WaveCodec.IntAC);
  if (isSmallIntegers(samples)) return encodeIntsAC(samples, WaveCodec.F32IntAC);
  const w = new BitWriter(16);
  w.byte(WaveCodec.F32Xor);
  w.varint(samples.length);
  const words = new Uint32Array(samples.buffer, samples.byteOffset, samples.length);
  w.bytes(deflateRawSync(xorShuffle(words, 1), { level: 6 }));
  return w.finish();
}

/** Decodes any wave block. Integers come back as Int32Array, float channels as Float32Array. */
export function decodeWave(buf: Uint8Array): Int32Array | Float32Array {
  if (buf.length === 0) throw new CodecError('decodeWave: empty block');
  switch (buf[0] as WaveCodec) {
    case WaveCodec.IntRice:
      return decodeInts(buf);
    case WaveCodec.F32IntRice:
      return Float32Array.from(decodeInts(buf));
    case WaveCodec.IntAC:
      return decodeIntsAC(buf);
    case WaveCodec.F32IntAC:
      return Float32Array.from(decodeIntsAC(buf));
    case WaveCodec.F32Xor: {
      const r = new BitReader(buf, 1);
      const n = r.varint();
      const words = unXorShuffle(inflateRawSync(r.rest()), n, 1);
      return new Float32Array(words.buffer);
    }
    default:
      throw new CodecError(`decodeWave: unknown codec ${buf[0]}`);
  }
}

export function codecOf(buf: Uint8Array): WaveCodec {
  return buf[0] as WaveCodec;
}

// ---------------------------------------------------------------- columns

export type Column = Float64Array | Float32Array | Uint16Array;

const COL_F64 = 1;
const COL_F32 = 2;
const COL_U16 = 3;

/**
 * Encodes equal-length columns losslessly: each column's bit patterns are
 * XOR-delta coded against the previous row and byte-shuffled, then the lot is deflated.
 */
export function encodeColumns(cols: readonly Column[]): Uint8Array {
  const n = cols.length > 0 ? cols[0].length : 0;
  const w = new BitWriter(16 + cols.length);
  w.byte(COLUMNS_TAG);
  w.varint(n);
  w.varint(cols.length);
  const parts: Uint8Array[] = [];
  for (const c of cols) {
    if (c.length !== n) throw new CodecError('encodeColumns: columns differ in length');
    if (c instanceof Float64Array) {
      w.byte(COL_F64);
      parts.push(xorShuffle(new Uint32Array(c.buffer, c.byteOffset, n * 2), 2));
    } else if (c instanceof Float32Array) {
      w.byte(COL_F32);
      parts.push(xorShuffle(new Uint32Array(c.buffer, c.byteOffset, n), 1));
    } else {
      w.byte(COL_U16);
      const b = new Uint8Array(n * 2);
      for (let i = 0; i < n; i++) {
        b[i] = c[i] & 0xff;
        b[n + i] = c[i] >> 8;
      }
      parts.push(b);
    }
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  w.bytes(deflateRawSync(all, { level: 6 }));
  return w.finish();
}

/** Decodes a column block; with `maxColumns`, only its first columns (the rest are inflated but not unshuffled). */
export function decodeColumns(buf: Uint8Array, maxColumns = Infinity): Column[] {
  const r = new BitReader(buf);
  if (r.byte() !== COLUMNS_TAG) throw new CodecError('decodeColumns: not a column block');
  const n = r.varint();
  const k = r.varint();
  if (k > 256) throw new CodecError(`decodeColumns: ${k} columns`);
  const types: number[] = [];
  for (let i = 0; i < k; i++) types.push(r.byte());
  const all = inflateRawSync(r.rest());
  const out: Column[] = [];
  let o = 0;
  for (const t of types) {
    if (out.length >= maxColumns) return out;
    if (t === COL_F64) {
      const words = unXorShuffle(all.subarray(o, o + n * 8), n * 2, 2);
      out.push(new Float64Array(words.buffer));
      o += n * 8;
    } else if (t === COL_F32) {
      out.push(new Float32Array(unXorShuffle(all.subarray(o, o + n * 4), n, 1).buffer));
      o += n * 4;
    } else if (t === COL_U16) {
      const c = new Uint16Array(n);
      for (let i = 0; i < n; i++) c[i] = all[o + i] | (all[o + n + i] << 8);
      out.push(c);
      o += n * 2;
    } else throw new CodecError(`decodeColumns: unknown column type ${t}`);
  }
  if (o !== all.length) throw new CodecError('decodeColumns: trailing bytes');
  return out;
}
