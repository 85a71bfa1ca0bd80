/**
 * OR Hub device wire codec, protocol version 1. Pure: no Node, no DOM.
 *
 * Every ZeroMQ message body is one frame: a 24-byte little-endian header and a
 * type-specific payload. Layouts are specified in docs/device-protocol.md §3;
 * offsets below are the normative ones. `decodeFrame` never throws: hostile input
 * yields a `DecodeError` with a stable code.
 */

export const WIRE_MAGIC0 = 0x4f; // 'O'
export const WIRE_MAGIC1 = 0x52; // 'R'
export const WIRE_VERSION = 1;
export const HEADER_BYTES = 24;
/** Largest frame the hub accepts (bytes). A bigger frame is dropped as WIRE_TOO_LARGE. */
export const MAX_FRAME_BYTES = 1 << 20;
/** Largest number of samples in one WAVE frame. */
export const MAX_WAVE_SAMPLES = 65536;
/** Largest number of entries in one NUMERIC or POSE frame. */
export const MAX_ENTRIES = 1024;
/** Channel value meaning "no channel" in ALARM and EVENT frames. */
export const NO_CHANNEL = 0xffff;

export enum FrameType {
  Hello = 1,
  HelloAck = 2,
  Heartbeat = 3,
  Wave = 4,
  Numeric = 5,
  Setting = 6,
  Alarm = 7,
  Pose = 8,
  Event = 9,
  Goodbye = 10,
  SyncReq = 11,
  SyncResp = 12,
  Error = 13,
  /** Device → hub on the control socket: data moves to the data channel after this (§2.4). */
  DataSwitch = 14,
  /** Hub → device: everything the control socket carried before the DATA_SWITCH is in (§2.4). */
  DataSwitchAck = 15,
}

export enum SampleCode {
  I16 = 1,
  I32 = 2,
  F32 = 3,
}

/** IEC 60601-1-8 alarm priorities (plus information signals). */
export enum AlarmPriority {
  Info = 0,
  Low = 1,
  Medium = 2,
  High = 3,
}

export enum AlarmState {
  Ended = 0,
  Active = 1,
}

/** Numeric status bits. */
export const NUM_STATUS_INVALID = 1; // value not valid (e.g. lead off); display dashes
export const NUM_STATUS_DEMO = 2; // simulated value
export const NUM_STATUS_QUESTIONABLE = 4; // artefact suspected

export interface Header {
  type: FrameType;
  /** Per-stream id: channel index for WAVE, 0 otherwise. */
  stream: number;
  flags: number;
  /** Sequence number per (device, type, stream); wraps at 2^32. */
  seq: number;
  /** Device clock at send time, ms (device epoch; usually Unix ms). */
  tDeviceMs: number;
}

export interface NumericEntry {
  channel: number;
  status: number;
  /** Device clock, ms. */
  tMs: number;
  value: number;
}

export interface PoseEntry {
  channel: number;
  status: number;
  /** Tracking quality 0 (lost) .. 1 (perfect). */
  quality: number;
  /** Device clock, ms. */
  tMs: number;
  /** 4x4 homogeneous transform tool->tracker, column-major, translation in mm. */
  matrix: Float32Array;
}

export type Frame =
  | (Header & { type: FrameType.Hello; json: string })
  | (Header & { type: FrameType.HelloAck; json: string })
  | (Header & { type: FrameType.Heartbeat; state: number })
  | (Header & { type: FrameType.Wave; t0Ms: number; format: SampleCode; samples: Int16Array | Int32Array | Float32Array })
  | (Header & { type: FrameType.Numeric; entries: NumericEntry[] })
  | (Header & { type: FrameType.Setting; tMs: number; channel: number; value: number; text: string })
  | (Header & { type: FrameType.Alarm; tMs: number; channel: number; priority: AlarmPriority; state: AlarmState; code: number; text: string })
  | (Header & { type: FrameType.Pose; entries: PoseEntry[] })
  | (Header & { type: FrameType.Event; tMs: number; channel: number; code: string; text: string })
  | (Header & { type: FrameType.Goodbye; text: string })
  | (Header & { type: FrameType.SyncReq; t1Ms: number })
  | (Header & { type: FrameType.SyncResp; t1Ms: number; t2Ms: number; t3Ms: number })
  | (Header & { type: FrameType.Error; code: number; text: string })
  | (Header & { type: FrameType.DataSwitch })
  | (Header & { type: FrameType.DataSwitchAck; json: string });

