/**
 * The hub <-> display contract. Pure TypeScript: no Node, no DOM imports; both sides use it.
 *
 * Transport: one WebSocket per display at /ws. The session token is never in the URL: a browser
 * sends `{t: 'auth', token}` as its first message (within AUTH_TIMEOUT_MS; the hub sends nothing
 * before), other clients may send `Authorization: Bearer TOKEN` with the upgrade instead. A wrong
 * or missing token closes the socket with code WS_CLOSE_TOKEN_REFUSED.
 * - Text messages carry JSON `HubMessage` / `ClientMessage` (state, numerics, alarms: low rate).
 * - Binary messages carry hot data: waveform and pose batches (layouts below), never JSON.
 * All times are hub time: Unix ms on the hub's clock.
 * The HTTP half (the /api routes) is the route table in display-api.ts (docs/display-api.md).
 */

import type { CaseMessage } from './case-contract';
import type { AnatomyMessage } from './anatomy-contract';

export const CONTRACT_VERSION = 1;

export type LinkState = 'online' | 'stale' | 'offline';

export interface ChannelView {
  /** Display-wide id of this device channel (binary frames refer to it). */
  streamId: number;
  /** The channel's index on its device. */
  index: number;
  kind: 'wave' | 'numeric' | 'setting' | 'pose' | 'text';
  /** IEEE 11073 MDC reference id, e.g. MDC_ECG_HEART_RATE. */
  mdc: string;
  label: string;
  /** UCUM unit, e.g. mm[Hg], /min. */
  unit: string;
  /** Sample rate of a waveform. */
  rateHz?: number;
  /** Expected value range [low, high], in unit. */
  range?: [number, number];
}

export interface DeviceView {
  deviceId: string;
  /** e.g. patient-monitor, ventilator, infusion-pump, tracker. */
  kind: string;
  model: string;
  manufacturer: string;
  /** online, stale (late heartbeat) or offline. */
  state: LinkState;
  /** Why the state is what it is (e.g. "no heartbeat for 1.6 s"). */
  stateReason: string;
  /** Hub time the device was last heard (Unix ms). */
  lastHeardHubMs: number;
  /** The heartbeat interval the device declared (ms). */
  heartbeatMs: number;
  /** The device clock's mapping onto hub time, null before the first sync. */
  sync: { offsetMs: number; driftPpm: number; uncertaintyMs: number; synchronised: boolean } | null;
  /** UNSYNCHRONISED: no clock-sync answer within 5 s of HELLO (sync stays null), or sync.synchronised false. */
  unsynchronised?: boolean;
  /** Frames received, sequence gaps, frames lost in them, dropped as malformed, dropped by throttling. */
  counters: { frames: number; gaps: number; lostFrames: number; malformed: number; throttled: number };
  /** Frames the hub dropped from this device, by reason (docs/device-protocol.md §9.2). */
  drops?: Record<string, number>;
  /** True while the device is being throttled for flooding. */
  flooding: boolean;
  channels: ChannelView[];
}

export interface NumericItem {
  streamId: number;
  value: number;
  /** Wire status bits (NUM_STATUS_*). */
  status: number;
  tHubMs: number;
}

export interface SettingItem {
  streamId: number;
  value: number;
  text: string;
  tHubMs: number;
}

/** IEC 60601-1-8 priorities. */
export type AlarmPriorityName = 'high' | 'medium' | 'low' | 'info';

export interface AlarmItem {
  /** Unique per (device, code, channel). */
  alarmId: string;
  deviceId: string;
  /** The channel it is about, null for the whole device. */
  streamId: number | null;
  priority: AlarmPriorityName;
  /** True while the alarm condition lasts. */
  active: boolean;
  text: string;
  /** 'physiological' from device alarms; 'technical' for the hub's own (device offline, disk full...). */
  source: 'physiological' | 'technical';
  /** Hub time it became active (Unix ms). */
  sinceHubMs: number;
  /** The alarm engine's state of this alarm (main/hub/alarms/); absent on raw alarm-board items. */
  engine?: AlarmEngineState;
}

