/**
 * IntRice (tag 1) and F32IntRice (tag 3) decoding: fixed predictor + partitioned
 * Rice coding of the residual, as FLAC does. OR Hub no longer writes these tags
 * (IntAC replaced them) but reads them forever; the encoder lives with the tests
 * (testing/intrice-encoder.ts). Layout: docs/recording.md §Codec.
 */
import { BitReader, CodecError, unzigzag } from './bits';
import { WaveCodec } from './codec-tags';
import { MAX_ORDER, reconstruct } from './predictor';

export const MAX_PARTITION_ORDER = 8;
/** Rice parameter value that marks an escaped partition (fixed-width values follow). */
export const ESCAPE = 31;

/** Partition j of P over m residuals covers [floor(j*m/P), floor((j+1)*m/P)). */
export function partitionBounds(j: number, parts: number, m: number): [number, number] {
  return [Math.floor((j * m) / parts), Math.floor(((j + 1) * m) / parts)];
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
    const [a, b] = partitionBounds(j, parts, m);
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
