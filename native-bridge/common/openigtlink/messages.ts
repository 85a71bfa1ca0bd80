/**
 * OpenIGTLink message bodies OR Hub maps (protocol v1–v3; openigtlink.org/developers/spec),
 * big-endian throughout: TRANSFORM, POSITION, QTDATA, TDATA, STATUS, STRING and the query
 * messages GET_/STT_/STP_/RTS_. A v3 message (header version 2) carries an extended header
 * before its content and metadata after it. `decodeMessage` is a pure function
 * `bytes -> IgtlMessage | IgtlError`: it never throws on hostile input.
 *
 * Matrices are returned as OR Hub's 4×4 column-major Float32Array (translation in elements
 * 12..14, mm), the layout of POSE frames (docs/device-protocol.md §3.9).
 */
import { crc64 } from './crc64';
import { IGTL_HEADER_BYTES, IGTL_HEADER_V2, decodeHeader, readName, type IgtlHeader } from './header';
import type { IgtlError, IgtlErrorCode } from './errors';

export interface TrackingElement {
  name: string;
  /** 1 tracker, 2 6D, 3 3D, 4 5D. */
  instrumentType: number;
  matrix: Float32Array;
}

export type IgtlBody =
  | { type: 'TRANSFORM'; matrix: Float32Array }
  | { type: 'POSITION'; matrix: Float32Array; position: [number, number, number]; quaternion: [number, number, number, number] }
  | { type: 'TDATA' | 'QTDATA'; elements: TrackingElement[] }
  | { type: 'STATUS'; code: number; subcode: number; errorName: string; message: string }
  | { type: 'STRING'; encoding: number; text: string }
  | { type: 'QUERY'; query: 'GET' | 'STT' | 'STP' | 'RTS'; of: string; resolutionMs?: number; coordinate?: string; status?: number };

export interface IgtlMessage {
  header: IgtlHeader;
  /** v3: the message id of the extended header; 0 otherwise. */
  messageId: number;
  /** v3: metadata key → value (values decoded as UTF-8/ASCII text). */
  metadata: Map<string, string>;
  body: IgtlBody;
}

export type DecodeResult = { ok: true; message: IgtlMessage } | { ok: false; error: IgtlError; header?: IgtlHeader };

/** Types OpenIGTLink defines that OR Hub receives but does not map (refused as IGTL_UNSUPPORTED_TYPE). */
const UNMAPPED = new Set([
  'IMAGE',
  'POINT',
  'TRAJ',
  'IMGMETA',
  'LBMETA',
  'COLORTABLE',
  'CAPABILITY',
  'SENSOR',
  'NDARRAY',
  'POLYDATA',
  'BIND',
  'COMMAND',
  'RTS_COMMAND',
  'VIDEO',
  'VIDEOMETA',
  'LABEL',
]);
const QUERY_OF = new Set([
  'TRANSFORM',
  'POSITION',
  'TDATA',
  'QTDATA',
  'STATUS',
  'STRING',
  'IMAGE',
  'POINT',
  'TRAJ',
  'IMGMETA',
  'LBMETA',
  'CAPABILITY',
  'SENSOR',
  'NDARRAY',
  'POLYDATA',
  'BIND',
]);

/** What OR Hub does with a message type: decode it, skip it (defined by OpenIGTLink, not mapped), or refuse it as unknown. */
export function igtlTypeClass(type: string): 'mapped' | 'unmapped' | 'unknown' {
  const q = /^(GET|STT|STP|RTS)_(.+)$/.exec(type);
  if (/^(TRANSFORM|POSITION|TDATA|QTDATA|STATUS|STRING)$/.test(type) || (q && QUERY_OF.has(q[2]))) return 'mapped';
  return UNMAPPED.has(type) || (q && UNMAPPED.has(q[2])) ? 'unmapped' : 'unknown';
}

const fail = (code: IgtlErrorCode, message: string, header?: IgtlHeader): DecodeResult => ({ ok: false, error: { code, message }, header });

function finite(m: Float32Array): boolean {
  for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i])) return false;
  return true;
}

/** 12 big-endian floats (R11 R21 R31 R12 R22 R32 R13 R23 R33 TX TY TZ) → 4×4 column-major. */
export function readMatrix12(dv: DataView, off: number): Float32Array {
  const m = new Float32Array(16);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 3; r++) m[c * 4 + r] = dv.getFloat32(off + (c * 3 + r) * 4);
  m[15] = 1;
  return m;
}

