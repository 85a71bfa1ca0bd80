/** What was connected: `devices` (descriptor as sent) and `channels` (one row per device channel). */
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { type Connection, sqlTable } from './connection';

export interface ChannelInfo {
  id: number;
  deviceId: string;
  channel: number;
  kind: string;
  label: string;
  unit: string;
  rateHz: number | null;
  format: string | null;
}

export interface DeviceInfo {
  deviceId: string;
  kind: string;
  manufacturer: string;
  model: string;
  serial: string;
  /** Hub time the device was first recorded. */
  firstSeenMs: number;
}

export const CATALOGUE_SQL = sqlTable('catalogue', {
  upsertDevice:
    'INSERT INTO devices (device_id, kind, manufacturer, model, serial, descriptor_json, first_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (device_id) DO UPDATE SET descriptor_json = excluded.descriptor_json, kind = excluded.kind, manufacturer = excluded.manufacturer, ' +
    'model = excluded.model, serial = excluded.serial',
  upsertChannel:
    'INSERT INTO channels (device_id, channel, kind, label, unit, mdc, rate_hz, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (device_id, channel) DO UPDATE SET kind = excluded.kind, label = excluded.label, unit = excluded.unit, mdc = excluded.mdc, ' +
    'rate_hz = excluded.rate_hz, format = excluded.format',
  channelId: 'SELECT id FROM channels WHERE device_id = ? AND channel = ?',
  insertBareChannel: 'INSERT INTO channels (device_id, channel, kind, rate_hz, format) VALUES (?, ?, ?, ?, ?)',
  channels: 'SELECT id, device_id, channel, kind, label, unit, rate_hz, format FROM channels ORDER BY device_id, channel',
  devices: 'SELECT device_id, kind, manufacturer, model, serial, first_seen_ms FROM devices ORDER BY device_id',
});

/** Records a device and its declared channels; returns channel index -> channel row id. */
export function upsertDevice(c: Connection, desc: DeviceDescriptor, tMs: number): Map<number, number> {
  c.prepare(CATALOGUE_SQL.upsertDevice).run(desc.deviceId, desc.kind, desc.manufacturer, desc.model, desc.serial, JSON.stringify(desc), tMs);
  const ids = new Map<number, number>();
  for (const ch of desc.channels) {
    c.prepare(CATALOGUE_SQL.upsertChannel).run(desc.deviceId, ch.index, ch.kind, ch.label, ch.unit, ch.mdc, ch.rateHz ?? null, ch.format ?? null);
    ids.set(ch.index, channelId(c, desc.deviceId, ch.index, ch.kind));
  }
  return ids;
}

/** Channel row id, created with minimal information when the descriptor did not list it. */
export function channelId(c: Connection, deviceId: string, channel: number, kind: string, rateHz?: number, format?: string): number {
  const r = c.prepare(CATALOGUE_SQL.channelId).get(deviceId, channel) as { id: number } | undefined;
  if (r) return r.id;
  return Number(c.prepare(CATALOGUE_SQL.insertBareChannel).run(deviceId, channel, kind, rateHz ?? null, format ?? null).lastInsertRowid);
}

/** A channel as its columns hold it. */
export type ChannelColumns = {
  id: number;
  device_id: string;
  channel: number;
  kind: string;
  label: string;
  unit: string;
  rate_hz: number | null;
  format: string | null;
};

export function channelInfo(r: ChannelColumns): ChannelInfo {
  return { id: r.id, deviceId: r.device_id, channel: r.channel, kind: r.kind, label: r.label, unit: r.unit, rateHz: r.rate_hz, format: r.format };
}

export function channels(c: Connection): ChannelInfo[] {
  return (c.prepare(CATALOGUE_SQL.channels).all() as ChannelColumns[]).map(channelInfo);
}

export function devices(c: Connection): DeviceInfo[] {
  type Row = { device_id: string; kind: string; manufacturer: string; model: string; serial: string; first_seen_ms: number };
  return (c.prepare(CATALOGUE_SQL.devices).all() as Row[]).map((r) => ({
    deviceId: r.device_id,
    kind: r.kind,
    manufacturer: r.manufacturer,
    model: r.model,
    serial: r.serial,
    firstSeenMs: r.first_seen_ms,
  }));
}
