/**
 * Device SDK: what a simulator or a real device adapter uses to speak OR Hub's bus
 * (docs/device-protocol.md). A DEALER socket connects to the hub's ROUTER; the client
 * sends HELLO, heartbeats, answers clock-sync requests, numbers every stream, and
 * once the hub offers its data channel (§2.3) sends data frames over a PUSH socket, and
 * re-introduces itself when the hub says it does not know it (hub restart) or the link
 * comes back. ZeroMQ reconnects the link by itself; a stable, random routing id lets
 * the hub recognise the same session after a link cut (§2.2).
 */
import { Dealer, Push } from 'zeromq';
import { dataEndpointFor, hexToToken, parseDataOffer, sealData } from '../common/data-channel';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { DeviceDescriptor } from '../common/descriptor';
import {
  FrameType,
  HubErrorCode,
  MAX_FRAME_BYTES,
  decodeFrame,
  encodeAlarm,
  encodeEvent,
  encodeGoodbye,
  encodeHeartbeat,
  encodeHello,
  encodeNumeric,
  encodePose,
  encodeSetting,
  encodeSyncResp,
  encodeWave,
  type AlarmPriority,
  type AlarmState,
  type HeaderInit,
  type NumericEntry,
  type PoseEntry,
} from '../common/wire';
import { receiveUntilClosed } from './receive-loop';
import { SendQueue } from './send-queue';

export interface CurveClientKeys {
  /** Hub's public key (Z85, 40 chars). */
  serverPublicKey: string;
  /** This device's key pair (Z85). */
  publicKey: string;
  secretKey: string;
}

export interface DeviceClientOptions {
  endpoint: string;
  descriptor: DeviceDescriptor;
  /** Device clock in ms. Default: performance.timeOrigin + performance.now(). Simulators inject offsets and drift here. */
  clock?: () => number;
  curve?: CurveClientKeys;
  /** Max frames queued while the hub is unreachable (oldest dropped; the hub sees the sequence gap). */
  maxQueued?: number;
  /**
   * Tests and benchmarks: hold each outgoing frame a random jitterMs·u³ ms (u uniform in
   * [0, 1): most frames nearly undelayed, some by up to jitterMs, as on a congested link)
   * before it leaves, keeping order per link: data frames and control frames (HELLO,
   * HEARTBEAT, SYNC_RESP) are delayed independently, as on two connections. Frames keep the
   * times they were stamped with, so SYNC_RESP sees an asymmetric, variable delay.
   */
  jitterMs?: number;
  /** ZMQ routing id (1..255 bytes, not starting with a zero byte). Default: 16 random hex digits, new per client. */
  routingId?: string;
  /**
   * Use the hub's data channel when it offers one (§2.3). Default true; false sends everything
   * on the control socket (protocol v1 behaviour).
   */
  dataChannel?: boolean;
  /**
   * Where to connect the data socket instead of the offered address (a hub behind port
   * forwarding or a proxy; tests).
   */
  dataEndpoint?: string;
}

interface Outgoing {
  bytes: Uint8Array;
  /** A data frame (WAVE, NUMERIC, SETTING, ALARM, POSE, EVENT, GOODBYE): may use the data channel. */
  data: boolean;
}

/** Options of both of a device's sockets (§2.2): queue while the link is down, redial fast. */
const LINK_OPTIONS = {
  linger: 0,
  sendHighWaterMark: 10000,
  immediate: false,
  reconnectInterval: 100,
  reconnectMaxInterval: 1000,
  // ZMTP heartbeats find a dead link (cable pulled, no FIN) within ~3 s.
  heartbeatInterval: 1000,
  heartbeatTimeout: 3000,
};

/** Sets the device's CURVE keys (§8.2) on a socket, when it has them. */
export function withCurve<S extends Dealer | Push>(sock: S, curve: CurveClientKeys | undefined): S {
  if (curve) {
    sock.curveServerKey = curve.serverPublicKey;
    sock.curvePublicKey = curve.publicKey;
    sock.curveSecretKey = curve.secretKey;
  }
  return sock;
}

/** Delays frames by a random, heavy-tailed amount, first in first out. */
class JitterQueue {
  private readonly q: { at: number; msg: Outgoing }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  constructor(
    private readonly jitterMs: number,
    private readonly out: (m: Outgoing) => void,
  ) {}
  push(msg: Outgoing): void {
    const now = performance.now();
    const at = now + this.jitterMs * Math.random() ** 3;
    if (this.q.length === 0 && at - now < 0.05) {
      // Not delayed (timers cannot wait less than 1 ms, so do not ask them to).
      this.lastAt = Math.max(this.lastAt, now);
      this.out(msg);
      return;
    }
    this.lastAt = Math.max(this.lastAt, at);
    this.q.push({ at: this.lastAt, msg });
    if (!this.timer) this.arm();
  }
  private arm(): void {
    const head = this.q[0];
    if (!head) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, head.at - performance.now()));
  }
  private release(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.q.length > 0 && this.q[0].at <= now + 0.05) this.out(this.q.shift()!.msg);
    this.arm();
  }
  clear(): void {
    clearTimeout(this.timer);
    this.q.length = 0;
  }
}

