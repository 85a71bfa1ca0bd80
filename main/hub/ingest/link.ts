/**
 * Liveness: each device declares a heartbeat interval; silent for 1.5 intervals it is
 * offline (medium technical alarm), sending heartbeats but no waveforms or poses for
 * max(3 s, 3 intervals) it is stale (low technical alarm). Any frame brings an offline
 * device back; only data ends 'stale'.
 */
import type { DeviceLinkState } from '../sink';
import type { IngestContext } from './context';
import type { IngestDevice } from './device';

export class LinkState {
  state: DeviceLinkState = 'offline';
  reason = 'new';
  /** Hub time of the last valid frame. */
  lastHeardHubMs: number;
  /** Hub time of the last waveform or pose data passed on. */
  lastDataHubMs: number;
  constructor(t: number) {
    this.lastHeardHubMs = t;
    this.lastDataHubMs = t;
  }
}

/** Moves a device to `state` (no-op when it is there already, unless `force`), with its alarms, sinks and display told. */
export function setLinkState(ctx: IngestContext, dev: IngestDevice, state: DeviceLinkState, t: number, reason: string, force = false): void {
  const link = dev.link;
  if (link.state === state && !force) return;
  link.state = state;
  link.reason = reason;
  const { deviceId, model } = dev.session.desc;
  const tech = (code: string) => ({ source: deviceId, kind: 'technical' as const, code });
  if (state === 'offline') {
    ctx.alarms.raise({ ...tech('offline'), priority: 'medium', text: `${model} offline: ${reason}`, tHubMs: t });
  } else {
    if (state === 'online') {
      ctx.alarms.clear(tech('offline'), t);
      ctx.alarms.clear(tech('stale'), t);
    }
    if (state === 'stale') ctx.alarms.raise({ ...tech('stale'), priority: 'low', text: `${model}: no data (${reason})`, tHubMs: t });
  }
  ctx.out.deviceState(deviceId, state, t, reason);
  ctx.emitDevice(dev);
}

/** Waveform or pose data passed on: a stale device is online again. */
export function dataArrived(ctx: IngestContext, dev: IngestDevice, t: number): void {
  dev.link.lastDataHubMs = t;
  if (dev.link.state === 'stale') setLinkState(ctx, dev, 'online', t, 'data arriving');
}

/** The timer's check; false when the device has just gone offline. */
export function checkLiveness(ctx: IngestContext, dev: IngestDevice, t: number): boolean {
  const hb = dev.session.desc.heartbeatMs;
  const silent = t - dev.link.lastHeardHubMs;
  if (silent > 1.5 * hb) {
    setLinkState(ctx, dev, 'offline', t, `no heartbeat for ${(silent / 1000).toFixed(1)} s`);
    return false;
  }
  const quiet = t - dev.link.lastDataHubMs;
  if (dev.session.sendsData && dev.link.state === 'online' && quiet > Math.max(3000, 3 * hb)) {
    setLinkState(ctx, dev, 'stale', t, `no data for ${(quiet / 1000).toFixed(1)} s`);
  }
  return true;
}