export type FrameOf<T extends FrameType> = Extract<Frame, { type: T }>;

export type DecodeErrorCode =
  | 'WIRE_TOO_SHORT'
  | 'WIRE_TOO_LARGE'
  | 'WIRE_BAD_MAGIC'
  | 'WIRE_BAD_VERSION'
  | 'WIRE_UNKNOWN_TYPE'
  | 'WIRE_LENGTH_MISMATCH'
  | 'WIRE_BAD_PAYLOAD'
  | 'WIRE_BAD_FORMAT'
  | 'WIRE_TOO_MANY'
  | 'WIRE_NON_FINITE'
  | 'WIRE_BAD_TEXT';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
}

export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: DecodeError };

const utf8d = new TextDecoder('utf-8', { fatal: true });
const utf8e = new TextEncoder();

function fail(code: DecodeErrorCode, message: string): DecodeResult {
  return { ok: false, error: { code, message } };
}

export const SAMPLE_BYTES: Record<SampleCode, number> = { [SampleCode.I16]: 2, [SampleCode.I32]: 4, [SampleCode.F32]: 4 };

function readText(bytes: Uint8Array, off: number, len: number): string | null {
  try {
    return utf8d.decode(bytes.subarray(off, off + len));
  } catch {
    return null;
  }
}

/**
 * The `count` samples starting at absolute byte `off`: a view on the frame's memory when it
 * is aligned for the sample type (no copy), else an aligned copy.
 */
function readSamples(bytes: Uint8Array, off: number, count: number, fmt: SampleCode): Int16Array | Int32Array | Float32Array {
  const size = SAMPLE_BYTES[fmt];
  const at = bytes.byteOffset + off;
  if (at % size === 0) {
    if (fmt === SampleCode.I16) return new Int16Array(bytes.buffer, at, count);
    if (fmt === SampleCode.I32) return new Int32Array(bytes.buffer, at, count);
    return new Float32Array(bytes.buffer, at, count);
  }
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(off, off + count * size));
  if (fmt === SampleCode.I16) return new Int16Array(copy.buffer);
  if (fmt === SampleCode.I32) return new Int32Array(copy.buffer);
  return new Float32Array(copy.buffer);
}

function short(type: FrameType, payloadLen: number, what: string): DecodeResult {
  return fail('WIRE_BAD_PAYLOAD', `${FrameType[type]} payload of ${payloadLen} bytes is too short for ${what}`);
}