export class DeviceClient extends EventEmitter {
  /** What the device last said about itself in HELLO (see redescribe). */
  descriptor: DeviceDescriptor;
  readonly clock: () => number;
  readonly routingId: string;
  private readonly sock: Dealer;
  private readonly queue: SendQueue;
  /** Jitter for control frames and for data frames: two links, each keeping its own order. */
  private readonly jitter: { control: JitterQueue; data: JitterQueue } | null;
  /** The data channel's socket, its queue and this session's token, once the hub offered one. */
  private dataSock: Push | null = null;
  private dataQueue: SendQueue | null = null;
  private dataEndpoint = '';
  private dataToken: Uint8Array | null = null;
  /** True once the data socket has completed a handshake. */
  private dataUp = false;
  /** True once data frames have switched to the data channel (they stay there: one path per stream keeps order). */
  private dataActive = false;
  private readonly seqs = new Map<number, number>();
  private hbTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private linkWasDown = false;
  /** True once the hub has acknowledged our HELLO. */
  accepted = false;
  /** Link events seen: connections made, connections lost, handshakes refused. */
  readonly link = { connects: 0, disconnects: 0, authFailures: 0 };

  constructor(private readonly opts: DeviceClientOptions) {
    super();
    this.descriptor = opts.descriptor;
    this.clock = opts.clock ?? (() => performance.timeOrigin + performance.now());
    this.routingId = opts.routingId ?? `d${randomBytes(8).toString('hex')}`;
    this.sock = withCurve(new Dealer({ ...LINK_OPTIONS, routingId: this.routingId }), opts.curve);
    this.queue = new SendQueue(this.sock, opts.maxQueued ?? 20000);
    this.jitter = opts.jitterMs && opts.jitterMs > 0 ? { control: new JitterQueue(opts.jitterMs, (m) => this.route(m.bytes, m.data)), data: new JitterQueue(opts.jitterMs, (m) => this.route(m.bytes, m.data)) } : null;
    const ev = this.sock.events;
    ev.on('connect', () => {
      this.link.connects++;
      this.emit('link', 'up');
      // After a cut the hub may be a new process that does not know us: introduce ourselves again.
      if (this.linkWasDown) this.sendHello();
    });
    ev.on('disconnect', () => {
      this.link.disconnects++;
      this.linkWasDown = true;
      this.emit('link', 'down');
    });
    ev.on('handshake:error:auth', () => {
      this.link.authFailures++;
      this.emit('auth-failed');
    });
  }

  /** Frames dropped locally because the link was down too long. */
  get droppedLocally(): number {
    return this.queue.dropped + (this.dataQueue?.dropped ?? 0);
  }

  /** True when data frames leave through the data channel (§2.3). */
  get usingDataChannel(): boolean {
    return this.dataActive && this.dataToken !== null;
  }

  private push(bytes: Uint8Array, data = false): void {
    if (this.closed) return;
    if (this.jitter) (data ? this.jitter.data : this.jitter.control).push({ bytes, data });
    else this.route(bytes, data);
  }

  /**
   * Data frames switch to the data channel once it is up and nothing is waiting on the control
   * socket ahead of them (a stream's frames must not overtake each other), and stay there;
   * everything else, and data before the switch, goes to the control socket.
   */
  private route(bytes: Uint8Array, data: boolean): void {
    if (data && this.dataToken && this.dataQueue) {
      if (!this.dataActive && this.dataUp && this.queue.length === 0) this.dataActive = true;
      if (this.dataActive) return this.dataQueue.push(sealData(this.dataToken, bytes));
    }
    this.queue.push(bytes);
  }

  /** The hub offered its data channel in HELLO_ACK: connect to it (once) and use this session's token. */
  private onDataOffer(ackJson: string): void {
    if (this.opts.dataChannel === false) return;
    const offer = parseDataOffer(ackJson);
    if (!offer) {
      // The hub has no data channel (any more): send everything on the control socket.
      this.dataToken = null;
      return;
    }
    const ep = this.opts.dataEndpoint ?? dataEndpointFor(this.opts.endpoint, offer);
    if (!ep) {
      // An endpoint this device cannot reach: everything on the control socket, not under a stale token.
      this.dataToken = null;
      return;
    }
    this.dataToken = hexToToken(offer.session);
    if (this.dataSock && this.dataEndpoint === ep) return;
    this.closeData();
    const sock = withCurve(new Push(LINK_OPTIONS), this.opts.curve);
    sock.events.on('handshake', () => {
      this.dataUp = true;
      this.emit('data-channel', 'up');
    });
    sock.events.on('disconnect', () => this.emit('data-channel', 'down'));
    sock.connect(ep);
    this.dataSock = sock;
    this.dataEndpoint = ep;
    this.dataQueue = new SendQueue(sock, this.opts.maxQueued ?? 20000);
  }

