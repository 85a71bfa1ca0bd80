/**
 * The clock-sync schedule (docs/device-protocol.md §6.3): after HELLO 8 exchanges back to
 * back (each request as soon as the previous answer is in: a first offset within
 * milliseconds), then one every 100 ms until a window of them is done (offset and drift
 * learnt), then one every syncIntervalMs. The estimator itself is main/hub/clock-sync.ts.
 */
import { encodeSyncReq, type FrameOf, type FrameType } from '../../../native-bridge/common/wire';
import { ClockSync, DEFAULT_SYNC_WINDOW } from '../clock-sync';
import type { IngestContext } from './context';
import type { IngestDevice } from './device';

const SYNC_FAST = 8;
const SYNC_LEARN = DEFAULT_SYNC_WINDOW;
const SYNC_LEARN_INTERVAL_MS = 100;
/** Requests remembered as outstanding (a SYNC_RESP must echo one of them). */
const MAX_OUTSTANDING = 16;
/** A device online this long after its HELLO without a usable sync answer is UNSYNCHRONISED (§6.3), ms. */
export const UNSYNC_AFTER_MS = 5000;

/** One device's clock estimate and where its sync exchanges stand. */
export class SyncSchedule {
  readonly clock = new ClockSync();
  /** Hub time of the last SYNC_REQ. */
  sentHubMs = 0;
  /** SYNC_REQs sent this session. */
  count = 0;
  /** t1 of SYNC_REQs not yet answered. */
  readonly outstanding: number[] = [];
  /** Whether the device was last shown synchronised; null before the first check. */
  lastSynchronised: boolean | null = null;
  /** Hub time of the HELLO that started this clock's learning. */
  sinceHubMs = 0;
  /** The device answered no sync request usably within UNSYNC_AFTER_MS (recorded, alarm raised); cleared by an answer. */
  unanswered = false;

  /** A new device process: its clock is learnt from scratch. */
  restart(): void {
    this.clock.reset();
    this.count = 0;
    this.outstanding.length = 0;
  }

  synchronisedAt(t: number, limitMs: number): boolean {
    return this.clock.uncertaintyAt(t) <= limitMs;
  }
}

export function sendSync(ctx: IngestContext, dev: IngestDevice, t: number): void {
  const peer = dev.session.peer;
  if (!peer) return;
  const s = dev.sync;
  s.sentHubMs = t;
  s.count++;
  const t1 = ctx.now();
  s.outstanding.push(t1);
  if (s.outstanding.length > MAX_OUTSTANDING) s.outstanding.shift();
  ctx.transport.send(peer, encodeSyncReq({ seq: s.count, tDeviceMs: t }, t1));
}

export function onSyncResp(ctx: IngestContext, dev: IngestDevice, f: FrameOf<FrameType.SyncResp>, t: number): void {
  const s = dev.sync;
  // Only answers to our own requests count: a device cannot feed the estimator made-up exchanges.
  const i = s.outstanding.indexOf(f.t1Ms);
  if (i < 0) return ctx.drop(dev, 'BAD_SYNC', 'sync response to no outstanding request', dev.id);
  s.outstanding.splice(0, i + 1);
  if (!s.clock.add({ t1: f.t1Ms, t2: f.t2Ms, t3: f.t3Ms, t4: t })) return ctx.drop(dev, 'BAD_SYNC', 'inconsistent sync times', dev.id);
  if (s.count < SYNC_FAST) sendSync(ctx, dev, t);
  if (s.unanswered) markUnanswered(ctx, dev, false, t);
  const synced = s.synchronisedAt(t, ctx.config.syncLimitMs);
  if (synced !== s.lastSynchronised) {
    s.lastSynchronised = synced;
    ctx.emitDevice(dev);
  }
}

/** The timer's part: the next exchange when it is due, and a changed synchronised state marked for the display. */
export function syncTick(ctx: IngestContext, dev: IngestDevice, t: number): void {
  const s = dev.sync;
  const every = ctx.config.syncIntervalMs;
  const interval = s.count < SYNC_LEARN ? Math.min(SYNC_LEARN_INTERVAL_MS, every) : every;
  if (t - s.sentHubMs >= interval) sendSync(ctx, dev, t);
  if (!s.unanswered && s.clock.estimate === null && t - s.sinceHubMs > UNSYNC_AFTER_MS) markUnanswered(ctx, dev, true, t);
  const synced = s.synchronisedAt(t, ctx.config.syncLimitMs);
  if (s.lastSynchronised !== null && synced !== s.lastSynchronised) {
    s.lastSynchronised = synced;
    dev.counters.dirty = true;
  }
}

/**
 * A device that does not answer clock sync (§6.3): UNSYNCHRONISED on the display, a device
 * event in the recording, and a low-priority technical alarm, all cleared by its first usable answer.
 */
function markUnanswered(ctx: IngestContext, dev: IngestDevice, on: boolean, t: number): void {
  dev.sync.unanswered = on;
  const ref = { source: dev.id, kind: 'technical' as const, code: 'unsynchronised' };
  const secs = (UNSYNC_AFTER_MS / 1000).toFixed(0);
  if (on) {
    ctx.alarms.raise({ ...ref, priority: 'low', text: `${dev.session.desc.model}: UNSYNCHRONISED (no clock sync answer in ${secs} s)`, tHubMs: t });
    ctx.out.event(dev.id, -1, t, 'HUB_UNSYNCHRONISED', `no answer to clock sync within ${secs} s of HELLO: sample times are estimated from arrival`);
  } else {
    ctx.alarms.clear(ref, t);
    ctx.out.event(dev.id, -1, t, 'HUB_SYNCHRONISED', 'clock sync answered');
  }
  ctx.emitDevice(dev);
}
