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
function readValues(b: Buffer, p: number, end: number, fmt: number, n: number): Float64Array | Float32Array | Int32Array {
  const size = FMT_SIZE[fmt];
  if (size === undefined) throw new VitalError(`unknown sample format ${fmt}`);
  if (p + size * n > end) throw new VitalError(`truncated samples at byte ${p}`);
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

/** Parses the header at the start of `b` (which holds at least 10 + headerlen bytes). */
function parseHeader(b: Buffer): { header: VitalHeader; length: number } {
  const formatVersion = b.readUInt32LE(4);
  const headerLen = b.readUInt16LE(8);
  const h = new Cursor(b, 10, 10 + headerLen);
  const header: VitalHeader = { formatVersion, tzBias: h.i16(), instId: h.u32(), progVer: h.u32(), packed: false };
  if (headerLen >= 26) {
    header.dtStart = h.f64();
    header.dtEnd = h.f64();
  }
  if (headerLen >= 27) header.packed = h.u8() === 1;
  return { header, length: 10 + headerLen };
}

/**
 * Reads a `.vital` file (gzip or already inflated) as a stream: packets are parsed as soon as they
 * are complete, so memory holds about one packet, whatever the file's size. Calls `onPacket` for
 * each packet in file order; records of a track not yet described are skipped (the spec says so).
 */
export async function readVitalFile(file: string, onPacket: (p: VitalPacket) => void, onHeader?: (h: VitalHeader) => void): Promise<VitalHeader> {
  const magic = Buffer.alloc(2);
  try {
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, magic, 0, 2, 0);
    fs.closeSync(fd);
  } catch (e) {
    throw new VitalError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const gz = magic[0] === 0x1f && magic[1] === 0x8b;
  const input = fs.createReadStream(file);
  const stream = gz ? input.pipe(zlib.createGunzip()) : input;
  if (gz) input.on('error', (e) => stream.destroy(e));
  const tracks = new Map<number, VitalTrack>();
  let header: VitalHeader | undefined;
  let chunks: Buffer[] = [];
  let have = 0;
  let need = 10;
  let offset = 0;
  const badSignature = () => new VitalError(`${file} is not a .vital file (no VITA signature)`);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      have += chunk.length;
      if (!header && have >= 4 && Buffer.concat(chunks).toString('latin1', 0, 4) !== 'VITA') throw badSignature();
      if (have < need) continue;
      const b = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
      let p = 0;
      for (;;) {
        if (!header) {
          if (b.length < 10 || b.length < 10 + b.readUInt16LE(8)) {
            need = b.length < 10 ? 10 : 10 + b.readUInt16LE(8);
            break;
          }
          const h = parseHeader(b);
          header = h.header;
          onHeader?.(header);
          p = h.length;
          continue;
        }
        if (b.length - p < 5) {
          need = 5;
          break;
        }
        const len = b.readUInt32LE(p + 1);
        if (b.length - p < 5 + len) {
          need = 5 + len;
          break;
        }
        parsePacket(b, p, len, tracks, onPacket, file, offset);
        p += 5 + len;
      }
      const rest = b.subarray(p);
      offset += p;
      chunks = rest.length ? [Buffer.from(rest)] : [];
      have = rest.length;
    }
  } catch (e) {
    if (e instanceof VitalError) throw e;
    throw new VitalError(`${file} is not a readable gzip file: ${(e as Error).message}`);
  }
  if (!header) throw badSignature();
  if (have > 0 && have < 5) throw new VitalError(`${file}: truncated packet header at byte ${offset}`);
  if (have > 0) throw new VitalError(`${file}: packet at byte ${offset} runs past the end of the file`);
  return header;
}

/** Parses one complete packet at b[p] (type, u32 length `len`, body); `base` is b[0]'s position in the file. */
function parsePacket(b: Buffer, p: number, len: number, tracks: Map<number, VitalTrack>, onPacket: (p: VitalPacket) => void, file: string, base: number): void {
  const type = b[p];
  const start = p + 5;
  const end = start + len;
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
        onPacket({ type: 'rec', rec: { type: 'wav', dt, track, values: readValues(b, c.p, end, track.recFmt, n) } });
      } else if (track.recType === TYPE_NUM) {
        onPacket({ type: 'rec', rec: { type: 'num', dt, track, value: readValues(b, c.p, end, track.recFmt, 1)[0] } });
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
      throw new VitalError(`${file}: OR Hub metadata packet at byte ${base + p} is not JSON`);
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
