/**
 * Streams (docs/device-protocol.md §5): a device numbers its frames per stream, one stream
 * per frame type and, for waveforms, per channel. Here: the one stream key, each stream's
 * sequence and time tracking, and the sequenced-frame helper every data frame goes through
 * (stale frames dropped, jumps forward recorded as gaps, throttled spans reported).
 */
import { FrameType, type Frame } from '../../../native-bridge/common/wire';
import type { ChannelDescriptor } from '../../../native-bridge/common/descriptor';
import type { IngestContext } from './context';
import type { IngestDevice } from './device';

/** A stream of one device: frame type, and channel for waveforms (0 otherwise). */
export type StreamKey = number & { readonly __streamKey: unique symbol };

const CHANNELS = 65536;

export function streamKey(type: FrameType, channel = 0): StreamKey {
  return (type * CHANNELS + channel) as StreamKey;
}

/** The channel a gap on this stream belongs to: the waveform's channel, or -1 (a stream shared by all channels of its type). */
export function gapChannel(key: StreamKey): number {
  return Math.floor(key / CHANNELS) === FrameType.Wave ? key % CHANNELS : -1;
}

/** The stream of a data frame; null for frames that are not numbered data (and waves on undeclared channels). */
export function streamOf(f: Frame, channels: ReadonlyMap<number, ChannelDescriptor>): StreamKey | null {
  switch (f.type) {
    case FrameType.Wave:
      return channels.get(f.stream)?.kind === 'wave' ? streamKey(FrameType.Wave, f.stream) : null;
    case FrameType.Numeric:
    case FrameType.Pose:
    case FrameType.Setting:
    case FrameType.Alarm:
    case FrameType.Event:
      return streamKey(f.type);
    default:
      return null;
  }
}

interface PendingThrottled {
  fromHubMs: number;
  toHubMs: number;
  frames: number;
  sinceHubMs: number;
}

export interface StreamState {
  /** Next expected sequence number; -1 after a device restart (take whatever comes). */
  nextSeq: number;
  /** Device time just after the last sample received (t0 + count / rate), waves only. */
  lastEndDeviceMs: number;
  /** Hub time of the same. */
  lastEndHubMs: number;
  /** Frames dropped by the flood throttle, not yet reported as a gap. */
  throttled: PendingThrottled | null;
  /** A HELLO came since this stream's last frame: a number behind the expected one starts the stream afresh (§7.1). */
  afterHello: boolean;
}

/** One device's streams. */
export class DeviceStreams {
  private readonly table = new Map<StreamKey, StreamState>();

  /** The stream's state; a stream first seen expects `seq`. */
  get(key: StreamKey, seq: number): StreamState {
    let st = this.table.get(key);
    if (!st) {
      st = { nextSeq: seq, lastEndDeviceMs: NaN, lastEndHubMs: NaN, throttled: null, afterHello: false };
      this.table.set(key, st);
    }
    return st;
  }

  /** A new device process: its numbering starts over on every stream. */
  restart(): void {
    for (const s of this.table.values()) s.nextSeq = -1;
  }

  /**
   * A HELLO on the same connection (§7.1): the device may have restarted with the same routing id, so
   * on each stream the first frame numbered behind the expected one starts the stream afresh; ahead is a gap as usual.
   */
  hello(): void {
    for (const s of this.table.values()) s.afterHello = true;
  }

  /** Each stream's last sequence number received (for DATA_SWITCH_ACK, §2.4): [frame type, stream, seq]. */
  lastSeqs(): { type: number; stream: number; lastSeq: number }[] {
    const out = [];
    for (const [key, st] of this.table) {
      if (st.nextSeq !== -1) out.push({ type: Math.floor(key / CHANNELS), stream: key % CHANNELS, lastSeq: (st.nextSeq - 1) >>> 0 });
    }
    return out;
  }

  entries(): IterableIterator<[StreamKey, StreamState]> {
    return this.table.entries();
  }

  /** Frames the throttle dropped, not yet reported as gaps. */
  get throttledPending(): number {
    let n = 0;
    for (const st of this.table.values()) n += st.throttled?.frames ?? 0;
    return n;
  }
}

/**
 * The sequence check every numbered data frame goes through: the stream's state, or null
 * for a duplicate or replayed frame (dropped). A jump forward is recorded as a gap from the
 * stream's last end to `tHub`.
 */
