/**
 * Tests only: the IntRice encoder (tags 1 and 3). Production writes IntAC; this
 * encoder stays so the IntRice decoder, which must read old recordings forever,
 * keeps being tested on fresh blocks and on the golden fixtures.
 */
import { BitWriter, zigzag } from '../bits';
import { WaveCodec } from '../codec-tags';
import { ESCAPE, MAX_PARTITION_ORDER, partitionBounds } from '../intrice';
import { MAX_ORDER, bitLength, residual } from '../predictor';

/** Smallest partition the encoder considers (samples). */
const MIN_PARTITION = 16;

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
      const [a, b] = partitionBounds(j, parts, m);
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
    const [a, b] = partitionBounds(j, parts, m);
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
