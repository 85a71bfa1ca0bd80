/**
 * Lossless waveform block codec. Pure apart from node:zlib for float fallbacks.
 *
 * Integer samples (raw device counts) use FLAC-style fixed polynomial
 * prediction (order 0..3, chosen per block), then either partitioned Rice
 * coding of the residual as FLAC does (IntRice) or, by default, adaptive
 * binary range coding of the residual with magnitude contexts (IntAC), which
 * gets below the residual's zero-order entropy.
 * Float32 channels whose values are all small integers take the integer path;
 * other float32 channels are XOR-delta coded, byte-shuffled and deflated.
 * Byte layouts are in docs/recording.md §Codec.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BitReader, BitWriter, CodecError, unzigzag, zigzag } from './bits';
import { PROB_ONE, RangeDecoder, RangeEncoder } from './rangecoder';

export { CodecError } from './bits';

/** First byte of every block; also stored in wave_blocks.codec. */
export enum WaveCodec {
  /** Integers: fixed predictor + partitioned Rice. Decodes to Int32Array. */
  IntRice = 1,
  /** Float32: XOR with previous bit pattern, byte planes, deflate. Decodes to Float32Array. */
  F32Xor = 2,
  /** Float32 that are all integers in ±2^24: IntRice payload, decodes to Float32Array. */
  F32IntRice = 3,
  /** Integers: fixed predictor + context-modelled adaptive range coding. Decodes to Int32Array. The default. */
  IntAC = 5,
  /** Float32 that are all integers in ±2^24: IntAC payload, decodes to Float32Array. */
  F32IntAC = 6,
}

export const MAX_ORDER = 3;
const MAX_PARTITION_ORDER = 8;
/** Smallest partition the encoder considers (samples). */
const MIN_PARTITION = 16;
const ESCAPE = 31;

/** Residual of fixed predictor `order` at i (i ≥ order). Exact in doubles for int32 inputs. */
function residual(x: ArrayLike<number>, i: number, order: number): number {
  switch (order) {
    case 0:
      return x[i];
    case 1:
      return x[i] - x[i - 1];
    case 2:
      return x[i] - 2 * x[i - 1] + x[i - 2];
    default:
      return x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3];
  }
}

function bitLength(u: number): number {
  return u < 0x80000000 ? 32 - Math.clz32(u) : 32 + bitLength(Math.floor(u / 0x100000000));
}

/** Bits to Rice-code u[from..to) with parameter k (excluding the 5-bit parameter). */
function riceCost(u: Float64Array, from: number, to: number, k: number): number {
  let bits = (to - from) * (k + 1);
  if (k === 0) {
    for (let i = from; i < to; i++) bits += u[i];
  } else {
    const div = 2 ** k;
    for (let i = from; i < to; i++) {
      const v = u[i];
      bits += v < 0x80000000 ? v >>> k : Math.floor(v / div);
    }
  }
  return bits;
}

interface PartitionChoice {
  /** Bits for this partition including its parameter field. */
  bits: number;
  /** Rice parameter, or ESCAPE. */
  k: number;
  /** Escape width in bits. */
  w: number;
}

function bestPartition(u: Float64Array, from: number, to: number): PartitionChoice {
  let sum = 0;
  let max = 0;
  for (let i = from; i < to; i++) {
    const v = u[i];
    sum += v;
    if (v > max) max = v;
  }
  const n = to - from;
  const w = bitLength(max);
  let best: PartitionChoice = { bits: 5 + 6 + n * w, k: ESCAPE, w };
  if (max === 0) return best;
  const mean = sum / n;
  const k0 = mean < 1 ? 0 : Math.floor(Math.log2(mean));
  for (let k = Math.max(0, k0 - 1); k <= Math.min(30, k0 + 2); k++) {
    const bits = 5 + riceCost(u, from, to, k);
    if (bits < best.bits) best = { bits, k, w: 0 };
  }
  return best;
}

/** Partition j of P over m residuals covers [floor(j*m/P), floor((j+1)*m/P)). */
function bounds(j: number, parts: number, m: number): [number, number] {
  return [Math.floor((j * m) / parts), Math.floor(((j + 1) * m) / parts)];
}