/** Rotation matrix of a unit quaternion (x, y, z, w), with translation p, as 4×4 column-major (igtl::QuaternionToMatrix). */
export function quaternionMatrix(p: readonly number[], q: readonly number[]): Float32Array {
  const [x, y, z, w] = q;
  const m = new Float32Array(16);
  m[0] = 1 - 2 * (y * y + z * z);
  m[1] = 2 * (x * y + z * w);
  m[2] = 2 * (x * z - y * w);
  m[4] = 2 * (x * y - z * w);
  m[5] = 1 - 2 * (x * x + z * z);
  m[6] = 2 * (y * z + x * w);
  m[8] = 2 * (x * z + y * w);
  m[9] = 2 * (y * z - x * w);
  m[10] = 1 - 2 * (x * x + y * y);
  m[12] = p[0];
  m[13] = p[1];
  m[14] = p[2];
  m[15] = 1;
  return m;
}

function decodeContent(h: IgtlHeader, b: Uint8Array, dv: DataView): IgtlBody | IgtlError {
  const bad = (message: string): IgtlError => ({ code: 'IGTL_BAD_BODY', message: `${h.type}: ${message}` });
  const nonFinite: IgtlError = { code: 'IGTL_NON_FINITE', message: `${h.type}: a coordinate is NaN or infinite` };
  const t = h.type;
  if (t === 'TRANSFORM') {
    if (b.length !== 48) return bad(`body is ${b.length} bytes, 48 expected`);
    const matrix = readMatrix12(dv, 0);
    return finite(matrix) ? { type: t, matrix } : nonFinite;
  }
  if (t === 'POSITION') {
    // 12: position only; 24: position + quaternion (x, y, z) with w implied; 28: full quaternion.
    if (b.length !== 12 && b.length !== 24 && b.length !== 28) return bad(`body is ${b.length} bytes, 12, 24 or 28 expected`);
    const f = (i: number) => dv.getFloat32(i * 4);
    const position: [number, number, number] = [f(0), f(1), f(2)];
    let quaternion: [number, number, number, number] = [0, 0, 0, 1];
    if (b.length >= 24) {
      const [x, y, z] = [f(3), f(4), f(5)];
      quaternion = [x, y, z, b.length === 28 ? f(6) : Math.sqrt(Math.max(0, 1 - x * x - y * y - z * z))];
    }
    if (![...position, ...quaternion].every(Number.isFinite)) return nonFinite;
    return { type: t, position, quaternion, matrix: quaternionMatrix(position, quaternion) };
  }
  if (t === 'TDATA' || t === 'QTDATA') {
    const size = t === 'TDATA' ? 70 : 50;
    if (b.length % size !== 0) return bad(`body of ${b.length} bytes is not a whole number of ${size}-byte elements`);
    const elements: TrackingElement[] = [];
    for (let off = 0; off < b.length; off += size) {
      const name = readName(b, off, 20);
      if (name === null) return { code: 'IGTL_BAD_DEVICE_NAME', message: `${t}: element name is not printable ASCII` };
      let matrix: Float32Array;
      if (t === 'TDATA') matrix = readMatrix12(dv, off + 22);
      else {
        const f = (i: number) => dv.getFloat32(off + 22 + i * 4);
        const p = [f(0), f(1), f(2)];
        const q = [f(3), f(4), f(5), f(6)];
        if (![...p, ...q].every(Number.isFinite)) return nonFinite;
        matrix = quaternionMatrix(p, q);
      }
      if (!finite(matrix)) return nonFinite;
      elements.push({ name, instrumentType: b[off + 20], matrix });
    }
    return { type: t, elements };
  }
  if (t === 'STATUS') {
    if (b.length < 30) return bad(`body is ${b.length} bytes, at least 30 expected`);
    const errorName = readName(b, 10, 20);
    if (errorName === null) return bad('error name is not printable ASCII');
    let end = 30;
    while (end < b.length && b[end] !== 0) end++;
    const message = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(30, end));
    return { type: t, code: dv.getUint16(0), subcode: Number(dv.getBigInt64(2)), errorName, message };
  }
  if (t === 'STRING') {
    if (b.length < 4 || 4 + dv.getUint16(2) !== b.length) return bad('string length disagrees with the body size');
    return { type: t, encoding: dv.getUint16(0), text: new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(4)) };
  }
  const q = /^(GET|STT|STP|RTS)_(.+)$/.exec(t);
  if (q && QUERY_OF.has(q[2])) {
    const query = q[1] as 'GET' | 'STT' | 'STP' | 'RTS';
    if (query === 'STT' && (q[2] === 'TDATA' || q[2] === 'QTDATA')) {
      if (b.length !== 36 && b.length !== 0) return bad(`body is ${b.length} bytes, 36 expected`);
      if (b.length === 0) return { type: 'QUERY', query, of: q[2] };
      return { type: 'QUERY', query, of: q[2], resolutionMs: dv.getUint32(0), coordinate: readName(b, 4, 32) ?? '' };
    }
    if (query === 'RTS') return b.length >= 1 ? { type: 'QUERY', query, of: q[2], status: b[0] } : bad('RTS_ without a status byte');
    return { type: 'QUERY', query, of: q[2] };
  }
  if (UNMAPPED.has(t) || (q && UNMAPPED.has(q[2]))) return { code: 'IGTL_UNSUPPORTED_TYPE', message: `${t} messages are not mapped` };
  return { code: 'IGTL_UNKNOWN_TYPE', message: `unknown message type "${t}"` };
}

