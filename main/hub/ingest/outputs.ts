/**
 * The hub's one output stream: hands every event to each sink, in the order the sinks were
 * added. Frames, device status changes and alarm-board changes all go this way.
 */
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import type { AlarmEntry } from '../alarm-board';
import type { DeviceLinkState, DeviceStatus, GapRecord, HubSink, WaveBlock } from '../sink';

export class Outputs implements HubSink {
  private readonly sinks: HubSink[] = [];

  add(s: HubSink): void {
    this.sinks.push(s);
  }

  deviceOnline(desc: DeviceDescriptor, tHubMs: number): void {
    for (const s of this.sinks) s.deviceOnline(desc, tHubMs);
  }

  deviceState(deviceId: string, state: DeviceLinkState, tHubMs: number, reason: string): void {
    for (const s of this.sinks) s.deviceState(deviceId, state, tHubMs, reason);
  }

  wave(block: WaveBlock): void {
    for (const s of this.sinks) s.wave(block);
  }

  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void {
    for (const s of this.sinks) s.numeric(deviceId, channel, tHubMs, value, status);
  }

  setting(deviceId: string, channel: number, tHubMs: number, value: number, text: string): void {
    for (const s of this.sinks) s.setting(deviceId, channel, tHubMs, value, text);
  }

  alarm(deviceId: string, a: Parameters<HubSink['alarm']>[1]): void {
    for (const s of this.sinks) s.alarm(deviceId, a);
  }

  pose(deviceId: string, channel: number, tHubMs: number, quality: number, status: number, matrix: Float32Array): void {
    for (const s of this.sinks) s.pose(deviceId, channel, tHubMs, quality, status, matrix);
  }

  event(deviceId: string, channel: number, tHubMs: number, code: string, text: string): void {
    for (const s of this.sinks) s.event(deviceId, channel, tHubMs, code, text);
  }

  gap(g: GapRecord): void {
    for (const s of this.sinks) s.gap(g);
  }

  deviceChanged(status: DeviceStatus): void {
    for (const s of this.sinks) s.deviceChanged?.(status);
  }

  alarmsChanged(changed: AlarmEntry, active: readonly AlarmEntry[]): void {
    for (const s of this.sinks) s.alarmsChanged?.(changed, active);
  }
}