/**
 * Decodes one frame (§3). Never throws. Wave samples may be views on `bytes` (no copy):
 * a caller that keeps them must not modify `bytes` afterwards.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  const len = bytes.byteLength;
  if (len < HEADER_BYTES) return fail('WIRE_TOO_SHORT', `frame of ${len} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  if (len > MAX_FRAME_BYTES) return fail('WIRE_TOO_LARGE', `frame of ${len} bytes exceeds ${MAX_FRAME_BYTES}`);
  if (bytes[0] !== WIRE_MAGIC0 || bytes[1] !== WIRE_MAGIC1) return fail('WIRE_BAD_MAGIC', 'frame does not start with "OR"');
  if (bytes[2] !== WIRE_VERSION) return fail('WIRE_BAD_VERSION', `wire version ${bytes[2]} is not ${WIRE_VERSION}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const type = bytes[3] as FrameType;
  const payloadLen = dv.getUint32(12, true);
  if (payloadLen !== len - HEADER_BYTES) return fail('WIRE_LENGTH_MISMATCH', `header says ${payloadLen} payload bytes, frame has ${len - HEADER_BYTES}`);
  const stream = dv.getUint16(4, true);
  const flags = dv.getUint16(6, true);
  const seq = dv.getUint32(8, true);
  const tDeviceMs = dv.getFloat64(16, true);
  if (!Number.isFinite(tDeviceMs)) return fail('WIRE_NON_FINITE', 'header time is not finite');
  const p = HEADER_BYTES;
  switch (type) {
    case FrameType.Wave: {
      if (payloadLen < 16) return short(type, payloadLen, 'wave prefix');
      const t0Ms = dv.getFloat64(p, true);
      const count = dv.getUint32(p + 8, true);
      const format = bytes[p + 12] as SampleCode;
      if (!Number.isFinite(t0Ms)) return fail('WIRE_NON_FINITE', 'wave t0 is not finite');
      if (format !== SampleCode.I16 && format !== SampleCode.I32 && format !== SampleCode.F32)
        return fail('WIRE_BAD_FORMAT', `unknown sample format ${format}`);
      if (count === 0 || count > MAX_WAVE_SAMPLES) return fail('WIRE_TOO_MANY', `wave sample count ${count} not in 1..${MAX_WAVE_SAMPLES}`);
      if (payloadLen !== 16 + count * SAMPLE_BYTES[format])
        return fail('WIRE_BAD_PAYLOAD', `wave of ${count} samples needs ${16 + count * SAMPLE_BYTES[format]} payload bytes, has ${payloadLen}`);
      const samples = readSamples(bytes, p + 16, count, format);
      if (format === SampleCode.F32) {
        for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) return fail('WIRE_NON_FINITE', `wave sample ${i} is not finite`);
      }
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, t0Ms, format, samples } };
    }
    case FrameType.DataSwitch:
      // The payload is reserved (§2.4): whatever is there is ignored.
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs } };
    case FrameType.Hello:
    case FrameType.HelloAck:
    case FrameType.DataSwitchAck: {
      const json = readText(bytes, p, payloadLen);
      if (json === null) return fail('WIRE_BAD_TEXT', 'descriptor is not valid UTF-8');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, json } };
    }
    case FrameType.Heartbeat: {
      if (payloadLen < 1) return short(type, payloadLen, 'state');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, state: bytes[p] } };
    }
    case FrameType.Numeric: {
      if (payloadLen < 4) return short(type, payloadLen, 'count');
      const count = dv.getUint16(p, true);
      if (count > MAX_ENTRIES) return fail('WIRE_TOO_MANY', `${count} numeric entries exceed ${MAX_ENTRIES}`);
      if (payloadLen !== 4 + count * 24)
        return fail('WIRE_BAD_PAYLOAD', `numeric frame of ${count} entries needs ${4 + count * 24} payload bytes, has ${payloadLen}`);
      const entries: NumericEntry[] = new Array(count);
      for (let i = 0, o = p + 4; i < count; i++, o += 24) {
        const tMs = dv.getFloat64(o, true);
        const value = dv.getFloat64(o + 8, true);
        if (!Number.isFinite(tMs)) return fail('WIRE_NON_FINITE', `numeric entry ${i} time is not finite`);
        entries[i] = { tMs, value, channel: dv.getUint16(o + 16, true), status: dv.getUint16(o + 18, true) };
      }
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, entries } };
    }
    case FrameType.Setting: {
      if (payloadLen < 20) return short(type, payloadLen, 'setting');
      const tMs = dv.getFloat64(p, true);
      const value = dv.getFloat64(p + 8, true);
      const channel = dv.getUint16(p + 16, true);
      const tl = dv.getUint16(p + 18, true);
      if (payloadLen !== 20 + tl) return fail('WIRE_BAD_PAYLOAD', `setting text length ${tl} does not match payload`);
      if (!Number.isFinite(tMs)) return fail('WIRE_NON_FINITE', 'setting time is not finite');
      const text = readText(bytes, p + 20, tl);
      if (text === null) return fail('WIRE_BAD_TEXT', 'setting text is not valid UTF-8');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, tMs, value, channel, text } };
    }
    case FrameType.Alarm: {
      if (payloadLen < 18) return short(type, payloadLen, 'alarm');
      const tMs = dv.getFloat64(p, true);
      const channel = dv.getUint16(p + 8, true);
      const priority = bytes[p + 10];
      const state = bytes[p + 11];
      const code = dv.getUint32(p + 12, true);
      const tl = dv.getUint16(p + 16, true);
      if (payloadLen !== 18 + tl) return fail('WIRE_BAD_PAYLOAD', `alarm text length ${tl} does not match payload`);
      if (!Number.isFinite(tMs)) return fail('WIRE_NON_FINITE', 'alarm time is not finite');
      if (priority > AlarmPriority.High) return fail('WIRE_BAD_FORMAT', `alarm priority ${priority} unknown`);
      if (state > AlarmState.Active) return fail('WIRE_BAD_FORMAT', `alarm state ${state} unknown`);
      const text = readText(bytes, p + 18, tl);
      if (text === null) return fail('WIRE_BAD_TEXT', 'alarm text is not valid UTF-8');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, tMs, channel, priority, state, code, text } };
    }
    case FrameType.Pose: {
      if (payloadLen < 8) return short(type, payloadLen, 'count');
      const count = dv.getUint16(p, true);
      if (count > MAX_ENTRIES) return fail('WIRE_TOO_MANY', `${count} pose entries exceed ${MAX_ENTRIES}`);
      if (payloadLen !== 8 + count * 80)
        return fail('WIRE_BAD_PAYLOAD', `pose frame of ${count} entries needs ${8 + count * 80} payload bytes, has ${payloadLen}`);
      const entries: PoseEntry[] = new Array(count);
      for (let i = 0, o = p + 8; i < count; i++, o += 80) {
        const tMs = dv.getFloat64(o, true);
        const quality = dv.getFloat32(o + 12, true);
        const matrix = new Float32Array(16);
        for (let k = 0; k < 16; k++) {
          const v = dv.getFloat32(o + 16 + k * 4, true);
          if (!Number.isFinite(v)) return fail('WIRE_NON_FINITE', `pose entry ${i} matrix is not finite`);
          matrix[k] = v;
        }
        if (!Number.isFinite(tMs) || !(quality >= 0 && quality <= 1)) return fail('WIRE_NON_FINITE', `pose entry ${i} time or quality out of range`);
        entries[i] = { tMs, channel: dv.getUint16(o + 8, true), status: dv.getUint16(o + 10, true), quality, matrix };
      }
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, entries } };
    }
    case FrameType.Event: {
      if (payloadLen < 14) return short(type, payloadLen, 'event');
      const tMs = dv.getFloat64(p, true);
      const channel = dv.getUint16(p + 8, true);
      const cl = dv.getUint16(p + 10, true);
      const tl = dv.getUint16(p + 12, true);
      if (payloadLen !== 14 + cl + tl) return fail('WIRE_BAD_PAYLOAD', 'event text lengths do not match payload');
      if (!Number.isFinite(tMs)) return fail('WIRE_NON_FINITE', 'event time is not finite');
      const code = readText(bytes, p + 14, cl);
      const text = readText(bytes, p + 14 + cl, tl);
      if (code === null || text === null) return fail('WIRE_BAD_TEXT', 'event text is not valid UTF-8');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, tMs, channel, code, text } };
    }
    case FrameType.Goodbye: {
      const text = readText(bytes, p, payloadLen);
      if (text === null) return fail('WIRE_BAD_TEXT', 'goodbye reason is not valid UTF-8');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, text } };
    }
    case FrameType.SyncReq: {
      if (payloadLen !== 8) return fail('WIRE_BAD_PAYLOAD', 'sync request payload must be 8 bytes');
      const t1Ms = dv.getFloat64(p, true);
      if (!Number.isFinite(t1Ms)) return fail('WIRE_NON_FINITE', 'sync time is not finite');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, t1Ms } };
    }
    case FrameType.SyncResp: {
      if (payloadLen !== 24) return fail('WIRE_BAD_PAYLOAD', 'sync response payload must be 24 bytes');
      const t1Ms = dv.getFloat64(p, true),
        t2Ms = dv.getFloat64(p + 8, true),
        t3Ms = dv.getFloat64(p + 16, true);
      if (!Number.isFinite(t1Ms) || !Number.isFinite(t2Ms) || !Number.isFinite(t3Ms)) return fail('WIRE_NON_FINITE', 'sync times are not finite');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, t1Ms, t2Ms, t3Ms } };
    }
    case FrameType.Error: {
      if (payloadLen < 2) return short(type, payloadLen, 'error code');
      const text = readText(bytes, p + 2, payloadLen - 2);
      if (text === null) return fail('WIRE_BAD_TEXT', 'error text is not valid UTF-8');
      return { ok: true, frame: { type, stream, flags, seq, tDeviceMs, code: dv.getUint16(p, true), text } };
    }
    default:
      return fail('WIRE_UNKNOWN_TYPE', `unknown frame type ${bytes[3]}`);
  }
}

// ---------------------------------------------------------------- encoding

/** Header fields a caller supplies; the codec fills magic, version and length. */
export interface HeaderInit {
  stream?: number;
  flags?: number;
  seq: number;
  tDeviceMs: number;
}