  private closeData(): void {
    this.dataUp = false;
    this.dataActive = false;
    if (this.dataSock && !this.dataSock.closed) this.dataSock.close();
    this.dataSock = null;
    this.dataQueue = null;
  }

  private header(type: FrameType, stream = 0): HeaderInit {
    const key = type * 65536 + stream;
    const seq = this.seqs.get(key) ?? 0;
    this.seqs.set(key, (seq + 1) >>> 0);
    return { stream, seq, tDeviceMs: this.clock() };
  }

  start(): void {
    this.sock.connect(this.opts.endpoint);
    this.sendHello();
    this.hbTimer = setInterval(() => this.push(encodeHeartbeat(this.header(FrameType.Heartbeat))), this.descriptor.heartbeatMs);
    void this.receiveLoop();
  }

  /**
   * A gateway learnt of new channels (a tool seen for the first time): says so with a new HELLO
   * (§4: a later HELLO may change the descriptor; channels keep their streams by index). The
   * hub answers with a HELLO_ACK ('accepted'); frames for the new channels belong after it.
   */
  redescribe(descriptor: DeviceDescriptor): void {
    this.descriptor = descriptor;
    this.sendHello();
  }

  private sendHello(): void {
    this.push(encodeHello(this.header(FrameType.Hello), JSON.stringify(this.descriptor)));
  }

  private async receiveLoop(): Promise<void> {
    await receiveUntilClosed(
      this.sock,
      ([msg]) => this.onControl(msg),
      (e, transient) => {
        if (transient || this.closed) return !this.closed;
        this.emit('error', e);
        return false;
      },
    );
  }

  /** One message from the hub on the control socket. */
  private onControl(msg: Buffer): void {
    const tRecv = this.clock();
    const r = decodeFrame(msg);
    if (!r.ok) return;
    const f = r.frame;
    switch (f.type) {
      case FrameType.SyncReq:
        // t2 = receive time, t3 = send time, both on the device clock (§6).
        this.push(encodeSyncResp(this.header(FrameType.SyncResp), f.t1Ms, tRecv, this.clock()));
        break;
      case FrameType.HelloAck:
        this.accepted = true;
        this.onDataOffer(f.json);
        this.emit('accepted', f.json);
        break;
      case FrameType.Error:
        if (f.code === HubErrorCode.HelloRequired) {
          this.accepted = false;
          this.sendHello();
        }
        this.emit('hub-error', f.code, f.text);
        break;
      default:
        break;
    }
  }

  private data(bytes: Uint8Array): void {
    if (bytes.length > MAX_FRAME_BYTES) throw new RangeError(`frame of ${bytes.length} bytes exceeds ${MAX_FRAME_BYTES}: send smaller batches`);
    this.push(bytes, true);
  }

  /** Sends one waveform batch of raw counts; `t0Ms` is the device time of samples[0]. */
  sendWave(channel: number, t0Ms: number, samples: Int16Array | Int32Array | Float32Array): void {
    this.data(encodeWave(this.header(FrameType.Wave, channel), t0Ms, samples));
  }

  sendNumerics(entries: NumericEntry[]): void {
    if (entries.length > 0) this.data(encodeNumeric(this.header(FrameType.Numeric), entries));
  }

  sendSetting(s: { tMs: number; channel: number; value: number; text?: string }): void {
    this.data(encodeSetting(this.header(FrameType.Setting), s));
  }

  sendAlarm(a: { tMs: number; channel: number; priority: AlarmPriority; state: AlarmState; code: number; text: string }): void {
    this.data(encodeAlarm(this.header(FrameType.Alarm), a));
  }

  sendPoses(entries: PoseEntry[]): void {
    if (entries.length > 0) this.data(encodePose(this.header(FrameType.Pose), entries));
  }

  sendEvent(ev: { tMs: number; channel?: number; code: string; text: string }): void {
    this.data(encodeEvent(this.header(FrameType.Event), ev));
  }

  /** Sends raw bytes as they are, bypassing every check (tests: malformed and oversized frames). */
  sendRaw(bytes: Uint8Array): void {
    this.push(bytes);
  }

  /** Sends raw bytes on the data channel with this session's token (tests: hostile data frames). False when there is no data channel yet. */
  sendRawData(bytes: Uint8Array): boolean {
    if (!this.dataQueue || !this.dataToken || this.closed) return false;
    this.dataQueue.push(sealData(this.dataToken, bytes));
    return true;
  }

  /** Frames waiting to leave (local queues, not counting what libzmq holds). */
  get queued(): number {
    return this.queue.length + (this.dataQueue?.length ?? 0);
  }

  async stop(reason = 'shutdown'): Promise<void> {
    if (this.closed) return;
    clearInterval(this.hbTimer);
    this.jitter?.control.clear();
    this.jitter?.data.clear();
    // On the data channel when it is in use, so it arrives after the data sent before it.
    this.route(encodeGoodbye(this.header(FrameType.Goodbye), reason), true);
    // Give the goodbye a moment to leave, then close.
    await new Promise((r) => setTimeout(r, 50));
    this.closed = true;
    this.sock.close();
    this.closeData();
  }
}
