/**
 * VitalRecorder `.vital` files: packet reader and writer (format version 3).
 * Spec: vitaldb/vitalutils Vital_File_Format.md (copy in ../shared/data/waveforms/vital).
 * A file is gzip(header + packets); every number is little-endian, structures are packed.
 * Times are Unix seconds (double). Packet types this module does not know are skipped
 * on reading, as the spec asks; OR Hub's own private packets (types 200..202) use that rule
 * so VitalDB's tools read our files and ignore what only OR Hub needs back.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

export const PKT_TRKINFO = 0;
export const PKT_REC = 1;
export const PKT_CMD = 6;
export const PKT_DEVINFO = 9;
/** OR Hub private: UTF-8 JSON object with a `k` field (case, device, track, rows...). */
export const PKT_ORHUB_JSON = 200;
/** OR Hub private: exact hub-time span of the preceding WAV REC: u16 trkid, f64 t0Ms, f64 t1Ms, u32 count. */
export const PKT_ORHUB_SPAN = 201;
/** OR Hub private: pose rows: u16 channel key, u32 n, n x (f64 t, f32 quality, u16 status, 16 x f32). */
export const PKT_ORHUB_POSE = 202;

export const CMD_ORDER = 5;
export const CMD_RESET_EVENTS = 6;

export const TYPE_WAV = 1;
export const TYPE_NUM = 2;
export const TYPE_STR = 5;

export const FMT_FLOAT = 1;
export const FMT_DOUBLE = 2;
export const FMT_CHAR = 3;
export const FMT_BYTE = 4;
export const FMT_SHORT = 5;
export const FMT_WORD = 6;
export const FMT_LONG = 7;
export const FMT_DWORD = 8;

/** Bytes per value of each recfmt. */
export const FMT_SIZE: Record<number, number> = { 1: 4, 2: 8, 3: 1, 4: 1, 5: 2, 6: 2, 7: 4, 8: 4 };
/** Per format: the value packed files use for "no sample" (spec, "NaN values by format type"). */
export const FMT_NAN: Record<number, number> = { 1: NaN, 2: NaN, 3: -128, 4: 255, 5: -32768, 6: 65535, 7: -2147483648, 8: 4294967295 };

export class VitalError extends Error {
  override name = 'VitalError';
}

export interface VitalHeader {
  formatVersion: number;
  /** Minutes; UTC = local + tzBias. */
  tzBias: number;
  instId: number;
  progVer: number;
  dtStart?: number;
  dtEnd?: number;
  packed: boolean;
}

export interface VitalDevice {
  devId: number;
  typeName: string;
  devName: string;
  port: string;
}

export interface VitalTrack {
  trkId: number;
  recType: number;
  recFmt: number;
  name: string;
  unit: string;
  minVal: number;
  maxVal: number;
  color: number;
  srate: number;
  adcGain: number;
  adcOffset: number;
  monType: number;
  devId: number;
}

export type VitalRec =
  | { type: 'wav'; dt: number; track: VitalTrack; values: ArrayLike<number> }
  | { type: 'num'; dt: number; track: VitalTrack; value: number }
  | { type: 'str'; dt: number; track: VitalTrack; text: string };

export type VitalPacket =
  | { type: 'devinfo'; dev: VitalDevice }
  | { type: 'trkinfo'; track: VitalTrack }
  | { type: 'rec'; rec: VitalRec }
  | { type: 'cmd'; cmd: number; order?: number[] }
  | { type: 'orhub-json'; value: Record<string, unknown> }
  | { type: 'orhub-span'; trkId: number; t0Ms: number; t1Ms: number; count: number }
  | { type: 'orhub-pose'; key: number; rows: Float64Array };