function alloc(type: FrameType, h: HeaderInit, payloadLen: number): { buf: Uint8Array; dv: DataView } {
  const buf = new Uint8Array(HEADER_BYTES + payloadLen);
  const dv = new DataView(buf.buffer);
  buf[0] = WIRE_MAGIC0;
  buf[1] = WIRE_MAGIC1;
  buf[2] = WIRE_VERSION;
  buf[3] = type;
  dv.setUint16(4, h.stream ?? 0, true);
  dv.setUint16(6, h.flags ?? 0, true);
  dv.setUint32(8, h.seq >>> 0, true);
  dv.setUint32(12, payloadLen, true);
  dv.setFloat64(16, h.tDeviceMs, true);
  return { buf, dv };
}

function textFrame(type: FrameType, h: HeaderInit, text: string): Uint8Array {
  const t = utf8e.encode(text);
  const { buf } = alloc(type, h, t.length);
  buf.set(t, HEADER_BYTES);
  return buf;
}

export const encodeHello = (h: HeaderInit, descriptorJson: string) => textFrame(FrameType.Hello, h, descriptorJson);
export const encodeHelloAck = (h: HeaderInit, json: string) => textFrame(FrameType.HelloAck, h, json);
export const encodeDataSwitch = (h: HeaderInit) => alloc(FrameType.DataSwitch, h, 0).buf;
export const encodeDataSwitchAck = (h: HeaderInit, json: string) => textFrame(FrameType.DataSwitchAck, h, json);
export const encodeGoodbye = (h: HeaderInit, reason: string) => textFrame(FrameType.Goodbye, h, reason);

