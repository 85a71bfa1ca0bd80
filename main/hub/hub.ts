/**
 * The hub's ingest: validates every device frame, keeps device identity across
 * reconnects, places samples on the hub clock, detects and records sequence gaps, watches
 * liveness, throttles floods, and hands everything to the sinks (display, recorder).
 * Protocol: docs/device-protocol.md. Never throws on hostile input.
 */
import { EventEmitter } from 'node:events';
import { validateDescriptor, type ChannelDescriptor, type DeviceDescriptor } from '../../native-bridge/common/descriptor';
import {
  AlarmPriority,
  AlarmState,
  FrameType,
  HubErrorCode,
  NO_CHANNEL,
  NUM_STATUS_QUESTIONABLE,
  SampleCode,
  decodeFrame,
  encodeError,
  encodeHelloAck,
  encodeSyncReq,
  type DecodeErrorCode,
  type Frame,
  type FrameOf,
} from '../../native-bridge/common/wire';
import { DATA_ENVELOPE_BYTES, envelopeMatches, envelopeSlot, tokenToHex, type DataOffer } from '../../native-bridge/common/data-channel';
import { randomFillSync } from 'node:crypto';
import type { AlarmItem, AlarmPriorityName, ChannelView, DeviceView } from '../../common/display-contract';
import { ClockSync, DEFAULT_SYNC_WINDOW } from './clock-sync';
import { hubNow } from './clock';
import type { DeviceLinkState, GapRecord, HubSink } from './sink';
import { RateLimitedLog } from './log';

export interface HubTransport {
  send(peer: Buffer, bytes: Uint8Array): void;
  /** The data channel offered to devices in HELLO_ACK (§2.3); absent or null: none. */
  readonly dataOffer?: Omit<DataOffer, 'session'> | null;
}

export interface HubOptions {
  /** Time source, hub clock ms (tests inject). */
  now?: () => number;
  log?: (line: string) => void;
  /** Interval between sync exchanges once settled, ms. Default 1000. */
  syncIntervalMs?: number;
  /** Devices the hub keeps at most (a HELLO beyond is refused). Default 1000. */
  maxDevices?: number;
  /** A device may send this many times its declared rate, sustained, before it is throttled. Default 3; Infinity turns the budgets off (benchmarks). */
  floodFactor?: number;
  /** Uncertainty above which a device is shown unsynchronised, ms. Default 50. */
  syncLimitMs?: number;
}

/** Why the hub dropped a frame: the codec's codes plus the hub's own checks (§9 of the protocol). */
export type DropCode =
  | DecodeErrorCode
  | 'BAD_DESCRIPTOR'
  | 'BAD_CHANNEL'
  | 'BAD_TIME'
  | 'BAD_SEQUENCE'
  | 'BAD_SYNC'
  | 'BUS_MULTIPART'
  | 'NOT_FROM_DEVICE'
  | 'TOO_MANY_DEVICES'
  | 'HELLO_RATE'
  | 'DATA_ENVELOPE'
  | 'DATA_SESSION'
  | 'DATA_HELLO';

const FORMAT_CODE: Record<string, SampleCode> = { i16: SampleCode.I16, i32: SampleCode.I32, f32: SampleCode.F32 };
const PRIORITY_NAME: Record<AlarmPriority, AlarmPriorityName> = {
  [AlarmPriority.High]: 'high',
  [AlarmPriority.Medium]: 'medium',
  [AlarmPriority.Low]: 'low',
  [AlarmPriority.Info]: 'info',
};
/** Entry times must lie within [header − PAST, header + FUTURE] of their frame's header time (device clock). */
const MAX_PAST_MS = 3_600_000;
const MAX_FUTURE_MS = 60_000;
/** Frames per second a device may send per wave/pose channel, and for everything else (§7.3). */
const FRAMES_PER_SAMPLED_CHANNEL = 100;
const FRAMES_BASE = 100;
const MAX_STREAMS = 65535;
const MAX_ALARMS_PER_DEVICE = 256;
/**
 * Sync schedule (§6.3): after HELLO 8 exchanges back to back (each request as soon as the
 * previous answer is in: a first offset within milliseconds), then one every 100 ms until
 * a window of them is done (offset and drift learnt), then one every syncIntervalMs.
 */
const SYNC_FAST = 8;
const SYNC_LEARN = DEFAULT_SYNC_WINDOW;
const SYNC_LEARN_INTERVAL_MS = 100;
/** Wave placement: how fast a change of the clock estimate is slewed in, and from what size it is stepped. */
const SLEW_SLOW = 0.02;
const SLEW_FAST = 0.25;
const SLEW_FAST_ABOVE_MS = 5;
const SLEW_STEP_MS = 50;
/** Gap records a device may produce per second before they are merged into one per stream per second. */
const GAP_RECORDS_PER_S = 10;
/** HELLOs a peer may send per second (burst 10): a peer hopping identities cannot reset its budgets. */
const HELLOS_PER_S = 2;

interface PendingGap {
  fromHubMs: number;
  toHubMs: number;
  frames: number;
  sinceHubMs: number;
}

interface StreamState {
  /** Next expected sequence number; -1 after a device restart (take whatever comes). */
  nextSeq: number;
  /** Device time just after the last sample received (t0 + count / rate), waves only. */
  lastEndDeviceMs: number;
  /** Hub time of the same. */
  lastEndHubMs: number;
  /** Frames dropped by the flood throttle, not yet reported as a gap. */
  throttled: PendingGap | null;
}

