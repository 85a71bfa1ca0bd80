/**
 * OpenIGTLink encoders: whole messages (header, CRC, v3 extended header and metadata) and the
 * bodies OR Hub sends or replays: TRANSFORM, POSITION, TDATA, QTDATA, STATUS, queries. Pure.
 */
import { crc64 } from './crc64';
import { IGTL_HEADER_BYTES, IGTL_HEADER_V1, IGTL_HEADER_V2, msToTimestamp, writeName } from './header';

export interface EncodeInit {
  type: string;
  deviceName: string;
  /** Sender time, ms since the Unix epoch; null or omitted: timestamp 0 (none). */
  tSenderMs?: number | null;
  /** 1 (protocol v1/v2, default) or 2 (v3: extended header and metadata). */
  version?: number;
  messageId?: number;
  metadata?: ReadonlyMap<string, string> | Record<string, string>;
}

const utf8 = new TextEncoder();

function v3Body(content: Uint8Array, messageId: number, metadata: Iterable<[string, string]>): Uint8Array {
  const entries = [...metadata].map(([k, v]) => [utf8.encode(k), utf8.encode(v)] as const);
  const metaHeader = entries.length ? 2 + 8 * entries.length : 0;
  const metaSize = entries.reduce((n, [k, v]) => n + k.length + v.length, 0);
  const out = new Uint8Array(12 + content.length + metaHeader + metaSize);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 12);
  dv.setUint16(2, metaHeader);
  dv.setUint32(4, metaSize);
  dv.setUint32(8, messageId >>> 0);
  out.set(content, 12);
  let p = 12 + content.length;
  if (entries.length) {
    dv.setUint16(p, entries.length);
    entries.forEach(([k, v], i) => {
      dv.setUint16(p + 2 + 8 * i, k.length);
      dv.setUint16(p + 4 + 8 * i, 106); // value encoding: IANA MIBenum 106 = UTF-8
      dv.setUint32(p + 6 + 8 * i, v.length);
    });
    p += metaHeader;
    for (const [k, v] of entries) {
      out.set(k, p);
      out.set(v, p + k.length);
      p += k.length + v.length;
    }
  }
  return out;
}

/** A whole message: header (with the body's CRC-64) and body. */
export function encodeMessage(init: EncodeInit, content: Uint8Array): Uint8Array {
  const version = init.version ?? IGTL_HEADER_V1;
  const meta = init.metadata instanceof Map ? init.metadata : Object.entries(init.metadata ?? {});
  const body = version === IGTL_HEADER_V2 ? v3Body(content, init.messageId ?? 0, meta) : content;
  const out = new Uint8Array(IGTL_HEADER_BYTES + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, version);
  writeName(out, 2, 12, init.type);
  writeName(out, 14, 20, init.deviceName);
  const [sec, frac] = init.tSenderMs == null ? [0, 0] : msToTimestamp(init.tSenderMs);
  dv.setUint32(34, sec);
  dv.setUint32(38, frac);
  dv.setUint32(46, body.length);
  const [hi, lo] = crc64(body);
  dv.setUint32(50, hi);
  dv.setUint32(54, lo);
  out.set(body, IGTL_HEADER_BYTES);
  return out;
}

/** 4×4 column-major → the 12 floats of TRANSFORM/TDATA (R11 R21 R31 R12 … R33 TX TY TZ). */
function writeMatrix12(dv: DataView, off: number, m: ArrayLike<number>): void {
  for (let c = 0; c < 4; c++) for (let r = 0; r < 3; r++) dv.setFloat32(off + (c * 3 + r) * 4, m[c * 4 + r]);
}

export function transformBody(matrix: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(48);
  writeMatrix12(new DataView(out.buffer), 0, matrix);
  return out;
}

export function positionBody(p: readonly number[], q: readonly number[]): Uint8Array {
  const out = new Uint8Array(28);
  const dv = new DataView(out.buffer);
  [...p, ...q].forEach((v, i) => dv.setFloat32(i * 4, v));
  return out;
}

export function tdataBody(elements: readonly { name: string; instrumentType?: number; matrix: ArrayLike<number> }[]): Uint8Array {
  const out = new Uint8Array(70 * elements.length);
  const dv = new DataView(out.buffer);
  elements.forEach((e, i) => {
    writeName(out, i * 70, 20, e.name);
    out[i * 70 + 20] = e.instrumentType ?? 2;
    writeMatrix12(dv, i * 70 + 22, e.matrix);
  });
  return out;
}

export function qtdataBody(
  elements: readonly { name: string; instrumentType?: number; position: readonly number[]; quaternion: readonly number[] }[],
): Uint8Array {
  const out = new Uint8Array(50 * elements.length);
  const dv = new DataView(out.buffer);
  elements.forEach((e, i) => {
    writeName(out, i * 50, 20, e.name);
    out[i * 50 + 20] = e.instrumentType ?? 2;
    [...e.position, ...e.quaternion].forEach((v, k) => dv.setFloat32(i * 50 + 22 + k * 4, v));
  });
  return out;
}

export function statusBody(s: { code: number; subcode?: number; errorName?: string; message?: string }): Uint8Array {
  const msg = utf8.encode(s.message ?? '');
  const out = new Uint8Array(30 + msg.length + 1);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, s.code);
  dv.setBigInt64(2, BigInt(Math.trunc(s.subcode ?? 0)));
  writeName(out, 10, 20, s.errorName ?? '');
  out.set(msg, 30);
  return out;
}

/** STT_TDATA / STT_QTDATA body: resolution (ms between messages) and coordinate system name. */
export function startTrackingBody(resolutionMs: number, coordinate = ''): Uint8Array {
  const out = new Uint8Array(36);
  new DataView(out.buffer).setUint32(0, resolutionMs >>> 0);
  writeName(out, 4, 32, coordinate);
  return out;
}