export function encodeHeartbeat(h: HeaderInit, state = 0): Uint8Array {
  const { buf } = alloc(FrameType.Heartbeat, h, 1);
  buf[HEADER_BYTES] = state;
  return buf;
}

/** WAVE: `h.stream` is the channel index; `t0Ms` is the device time of samples[0]. */
export function encodeWave(h: HeaderInit, t0Ms: number, samples: Int16Array | Int32Array | Float32Array): Uint8Array {
  const format = samples instanceof Int16Array ? SampleCode.I16 : samples instanceof Int32Array ? SampleCode.I32 : SampleCode.F32;
  const bytes = samples.length * SAMPLE_BYTES[format];
  const { buf, dv } = alloc(FrameType.Wave, h, 16 + bytes);
  const p = HEADER_BYTES;
  dv.setFloat64(p, t0Ms, true);
  dv.setUint32(p + 8, samples.length, true);
  buf[p + 12] = format;
  buf.set(new Uint8Array(samples.buffer, samples.byteOffset, bytes), p + 16);
  return buf;
}

export function encodeNumeric(h: HeaderInit, entries: readonly NumericEntry[]): Uint8Array {
  const { buf, dv } = alloc(FrameType.Numeric, h, 4 + entries.length * 24);
  dv.setUint16(HEADER_BYTES, entries.length, true);
  let o = HEADER_BYTES + 4;
  for (const e of entries) {
    dv.setFloat64(o, e.tMs, true);
    dv.setFloat64(o + 8, e.value, true);
    dv.setUint16(o + 16, e.channel, true);
    dv.setUint16(o + 18, e.status, true);
    o += 24;
  }
  return buf;
}