/** Token bucket: units are samples (waves/poses) or frames. */
class Bucket {
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

export interface DeviceRecord {
  desc: DeviceDescriptor;
  channels: Map<number, ChannelDescriptor>;
  streamIds: Map<number, number>;
  peerKey: string | null;
  peer: Buffer | null;
  state: DeviceLinkState;
  stateReason: string;
  lastHeard: number;
  lastData: number;
  lastHello: number;
  clock: ClockSync;
  syncSent: number;
  syncCount: number;
  /** t1 of SYNC_REQs not yet answered (a SYNC_RESP must echo one). */
  syncOutstanding: number[];
  streams: Map<number, StreamState>;
  counters: { frames: number; gaps: number; lostFrames: number; malformed: number; throttled: number };
  /** Dropped frames by reason. */
  drops: Map<DropCode, number>;
  sampleBucket: Bucket;
  frameBucket: Bucket;
  flooding: boolean;
  floodReason: string;
  lastThrottled: number;
  /** Counters or sync changed since the last 'device' event. */
  dirty: boolean;
  lastEmit: number;
  lastSynchronised: boolean | null;
  alarmCount: number;
  gapBucket: Bucket;
  /** Gap records over the gap budget, merged per (channel, reason) until the next tick. */
  pendingGaps: Map<string, GapRecord>;
  /** Index of this device in the hub's data-channel table (first 4 bytes of its token). */
  dataSlot: number;
  /** Data-channel session token (§2.3): slot + 12 random bytes, new per device session; null when the session ended. */
  dataToken: Uint8Array | null;
}

/** A data-channel token: the slot (u32 little endian), then 12 random bytes. */
function newDataToken(slot: number): Uint8Array {
  const tok = new Uint8Array(DATA_ENVELOPE_BYTES);
  new DataView(tok.buffer).setUint32(0, slot, true);
  randomFillSync(tok, 4);
  return tok;
}

export class Hub extends EventEmitter {
  readonly devices = new Map<string, DeviceRecord>();
  private readonly peers = new Map<string, string>();
  private readonly sinks: HubSink[] = [];
  private readonly now: () => number;
  private readonly log: RateLimitedLog;
  private readonly syncIntervalMs: number;
  private readonly maxDevices: number;
  private readonly floodFactor: number;
  private readonly syncLimitMs: number;
  private nextStreamId = 1;
  private readonly streamKeys = new Map<string, number>();
  private readonly helloRequiredSent = new Map<string, number>();
  private readonly helloBuckets = new Map<string, Bucket>();
  /** Devices by data-channel slot. */
  private readonly dataSlots: DeviceRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastSweep = -Infinity;
  readonly alarms = new Map<string, AlarmItem>();
  /** Hub-wide drop statistics. */
  readonly stats = {
    /** Frames from peers that never said HELLO (answered with HELLO_REQUIRED). */
    unknownPeerFrames: 0,
    /** Frames dropped as malformed or invalid (all peers). */
    malformed: 0,
    decodeErrors: new Map<DropCode, number>(),
    /** HELLOs refused (bad descriptor, too many devices). */
    helloRejected: 0,
    /** Data-channel messages whose token names no current session (or that are too short to carry one). */
    get dataRefused(): number {
      return (this.decodeErrors.get('DATA_ENVELOPE') ?? 0) + (this.decodeErrors.get('DATA_SESSION') ?? 0);
    },
  };

  constructor(
    private readonly transport: HubTransport,
    opts: HubOptions = {},
  ) {
    super();
    this.now = opts.now ?? hubNow;
    this.log = new RateLimitedLog(opts.log ?? ((l) => console.error(l)), 5000, this.now);
    this.syncIntervalMs = opts.syncIntervalMs ?? 1000;
    this.maxDevices = opts.maxDevices ?? 1000;
    this.floodFactor = opts.floodFactor ?? 3;
    this.syncLimitMs = opts.syncLimitMs ?? 50;
  }

  addSink(s: HubSink): void {
    this.sinks.push(s);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 50);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Display-wide id for a device channel; stable for the life of the hub. */
  streamId(deviceId: string, index: number): number {
    const key = `${deviceId}\u0000${index}`;
    let id = this.streamKeys.get(key);
    if (id === undefined) {
      id = this.nextStreamId++;
      this.streamKeys.set(key, id);
    }
    return id;
  }

  private drop(rec: DeviceRecord | undefined, code: DropCode, msg: string, who: string): void {
    this.stats.malformed++;
    this.stats.decodeErrors.set(code, (this.stats.decodeErrors.get(code) ?? 0) + 1);
    if (rec) {
      rec.counters.malformed++;
      rec.drops.set(code, (rec.drops.get(code) ?? 0) + 1);
      rec.dirty = true;
    }
    this.log.log(`${who}:${code}`, `bus: dropped frame from ${who}: ${code}: ${msg}`);
  }

  /**
   * Entry point for every bus message: `peer` is the ZMQ routing id, `bytes` the first body
   * part, `parts` the number of body parts (a device sends exactly one). Never throws.
   */
  onMessage(peer: Buffer, bytes: Uint8Array, parts = 1): void {
    try {
      this.handle(peer, bytes, parts);
    } catch (e) {
      // A bug must not take the hub down; the frame is lost and said so.
      this.drop(undefined, 'WIRE_BAD_PAYLOAD', `internal error: ${(e as Error).stack ?? e}`, 'hub');
    }
  }

