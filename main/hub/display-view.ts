/**
 * The display's projection of hub state (common/display-contract.ts): device statuses as
 * DeviceView, alarm-board entries as AlarmItem. The only place where the ingest's and the
 * alarm board's types meet the display contract.
 */
import type { AlarmItem, ChannelView, DeviceView } from '../../common/display-contract';
import type { AlarmEntry } from './alarm-board';
import type { DeviceStatus } from './sink';

export function deviceView(s: DeviceStatus): DeviceView {
  const channels: ChannelView[] = s.desc.channels.map((c) => ({
    streamId: s.streamIds.get(c.index)!,
    index: c.index,
    kind: c.kind,
    mdc: c.mdc,
    label: c.label,
    unit: c.unit,
    rateHz: c.rateHz,
    range: c.range,
  }));
  return {
    deviceId: s.desc.deviceId,
    kind: s.desc.kind,
    model: s.desc.model,
    manufacturer: s.desc.manufacturer,
    state: s.state,
    stateReason: s.flooding ? `${s.stateReason}; ${s.floodReason}` : s.stateReason,
    lastHeardHubMs: s.lastHeardHubMs,
    heartbeatMs: s.desc.heartbeatMs,
    sync: s.sync,
    unsynchronised: s.unsynchronised ?? false,
    counters: { ...s.counters },
    drops: { ...s.drops },
    flooding: s.flooding,
    channels,
  };
}

/**
 * An alarm as displays show it. `streamId` resolves a device channel to its hub-wide stream
 * id (undefined when unknown: the alarm then names no stream).
 */
export function alarmItem(a: AlarmEntry, streamId: (deviceId: string, channel: number) => number | undefined): AlarmItem {
  return {
    alarmId: a.key,
    deviceId: a.source,
    streamId: a.channel >= 0 ? (streamId(a.source, a.channel) ?? null) : null,
    priority: a.priority,
    active: a.state === 'active',
    text: a.text,
    source: a.kind,
    sinceHubMs: a.updatedHubMs,
  };
}