/** Best partition order for residuals u, or undefined when none beats `limit` bits. */
function bestPartitioning(u: Float64Array, limit: number): { r: number; bits: number; parts: PartitionChoice[] } | undefined {
  const m = u.length;
  if (m === 0) return { r: 0, bits: 0, parts: [] };
  let best: { r: number; bits: number; parts: PartitionChoice[] } | undefined;
  for (let r = 0; r <= MAX_PARTITION_ORDER; r++) {
    const parts = 1 << r;
    if (r > 0 && m / parts < MIN_PARTITION) break;
    const choices: PartitionChoice[] = new Array(parts);
    let bits = 0;
    const cap = Math.min(limit, best ? best.bits : Infinity);
    for (let j = 0; j < parts && bits < cap; j++) {
      const [a, b] = bounds(j, parts, m);
      choices[j] = bestPartition(u, a, b);
      bits += choices[j].bits;
    }
    if (bits < cap) best = { r, bits, parts: choices };
  }
  return best;
}

/**
 * Encodes integer samples (each within int32). Returns the block bytes, codec IntRice.
 * Never loses information: decodeInts(encodeInts(x)) equals x exactly.
 */
export function encodeInts(x: ArrayLike<number>, tag: WaveCodec = WaveCodec.IntRice): Uint8Array {
  const n = x.length;
  const w = new BitWriter(16 + n);
  w.byte(tag);
  w.varint(n);
  if (n === 0) return w.finish();
  // Try every predictor order with the full partition search; keep the cheapest.
  let best: { order: number; u: Float64Array; r: number; bits: number; parts: PartitionChoice[] } | undefined;
  for (let order = 0; order <= Math.min(MAX_ORDER, n); order++) {
    const m = n - order;
    const u = new Float64Array(m);
    for (let i = 0; i < m; i++) u[i] = zigzag(residual(x, i + order, order));
    const warmBits = order * 24; // rough cost of the warm-up varints
    const p = bestPartitioning(u, best ? best.bits - warmBits : Infinity);
    if (p && (!best || p.bits + warmBits < best.bits)) best = { order, u, r: p.r, bits: p.bits + warmBits, parts: p.parts };
  }
  const { order, u, r: bestR, parts: bestParts } = best!;
  w.byte(order);
  for (let i = 0; i < order; i++) w.varint(zigzag(x[i]));
  const m = n - order;
  if (m === 0) return w.finish();
  w.byte(bestR);
  const parts = 1 << bestR;
  for (let j = 0; j < parts; j++) {
    const [a, b] = bounds(j, parts, m);
    const c = bestParts[j];
    w.bits(c.k, 5);
    if (c.k === ESCAPE) {
      w.bits(c.w, 6);
      if (c.w > 0) for (let i = a; i < b; i++) w.bits(u[i], c.w);
      continue;
    }
    const k = c.k;
    const div = 2 ** k;
    for (let i = a; i < b; i++) {
      const v = u[i];
      const q = v < 0x80000000 ? v >>> k : Math.floor(v / div);
      w.unary(q);
      if (k > 0) w.bits(v - q * div, k);
    }
  }
  return w.finish();
}

/** Undoes the fixed polynomial predictor of `order` (0..3) for sample i from residual e. */
function reconstruct(order: number, e: number, x: ArrayLike<number>, i: number, who: string): number {
  let v: number;
  switch (order) {
    case 0:
      v = e;
      break;
    case 1:
      v = e + x[i - 1];
      break;
    case 2:
      v = e + 2 * x[i - 1] - x[i - 2];
      break;
    default:
      v = e + 3 * x[i - 1] - 3 * x[i - 2] + x[i - 3];
  }
  if (v < -2147483648 || v > 2147483647) throw new CodecError(`${who}: sample outside int32`);
  return v;
}

