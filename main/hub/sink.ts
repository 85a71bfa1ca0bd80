/**
 * What the hub hands on: one typed event stream. Every frame, once validated and placed
 * on the hub's clock, every device status change and every alarm-board change reaches
 * each sink in the order it happened. Display broadcasting and recording are both sinks.
 * All `t*HubMs` are hub time: Unix ms on the hub's clock (Date.now() epoch,
 * advanced monotonically by the hub; see main/hub/clock.ts).
 */
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { AlarmPriority, AlarmState } from '../../native-bridge/common/wire';
import type { AlarmEntry } from './alarm-board';

export interface SyncQuality {
  /** device clock − hub clock, ms, at the latest estimate. */
  offsetMs: number;
  /** Drift of the device clock relative to the hub, parts per million. */
  driftPpm: number;
  /** Uncertainty (half the best round-trip delay plus fit residual), ms. */
  uncertaintyMs: number;
  /** True when the uncertainty is within the hub's limit (HubOptions.syncLimitMs, default 50 ms). */
  synchronised: boolean;
}

export type DeviceLinkState = 'online' | 'stale' | 'offline';

export interface WaveBlock {
  deviceId: string;
  channel: number;
  /** Hub time of samples[0]. */
  t0HubMs: number;
  rateHz: number;
  /** Raw counts as on the wire; physical value = raw * scale + offset. */
  raw: Int16Array | Int32Array | Float32Array;
  scale: number;
  offset: number;
}

export interface GapRecord {
  deviceId: string;
  /** Channel index, or -1 for a whole device (link down). */
  channel: number;
  /** Hub time of the last sample received before the gap. */
  fromHubMs: number;
  /** Hub time of the first sample received after the gap. */
  toHubMs: number;
  /** Frames missing by sequence number (0 when unknown, e.g. link down). */
  lostFrames: number;
  reason: 'sequence' | 'link-down' | 'throttled' | 'hub-restart';
}

export interface DeviceCounters {
  /** Valid frames received. */
  frames: number;
  /** Gap records (sequence jumps, pauses, throttled spans). */
  gaps: number;
  /** Frames missing by sequence number, over all gaps. */
  lostFrames: number;
  /** Frames dropped as malformed or invalid. */
  malformed: number;
  /** Frames or sample blocks dropped by flood control. */
  throttled: number;
}

/** A device as the ingest knows it, at the time the status was taken. */
export interface DeviceStatus {
  desc: DeviceDescriptor;
  /** Hub-wide id of each channel (by channel index), stable for the life of the hub; the display's binary frames use it. */
  streamIds: ReadonlyMap<number, number>;
  state: DeviceLinkState;
  /** Why the state is what it is (e.g. "no heartbeat for 1.6 s"). */
  stateReason: string;
  /** Hub time of the last valid frame. */
  lastHeardHubMs: number;
  /** Null until the first clock-sync estimate. */
  sync: SyncQuality | null;
  counters: DeviceCounters;
  /** Dropped frames by reason code (docs/device-protocol.md §9); codes with none are absent. */
  drops: Readonly<Record<string, number>>;
  /** No usable clock-sync answer within 5 s of HELLO, or the estimate's uncertainty above the limit (§6.3). */
  unsynchronised?: boolean;
  /** True while the device is throttled for flooding (until it keeps to its budget for 5 s). */
  flooding: boolean;
  /** Why it is throttled ('' when it is not). */
  floodReason: string;
  /** Frames the throttle dropped that are not yet reported in a gap record. */
  throttledPending: number;
}

export interface HubSink {
  deviceOnline(desc: DeviceDescriptor, tHubMs: number): void;
  deviceState(deviceId: string, state: DeviceLinkState, tHubMs: number, reason: string): void;
  wave(block: WaveBlock): void;
  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void;
  setting(deviceId: string, channel: number, tHubMs: number, value: number, text: string): void;
  alarm(deviceId: string, a: { channel: number; tHubMs: number; priority: AlarmPriority; state: AlarmState; code: number; text: string }): void;
  pose(deviceId: string, channel: number, tHubMs: number, quality: number, status: number, matrix: Float32Array): void;
  event(deviceId: string, channel: number, tHubMs: number, code: string, text: string): void;
  gap(g: GapRecord): void;
  /**
   * A device's status changed: link state, clock sync, flooding at once; counters at most
   * once a second; and every 5 s regardless.
   */
  deviceChanged?(status: DeviceStatus): void;
  /** An alarm on the hub's alarm board was raised, changed or cleared; `active` is every active alarm after the change. */
  alarmsChanged?(changed: AlarmEntry, active: readonly AlarmEntry[]): void;
}