class Cursor {
  constructor(
    readonly b: Buffer,
    public p: number,
    readonly end: number,
  ) {}
  need(n: number, what: string): void {
    if (this.p + n > this.end) throw new VitalError(`truncated ${what} at byte ${this.p}`);
  }
  u8(): number {
    this.need(1, 'byte');
    return this.b[this.p++];
  }
  u16(): number {
    this.need(2, 'word');
    const v = this.b.readUInt16LE(this.p);
    this.p += 2;
    return v;
  }
  i16(): number {
    this.need(2, 'short');
    const v = this.b.readInt16LE(this.p);
    this.p += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'dword');
    const v = this.b.readUInt32LE(this.p);
    this.p += 4;
    return v;
  }
  f32(): number {
    this.need(4, 'float');
    const v = this.b.readFloatLE(this.p);
    this.p += 4;
    return v;
  }
  f64(): number {
    this.need(8, 'double');
    const v = this.b.readDoubleLE(this.p);
    this.p += 8;
    return v;
  }
  str(): string {
    const n = this.u32();
    this.need(n, 'string');
    const s = this.b.toString('utf8', this.p, this.p + n);
    this.p += n;
    return s;
  }
}

/** Reads `n` values of recfmt `fmt` from `b` at `p` into a typed array (no copy semantics are relied on). */
function readValues(b: Buffer, p: number, fmt: number, n: number): Float64Array | Float32Array | Int32Array {
  const size = FMT_SIZE[fmt];
  if (size === undefined) throw new VitalError(`unknown sample format ${fmt}`);
  if (p + size * n > b.length) throw new VitalError(`truncated samples at byte ${p}`);
  switch (fmt) {
    case FMT_FLOAT: {
      const o = new Float32Array(n);
      for (let i = 0; i < n; i++) o[i] = b.readFloatLE(p + 4 * i);
      return o;
    }
    case FMT_DOUBLE: {
      const o = new Float64Array(n);
      for (let i = 0; i < n; i++) o[i] = b.readDoubleLE(p + 8 * i);
      return o;
    }
    case FMT_CHAR: {
      const o = new Int32Array(n);
      for (let i = 0; i < n; i++) o[i] = b.readInt8(p + i);
      return o;
    }
    case FMT_BYTE: {
      const o = new Int32Array(n);
      for (let i = 0; i < n; i++) o[i] = b[p + i];
      return o;
    }
    case FMT_SHORT: {
      const o = new Int32Array(n);
      for (let i = 0; i < n; i++) o[i] = b.readInt16LE(p + 2 * i);
      return o;
    }
    case FMT_WORD: {
      const o = new Int32Array(n);
      for (let i = 0; i < n; i++) o[i] = b.readUInt16LE(p + 2 * i);
      return o;
    }
    case FMT_LONG: {
      const o = new Int32Array(n);
      for (let i = 0; i < n; i++) o[i] = b.readInt32LE(p + 4 * i);
      return o;
    }
    default: {
      const o = new Float64Array(n);
      for (let i = 0; i < n; i++) o[i] = b.readUInt32LE(p + 4 * i);
      return o;
    }
  }
}

/**
 * Parses a whole `.vital` file (gzip or already inflated). Calls `onPacket` for each packet in
 * file order; records of a track not yet described are skipped (the spec says so).
 */