/** Who did something to an alarm, and when (hub clock, Unix ms). */
export interface AlarmActor {
  who: string;
  atHubMs: number;
}

/** What the hub's alarm engine knows of one alarm beyond the board's entry (docs/alarms.md). */
export interface AlarmEngineState {
  /** Every source that reports this condition (e.g. the monitor's own alarm and the hub's limit). */
  sources: string[];
  /** Context the team needs to judge the alarm (e.g. 'possible ESU interference', 'not confirmed by pulse'). */
  notes: string[];
  /** MDC reference ids of the channels it concerns (the tiles to highlight). */
  mdc: string[];
  /** False once the condition ended while the alarm stays latched (high physiological, until acknowledged). */
  conditionActive: boolean;
  latched: boolean;
  acknowledged: AlarmActor | null;
  /** Audio paused for this alarm until this hub time (null: not paused). */
  audioPausedUntilHubMs: number | null;
  audioPausedBy: AlarmActor | null;
  /** Alarm off (no visual or auditory signal) since, by whom. */
  off: AlarmActor | null;
  /** Hub time it was escalated (unacknowledged high alarm, to every display), null: not escalated. */
  escalatedHubMs: number | null;
}

/** One state change of one alarm, as the hub's alarm engine records it (hub clock). */
export interface AlarmChangeView {
  action: 'raised' | 'updated' | 'latched' | 'cleared' | 'acknowledged' | 'audio-paused' | 'audio-resumed' | 'off' | 'on' | 'escalated' | 'limit-changed';
  /** The alarm's id (AlarmItem.alarmId), or `limits/MDC` for a limit change. */
  key: string;
  kind: 'physiological' | 'technical';
  priority: AlarmPriorityName;
  text: string;
  /** Device (or hub service) the alarm is about. */
  deviceId: string;
  channel: number;
  sources: string[];
  notes: string[];
  /** Who acted ('' for changes of the condition itself). */
  who: string;
  tHubMs: number;
}

/** GET /api/alarms: the engine's alarms, the limits in force and the audio pause length. */
export interface AlarmsView {
  alarms: AlarmItem[];
  limits: AlarmLimitView[];
  pauseMs: number;
}

/** One alarm limit of a channel (docs/alarms.md): values outside [low, high] alarm after delayS. */
export interface AlarmLimitView {
  mdc: string;
  label: string;
  /** UCUM. */
  unit: string;
  low: number | null;
  high: number | null;
  /** Beyond these the alarm is high priority. */
  extremeLow: number | null;
  extremeHigh: number | null;
  priority: AlarmPriorityName;
  delayS: number;
  /** Who last changed it (null: the adult default). */
  changedBy: AlarmActor | null;
}

export interface EventItem {
  deviceId: string;
  streamId: number | null;
  code: string;
  text: string;
  tHubMs: number;
}

export interface GapItem {
  deviceId: string;
  streamId: number | null;
  fromHubMs: number;
  toHubMs: number;
  lostFrames: number;
  reason: string;
}

/** The device bus's counters in GET /api/status (docs/device-protocol.md). */
export interface BusStatusView {
  security: 'plain' | 'curve';
  /** The control endpoint the hub bound (tcp://host:port). */
  endpoint: string;
  /** The data channel's endpoint, null when none could be bound. */
  dataEndpoint: string | null;
  /** Messages received on the control socket / the data channel (all peers). */
  received: number;
  dataReceived: number;
  receiveRetries: number;
  authDenied: number;
  authAccepted: number;
  handshakeFailures: number;
  accepted: number;
  disconnected: number;
  /** Frames from peers that never said HELLO. */
  unknownPeerFrames: number;
  /** Frames dropped as malformed or invalid (all peers). */
  malformed: number;
  helloRejected: number;
  /** Data-channel messages naming no current session. */
  dataRefused: number;
  /** Dropped frames by reason code (WIRE_BAD_MAGIC, DATA_SESSION, ...). */
  decodeErrors: Record<string, number>;
}

/** GET /api/status: what the hub sees now. */
export interface StatusView {
  /** The hub's CONTRACT_VERSION: a client of another version must not interpret the rest. */
  version: number;
  /** Changes when the hub restarts. */
  hubId: string;
  devices: DeviceView[];
  /** Active and latched alarms, physiological and technical. */
  alarms: AlarmItem[];
  /** The device bus's counters. */
  bus: BusStatusView;
}

