/**
 * What the hub's ingest hands on, once a frame has been validated and placed on
 * the hub's clock. Display broadcasting and recording are both sinks.
 * All `t*HubMs` are hub time: Unix ms on the hub's clock (Date.now() epoch,
 * advanced monotonically by the hub; see main/hub/clock.ts).
 */
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import type { AlarmPriority, AlarmState } from '../../native-bridge/common/wire';

export interface SyncQuality {
  /** device clock − hub clock, ms, at the latest estimate. */
  offsetMs: number;
  /** Drift of the device clock relative to the hub, parts per million. */
  driftPpm: number;
  /** Uncertainty (half the best round-trip delay plus fit residual), ms. */
  uncertaintyMs: number;
  /** True when uncertainty ≤ 50 ms. */
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
}