export function readVitalFile(file: string, onPacket: (p: VitalPacket) => void, onHeader?: (h: VitalHeader) => void): VitalHeader {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new VitalError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let b: Buffer;
  try {
    b = raw[0] === 0x1f && raw[1] === 0x8b ? zlib.gunzipSync(raw) : raw;
  } catch (e) {
    throw new VitalError(`${file} is not a readable gzip file: ${(e as Error).message}`);
  }
  if (b.length < 10 || b.toString('latin1', 0, 4) !== 'VITA') throw new VitalError(`${file} is not a .vital file (no VITA signature)`);
  const formatVersion = b.readUInt32LE(4);
  const headerLen = b.readUInt16LE(8);
  const h = new Cursor(b, 10, 10 + headerLen);
  const header: VitalHeader = { formatVersion, tzBias: h.i16(), instId: h.u32(), progVer: h.u32(), packed: false };
  if (headerLen >= 26) {
    header.dtStart = h.f64();
    header.dtEnd = h.f64();
  }
  if (headerLen >= 27) header.packed = h.u8() === 1;
  onHeader?.(header);
  const tracks = new Map<number, VitalTrack>();
  let p = 10 + headerLen;
  while (p < b.length) {
    if (p + 5 > b.length) throw new VitalError(`${file}: truncated packet header at byte ${p}`);
    const type = b[p];
    const len = b.readUInt32LE(p + 1);
    const start = p + 5;
    const end = start + len;
    if (end > b.length) throw new VitalError(`${file}: packet at byte ${p} runs past the end of the file`);
    const c = new Cursor(b, start, end);
    if (type === PKT_DEVINFO) {
      const devId = c.u32();
      const typeName = c.str();
      const devName = c.p < end ? c.str() : typeName;
      const port = c.p < end ? c.str() : '';
      onPacket({ type: 'devinfo', dev: { devId, typeName, devName, port } });
    } else if (type === PKT_TRKINFO) {
      const t: VitalTrack = {
        trkId: c.u16(),
        recType: c.u8(),
        recFmt: c.u8(),
        name: c.str(),
        unit: c.str(),
        minVal: c.f32(),
        maxVal: c.f32(),
        color: c.u32(),
        srate: c.f32(),
        adcGain: c.f64(),
        adcOffset: c.f64(),
        monType: c.u8(),
        devId: c.u32(),
      };
      tracks.set(t.trkId, t);
      onPacket({ type: 'trkinfo', track: t });
    } else if (type === PKT_REC) {
      const infoLen = c.u16();
      const dt = c.f64();
      const track = tracks.get(c.u16());
      c.p = start + 2 + infoLen;
      if (track) {
        if (track.recType === TYPE_WAV) {
          const n = c.u32();
          onPacket({ type: 'rec', rec: { type: 'wav', dt, track, values: readValues(b, c.p, track.recFmt, n) } });
        } else if (track.recType === TYPE_NUM) {
          onPacket({ type: 'rec', rec: { type: 'num', dt, track, value: readValues(b, c.p, track.recFmt, 1)[0] } });
        } else if (track.recType === TYPE_STR) {
          c.u32();
          onPacket({ type: 'rec', rec: { type: 'str', dt, track, text: c.str() } });
        }
      }
    } else if (type === PKT_CMD) {
      const cmd = c.u8();
      if (cmd === CMD_ORDER) {
        const n = c.u16();
        onPacket({ type: 'cmd', cmd, order: Array.from({ length: n }, () => c.u16()) });
      } else onPacket({ type: 'cmd', cmd });
    } else if (type === PKT_ORHUB_JSON) {
      let value: unknown;
      try {
        value = JSON.parse(b.toString('utf8', start, end));
      } catch {
        throw new VitalError(`${file}: OR Hub metadata packet at byte ${p} is not JSON`);
      }
      if (typeof value === 'object' && value !== null) onPacket({ type: 'orhub-json', value: value as Record<string, unknown> });
    } else if (type === PKT_ORHUB_SPAN) {
      onPacket({ type: 'orhub-span', trkId: c.u16(), t0Ms: c.f64(), t1Ms: c.f64(), count: c.u32() });
    } else if (type === PKT_ORHUB_POSE) {
      const key = c.u16();
      const n = c.u32();
      c.need(n * 78, 'pose rows');
      const rows = new Float64Array(n * 19);
      for (let i = 0; i < n; i++) {
        rows[i * 19] = c.f64();
        rows[i * 19 + 1] = c.f32();
        rows[i * 19 + 2] = c.u16();
        for (let k = 0; k < 16; k++) rows[i * 19 + 3 + k] = c.f32();
      }
      onPacket({ type: 'orhub-pose', key, rows });
    }
    p = end;
  }
  return header;
}

/** Unix seconds for a vital `dt` such that dt * 1000 === tMs whenever a neighbouring double allows it. */
export function vitalSeconds(tMs: number): number {
  const s = tMs / 1000;
  if (s * 1000 === tMs) return s;
  const buf = new Float64Array(1);
  const bits = new BigInt64Array(buf.buffer);
  for (const d of [1n, -1n, 2n, -2n]) {
    buf[0] = s;
    bits[0] += d;
    if (buf[0] * 1000 === tMs) return buf[0];
  }
  return s;
}

/** Hub time (Unix ms) of a vital time. */
export function vitalMs(dt: number): number {
  return dt * 1000;
}