/** Decodes an IntRice (or F32IntRice) block to integers. Throws CodecError on malformed input. */
export function decodeInts(buf: Uint8Array): Int32Array {
  const r = new BitReader(buf);
  const tag = r.byte();
  if (tag !== WaveCodec.IntRice && tag !== WaveCodec.F32IntRice) throw new CodecError(`decodeInts: codec ${tag} is not an integer codec`);
  const n = r.varint();
  if (n > 1 << 26) throw new CodecError(`decodeInts: count ${n} too large`);
  const x = new Int32Array(n);
  if (n === 0) return x;
  const order = r.byte();
  if (order > MAX_ORDER || order > n) throw new CodecError(`decodeInts: bad predictor order ${order}`);
  for (let i = 0; i < order; i++) x[i] = unzigzag(r.varint());
  const m = n - order;
  if (m === 0) return x;
  const ro = r.byte();
  if (ro > MAX_PARTITION_ORDER) throw new CodecError(`decodeInts: bad partition order ${ro}`);
  const parts = 1 << ro;
  // Residuals are summed in doubles, then checked to fit int32.
  let i = order;
  for (let j = 0; j < parts; j++) {
    const [a, b] = bounds(j, parts, m);
    const k = r.bits(5);
    const wEsc = k === ESCAPE ? r.bits(6) : 0;
    const div = 2 ** k;
    for (let s = a; s < b; s++, i++) {
      let u: number;
      if (k === ESCAPE) u = wEsc > 0 ? r.bits(wEsc) : 0;
      else {
        const q = r.unary();
        u = k > 0 ? q * div + r.bits(k) : q;
      }
      x[i] = reconstruct(order, unzigzag(u), x, i, 'decodeInts');
    }
  }
  return x;
}

// ------------------------------------------------------- adaptive coding

/** Contexts: bit length of |e[i-1]| + |e[i-2]|, clipped. */
const AC_CONTEXTS = 24;
/** Magnitude classes: bit length of |e|, 0..AC_MAX_CLASS-1 (int32 order-3 residuals need 35). */
const AC_CLASSES = 40;
/** Mantissa bits below the leading one that are modelled; the rest go at probability ½. */
const AC_MODELLED_MANTISSA = 2;
/** Probability adaptation shift: faster than LZMA's 5 because blocks are short. */
const AC_SHIFT = 4;

/** Per-block model, initialised with a prior: the class is likely near the context. */
function newModel(): { cls: Uint16Array; mant: Uint16Array; sign: Uint16Array } {
  const cls = new Uint16Array(AC_CONTEXTS * AC_CLASSES);
  for (let c = 0; c < AC_CONTEXTS; c++) {
    for (let j = 0; j < AC_CLASSES; j++) cls[c * AC_CLASSES + j] = j < c - 1 ? PROB_ONE * 0.2 : j > c ? PROB_ONE * 0.8 : PROB_ONE / 2;
  }
  return { cls, mant: new Uint16Array(AC_CONTEXTS * AC_CLASSES * 4).fill(PROB_ONE / 2), sign: new Uint16Array(3 * AC_CLASSES).fill(PROB_ONE / 2) };
}

/** Picks the predictor order whose residuals have the smallest total bit length (a cheap cost estimate). */
function chooseOrder(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const start = Math.min(MAX_ORDER, n - 1);
  const cost = [0, 0, 0, 0];
  for (let i = start; i < n; i++) {
    for (let p = 0; p <= start; p++) cost[p] += bitLength(Math.abs(residual(x, i, p)));
  }
  let order = 0;
  for (let p = 1; p <= start; p++) if (cost[p] < cost[order]) order = p;
  return order;
}

/**
 * Encodes integer samples (each within int32) with the adaptive coder.
 * Each residual e is sent as: magnitude class b = bitLength(|e|) in unary with
 * adaptive bits under context ctx = bitLength(|e₋₁| + |e₋₂|); the two mantissa
 * bits below the leading one, adaptive under (ctx, b); the remaining bits
 * plain; the sign, adaptive under (previous sign, b).
 */