/**
 * What a display shows when the hub speaks another contract version, or null when they match.
 * `hubVersion` is whatever the hub's hello carried (possibly nothing, from a hub before versions).
 */
export function contractMismatch(hubVersion: unknown): string | null {
  if (hubVersion === CONTRACT_VERSION) return null;
  const hub = typeof hubVersion === 'number' && Number.isFinite(hubVersion) ? `v${hubVersion}` : 'of an unknown version';
  return `display v${CONTRACT_VERSION}, hub ${hub}: reload or update`;
}

export type HubMessage =
  | {
      t: 'hello';
      version: number;
      hubTimeMs: number;
      hubId: string;
      simulated: boolean;
      /** Set when the supervisor restarted the hub after a failure: how often, when (hub clock ms), why. */
      restart?: { count: number; atMs: number; reason: string };
    }
  | { t: 'devices'; devices: DeviceView[] }
  | { t: 'device'; device: DeviceView }
  | { t: 'numerics'; items: NumericItem[] }
  | { t: 'settings'; items: SettingItem[] }
  | { t: 'alarms'; items: AlarmItem[]; /** Sequence number the display acknowledges with 'alarm-received'. */ seq?: number }
  /** The hub's alarm loop is alive (every 500 ms); a display that misses it for 2 s shows an alarm-system failure. */
  | { t: 'alarm-heartbeat'; seq: number; hubTimeMs: number; /** Audio pause length, ms. */ pauseMs: number }
  | { t: 'alarm-limits'; limits: AlarmLimitView[] }
  | { t: 'event'; item: EventItem }
  | { t: 'gap'; item: GapItem }
  | { t: 'time'; hubTimeMs: number }
  | { t: 'error'; message: string }
  | CaseMessage
  | AnatomyMessage;

export type ClientMessage =
  | { t: 'auth'; token: string }
  | { t: 'ping'; clientTimeMs: number }
  | { t: 'ack-alarm'; alarmId: string }
  /** The display received the alarm message or heartbeat with this seq (the hub's alarm self-check). */
  | { t: 'alarm-received'; seq: number };

/** Close code of a display socket whose token is missing, wrong or was rotated (4000-4999: private use, RFC 6455 §7.4.2). */
export const WS_CLOSE_TOKEN_REFUSED = 4401;
/** The close reason when the token was replaced (`or-hub display-token rotate`) while the display was open. */
export const TOKEN_REPLACED_REASON = 'session token replaced';
/** The hub's heartbeat: it sends `time` at least this often, ms (issue 13 §2). */
export const HUB_HEARTBEAT_MS = 1000;
/** A display that heard nothing for this long (2 heartbeats) shows that it cannot show current data, ms. */
export const HUB_LOST_AFTER_MS = 2 * HUB_HEARTBEAT_MS;
/** How long the hub waits for the first message's token after the upgrade, ms. */
export const AUTH_TIMEOUT_MS = 5000;

/** Alarm-system self-check: a display without a heartbeat, or a hub without acknowledgements, for this long fails (ms). */
export const ALARM_HEARTBEAT_TIMEOUT_MS = 2000;
export const ALARM_HEARTBEAT_MS = 500;

// ---------------------------------------------------------------- binary frames

export enum BinaryKind {
  Wave = 1,
  Pose = 2,
}

/**
 * Wave batch (little-endian):
 *   0 u8 kind = 1, 1 u8 reserved, 2 u16 blockCount
 *   per block (header 24 bytes, then samples):
 *     0 u16 streamId, 2 u16 reserved, 4 u32 count, 8 f64 t0HubMs (time of first sample),
 *     16 f32 rateHz, 20 u32 reserved, 24 f32[count] samples in physical units
 */
export interface WaveBlockView {
  streamId: number;
  t0HubMs: number;
  rateHz: number;
  samples: Float32Array;
}

