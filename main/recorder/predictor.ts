/**
 * FLAC's fixed polynomial predictors (order 0..3), shared by the integer codecs.
 * Residuals are exact in doubles for int32 inputs.
 */
import { CodecError } from './bits';

export const MAX_ORDER = 3;

/** Residual of fixed predictor `order` at i (i ≥ order). Exact in doubles for int32 inputs. */
export function residual(x: ArrayLike<number>, i: number, order: number): number {
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

/** Undoes the fixed polynomial predictor of `order` (0..3) for sample i from residual e. */
export function reconstruct(order: number, e: number, x: ArrayLike<number>, i: number, who: string): number {
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

/** Bits needed for the non-negative integer u (0 for 0); exact up to 2^53. */
export function bitLength(u: number): number {
  return u < 0x80000000 ? 32 - Math.clz32(u) : 32 + bitLength(Math.floor(u / 0x100000000));
}
