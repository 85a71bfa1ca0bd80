/**
 * IntAC (tag 5, the default for integer samples) and F32IntAC (tag 6): fixed
 * predictor + context-modelled adaptive binary range coding of the residual.
 * Layout: docs/recording.md §Codec.
 */
import { BitReader, BitWriter, CodecError, unzigzag, zigzag } from './bits';
import { WaveCodec } from './codec-tags';
import { MAX_ORDER, bitLength, reconstruct, residual } from './predictor';
import { PROB_ONE, RangeDecoder, RangeEncoder } from './rangecoder';

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
