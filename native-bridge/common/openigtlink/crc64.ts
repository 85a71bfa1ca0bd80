/**
 * CRC-64 as OpenIGTLink computes it (igtl_util.c `crc64`): the ECMA-182 polynomial
 * 0x42F0E1EBA9EA3693, MSB first (not reflected), initial value 0, no final XOR, over the
 * message body. Computed on two 32-bit halves (no BigInt on the hot path). Pure.
 */

const POLY_HI = 0x42f0e1eb;
const POLY_LO = 0xa9ea3693;
const T_HI = new Uint32Array(256);
const T_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = i << 24;
  let lo = 0;
  for (let b = 0; b < 8; b++) {
    const top = hi & 0x80000000;
    hi = ((hi << 1) | (lo >>> 31)) >>> 0;
    lo = (lo << 1) >>> 0;
    if (top) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  T_HI[i] = hi >>> 0;
  T_LO[i] = lo >>> 0;
}

/** CRC-64 of `bytes` as [high 32 bits, low 32 bits]. */
export function crc64(bytes: Uint8Array, start = 0, end = bytes.length): [number, number] {
  let hi = 0;
  let lo = 0;
  for (let i = start; i < end; i++) {
    const idx = ((hi >>> 24) ^ bytes[i]) & 0xff;
    hi = (((hi << 8) | (lo >>> 24)) ^ T_HI[idx]) >>> 0;
    lo = ((lo << 8) ^ T_LO[idx]) >>> 0;
  }
  return [hi, lo];
}
