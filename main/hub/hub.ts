/**
 * The hub's ingest: validates every device frame, keeps device identity across
 * reconnects, places samples on the hub clock, detects sequence gaps, watches liveness,
 * throttles floods, and hands everything to the sinks (display, recorder).
 */
import { EventEmitter } from 'node:events';
import { validateDescriptor, type ChannelDescriptor, type DeviceDescriptor } from '../../native-bridge/common/descriptor';
import {
  AlarmPriority,
  AlarmState,
  FrameType,
  HubErrorCode,
  SampleCode,
  decodeFrame,
  encodeError,
  encodeHelloAck,
  encodeSyncReq,
  type DecodeErrorCode,
  type Frame,
  type FrameOf,
} from '../../native-bridge/common/wire';
import type { AlarmItem, AlarmPriorityName, ChannelView, DeviceView } from '../../common/display-contract';
import { ClockSync } from './clock-sync';
import { hubNow } from './clock';
import type { DeviceLinkState, HubSink } from './sink';
import { RateLimitedLog } from './log';

export interface HubTransport {
  send(peer: Buffer, bytes: Uint8Array): void;
}

export interface HubOptions {
  /** Time source (tests inject). */
  now?: () => number;
  log?: (line: string) => void;
  /** Interval between sync exchanges once settled, ms. */
  syncIntervalMs?: number;
}

const FORMAT_CODE: Record<string, SampleCode> = { i16: SampleCode.I16, i32: SampleCode.I32, f32: SampleCode.F32 };
const PRIORITY_NAME: Record<AlarmPriority, AlarmPriorityName> = {
  [AlarmPriority.High]: 'high',
  [AlarmPriority.Medium]: 'medium',
  [AlarmPriority.Low]: 'low',
  [AlarmPriority.Info]: 'info',
};

interface StreamState {
  nextSeq: number;
  /** Hub time just after the last sample received (t0 + count / rate). */
  lastEndHubMs: number;
  /** The frame being processed already produced a sequence gap record. */
  gapJustRecorded: boolean;
}

/** Token bucket for flood isolation: units are samples (waves/poses) or frames (everything else). */
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
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerS);
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
  clock: ClockSync;
  syncSent: number;
  syncCount: number;
  streams: Map<number, StreamState>;
  counters: { frames: number; gaps: number; lostFrames: number; malformed: number; throttled: number };
  sampleBucket: Bucket;
  frameBucket: Bucket;
  flooding: boolean;
  floodSince: number;
}

export class Hub extends EventEmitter {
  readonly devices = new Map<string, DeviceRecord>();
  private readonly peers = new Map<string, string>();
  private readonly sinks: HubSink[] = [];
  private readonly now: () => number;
  private readonly log: RateLimitedLog;
  private readonly syncIntervalMs: number;
  private nextStreamId = 1;
  private readonly streamKeys = new Map<string, number>();
  private readonly helloRequiredSent = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  readonly alarms = new Map<string, AlarmItem>();
  /** Frames from peers that never said HELLO, and decode errors by code. */
  readonly stats = { unknownPeerFrames: 0, malformed: 0, decodeErrors: new Map<DecodeErrorCode | 'BAD_CHANNEL' | 'BAD_DESCRIPTOR', number>() };

