/**
 * Packets of a VitalRecorder `.vital` file, for writing (layouts in vital-file.ts and the spec).
 * Each function returns one whole packet: type byte, u32 length, body.
 */
import {
  FMT_BYTE,
  FMT_CHAR,
  FMT_DOUBLE,
  FMT_DWORD,
  FMT_FLOAT,
  FMT_LONG,
  FMT_SHORT,
  FMT_SIZE,
  FMT_WORD,
  CMD_ORDER,
  PKT_CMD,
  PKT_DEVINFO,
  PKT_ORHUB_JSON,
  PKT_ORHUB_POSE,
  PKT_ORHUB_SPAN,
  PKT_REC,
  PKT_TRKINFO,
  type VitalDevice,
  type VitalTrack,
  VitalError,
} from './vital-file';

function strBytes(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(4 + body.length);
  b.writeUInt32LE(body.length, 0);
  body.copy(b, 4);
  return b;
}

function packet(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = type;
  h.writeUInt32LE(body.length, 1);
  return Buffer.concat([h, body]);
}

/** Header with headerlen 27: tzbias, inst_id, prog_ver, dtstart, dtend, packed = 0. */
export function headerBytes(h: { tzBias: number; instId: number; progVer: number; dtStart: number; dtEnd: number }): Buffer {
  const b = Buffer.alloc(10 + 27);
  b.write('VITA', 0, 'latin1');
  b.writeUInt32LE(3, 4);
  b.writeUInt16LE(27, 8);
  b.writeInt16LE(h.tzBias, 10);
  b.writeUInt32LE(h.instId >>> 0, 12);
  b.writeUInt32LE(h.progVer >>> 0, 16);
  b.writeDoubleLE(h.dtStart, 20);
  b.writeDoubleLE(h.dtEnd, 28);
  b[36] = 0;
  return b;
}

export function devInfoPacket(d: VitalDevice): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32LE(d.devId >>> 0);
  return packet(PKT_DEVINFO, Buffer.concat([id, strBytes(d.typeName), strBytes(d.devName), strBytes(d.port)]));
}

export function trkInfoPacket(t: VitalTrack): Buffer {
  const a = Buffer.alloc(4);
  a.writeUInt16LE(t.trkId, 0);
  a[2] = t.recType;
  a[3] = t.recFmt;
  const m = Buffer.alloc(4 + 4 + 4 + 4 + 8 + 8 + 1 + 4);
  m.writeFloatLE(t.minVal, 0);
  m.writeFloatLE(t.maxVal, 4);
  m.writeUInt32LE(t.color >>> 0, 8);
  m.writeFloatLE(t.srate, 12);
  m.writeDoubleLE(t.adcGain, 16);
  m.writeDoubleLE(t.adcOffset, 24);
  m[32] = t.monType;
  m.writeUInt32LE(t.devId >>> 0, 33);
  return packet(PKT_TRKINFO, Buffer.concat([a, strBytes(t.name), strBytes(t.unit), m]));
}

function recHead(dt: number, trkId: number, extra: number): Buffer {
  const b = Buffer.alloc(12 + extra);
  b.writeUInt16LE(10, 0);
  b.writeDoubleLE(dt, 2);
  b.writeUInt16LE(trkId, 10);
  return b;
}

function writeValue(b: Buffer, p: number, fmt: number, v: number): void {
  switch (fmt) {
    case FMT_FLOAT:
      b.writeFloatLE(v, p);
      break;
    case FMT_DOUBLE:
      b.writeDoubleLE(v, p);
      break;
    case FMT_CHAR:
      b.writeInt8(v, p);
      break;
    case FMT_BYTE:
      b.writeUInt8(v, p);
      break;
    case FMT_SHORT:
      b.writeInt16LE(v, p);
      break;
    case FMT_WORD:
      b.writeUInt16LE(v, p);
      break;
    case FMT_LONG:
      b.writeInt32LE(v, p);
      break;
    case FMT_DWORD:
      b.writeUInt32LE(v, p);
      break;
    default:
      throw new VitalError(`unknown sample format ${fmt}`);
  }
}

/** A WAV REC. Throws VitalError (from Buffer's range check) when a value does not fit the track's format. */
export function wavRecPacket(dt: number, t: VitalTrack, values: ArrayLike<number>): Buffer {
  const size = FMT_SIZE[t.recFmt];
  const b = recHead(dt, t.trkId, 4 + size * values.length);
  b.writeUInt32LE(values.length, 12);
  try {
    for (let i = 0; i < values.length; i++) writeValue(b, 16 + i * size, t.recFmt, values[i]);
  } catch (e) {
    throw new VitalError(`track ${t.name}: a sample does not fit format ${t.recFmt}: ${(e as Error).message}`);
  }
  return packet(PKT_REC, b);
}

export function numRecPacket(dt: number, t: VitalTrack, v: number): Buffer {
  const b = recHead(dt, t.trkId, FMT_SIZE[t.recFmt]);
  writeValue(b, 12, t.recFmt, v);
  return packet(PKT_REC, b);
}

export function strRecPacket(dt: number, t: VitalTrack, text: string): Buffer {
  return packet(PKT_REC, Buffer.concat([recHead(dt, t.trkId, 4), strBytes(text)]));
}

export function orderPacket(trkIds: readonly number[]): Buffer {
  const b = Buffer.alloc(3 + 2 * trkIds.length);
  b[0] = CMD_ORDER;
  b.writeUInt16LE(trkIds.length, 1);
  trkIds.forEach((id, i) => b.writeUInt16LE(id, 3 + 2 * i));
  return packet(PKT_CMD, b);
}

export function jsonPacket(value: Record<string, unknown>): Buffer {
  return packet(PKT_ORHUB_JSON, Buffer.from(JSON.stringify(value), 'utf8'));
}

export function spanPacket(trkId: number, t0Ms: number, t1Ms: number, count: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt16LE(trkId, 0);
  b.writeDoubleLE(t0Ms, 2);
  b.writeDoubleLE(t1Ms, 10);
  b.writeUInt32LE(count, 18);
  return packet(PKT_ORHUB_SPAN, b);
}

export function posePacket(key: number, rows: { tMs: number; quality: number; status: number; matrix: ArrayLike<number> }[]): Buffer {
  const b = Buffer.alloc(6 + rows.length * 78);
  b.writeUInt16LE(key, 0);
  b.writeUInt32LE(rows.length, 2);
  let p = 6;
  for (const r of rows) {
    b.writeDoubleLE(r.tMs, p);
    b.writeFloatLE(r.quality, p + 8);
    b.writeUInt16LE(r.status, p + 12);
    for (let k = 0; k < 16; k++) b.writeFloatLE(r.matrix[k], p + 14 + 4 * k);
    p += 78;
  }
  return packet(PKT_ORHUB_POSE, b);
}