/**
 * Pose batch (little-endian):
 *   0 u8 kind = 2, 1 u8 reserved, 2 u16 count, 4 u32 reserved
 *   per entry 80 bytes: 0 f64 tHubMs, 8 u16 streamId, 10 u16 status, 12 f32 quality,
 *     16 f32[16] tool->tracker matrix, column-major, mm
 */
export interface PoseView {
  streamId: number;
  tHubMs: number;
  status: number;
  quality: number;
  matrix: Float32Array;
}

export function encodeWaveBatch(blocks: readonly WaveBlockView[]): Uint8Array {
  let size = 4;
  for (const b of blocks) size += 24 + b.samples.length * 4;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  buf[0] = BinaryKind.Wave;
  dv.setUint16(2, blocks.length, true);
  let o = 4;
  for (const b of blocks) {
    dv.setUint16(o, b.streamId, true);
    dv.setUint32(o + 4, b.samples.length, true);
    dv.setFloat64(o + 8, b.t0HubMs, true);
    dv.setFloat32(o + 16, b.rateHz, true);
    o += 24;
    buf.set(new Uint8Array(b.samples.buffer, b.samples.byteOffset, b.samples.length * 4), o);
    o += b.samples.length * 4;
  }
  return buf;
}

export function encodePoseBatch(poses: readonly PoseView[]): Uint8Array {
  const buf = new Uint8Array(8 + poses.length * 80);
  const dv = new DataView(buf.buffer);
  buf[0] = BinaryKind.Pose;
  dv.setUint16(2, poses.length, true);
  let o = 8;
  for (const p of poses) {
    dv.setFloat64(o, p.tHubMs, true);
    dv.setUint16(o + 8, p.streamId, true);
    dv.setUint16(o + 10, p.status, true);
    dv.setFloat32(o + 12, p.quality, true);
    for (let k = 0; k < 16; k++) dv.setFloat32(o + 16 + k * 4, p.matrix[k], true);
    o += 80;
  }
  return buf;
}

export type BinaryDecoded =
  { kind: BinaryKind.Wave; blocks: WaveBlockView[] } | { kind: BinaryKind.Pose; poses: PoseView[] } | { kind: 'error'; message: string };

/** Decodes a binary hub frame. Never throws. Sample arrays are copies (aligned). */
export function decodeBinary(data: ArrayBuffer | Uint8Array): BinaryDecoded {
  const buf = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (buf.byteLength < 4) return { kind: 'error', message: 'binary frame too short' };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const kind = buf[0];
  if (kind === BinaryKind.Wave) {
    const n = dv.getUint16(2, true);
    const blocks: WaveBlockView[] = [];
    let o = 4;
    for (let i = 0; i < n; i++) {
      if (o + 24 > buf.byteLength) return { kind: 'error', message: 'wave batch truncated' };
      const count = dv.getUint32(o + 4, true);
      const end = o + 24 + count * 4;
      if (end > buf.byteLength) return { kind: 'error', message: 'wave block truncated' };
      const samples = new Float32Array(count);
      new Uint8Array(samples.buffer).set(buf.subarray(o + 24, end));
      blocks.push({ streamId: dv.getUint16(o, true), t0HubMs: dv.getFloat64(o + 8, true), rateHz: dv.getFloat32(o + 16, true), samples });
      o = end;
    }
    return { kind: BinaryKind.Wave, blocks };
  }
  if (kind === BinaryKind.Pose) {
    const n = dv.getUint16(2, true);
    if (buf.byteLength < 8 + n * 80) return { kind: 'error', message: 'pose batch truncated' };
    const poses: PoseView[] = [];
    for (let i = 0, o = 8; i < n; i++, o += 80) {
      const matrix = new Float32Array(16);
      for (let k = 0; k < 16; k++) matrix[k] = dv.getFloat32(o + 16 + k * 4, true);
      poses.push({
        tHubMs: dv.getFloat64(o, true),
        streamId: dv.getUint16(o + 8, true),
        status: dv.getUint16(o + 10, true),
        quality: dv.getFloat32(o + 12, true),
        matrix,
      });
    }
    return { kind: BinaryKind.Pose, poses };
  }
  return { kind: 'error', message: `unknown binary kind ${kind}` };
}