  private handle(peer: Buffer, bytes: Uint8Array, parts: number): void {
    const t = this.now();
    const peerKey = peer.toString('latin1');
    const deviceId = this.peers.get(peerKey);
    const rec = deviceId ? this.devices.get(deviceId) : undefined;
    const who = deviceId ?? `peer ${peer.toString('hex')}`;
    const f = this.decode(rec, bytes, parts, who, t);
    if (!f) return;
    if (f.type === FrameType.Hello) {
      this.onHello(peer, peerKey, f, t);
      return;
    }
    if (!rec) {
      this.stats.unknownPeerFrames++;
      const last = this.helloRequiredSent.get(peerKey) ?? -Infinity;
      if (t - last > 500) {
        this.helloRequiredSent.set(peerKey, t);
        this.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.HelloRequired, 'unknown peer: send HELLO first'));
      }
      return;
    }
    this.onFrame(rec, f, t);
  }

  /**
   * Entry point for every data-channel message (§2.3): a 16-byte session token, then one frame.
   * `parts` is the number of ZeroMQ parts (a device sends one). Never throws.
   */
  onData(msg: Uint8Array, parts = 1): void {
    try {
      this.handleData(msg, parts);
    } catch (e) {
      this.drop(undefined, 'WIRE_BAD_PAYLOAD', `internal error: ${(e as Error).stack ?? e}`, 'hub');
    }
  }

  private handleData(msg: Uint8Array, parts: number): void {
    const t = this.now();
    if (msg.length < DATA_ENVELOPE_BYTES) {
      return this.drop(undefined, 'DATA_ENVELOPE', `data message of ${msg.length} bytes has no ${DATA_ENVELOPE_BYTES}-byte session token`, 'data channel');
    }
    const rec = this.dataSlots[envelopeSlot(msg)] as DeviceRecord | undefined;
    const token = rec?.dataToken;
    if (!rec || !token || !envelopeMatches(msg, token)) {
      return this.drop(undefined, 'DATA_SESSION', 'session token names no current device session (send HELLO on the control socket for a new one)', 'data channel');
    }
    const id = rec.desc.deviceId;
    // A plain view (Buffer#subarray goes through Buffer's species constructor: slower on this hot path).
    const f = this.decode(rec, new Uint8Array(msg.buffer, msg.byteOffset + DATA_ENVELOPE_BYTES, msg.length - DATA_ENVELOPE_BYTES), parts, id, t);
    if (!f) return;
    if (f.type === FrameType.Hello) return this.drop(rec, 'DATA_HELLO', 'HELLO belongs on the control socket', id);
    this.onFrame(rec, f, t);
  }

  /** One message's frame, or null after dropping it (multipart, undecodable; oversized flags the device). */
  private decode(rec: DeviceRecord | undefined, bytes: Uint8Array, parts: number, who: string, t: number): Frame | null {
    if (parts !== 1) {
      this.drop(rec, 'BUS_MULTIPART', `message of ${parts} parts (a frame is one part)`, who);
      return null;
    }
    const r = decodeFrame(bytes);
    if (r.ok) return r.frame;
    this.drop(rec, r.error.code, r.error.message, who);
    if (rec && r.error.code === 'WIRE_TOO_LARGE') this.flag(rec, t, 'sends oversized frames');
    return null;
  }

  /** A valid frame from a known device, from either socket. */
  private onFrame(rec: DeviceRecord, f: Frame, t: number): void {
    rec.lastHeard = t;
    rec.counters.frames++;
    // Every frame counts against the device's frame budget; a flood of tiny frames is a flood too.
    if (!rec.frameBucket.take(1, t)) {
      this.throttledFrame(rec, f, t);
      return;
    }
    // Any frame brings an offline device back; only data ends 'stale' (see onWave, onPose).
    if (rec.state === 'offline' && f.type !== FrameType.Goodbye) this.setState(rec, 'online', t, 'frames arriving');
    if (rec.clock.estimate === null) rec.clock.observeArrival(f.tDeviceMs, t);
    switch (f.type) {
      case FrameType.Heartbeat:
        return;
      case FrameType.SyncResp:
        return this.onSyncResp(rec, f, t);
      case FrameType.Goodbye:
        this.setState(rec, 'offline', t, `device said goodbye: ${f.text.slice(0, 80)}`);
        return;
      case FrameType.Wave:
        return this.onWave(rec, f, t);
      case FrameType.Numeric:
        return this.onNumeric(rec, f, t);
      case FrameType.Pose:
        return this.onPose(rec, f, t);
      case FrameType.Setting:
        return this.onSetting(rec, f, t);
      case FrameType.Alarm:
        return this.onAlarm(rec, f, t);
      case FrameType.Event:
        return this.onEvent(rec, f, t);
      default:
        this.drop(rec, 'NOT_FROM_DEVICE', `${FrameType[f.type]} is not sent by devices`, rec.desc.deviceId);
    }
  }

  private rejectHello(peer: Buffer, peerKey: string, code: DropCode, why: string, t: number): void {
    this.stats.helloRejected++;
    this.drop(undefined, code, why, `peer ${Buffer.from(peerKey, 'latin1').toString('hex')}`);
    this.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.HelloRejected, why.slice(0, 200)));
  }

  private onHello(peer: Buffer, peerKey: string, f: FrameOf<FrameType.Hello>, t: number): void {
    let hb = this.helloBuckets.get(peerKey);
    if (!hb) {
      if (this.helloBuckets.size > 10_000) this.helloBuckets.clear();
      this.helloBuckets.set(peerKey, (hb = new Bucket(HELLOS_PER_S, 10, t)));
    }
    if (!hb.take(1, t)) {
      const id = this.peers.get(peerKey);
      return this.drop(id ? this.devices.get(id) : undefined, 'HELLO_RATE', 'more than 2 HELLOs a second from one peer', id ?? `peer ${peer.toString('hex')}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.json);
    } catch {
      return this.rejectHello(peer, peerKey, 'BAD_DESCRIPTOR', 'descriptor is not JSON', t);
    }
    const v = validateDescriptor(parsed);
    if (!v.ok) return this.rejectHello(peer, peerKey, 'BAD_DESCRIPTOR', v.error, t);
    const desc = v.value;
    let rec = this.devices.get(desc.deviceId);
    if (rec && rec.peerKey === peerKey && t - rec.lastHello < 100) {
      // A repeated HELLO within 100 ms (e.g. one on reconnect and one answering HELLO_REQUIRED): acknowledge only.
      this.transport.send(peer, encodeHelloAck({ seq: 0, tDeviceMs: t }, this.ackJson(rec, t)));
      return;
    }
    if (!rec) {
      const newStreams = desc.channels.filter((c) => !this.streamKeys.has(`${desc.deviceId}\u0000${c.index}`)).length;
      if (this.devices.size >= this.maxDevices || this.nextStreamId + newStreams > MAX_STREAMS) {
        return this.rejectHello(peer, peerKey, 'TOO_MANY_DEVICES', `hub holds ${this.devices.size} devices and ${this.nextStreamId - 1} streams already`, t);
      }
    }
    // A peer that introduced itself as another device before: that device loses its link.
    const previous = this.peers.get(peerKey);
    const prevRec = previous !== undefined ? this.devices.get(previous) : undefined;
    if (previous !== undefined && previous !== desc.deviceId) {
      const other = prevRec;
      if (other) {
        other.peer = null;
        other.peerKey = null;
        other.dataToken = null;
        this.setState(other, 'offline', t, `its link now speaks for ${desc.deviceId}`);
      }
    }
    if (rec && rec.peerKey && rec.peerKey !== peerKey) this.peers.delete(rec.peerKey);
    const channels = new Map(desc.channels.map((c) => [c.index, c]));
    const sampled = desc.channels.filter((c) => c.kind === 'wave' || c.kind === 'pose');
    const samplesPerS = sampled.reduce((s, c) => s + (c.rateHz ?? 60), 0);
    const framesPerS = FRAMES_BASE + FRAMES_PER_SAMPLED_CHANNEL * sampled.length;
    const sampleBucket = new Bucket(Math.max(samplesPerS * this.floodFactor, 100), Math.max(samplesPerS * 10, 1000), t);
    const frameBucket = new Bucket(framesPerS * this.floodFactor, framesPerS * 10, t);
    if (prevRec && prevRec !== rec) {
      // The same connection under a new name keeps what it has used of its budgets.
      sampleBucket.tokens = Math.min(sampleBucket.tokens, prevRec.sampleBucket.take(0, t) ? prevRec.sampleBucket.tokens : 0);
      frameBucket.tokens = Math.min(frameBucket.tokens, prevRec.frameBucket.take(0, t) ? prevRec.frameBucket.tokens : 0);
    }
    if (!rec) {
      rec = {
        desc,
        channels,
        streamIds: new Map(),
        peerKey,
        peer,
        state: 'offline',
        stateReason: 'new',
        lastHeard: t,
        lastData: t,
        lastHello: t,
        clock: new ClockSync(),
        syncSent: 0,
        syncCount: 0,
        syncOutstanding: [],
        streams: new Map(),
        counters: { frames: 0, gaps: 0, lostFrames: 0, malformed: 0, throttled: 0 },
        drops: new Map(),
        sampleBucket,
        frameBucket,
        flooding: false,
        floodReason: '',
        lastThrottled: -Infinity,
        dirty: false,
        lastEmit: t,
        lastSynchronised: null,
        alarmCount: 0,
        gapBucket: new Bucket(GAP_RECORDS_PER_S, 2 * GAP_RECORDS_PER_S, t),
        pendingGaps: new Map(),
        dataSlot: this.dataSlots.length,
        dataToken: newDataToken(this.dataSlots.length),
      };
      this.dataSlots.push(rec);
      this.devices.set(desc.deviceId, rec);
    } else {
      const restarted = rec.peerKey !== peerKey;
      rec.desc = desc;
      rec.channels = channels;
      rec.peerKey = peerKey;
      rec.peer = peer;
      rec.lastHeard = t;
      rec.lastHello = t;
      if (rec.sampleBucket.ratePerS !== sampleBucket.ratePerS || rec.frameBucket.ratePerS !== frameBucket.ratePerS) {
        rec.sampleBucket = sampleBucket;
        rec.frameBucket = frameBucket;
      }
      // A new session gets a new data-channel token; the same session keeps its own (frames in flight stay valid).
      if (restarted || !rec.dataToken) rec.dataToken = newDataToken(rec.dataSlot);
      if (restarted) {
        // A new process (or a device without a stable routing id): its clock and sequence numbers start over.
        rec.clock.reset();
        rec.syncCount = 0;
        rec.syncOutstanding.length = 0;
        for (const s of rec.streams.values()) s.nextSeq = -1;
      }
      // Same routing id: the same session after a link cut; sequence numbers continue and show what was lost.
    }
    for (const c of desc.channels) rec.streamIds.set(c.index, this.streamId(desc.deviceId, c.index));
    this.peers.set(peerKey, desc.deviceId);
    this.helloRequiredSent.delete(peerKey);
    this.transport.send(peer, encodeHelloAck({ seq: 0, tDeviceMs: t }, this.ackJson(rec, t)));
    this.sendSync(rec, t);
    for (const s of this.sinks) s.deviceOnline(desc, t);
    this.setState(rec, 'online', t, 'hello accepted', true);
  }

  /** HELLO_ACK's JSON (§3.3): with the data channel's address and this session's token when there is one. */
  private ackJson(rec: DeviceRecord, t: number): string {
    const offer = this.transport.dataOffer;
    if (!offer || !rec.dataToken) return JSON.stringify({ accepted: true, hubTimeMs: t });
    return JSON.stringify({ accepted: true, hubTimeMs: t, data: { ...offer, session: tokenToHex(rec.dataToken) } });
  }

  private sendSync(rec: DeviceRecord, t: number): void {
    if (!rec.peer) return;
    rec.syncSent = t;
    rec.syncCount++;
    const t1 = this.now();
    rec.syncOutstanding.push(t1);
    if (rec.syncOutstanding.length > 16) rec.syncOutstanding.shift();
    this.transport.send(rec.peer, encodeSyncReq({ seq: rec.syncCount, tDeviceMs: t }, t1));
  }

  private onSyncResp(rec: DeviceRecord, f: FrameOf<FrameType.SyncResp>, t: number): void {
    // Only answers to our own requests count: a device cannot feed the estimator made-up exchanges.
    const i = rec.syncOutstanding.indexOf(f.t1Ms);
    if (i < 0) return this.drop(rec, 'BAD_SYNC', 'sync response to no outstanding request', rec.desc.deviceId);
    rec.syncOutstanding.splice(0, i + 1);
    if (!rec.clock.add({ t1: f.t1Ms, t2: f.t2Ms, t3: f.t3Ms, t4: t })) return this.drop(rec, 'BAD_SYNC', 'inconsistent sync times', rec.desc.deviceId);
    if (rec.syncCount < SYNC_FAST) this.sendSync(rec, t);
    const synced = rec.clock.uncertaintyAt(t) <= this.syncLimitMs;
    if (synced !== rec.lastSynchronised) {
      rec.lastSynchronised = synced;
      this.emitDevice(rec);
    }
  }

  private timeOk(rec: DeviceRecord, tMs: number, headerMs: number, what: string): boolean {
    if (tMs >= headerMs - MAX_PAST_MS && tMs <= headerMs + MAX_FUTURE_MS) return true;
    this.drop(rec, 'BAD_TIME', `${what} time ${tMs} is not within [-1 h, +60 s] of its frame time ${headerMs}`, rec.desc.deviceId);
    return false;
  }

  private stream(rec: DeviceRecord, key: number, seq: number): StreamState {
    let st = rec.streams.get(key);
    if (!st) {
      st = { nextSeq: seq, lastEndDeviceMs: NaN, lastEndHubMs: NaN, throttled: null };
      rec.streams.set(key, st);
    }
    return st;
  }

  /**
   * Counts a gap and hands the record to the sinks. Past GAP_RECORDS_PER_S a device's
   * records are merged per (channel, reason) and handed on once a second, so a device
   * that loses (or fakes) thousands of frames a second cannot swamp displays and
   * recordings; no loss goes unrecorded, it is only coarser.
   */
  private gap(rec: DeviceRecord, g: GapRecord): void {
    rec.counters.gaps++;
    rec.counters.lostFrames += g.lostFrames;
    rec.dirty = true;
    if (rec.pendingGaps.size === 0 && rec.gapBucket.take(1, this.now())) {
      for (const s of this.sinks) s.gap(g);
      return;
    }
    const k = `${g.channel}/${g.reason}`;
    const p = rec.pendingGaps.get(k);
    if (!p) rec.pendingGaps.set(k, { ...g });
    else {
      p.fromHubMs = Math.min(p.fromHubMs, g.fromHubMs);
      p.toHubMs = Math.max(p.toHubMs, g.toHubMs);
      p.lostFrames += g.lostFrames;
    }
  }

  private flushGaps(rec: DeviceRecord): void {
    if (rec.pendingGaps.size === 0) return;
    const list = [...rec.pendingGaps.values()];
    rec.pendingGaps.clear();
    for (const g of list) for (const s of this.sinks) s.gap(g);
  }

  /** Sequence check; returns false for a duplicate or replayed frame. Records a gap for a jump forward. */
  private checkSeq(rec: DeviceRecord, st: StreamState, seq: number, channel: number, tHub: number): boolean {
    if (st.nextSeq === -1) st.nextSeq = seq; // stream restarted with the device
    const diff = (seq - st.nextSeq) | 0; // wrap-safe signed distance
    if (diff < 0) {
      this.drop(rec, 'BAD_SEQUENCE', `stale sequence ${seq >>> 0} (expected ${st.nextSeq >>> 0})`, rec.desc.deviceId);
      return false;
    }
    if (diff > 0) {
      this.flushThrottled(rec, st, channel, tHub);
      const from = Number.isFinite(st.lastEndHubMs) ? st.lastEndHubMs : tHub;
      this.gap(rec, { deviceId: rec.desc.deviceId, channel, fromHubMs: from, toHubMs: tHub, lostFrames: diff, reason: 'sequence' });
    }
    st.nextSeq = (seq + 1) >>> 0;
    return true;
  }

  /** Reports frames the throttle dropped on this stream as one gap record. */
  private flushThrottled(rec: DeviceRecord, st: StreamState, channel: number, toHubMs: number): void {
    const p = st.throttled;
    if (!p) return;
    st.throttled = null;
    this.gap(rec, { deviceId: rec.desc.deviceId, channel, fromHubMs: p.fromHubMs, toHubMs: Math.max(p.toHubMs, Math.min(toHubMs, p.toHubMs + 60_000)), lostFrames: p.frames, reason: 'throttled' });
  }

  private addThrottled(rec: DeviceRecord, st: StreamState, fromHubMs: number, toHubMs: number, t: number): void {
    const p = st.throttled;
    if (p) {
      p.frames++;
      p.toHubMs = Math.max(p.toHubMs, toHubMs);
    } else st.throttled = { fromHubMs: Number.isFinite(st.lastEndHubMs) ? Math.min(st.lastEndHubMs, fromHubMs) : fromHubMs, toHubMs, frames: 1, sinceHubMs: t };
    st.lastEndHubMs = Math.max(Number.isFinite(st.lastEndHubMs) ? st.lastEndHubMs : -Infinity, toHubMs);
  }

  /** A frame over the frame budget: its sequence number is consumed and the loss kept as a throttled gap. */
  private throttledFrame(rec: DeviceRecord, f: Frame, t: number): void {
    this.throttled(rec, t);
    const key = this.streamKeyOf(rec, f);
    if (key === null) return;
    const st = this.stream(rec, key.key, f.seq);
    if (st.nextSeq === -1) st.nextSeq = f.seq;
    if (((f.seq - st.nextSeq) | 0) < 0) return;
    st.nextSeq = (f.seq + 1) >>> 0;
    const tHub = rec.clock.toHub(f.tDeviceMs);
    this.addThrottled(rec, st, tHub, tHub, t);
  }

  private streamKeyOf(rec: DeviceRecord, f: Frame): { key: number } | null {
    switch (f.type) {
      case FrameType.Wave:
        return rec.channels.get(f.stream)?.kind === 'wave' ? { key: FrameType.Wave * 65536 + f.stream } : null;
      case FrameType.Numeric:
      case FrameType.Pose:
      case FrameType.Setting:
      case FrameType.Alarm:
      case FrameType.Event:
        return { key: f.type * 65536 };
      default:
        return null;
    }
  }

  private throttled(rec: DeviceRecord, t: number): void {
    rec.counters.throttled++;
    rec.dirty = true;
    this.flag(rec, t, 'data above declared rate');
  }

  /**
   * Sample budget (§7.3). A device over budget is flagged, and while flagged all its sample
   * data (waves, poses) is dropped, not just the excess: a flooder's data is suspect, and
   * the hub spends nothing more on it. The flag clears after 5 s within budget.
   */
  private admitSamples(rec: DeviceRecord, n: number, t: number): boolean {
    if (!rec.sampleBucket.take(n, t)) {
      this.throttled(rec, t);
      return false;
    }
    if (rec.flooding) {
      rec.counters.throttled++;
      rec.dirty = true;
      return false;
    }
    return true;
  }

  /** Marks a device as flooding (shown on the display, technical alarm) until it behaves for 5 s. */
  private flag(rec: DeviceRecord, t: number, reason: string): void {
    rec.lastThrottled = t;
    if (rec.flooding) return;
    rec.flooding = true;
    rec.floodReason = reason;
    this.log.log(`${rec.desc.deviceId}:flood`, `bus: ${rec.desc.deviceId} ${reason}: throttled`);
    if (rec.peer) this.transport.send(rec.peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.Throttled, `${reason}: throttled`));
    this.raiseTechnical(rec.desc.deviceId, 'flood', 'low', `${rec.desc.model}: ${reason}, throttled`, t);
    this.emitDevice(rec);
  }

  private onWave(rec: DeviceRecord, f: FrameOf<FrameType.Wave>, t: number): void {
    const ch = rec.channels.get(f.stream);
    const id = rec.desc.deviceId;
    if (!ch || ch.kind !== 'wave') return this.drop(rec, 'BAD_CHANNEL', `wave on undeclared channel ${f.stream}`, id);
    if (FORMAT_CODE[ch.format!] !== f.format) return this.drop(rec, 'BAD_CHANNEL', `channel ${f.stream} declared ${ch.format}, frame has format ${f.format}`, id);
    if (!this.timeOk(rec, f.t0Ms, f.tDeviceMs, 'wave t0')) return;
    const rate = ch.rateHz!;
    const durMs = (f.samples.length * 1000) / rate;
    const st = this.stream(rec, FrameType.Wave * 65536 + f.stream, f.seq);
    let t0Hub = rec.clock.toHub(f.t0Ms);
    // A block that follows on from the previous one in device time follows on in hub time too:
    // a change of the clock estimate is slewed in (per block at most 2 % of its duration, 25 %
    // while the error is above 5 ms, e.g. just after the first exchange) rather than stepped, so
    // a continuous waveform shows no false holes or overlaps. 50 ms or more (a device clock
    // step) is applied at once.
    if (Number.isFinite(st.lastEndDeviceMs) && Math.abs(f.t0Ms - st.lastEndDeviceMs) < 500 / rate) {
      const err = t0Hub - st.lastEndHubMs;
      const lim = (Math.abs(err) > SLEW_FAST_ABOVE_MS ? SLEW_FAST : SLEW_SLOW) * durMs;
      if (Math.abs(err) < SLEW_STEP_MS) t0Hub = st.lastEndHubMs + Math.max(-lim, Math.min(lim, err));
    }
    const gapsBefore = rec.counters.gaps;
    if (!this.checkSeq(rec, st, f.seq, f.stream, t0Hub)) return;
    if (!this.admitSamples(rec, f.samples.length, t)) {
      this.addThrottled(rec, st, t0Hub, t0Hub + durMs, t);
      st.lastEndDeviceMs = f.t0Ms + durMs;
      return;
    }
    this.flushThrottled(rec, st, f.stream, t0Hub);
    // A jump in device time without a sequence gap: the device restarted or paused sampling.
    if (rec.counters.gaps === gapsBefore && Number.isFinite(st.lastEndDeviceMs) && f.t0Ms - st.lastEndDeviceMs > Math.max(50, 3000 / rate)) {
      this.gap(rec, { deviceId: id, channel: f.stream, fromHubMs: st.lastEndHubMs, toHubMs: t0Hub, lostFrames: 0, reason: 'link-down' });
    }
    st.lastEndDeviceMs = f.t0Ms + durMs;
    st.lastEndHubMs = t0Hub + durMs;
    rec.lastData = t;
    if (rec.state === 'stale') this.setState(rec, 'online', t, 'data arriving');
    const block = { deviceId: id, channel: f.stream, t0HubMs: t0Hub, rateHz: rate, raw: f.samples, scale: ch.scale ?? 1, offset: ch.offset ?? 0 };
    for (const s of this.sinks) s.wave(block);
  }

  private onNumeric(rec: DeviceRecord, f: FrameOf<FrameType.Numeric>, t: number): void {
    const id = rec.desc.deviceId;
    const tHub = rec.clock.toHub(f.tDeviceMs);
    const st = this.stream(rec, FrameType.Numeric * 65536, f.seq);
    if (!this.checkSeq(rec, st, f.seq, -1, tHub)) return;
    this.flushThrottled(rec, st, -1, tHub);
    st.lastEndHubMs = tHub;
    for (const e of f.entries) {
      const ch = rec.channels.get(e.channel);
      if (!ch || ch.kind !== 'numeric') {
        this.drop(rec, 'BAD_CHANNEL', `numeric on undeclared channel ${e.channel}`, id);
        continue;
      }
      if (!Number.isFinite(e.value)) {
        this.drop(rec, 'WIRE_NON_FINITE', `numeric ${ch.mdc} is not finite`, id);
        continue;
      }
      if (!this.timeOk(rec, e.tMs, f.tDeviceMs, 'numeric')) continue;
      // Outside the declared range: passed on, flagged questionable (§4).
      const status = ch.range && (e.value < ch.range[0] || e.value > ch.range[1]) ? e.status | NUM_STATUS_QUESTIONABLE : e.status;
      for (const s of this.sinks) s.numeric(id, e.channel, rec.clock.toHub(e.tMs), e.value, status);
    }
  }

  private onPose(rec: DeviceRecord, f: FrameOf<FrameType.Pose>, t: number): void {
    const id = rec.desc.deviceId;
    const tHub = rec.clock.toHub(f.tDeviceMs);
    const st = this.stream(rec, FrameType.Pose * 65536, f.seq);
    if (!this.checkSeq(rec, st, f.seq, -1, tHub)) return;
    if (!this.admitSamples(rec, f.entries.length, t)) {
      this.addThrottled(rec, st, tHub, tHub, t);
      return;
    }
    this.flushThrottled(rec, st, -1, tHub);
    st.lastEndHubMs = tHub;
    rec.lastData = t;
    if (rec.state === 'stale') this.setState(rec, 'online', t, 'data arriving');
    for (const e of f.entries) {
      const ch = rec.channels.get(e.channel);
      if (!ch || ch.kind !== 'pose') {
        this.drop(rec, 'BAD_CHANNEL', `pose on undeclared channel ${e.channel}`, id);
        continue;
      }
      if (!this.timeOk(rec, e.tMs, f.tDeviceMs, 'pose')) continue;
      for (const s of this.sinks) s.pose(id, e.channel, rec.clock.toHub(e.tMs), e.quality, e.status, e.matrix);
    }
  }

  private onSetting(rec: DeviceRecord, f: FrameOf<FrameType.Setting>, t: number): void {
    const id = rec.desc.deviceId;
    const ch = rec.channels.get(f.channel);
    if (!ch || (ch.kind !== 'setting' && ch.kind !== 'text')) return this.drop(rec, 'BAD_CHANNEL', `setting on undeclared channel ${f.channel}`, id);
    if (!Number.isFinite(f.value)) return this.drop(rec, 'WIRE_NON_FINITE', 'setting value is not finite', id);
    if (!this.timeOk(rec, f.tMs, f.tDeviceMs, 'setting')) return;
    const tHub = rec.clock.toHub(f.tMs);
    const st = this.stream(rec, FrameType.Setting * 65536, f.seq);
    if (!this.checkSeq(rec, st, f.seq, f.channel, tHub)) return;
    this.flushThrottled(rec, st, -1, tHub);
    st.lastEndHubMs = tHub;
    void t;
    for (const s of this.sinks) s.setting(id, f.channel, tHub, f.value, f.text);
  }

  private onAlarm(rec: DeviceRecord, f: FrameOf<FrameType.Alarm>, t: number): void {
    const id = rec.desc.deviceId;
    if (f.channel !== NO_CHANNEL && !rec.channels.has(f.channel)) return this.drop(rec, 'BAD_CHANNEL', `alarm on undeclared channel ${f.channel}`, id);
    if (!this.timeOk(rec, f.tMs, f.tDeviceMs, 'alarm')) return;
    const tHub = rec.clock.toHub(f.tMs);
    const st = this.stream(rec, FrameType.Alarm * 65536, f.seq);
    if (!this.checkSeq(rec, st, f.seq, -1, tHub)) return;
    this.flushThrottled(rec, st, -1, tHub);
    st.lastEndHubMs = tHub;
    const channel = f.channel === NO_CHANNEL ? -1 : f.channel;
    const alarmId = `${id}/${f.code}/${channel}`;
    if (f.state === AlarmState.Active && !this.alarms.has(alarmId) && rec.alarmCount >= MAX_ALARMS_PER_DEVICE) {
      return this.drop(rec, 'WIRE_TOO_MANY', `more than ${MAX_ALARMS_PER_DEVICE} active alarms`, id);
    }
    for (const s of this.sinks) s.alarm(id, { channel, tHubMs: tHub, priority: f.priority, state: f.state, code: f.code, text: f.text });
    if (f.state === AlarmState.Active) {
      if (!this.alarms.has(alarmId)) rec.alarmCount++;
      this.alarms.set(alarmId, {
        alarmId,
        deviceId: id,
        streamId: channel >= 0 ? this.streamId(id, channel) : null,
        priority: PRIORITY_NAME[f.priority as AlarmPriority],
        active: true,
        text: f.text.slice(0, 200),
        source: 'physiological',
        sinceHubMs: tHub,
      });
    } else if (this.alarms.delete(alarmId)) rec.alarmCount--;
    void t;
    this.emit('alarms');
  }

  private onEvent(rec: DeviceRecord, f: FrameOf<FrameType.Event>, t: number): void {
    const id = rec.desc.deviceId;
    if (f.channel !== NO_CHANNEL && !rec.channels.has(f.channel)) return this.drop(rec, 'BAD_CHANNEL', `event on undeclared channel ${f.channel}`, id);
    if (!this.timeOk(rec, f.tMs, f.tDeviceMs, 'event')) return;
    const tHub = rec.clock.toHub(f.tMs);
    const st = this.stream(rec, FrameType.Event * 65536, f.seq);
    if (!this.checkSeq(rec, st, f.seq, -1, tHub)) return;
    this.flushThrottled(rec, st, -1, tHub);
    st.lastEndHubMs = tHub;
    void t;
    for (const s of this.sinks) s.event(id, f.channel === NO_CHANNEL ? -1 : f.channel, tHub, f.code.slice(0, 64), f.text.slice(0, 500));
  }

  /** Raises or clears a technical alarm of the hub's own. */
  raiseTechnical(deviceId: string, code: string, priority: AlarmPriorityName, text: string, t: number): void {
    const alarmId = `${deviceId}/tech/${code}`;
    if (this.alarms.get(alarmId)?.text === text) return;
    this.alarms.set(alarmId, { alarmId, deviceId, streamId: null, priority, active: true, text, source: 'technical', sinceHubMs: t });
    this.emit('alarms');
  }

  clearTechnical(deviceId: string, code: string): void {
    if (this.alarms.delete(`${deviceId}/tech/${code}`)) this.emit('alarms');
  }

  private setState(rec: DeviceRecord, state: DeviceLinkState, t: number, reason: string, force = false): void {
    if (rec.state === state && !force) return;
    rec.state = state;
    rec.stateReason = reason;
    if (state === 'offline') {
      this.raiseTechnical(rec.desc.deviceId, 'offline', 'medium', `${rec.desc.model} offline: ${reason}`, t);
    } else {
      if (state === 'online') {
        this.clearTechnical(rec.desc.deviceId, 'offline');
        this.clearTechnical(rec.desc.deviceId, 'stale');
      }
      if (state === 'stale') this.raiseTechnical(rec.desc.deviceId, 'stale', 'low', `${rec.desc.model}: no data (${reason})`, t);
    }
    for (const s of this.sinks) s.deviceState(rec.desc.deviceId, state, t, reason);
    this.emitDevice(rec);
  }

  private emitDevice(rec: DeviceRecord): void {
    rec.dirty = false;
    rec.lastEmit = this.now();
    this.emit('device', this.view(rec));
  }

  /** Liveness, sync schedule, flood recovery, pending gap reports, counter updates. */
  tick(): void {
    const t = this.now();
    for (const rec of this.devices.values()) {
      const hb = rec.desc.heartbeatMs;
      for (const [key, st] of rec.streams) {
        if (st.throttled && t - st.throttled.sinceHubMs > 1000) {
          const channel = Math.floor(key / 65536) === FrameType.Wave ? key % 65536 : -1;
          this.flushThrottled(rec, st, channel, st.throttled.toHubMs);
        }
      }
      if (rec.flooding && t - rec.lastThrottled > 5000) {
        rec.flooding = false;
        rec.floodReason = '';
        this.clearTechnical(rec.desc.deviceId, 'flood');
        this.emitDevice(rec);
      }
      if (rec.state !== 'offline') {
        const silent = t - rec.lastHeard;
        if (silent > 1.5 * hb) {
          this.setState(rec, 'offline', t, `no heartbeat for ${(silent / 1000).toFixed(1)} s`);
          continue;
        }
        const hasData = rec.desc.channels.some((c) => c.kind === 'wave' || c.kind === 'pose');
        const quiet = t - rec.lastData;
        if (hasData && rec.state === 'online' && quiet > Math.max(3000, 3 * hb)) this.setState(rec, 'stale', t, `no data for ${(quiet / 1000).toFixed(1)} s`);
        // Sync: learning quickly after HELLO, then every syncIntervalMs.
        const interval = rec.syncCount < SYNC_LEARN ? Math.min(SYNC_LEARN_INTERVAL_MS, this.syncIntervalMs) : this.syncIntervalMs;
        if (t - rec.syncSent >= interval) this.sendSync(rec, t);
        const synced = rec.clock.uncertaintyAt(t) <= this.syncLimitMs;
        if (rec.lastSynchronised !== null && synced !== rec.lastSynchronised) {
          rec.lastSynchronised = synced;
          rec.dirty = true;
        }
      }
      // Counters (gaps, drops) reach the display at most once a second; the view is refreshed every 5 s.
      if ((rec.dirty && t - rec.lastEmit >= 1000) || t - rec.lastEmit >= 5000) this.emitDevice(rec);
    }
    if (this.helloRequiredSent.size > 0) for (const [k, at] of this.helloRequiredSent) if (t - at > 10_000) this.helloRequiredSent.delete(k);
    if (t - this.lastSweep > 1000) {
      this.lastSweep = t;
      for (const rec of this.devices.values()) this.flushGaps(rec);
      for (const [k, b] of this.helloBuckets) if (t - b.last > 60_000) this.helloBuckets.delete(k);
    }
  }

  view(rec: DeviceRecord): DeviceView {
    const t = this.now();
    const e = rec.clock.estimate;
    const channels: ChannelView[] = rec.desc.channels.map((c) => ({
      streamId: rec.streamIds.get(c.index)!,
      index: c.index,
      kind: c.kind,
      mdc: c.mdc,
      label: c.label,
      unit: c.unit,
      rateHz: c.rateHz,
      range: c.range,
    }));
    const u = rec.clock.uncertaintyAt(t);
    return {
      deviceId: rec.desc.deviceId,
      kind: rec.desc.kind,
      model: rec.desc.model,
      manufacturer: rec.desc.manufacturer,
      state: rec.state,
      stateReason: rec.flooding ? `${rec.stateReason}; ${rec.floodReason}` : rec.stateReason,
      lastHeardHubMs: rec.lastHeard,
      heartbeatMs: rec.desc.heartbeatMs,
      sync: e ? { offsetMs: rec.clock.offsetAt(t), driftPpm: rec.clock.driftPpm, uncertaintyMs: u, synchronised: u <= this.syncLimitMs } : null,
      counters: { ...rec.counters },
      flooding: rec.flooding,
      channels,
    };
  }

  views(): DeviceView[] {
    return [...this.devices.values()].map((r) => this.view(r));
  }
}

export type { Frame };