export function encodeIntsAC(x: ArrayLike<number>, tag: WaveCodec = WaveCodec.IntAC, order = chooseOrder(x)): Uint8Array {
  const n = x.length;
  const w = new BitWriter(16);
  w.byte(tag);
  w.varint(n);
  if (n === 0) return w.finish();
  w.byte(order);
  for (let i = 0; i < order; i++) w.varint(zigzag(x[i]));
  if (n === order) return w.finish();
  const rc = new RangeEncoder(n, AC_SHIFT);
  const { cls, mant, sign } = newModel();
  let a1 = 0;
  let a2 = 0;
  let prevSign = 0;
  for (let i = order; i < n; i++) {
    const e = residual(x, i, order);
    const a = e < 0 ? -e : e;
    const s = a1 + a2;
    const cx = bitLength(s);
    const ctx = cx < AC_CONTEXTS ? cx : AC_CONTEXTS - 1;
    const b = bitLength(a);
    const base = ctx * AC_CLASSES;
    for (let j = 0; j < AC_CLASSES - 1; j++) {
      const more = b > j ? 1 : 0;
      rc.bit(cls, base + j, more);
      if (!more) break;
    }
    if (b >= 2) {
      const nb = b - 1;
      const m = a - 2 ** nb;
      const k = nb < AC_MODELLED_MANTISSA ? nb : AC_MODELLED_MANTISSA;
      const mbase = (base + b) * 4;
      let node = 1;
      for (let t = 0; t < k; t++) {
        const bit = nb - 1 - t >= 31 ? Math.floor(m / 2 ** (nb - 1 - t)) % 2 : (m >>> (nb - 1 - t)) & 1;
        rc.bit(mant, mbase + node, bit);
        node = node * 2 + bit;
      }
      if (nb > k) rc.direct(m % 2 ** (nb - k), nb - k);
    }
    if (a > 0) {
      const sg = e > 0 ? 1 : 0;
      rc.bit(sign, prevSign * AC_CLASSES + b, sg);
      prevSign = sg ? 1 : 2;
    } else prevSign = 0;
    a2 = a1;
    a1 = a;
  }
  w.bytes(rc.finish());
  return w.finish();
}

/** Decodes an IntAC (or F32IntAC) block. Throws CodecError on malformed input. */
export function decodeIntsAC(buf: Uint8Array): Int32Array {
  const r = new BitReader(buf);
  const tag = r.byte();
  if (tag !== WaveCodec.IntAC && tag !== WaveCodec.F32IntAC) throw new CodecError(`decodeIntsAC: codec ${tag} is not an adaptive integer codec`);
  const n = r.varint();
  if (n > 1 << 26) throw new CodecError(`decodeIntsAC: count ${n} too large`);
  const x = new Int32Array(n);
  if (n === 0) return x;
  const order = r.byte();
  if (order > MAX_ORDER || order > n) throw new CodecError(`decodeIntsAC: bad predictor order ${order}`);
  for (let i = 0; i < order; i++) x[i] = unzigzag(r.varint());
  if (n === order) return x;
  const rc = new RangeDecoder(buf, r.offset, AC_SHIFT);
  const { cls, mant, sign } = newModel();
  let a1 = 0;
  let a2 = 0;
  let prevSign = 0;
  for (let i = order; i < n; i++) {
    const cx = bitLength(a1 + a2);
    const ctx = cx < AC_CONTEXTS ? cx : AC_CONTEXTS - 1;
    const base = ctx * AC_CLASSES;
    let b = 0;
    while (b < AC_CLASSES - 1 && rc.bit(cls, base + b)) b++;
    let a = b === 0 ? 0 : 1;
    if (b >= 2) {
      const nb = b - 1;
      const k = nb < AC_MODELLED_MANTISSA ? nb : AC_MODELLED_MANTISSA;
      const mbase = (base + b) * 4;
      let node = 1;
      for (let t = 0; t < k; t++) node = node * 2 + rc.bit(mant, mbase + node);
      const hi = node - (1 << k);
      a = 2 ** nb + hi * 2 ** (nb - k) + (nb > k ? rc.direct(nb - k) : 0);
    }
    let e = a;
    if (a > 0) {
      const sg = rc.bit(sign, prevSign * AC_CLASSES + b);
      if (!sg) e = -a;
      prevSign = sg ? 1 : 2;
    } else prevSign = 0;
    x[i] = reconstruct(order, e, x, i, 'decodeIntsAC');
    a2 = a1;
    a1 = a;
  }
  return x;
}

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

/** Encodes a waveform block of raw samples. Integers use IntAC; floats F32IntRice or F32Xor. */
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

/** Tag of column blocks (numerics, poses). */
export const COLUMNS_TAG = 4;

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