export function sequenced(ctx: IngestContext, dev: IngestDevice, key: StreamKey, seq: number, tHub: number): StreamState | null {
  const st = dev.streams.get(key, seq);
  return inSequence(ctx, dev, st, key, seq, tHub) ? st : null;
}

/** A stream restarted with the device (a new routing id, or a HELLO and a number behind the expected one): it expects `seq`. */
function rebase(st: StreamState, seq: number): void {
  if (st.nextSeq === -1 || (st.afterHello && ((seq - st.nextSeq) | 0) < 0)) st.nextSeq = seq;
  st.afterHello = false;
}

/** `sequenced` for a stream whose state the caller holds already. */
export function inSequence(ctx: IngestContext, dev: IngestDevice, st: StreamState, key: StreamKey, seq: number, tHub: number): boolean {
  rebase(st, seq);
  const diff = (seq - st.nextSeq) | 0; // wrap-safe signed distance
  if (diff < 0) {
    ctx.drop(dev, 'BAD_SEQUENCE', `stale sequence ${seq >>> 0} (expected ${st.nextSeq >>> 0})`, dev.id);
    return false;
  }
  if (diff > 0) {
    flushThrottled(dev, st, key, tHub);
    const from = Number.isFinite(st.lastEndHubMs) ? st.lastEndHubMs : tHub;
    dev.gaps.report({ deviceId: dev.id, channel: gapChannel(key), fromHubMs: from, toHubMs: tHub, lostFrames: diff, reason: 'sequence' });
  }
  st.nextSeq = (seq + 1) >>> 0;
  return true;
}

/** A frame passed on at `tHub`: what the throttle dropped before it is reported, and the stream ends there. */
export function delivered(dev: IngestDevice, st: StreamState, key: StreamKey, tHub: number): void {
  flushThrottled(dev, st, key, tHub);
  st.lastEndHubMs = tHub;
}

/** `sequenced` then `delivered`: the whole prologue of a frame that is passed straight on. False: drop it. */
export function passes(ctx: IngestContext, dev: IngestDevice, key: StreamKey, seq: number, tHub: number): boolean {
  const st = sequenced(ctx, dev, key, seq, tHub);
  if (!st) return false;
  delivered(dev, st, key, tHub);
  return true;
}

/** Keeps a frame the throttle dropped, to be reported with its neighbours as one gap. */
export function addThrottled(st: StreamState, fromHubMs: number, toHubMs: number, t: number): void {
  const p = st.throttled;
  if (p) {
    p.frames++;
    p.toHubMs = Math.max(p.toHubMs, toHubMs);
  } else st.throttled = { fromHubMs: Number.isFinite(st.lastEndHubMs) ? Math.min(st.lastEndHubMs, fromHubMs) : fromHubMs, toHubMs, frames: 1, sinceHubMs: t };
  st.lastEndHubMs = Math.max(Number.isFinite(st.lastEndHubMs) ? st.lastEndHubMs : -Infinity, toHubMs);
}

/** Reports frames the throttle dropped on this stream as one gap record. */
export function flushThrottled(dev: IngestDevice, st: StreamState, key: StreamKey, toHubMs: number): void {
  const p = st.throttled;
  if (!p) return;
  st.throttled = null;
  const to = Math.max(p.toHubMs, Math.min(toHubMs, p.toHubMs + 60_000));
  dev.gaps.report({ deviceId: dev.id, channel: gapChannel(key), fromHubMs: p.fromHubMs, toHubMs: to, lostFrames: p.frames, reason: 'throttled' });
}

/** Throttled spans older than a second are reported even while the stream stays silent. */
export function flushStaleThrottled(dev: IngestDevice, t: number): void {
  for (const [key, st] of dev.streams.entries()) {
    if (st.throttled && t - st.throttled.sinceHubMs > 1000) flushThrottled(dev, st, key, st.throttled.toHubMs);
  }
}

/** A frame over the frame budget: its sequence number is consumed and the loss kept as a throttled gap. */
export function throttledFrame(dev: IngestDevice, f: Frame, t: number): void {
  const key = streamOf(f, dev.session.channels);
  if (key === null) return;
  const st = dev.streams.get(key, f.seq);
  rebase(st, f.seq);
  if (((f.seq - st.nextSeq) | 0) < 0) return;
  st.nextSeq = (f.seq + 1) >>> 0;
  const tHub = dev.sync.clock.toHub(f.tDeviceMs);
  addThrottled(st, tHub, tHub, t);
}
