/**
 * The OpenIGTLink header (58 bytes, big-endian; openigtlink.org/developers/spec "Header"):
 *
 * | offset | type     | field                                                     |
 * |-------:|----------|-----------------------------------------------------------|
 * | 0      | u16      | header version: 1 (protocol v1 and v2), 2 (protocol v3)     |
 * | 2      | char[12] | message type, e.g. "TRANSFORM", NUL-padded                 |
 * | 14     | char[20] | device name, NUL-padded                                    |
 * | 34     | u64      | timestamp: high 32 bits seconds since 1970, low 32 bits fraction of a second (2^-32 s); 0 = none |
 * | 42     | u64      | body size in bytes                                         |
 * | 50     | u64      | CRC-64 of the body (crc64.ts)                               |
 *
 * Pure; never throws on hostile input.
 */
import type { IgtlError } from './errors';

export const IGTL_HEADER_BYTES = 58;
/** Header version of protocol v1/v2 messages. */
export const IGTL_HEADER_V1 = 1;
/** Header version of protocol v3 messages (extended header and metadata in the body). */
export const IGTL_HEADER_V2 = 2;
/** Largest body the decoder accepts (bytes). Pose and status messages are tiny; images are not mapped. */
export const IGTL_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface IgtlHeader {
  version: number;
  type: string;
  deviceName: string;
  /** The sender's timestamp, ms since the Unix epoch on the sender's clock; null when the sender sent 0 (none). */
  tSenderMs: number | null;
  bodySize: number;
  /** CRC-64 of the body as sent, [high, low] 32-bit halves. */
  crc: [number, number];
}

/** Reads a NUL-padded ASCII field; null when it holds a byte outside printable ASCII before its NUL. */
export function readName(b: Uint8Array, off: number, len: number): string | null {
  let s = '';
  for (let i = off; i < off + len; i++) {
    const c = b[i];
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Writes an ASCII name NUL-padded into `len` bytes (longer names are cut). */
export function writeName(b: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i < len; i++) b[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0;
}

/** Sender time in ms from the 64-bit OpenIGTLink timestamp halves. */
export function timestampToMs(sec: number, frac: number): number | null {
  return sec === 0 && frac === 0 ? null : sec * 1000 + (frac / 4294967296) * 1000;
}

/** The 64-bit timestamp halves [seconds, fraction] of a time in ms. */
export function msToTimestamp(tMs: number): [number, number] {
  const sec = Math.floor(tMs / 1000);
  const frac = Math.min(4294967295, Math.round(((tMs - sec * 1000) / 1000) * 4294967296));
  return [sec >>> 0, frac >>> 0];
}

/** Decodes the 58-byte header at the start of `b`. */
export function decodeHeader(b: Uint8Array): { ok: true; header: IgtlHeader } | { ok: false; error: IgtlError } {
  if (b.length < IGTL_HEADER_BYTES)
    return { ok: false, error: { code: 'IGTL_TRUNCATED_HEADER', message: `${b.length} bytes, a header is ${IGTL_HEADER_BYTES}` } };
  const dv = new DataView(b.buffer, b.byteOffset, IGTL_HEADER_BYTES);
  const version = dv.getUint16(0);
  if (version !== IGTL_HEADER_V1 && version !== IGTL_HEADER_V2)
    return { ok: false, error: { code: 'IGTL_BAD_VERSION', message: `header version ${version} (1 or 2 expected)` } };
  const type = readName(b, 2, 12);
  if (!type) return { ok: false, error: { code: 'IGTL_BAD_TYPE_NAME', message: 'message type is empty or not printable ASCII' } };
  const deviceName = readName(b, 14, 20);
  if (deviceName === null) return { ok: false, error: { code: 'IGTL_BAD_DEVICE_NAME', message: 'device name is not printable ASCII' } };
  const sizeHi = dv.getUint32(42);
  const sizeLo = dv.getUint32(46);
  if (sizeHi !== 0 || sizeLo > IGTL_MAX_BODY_BYTES) {
    return { ok: false, error: { code: 'IGTL_BODY_TOO_LARGE', message: `body size ${sizeHi * 4294967296 + sizeLo} exceeds ${IGTL_MAX_BODY_BYTES}` } };
  }
  const header: IgtlHeader = {
    version,
    type,
    deviceName,
    tSenderMs: timestampToMs(dv.getUint32(34), dv.getUint32(38)),
    bodySize: sizeLo,
    crc: [dv.getUint32(50), dv.getUint32(54)],
  };
  return { ok: true, header };
}
