/**
 * Flood control (docs/device-protocol.md §7.3): each device has a budget of frames and of
 * samples per second from what its descriptor declares; a device over budget is throttled,
 * flagged on the display and given a low technical alarm until it keeps to its budget for 5 s.
 */
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { HubErrorCode, encodeError } from '../../../native-bridge/common/wire';
import type { IngestContext } from './context';
import type { IngestDevice } from './device';

/** Frames per second a device may send per wave/pose channel, and for everything else (§7.3). */
const FRAMES_PER_SAMPLED_CHANNEL = 100;
const FRAMES_BASE = 100;
/** A flagged device is unflagged after this long within its budget, ms. */
const CALM_MS = 5000;

/** Token bucket: units are samples (waves/poses) or frames. */
export class Bucket {
  tokens: number;
  last: number;
  constructor(
    readonly ratePerS: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  take(n: number, now: number): boolean {
    if (this.ratePerS === Infinity) return true;
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, now - this.last) / 1000) * this.ratePerS);
    this.last = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}

export interface Budgets {
  samples: Bucket;
  frames: Bucket;
}

/** The budgets a descriptor earns: its declared sample rates and frame rates times `floodFactor`, with a 10 s burst. */
export function budgetsFor(desc: DeviceDescriptor, floodFactor: number, t: number): Budgets {
  const sampled = desc.channels.filter((c) => c.kind === 'wave' || c.kind === 'pose');
  const samplesPerS = sampled.reduce((s, c) => s + (c.rateHz ?? 60), 0);
  const framesPerS = FRAMES_BASE + FRAMES_PER_SAMPLED_CHANNEL * sampled.length;
  return {
    samples: new Bucket(Math.max(samplesPerS * floodFactor, 100), Math.max(samplesPerS * 10, 1000), t),
    frames: new Bucket(framesPerS * floodFactor, framesPerS * 10, t),
  };
}

/** One device's flood state. */
export class FloodState {
  flooding = false;
  reason = '';
  lastThrottledHubMs = -Infinity;
  constructor(private budgets: Budgets) {}

  get samples(): Bucket {
    return this.budgets.samples;
  }

  get frames(): Bucket {
    return this.budgets.frames;
  }

  /** New budgets (a new descriptor), taken only when their rates differ: a device keeps what it has used. */
  rebudget(b: Budgets): void {
    if (this.budgets.samples.ratePerS !== b.samples.ratePerS || this.budgets.frames.ratePerS !== b.frames.ratePerS) this.budgets = b;
  }

  /** Limits fresh budgets `b` to what is left of these (the same connection under a new name keeps its used budget). */
  passOn(b: Budgets, t: number): void {
    b.samples.tokens = Math.min(b.samples.tokens, this.samples.take(0, t) ? this.samples.tokens : 0);
    b.frames.tokens = Math.min(b.frames.tokens, this.frames.take(0, t) ? this.frames.tokens : 0);
  }
}

/** Marks a device as flooding (shown on the display, told with an ERROR, technical alarm) until it behaves for 5 s. */
export function flagFlooding(ctx: IngestContext, dev: IngestDevice, t: number, reason: string): void {
  const fl = dev.flood;
  fl.lastThrottledHubMs = t;
  if (fl.flooding) return;
  fl.flooding = true;
  fl.reason = reason;
  const { deviceId, model } = dev.session.desc;
  ctx.log.log(`${deviceId}:flood`, `bus: ${deviceId} ${reason}: throttled`);
  const peer = dev.session.peer;
  if (peer) ctx.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.Throttled, `${reason}: throttled`));
  ctx.alarms.raise({ source: deviceId, kind: 'technical', code: 'flood', priority: 'low', text: `${model}: ${reason}, throttled`, tHubMs: t });
  ctx.emitDevice(dev);
}

/** A frame or block over budget: counted, and the device flagged. */
export function countThrottled(ctx: IngestContext, dev: IngestDevice, t: number): void {
  dev.counters.throttled++;
  dev.counters.dirty = true;
  flagFlooding(ctx, dev, t, 'data above declared rate');
}

/** Frame budget: every frame counts, a flood of tiny frames is a flood too. */
export function admitFrame(ctx: IngestContext, dev: IngestDevice, t: number): boolean {
  if (dev.flood.frames.take(1, t)) return true;
  countThrottled(ctx, dev, t);
  return false;
}

/**
 * Sample budget (§7.3). A device over budget is flagged, and while flagged all its sample
 * data (waves, poses) is dropped, not just the excess: a flooder's data is suspect, and
 * the hub spends nothing more on it. The flag clears after 5 s within budget.
 */
export function admitSamples(ctx: IngestContext, dev: IngestDevice, n: number, t: number): boolean {
  if (!dev.flood.samples.take(n, t)) {
    countThrottled(ctx, dev, t);
    return false;
  }
  if (dev.flood.flooding) {
    dev.counters.throttled++;
    dev.counters.dirty = true;
    return false;
  }
  return true;
}

/** Clears the flag of a device that kept to its budgets for 5 s. */
export function calmFlood(ctx: IngestContext, dev: IngestDevice, t: number): void {
  const fl = dev.flood;
  if (!fl.flooding || t - fl.lastThrottledHubMs <= CALM_MS) return;
  fl.flooding = false;
  fl.reason = '';
  ctx.alarms.clear({ source: dev.session.desc.deviceId, kind: 'technical', code: 'flood' }, t);
  ctx.emitDevice(dev);
}