export function encodeSetting(h: HeaderInit, s: { tMs: number; channel: number; value: number; text?: string }): Uint8Array {
  const t = utf8e.encode(s.text ?? '');
  const { buf, dv } = alloc(FrameType.Setting, h, 20 + t.length);
  const p = HEADER_BYTES;
  dv.setFloat64(p, s.tMs, true);
  dv.setFloat64(p + 8, s.value, true);
  dv.setUint16(p + 16, s.channel, true);
  dv.setUint16(p + 18, t.length, true);
  buf.set(t, p + 20);
  return buf;
}

export function encodeAlarm(
  h: HeaderInit,
  a: { tMs: number; channel: number; priority: AlarmPriority; state: AlarmState; code: number; text: string },
): Uint8Array {
  const t = utf8e.encode(a.text);
  const { buf, dv } = alloc(FrameType.Alarm, h, 18 + t.length);
  const p = HEADER_BYTES;
  dv.setFloat64(p, a.tMs, true);
  dv.setUint16(p + 8, a.channel, true);
  buf[p + 10] = a.priority;
  buf[p + 11] = a.state;
  dv.setUint32(p + 12, a.code, true);
  dv.setUint16(p + 16, t.length, true);
  buf.set(t, p + 18);
  return buf;
}

export function encodePose(h: HeaderInit, entries: readonly PoseEntry[]): Uint8Array {
  const { buf, dv } = alloc(FrameType.Pose, h, 8 + entries.length * 80);
  dv.setUint16(HEADER_BYTES, entries.length, true);
  let o = HEADER_BYTES + 8;
  for (const e of entries) {
    dv.setFloat64(o, e.tMs, true);
    dv.setUint16(o + 8, e.channel, true);
    dv.setUint16(o + 10, e.status, true);
    dv.setFloat32(o + 12, e.quality, true);
    for (let k = 0; k < 16; k++) dv.setFloat32(o + 16 + k * 4, e.matrix[k], true);
    o += 80;
  }
  return buf;
}

export function encodeEvent(h: HeaderInit, ev: { tMs: number; channel?: number; code: string; text: string }): Uint8Array {
  const c = utf8e.encode(ev.code);
  const t = utf8e.encode(ev.text);
  const { buf, dv } = alloc(FrameType.Event, h, 14 + c.length + t.length);
  const p = HEADER_BYTES;
  dv.setFloat64(p, ev.tMs, true);
  dv.setUint16(p + 8, ev.channel ?? NO_CHANNEL, true);
  dv.setUint16(p + 10, c.length, true);
  dv.setUint16(p + 12, t.length, true);
  buf.set(c, p + 14);
  buf.set(t, p + 14 + c.length);
  return buf;
}

export function encodeSyncReq(h: HeaderInit, t1Ms: number): Uint8Array {
  const { buf, dv } = alloc(FrameType.SyncReq, h, 8);
  dv.setFloat64(HEADER_BYTES, t1Ms, true);
  return buf;
}

export function encodeSyncResp(h: HeaderInit, t1Ms: number, t2Ms: number, t3Ms: number): Uint8Array {
  const { buf, dv } = alloc(FrameType.SyncResp, h, 24);
  dv.setFloat64(HEADER_BYTES, t1Ms, true);
  dv.setFloat64(HEADER_BYTES + 8, t2Ms, true);
  dv.setFloat64(HEADER_BYTES + 16, t3Ms, true);
  return buf;
}

export function encodeError(h: HeaderInit, code: number, text: string): Uint8Array {
  const t = utf8e.encode(text);
  const { buf, dv } = alloc(FrameType.Error, h, 2 + t.length);
  dv.setUint16(HEADER_BYTES, code, true);
  buf.set(t, HEADER_BYTES + 2);
  return buf;
}

/** Error codes the hub sends in ERROR frames. */
export enum HubErrorCode {
  HelloRequired = 1,
  HelloRejected = 2,
  Throttled = 3,
  Malformed = 4,
  /** Frames of this device were dropped: text is JSON {"reason", "count"} (§9.1); at most one per reason a second. */
  FramesDropped = 5,
  /** The HELLO's deviceId is not the one this CURVE key was enrolled for, or its key proof is wrong (§8.3). */
  IdentityRefused = 6,
}