/** Reads the v3 extended header and metadata; returns the content's bounds. */
function splitV3(body: Uint8Array, dv: DataView): { start: number; end: number; messageId: number; metadata: Map<string, string> } | IgtlError {
  if (body.length < 12) return { code: 'IGTL_BAD_EXT_HEADER', message: `v3 body of ${body.length} bytes has no extended header` };
  const extSize = dv.getUint16(0);
  const metaHeaderSize = dv.getUint16(2);
  const metaSize = dv.getUint32(4);
  const messageId = dv.getUint32(8);
  if (extSize < 12 || extSize + metaHeaderSize + metaSize > body.length) {
    return {
      code: 'IGTL_BAD_EXT_HEADER',
      message: `extended header ${extSize} + metadata ${metaHeaderSize} + ${metaSize} bytes exceed the body of ${body.length}`,
    };
  }
  const end = body.length - metaHeaderSize - metaSize;
  const metadata = new Map<string, string>();
  if (metaHeaderSize === 0) return { start: extSize, end, messageId, metadata };
  const count = metaHeaderSize >= 2 ? dv.getUint16(end) : -1;
  if (count < 0 || metaHeaderSize !== 2 + 8 * count)
    return { code: 'IGTL_BAD_METADATA', message: `metadata header of ${metaHeaderSize} bytes does not hold ${count} entries` };
  let p = end + metaHeaderSize;
  const text = new TextDecoder('utf-8', { fatal: false });
  for (let i = 0; i < count; i++) {
    const e = end + 2 + 8 * i;
    const keySize = dv.getUint16(e);
    const valueSize = dv.getUint32(e + 4);
    if (p + keySize + valueSize > body.length) return { code: 'IGTL_BAD_METADATA', message: `metadata entry ${i} runs past the body` };
    metadata.set(text.decode(body.subarray(p, p + keySize)), text.decode(body.subarray(p + keySize, p + keySize + valueSize)));
    p += keySize + valueSize;
  }
  if (p !== body.length) return { code: 'IGTL_BAD_METADATA', message: `metadata sizes leave ${body.length - p} bytes unexplained` };
  return { start: extSize, end, messageId, metadata };
}

/** Decodes a body already cut by its header (the gateway's framer): CRC, v3 parts, content. */
export function decodeBody(header: IgtlHeader, body: Uint8Array): DecodeResult {
  if (body.length !== header.bodySize) return fail('IGTL_TRUNCATED_BODY', `body is ${body.length} bytes, the header says ${header.bodySize}`, header);
  const [hi, lo] = crc64(body);
  if (hi !== header.crc[0] || lo !== header.crc[1])
    return fail('IGTL_BAD_CRC', `CRC-64 of the body does not match the header (${header.type} from "${header.deviceName}")`, header);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let content = body;
  let messageId = 0;
  let metadata = new Map<string, string>();
  if (header.version === IGTL_HEADER_V2) {
    const v3 = splitV3(body, dv);
    if ('code' in v3) return fail(v3.code, v3.message, header);
    content = body.subarray(v3.start, v3.end);
    messageId = v3.messageId;
    metadata = v3.metadata;
  }
  const decoded = decodeContent(header, content, new DataView(content.buffer, content.byteOffset, content.byteLength));
  if (!('type' in decoded)) return fail(decoded.code, decoded.message, header);
  return { ok: true, message: { header, messageId, metadata, body: decoded } };
}

/** Decodes one whole message (header and exactly its body). */
export function decodeMessage(bytes: Uint8Array): DecodeResult {
  const h = decodeHeader(bytes);
  if (!h.ok) return { ok: false, error: h.error };
  const body = bytes.subarray(IGTL_HEADER_BYTES);
  if (body.length !== h.header.bodySize) return fail('IGTL_TRUNCATED_BODY', `${body.length} body bytes, the header says ${h.header.bodySize}`, h.header);
  return decodeBody(h.header, body);
}