  constructor(
    private readonly transport: HubTransport,
    opts: HubOptions = {},
  ) {
    super();
    this.now = opts.now ?? hubNow;
    this.log = new RateLimitedLog(opts.log ?? ((l) => console.error(l)), 5000, this.now);
    this.syncIntervalMs = opts.syncIntervalMs ?? 1000;
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

  private countError(rec: DeviceRecord | undefined, code: DecodeErrorCode | 'BAD_CHANNEL' | 'BAD_DESCRIPTOR', msg: string, who: string): void {
    this.stats.malformed++;
    this.stats.decodeErrors.set(code, (this.stats.decodeErrors.get(code) ?? 0) + 1);
    if (rec) rec.counters.malformed++;
    this.log.log(`${who}:${code}`, `bus: dropped frame from ${who}: ${code}: ${msg}`);
  }

  /** Entry point for every bus message. Never throws on hostile input. */
  onMessage(peer: Buffer, bytes: Uint8Array): void {
    const t = this.now();
    const peerKey = peer.toString('hex');
    const deviceId = this.peers.get(peerKey);
    const rec = deviceId ? this.devices.get(deviceId) : undefined;
    const r = decodeFrame(bytes);
    if (!r.ok) {
      this.countError(rec, r.error.code, r.error.message, deviceId ?? `peer ${peerKey}`);
      return;
    }
    const f = r.frame;
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
    rec.lastHeard = t;
    rec.counters.frames++;
    if (rec.state !== 'online' && f.type !== FrameType.Goodbye) this.setState(rec, 'online', t, 'frames arriving');
    if (rec.clock.estimate === null) rec.clock.observeArrival(f.tDeviceMs, t);
    switch (f.type) {
      case FrameType.Heartbeat:
        return;
      case FrameType.SyncResp:
        rec.clock.add({ t1: f.t1Ms, t2: f.t2Ms, t3: f.t3Ms, t4: t });
        return;
      case FrameType.Goodbye:
        this.setState(rec, 'offline', t, `device said goodbye: ${f.text.slice(0, 80)}`);
        return;
      case FrameType.Wave:
        this.onWave(rec, f, t);
        return;
      case FrameType.Numeric:
        this.onNumeric(rec, f, t);
        return;
      case FrameType.Pose:
        this.onPose(rec, f, t);
        return;
      case FrameType.Setting:
        this.onSetting(rec, f, t);
        return;
      case FrameType.Alarm:
        this.onAlarm(rec, f, t);
        return;
      case FrameType.Event:
        if (!this.allowFrame(rec, t)) return;
        for (const s of this.sinks) s.event(rec.desc.deviceId, f.channel === 0xffff ? -1 : f.channel, rec.clock.toHub(f.tMs), f.code, f.text);
        return;
      default:
        this.countError(rec, 'WIRE_UNKNOWN_TYPE', `${FrameType[f.type]} is not sent by devices`, rec.desc.deviceId);
    }
  }

  private onHello(peer: Buffer, peerKey: string, f: FrameOf<FrameType.Hello>, t: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.json);
    } catch {
      this.countError(undefined, 'BAD_DESCRIPTOR', 'descriptor is not JSON', `peer ${peerKey}`);
      this.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.HelloRejected, 'descriptor is not JSON'));
      return;
    }
    const v = validateDescriptor(parsed);
    if (!v.ok) {
      this.countError(undefined, 'BAD_DESCRIPTOR', v.error, `peer ${peerKey}`);
      this.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.HelloRejected, v.error));
      return;
    }
    const desc = v.value;
    let rec = this.devices.get(desc.deviceId);
    if (rec && rec.peerKey && rec.peerKey !== peerKey) this.peers.delete(rec.peerKey);
    const channels = new Map(desc.channels.map((c) => [c.index, c]));
    const samplesPerS = desc.channels.reduce((s, c) => s + (c.kind === 'wave' ? (c.rateHz ?? 0) : c.kind === 'pose' ? (c.rateHz ?? 60) : 0), 0);
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
        clock: new ClockSync(),
        syncSent: 0,
        syncCount: 0,
        streams: new Map(),
        counters: { frames: 0, gaps: 0, lostFrames: 0, malformed: 0, throttled: 0 },
        // Flood isolation: sustained 3x the declared rate, bursts of 10 s worth (a reconnect flushes a queue).
        sampleBucket: new Bucket(Math.max(samplesPerS * 3, 100), Math.max(samplesPerS * 10, 1000), t),
        frameBucket: new Bucket(300, 3000, t),
        flooding: false,
        floodSince: 0,
      };
      this.devices.set(desc.deviceId, rec);
    } else {
      const restarted = rec.peerKey !== peerKey;
      rec.desc = desc;
      rec.channels = channels;
      rec.peerKey = peerKey;
      rec.peer = peer;
      rec.lastHeard = t;
      if (restarted) {
        // A new process or a new link: its clock and sequence numbers start over.
        rec.clock.reset();
        rec.syncCount = 0;
        for (const s of rec.streams.values()) s.nextSeq = -1;
      }
    }
    for (const c of desc.channels) rec.streamIds.set(c.index, this.streamId(desc.deviceId, c.index));
    this.peers.set(peerKey, desc.deviceId);
    this.helloRequiredSent.delete(peerKey);
    this.transport.send(peer, encodeHelloAck({ seq: 0, tDeviceMs: t }, JSON.stringify({ accepted: true, hubTimeMs: t })));
    this.sendSync(rec, t);
    for (const s of this.sinks) s.deviceOnline(desc, t);
    this.setState(rec, 'online', t, 'hello accepted', true);
  }

  private sendSync(rec: DeviceRecord, t: number): void {
    if (!rec.peer) return;
    rec.syncSent = t;
    rec.syncCount++;
    this.transport.send(rec.peer, encodeSyncReq({ seq: rec.syncCount, tDeviceMs: t }, this.now()));
  }

  /** Sequence check; returns false for a duplicate/replayed frame. */
  private checkSeq(rec: DeviceRecord, key: number, seq: number, channel: number, t0Hub: number): boolean {
    let st = rec.streams.get(key);
    if (!st) {
      st = { nextSeq: seq, lastEndHubMs: NaN, gapJustRecorded: false };
      rec.streams.set(key, st);
    }
    if (st.nextSeq === -1) st.nextSeq = seq; // stream restarted with the device
    const diff = (seq - st.nextSeq) | 0; // wrap-safe signed distance
    if (diff < 0) {
      this.countError(rec, 'WIRE_BAD_PAYLOAD', `stale sequence ${seq} (expected ${st.nextSeq})`, rec.desc.deviceId);
      return false;
    }
    if (diff > 0) {
      rec.counters.gaps++;
      rec.counters.lostFrames += diff;
      const from = Number.isFinite(st.lastEndHubMs) ? st.lastEndHubMs : t0Hub;
      for (const s of this.sinks) s.gap({ deviceId: rec.desc.deviceId, channel, fromHubMs: from, toHubMs: t0Hub, lostFrames: diff, reason: 'sequence' });
      st.gapJustRecorded = true;
    }
    st.nextSeq = (seq + 1) >>> 0;
    return true;
  }

  private allowSamples(rec: DeviceRecord, n: number, t: number): boolean {
    if (rec.sampleBucket.take(n, t)) return true;
    this.throttled(rec, t);
    return false;
  }

  private allowFrame(rec: DeviceRecord, t: number): boolean {
    if (rec.frameBucket.take(1, t)) return true;
    this.throttled(rec, t);
    return false;
  }

  private throttled(rec: DeviceRecord, t: number): void {
    rec.counters.throttled++;
    if (!rec.flooding) {
      rec.flooding = true;
      rec.floodSince = t;
      this.log.log(`${rec.desc.deviceId}:flood`, `bus: ${rec.desc.deviceId} exceeds its declared rate: throttled`);
      if (rec.peer) this.transport.send(rec.peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.Throttled, 'sending above declared rate: throttled'));
      this.raiseTechnical(rec.desc.deviceId, 'flood', 'low', `${rec.desc.model}: data above declared rate, throttled`, t);
      this.emitDevice(rec);
    }
  }

  private onWave(rec: DeviceRecord, f: FrameOf<FrameType.Wave>, t: number): void {
    const ch = rec.channels.get(f.stream);
    if (!ch || ch.kind !== 'wave') return this.countError(rec, 'BAD_CHANNEL', `wave on undeclared channel ${f.stream}`, rec.desc.deviceId);
    if (FORMAT_CODE[ch.format!] !== f.format) return this.countError(rec, 'BAD_CHANNEL', `channel ${f.stream} declared ${ch.format}, frame has format ${f.format}`, rec.desc.deviceId);
    if (!this.allowSamples(rec, f.samples.length, t)) return;
    const rate = ch.rateHz!;
    const t0Hub = rec.clock.toHub(f.t0Ms);
    const key = FrameType.Wave * 65536 + f.stream;
    if (!this.checkSeq(rec, key, f.seq, f.stream, t0Hub)) return;
    const st = rec.streams.get(key)!;
    // A time discontinuity without a sequence gap: the device restarted or its link was down.
    if (Number.isFinite(st.lastEndHubMs) && t0Hub - st.lastEndHubMs > Math.max(50, 3000 / rate) && !st.gapJustRecorded) {
      for (const s of this.sinks) s.gap({ deviceId: rec.desc.deviceId, channel: f.stream, fromHubMs: st.lastEndHubMs, toHubMs: t0Hub, lostFrames: 0, reason: 'link-down' });
      rec.counters.gaps++;
    }
    st.gapJustRecorded = false;
    st.lastEndHubMs = t0Hub + (f.samples.length * 1000) / rate;
    rec.lastData = t;
    for (const s of this.sinks) s.wave({ deviceId: rec.desc.deviceId, channel: f.stream, t0HubMs: t0Hub, rateHz: rate, raw: f.samples, scale: ch.scale ?? 1, offset: ch.offset ?? 0 });
  }

  private onNumeric(rec: DeviceRecord, f: FrameOf<FrameType.Numeric>, t: number): void {
    if (!this.allowFrame(rec, t)) return;
    const key = FrameType.Numeric * 65536;
    if (!this.checkSeq(rec, key, f.seq, -1, rec.clock.toHub(f.tDeviceMs))) return;
    rec.lastData = t;
    for (const e of f.entries) {
      const ch = rec.channels.get(e.channel);
      if (!ch || ch.kind !== 'numeric') {
        this.countError(rec, 'BAD_CHANNEL', `numeric on undeclared channel ${e.channel}`, rec.desc.deviceId);
        continue;
      }
      if (!Number.isFinite(e.value)) {
        this.countError(rec, 'WIRE_NON_FINITE', `numeric ${ch.mdc} is not finite`, rec.desc.deviceId);
        continue;
      }
      for (const s of this.sinks) s.numeric(rec.desc.deviceId, e.channel, rec.clock.toHub(e.tMs), e.value, e.status);
    }
  }

  private onPose(rec: DeviceRecord, f: FrameOf<FrameType.Pose>, t: number): void {
    if (!this.allowSamples(rec, f.entries.length, t)) return;
    const key = FrameType.Pose * 65536;
    if (!this.checkSeq(rec, key, f.seq, -1, rec.clock.toHub(f.tDeviceMs))) return;
    rec.lastData = t;
    for (const e of f.entries) {
      const ch = rec.channels.get(e.channel);
      if (!ch || ch.kind !== 'pose') {
        this.countError(rec, 'BAD_CHANNEL', `pose on undeclared channel ${e.channel}`, rec.desc.deviceId);
        continue;
      }
      for (const s of this.sinks) s.pose(rec.desc.deviceId, e.channel, rec.clock.toHub(e.tMs), e.quality, e.status, e.matrix);
    }
  }

  private onSetting(rec: DeviceRecord, f: FrameOf<FrameType.Setting>, t: number): void {
    if (!this.allowFrame(rec, t)) return;
    const ch = rec.channels.get(f.channel);
    if (!ch || (ch.kind !== 'setting' && ch.kind !== 'text')) return this.countError(rec, 'BAD_CHANNEL', `setting on undeclared channel ${f.channel}`, rec.desc.deviceId);
    if (!Number.isFinite(f.value)) return this.countError(rec, 'WIRE_NON_FINITE', 'setting value is not finite', rec.desc.deviceId);
    const key = FrameType.Setting * 65536;
    if (!this.checkSeq(rec, key, f.seq, f.channel, rec.clock.toHub(f.tMs))) return;
    for (const s of this.sinks) s.setting(rec.desc.deviceId, f.channel, rec.clock.toHub(f.tMs), f.value, f.text);
  }

  private onAlarm(rec: DeviceRecord, f: FrameOf<FrameType.Alarm>, t: number): void {
    if (!this.allowFrame(rec, t)) return;
    if (f.channel !== 0xffff && !rec.channels.has(f.channel)) return this.countError(rec, 'BAD_CHANNEL', `alarm on undeclared channel ${f.channel}`, rec.desc.deviceId);
    const key = FrameType.Alarm * 65536;
    const tHub = rec.clock.toHub(f.tMs);
    if (!this.checkSeq(rec, key, f.seq, -1, tHub)) return;
    const channel = f.channel === 0xffff ? -1 : f.channel;
    for (const s of this.sinks) s.alarm(rec.desc.deviceId, { channel, tHubMs: tHub, priority: f.priority, state: f.state, code: f.code, text: f.text });
    const alarmId = `${rec.desc.deviceId}/${f.code}/${channel}`;
    if (f.state === AlarmState.Active) {
      this.alarms.set(alarmId, {
        alarmId,
        deviceId: rec.desc.deviceId,
        streamId: channel >= 0 ? this.streamId(rec.desc.deviceId, channel) : null,
        priority: PRIORITY_NAME[f.priority as AlarmPriority],
        active: true,
        text: f.text,
        source: 'physiological',
        sinceHubMs: tHub,
      });
    } else this.alarms.delete(alarmId);
    this.emit('alarms');
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
    this.emit('device', this.view(rec));
  }

  /** Liveness, sync schedule and flood recovery. */
  tick(): void {
    const t = this.now();
    for (const rec of this.devices.values()) {
      const hb = rec.desc.heartbeatMs;
      if (rec.state !== 'offline') {
        const silent = t - rec.lastHeard;
        if (silent > 1.5 * hb) {
          this.setState(rec, 'offline', t, `no heartbeat for ${(silent / 1000).toFixed(1)} s`);
          continue;
        }
        const hasData = rec.desc.channels.some((c) => c.kind === 'wave' || c.kind === 'pose');
        const quiet = t - rec.lastData;
        if (hasData && rec.state === 'online' && quiet > Math.max(3000, 3 * hb)) this.setState(rec, 'stale', t, `no data for ${(quiet / 1000).toFixed(1)} s`);
        // Sync: a quick burst after hello, then every syncIntervalMs.
        const interval = rec.syncCount < 8 ? 100 : this.syncIntervalMs;
        if (t - rec.syncSent >= interval) this.sendSync(rec, t);
        if (rec.flooding && t - rec.floodSince > 5000 && rec.sampleBucket.tokens > rec.sampleBucket.capacity * 0.5) {
          rec.flooding = false;
          this.clearTechnical(rec.desc.deviceId, 'flood');
          this.emitDevice(rec);
        }
      }
    }
  }

  view(rec: DeviceRecord): DeviceView {
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
    return {
      deviceId: rec.desc.deviceId,
      kind: rec.desc.kind,
      model: rec.desc.model,
      manufacturer: rec.desc.manufacturer,
      state: rec.state,
      stateReason: rec.stateReason,
      lastHeardHubMs: rec.lastHeard,
      heartbeatMs: rec.desc.heartbeatMs,
      sync: e ? { offsetMs: rec.clock.offsetAt(this.now()), driftPpm: rec.clock.driftPpm, uncertaintyMs: e.uncertaintyMs, synchronised: e.uncertaintyMs <= 50 } : null,
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
