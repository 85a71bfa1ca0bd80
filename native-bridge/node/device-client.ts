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
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { DeviceDescriptor } from '../common/descriptor';
import {
  FrameType,
  HubErrorCode,
  MAX_ENTRIES,
  MAX_FRAME_BYTES,
  decodeFrame,
  encodeAlarm,
  encodeDataSwitch,
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
import { DataLink } from './data-link';
import { makeHelloAuth } from './hello-proof';
import { JitterQueue } from './jitter-queue';
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

/** After a refused CURVE handshake the sockets are made anew after this long, doubling up to the maximum (§8.2), ms. */
export const AUTH_RETRY_MIN_MS = 250;
export const AUTH_RETRY_MAX_MS = 5000;
/** After an IDENTITY_REFUSED, HELLO_REQUIRED is not answered for this long (a refused HELLO would be refused again), ms. */
const IDENTITY_BACKOFF_MS = 5000;

/** What FRAMES_DROPPED (ERROR 5) says: the hub dropped `count` frames of this device for `reason` since its last report. */
export interface DropReport {
  reason: string;
  count: number;
}

/** Entries i.. of a batch, at most MAX_ENTRIES of them; a batch that fits in one frame goes as it is, without a copy. */
function part<T>(entries: T[], i: number): T[] {
  return i === 0 && entries.length <= MAX_ENTRIES ? entries : entries.slice(i, i + MAX_ENTRIES);
}

export class DeviceClient extends EventEmitter {
  /** What the device last said about itself in HELLO (see redescribe). */
  descriptor: DeviceDescriptor;
  readonly clock: () => number;
  readonly routingId: string;
  private sock!: Dealer;
  private queue!: SendQueue;
  /** Jitter for control frames and for data frames: two links, each keeping its own order. */
  private readonly jitter: { control: JitterQueue<Outgoing>; data: JitterQueue<Outgoing> } | null;
  /** The data channel (§2.3, §2.4). */
  private readonly dataLink: DataLink;
  private authRetryMs = AUTH_RETRY_MIN_MS;
  private redialTimer: NodeJS.Timeout | undefined;
  private identityRefusedUntil = -Infinity;
  /** Frames the hub reported dropped (FRAMES_DROPPED), by reason, summed over reports. */
  readonly dropsReported = new Map<string, number>();
  private readonly seqs = new Map<number, number>();
  private hbTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private linkWasDown = false;
  /** Tests: false makes the device ignore SYNC_REQ, as a device that never answers clock sync (§6.3). */
  answersSync = true;
  /** True once the hub has acknowledged our HELLO. */
  accepted = false;
  /** Link events seen: connections made, connections lost, handshakes refused, sockets made anew after a refusal. */
  readonly link = { connects: 0, disconnects: 0, authFailures: 0, redials: 0 };

  constructor(private readonly opts: DeviceClientOptions) {
    super();
    this.descriptor = opts.descriptor;
    this.clock = opts.clock ?? (() => performance.timeOrigin + performance.now());
    this.routingId = opts.routingId ?? `d${randomBytes(8).toString('hex')}`;
    this.jitter =
      opts.jitterMs && opts.jitterMs > 0
        ? {
            control: new JitterQueue(opts.jitterMs, (m) => this.route(m.bytes, m.data)),
            data: new JitterQueue(opts.jitterMs, (m) => this.route(m.bytes, m.data)),
          }
        : null;
    this.dataLink = new DataLink(
      {
        openSocket: () => withCurve(new Push(LINK_OPTIONS), opts.curve),
        controlQueued: () => this.queue.length,
        toControl: (b) => this.queue.push(b),
        sendSwitch: () => this.queue.push(encodeDataSwitch(this.header(FrameType.DataSwitch))),
        emit: (ev, state) => this.emit(ev, state),
      },
      opts.endpoint,
      opts.dataEndpoint,
      opts.maxQueued ?? 20000,
    );
    this.openControl();
  }

  /** Makes the control socket (DEALER) with its options, keys and link events. */
  private openControl(): void {
    const sock = withCurve(new Dealer({ ...LINK_OPTIONS, routingId: this.routingId }), this.opts.curve);
    this.sock = sock;
    this.queue = new SendQueue(sock, this.opts.maxQueued ?? 20000);
    const ev = sock.events;
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
    ev.on('handshake', () => (this.authRetryMs = AUTH_RETRY_MIN_MS));
    ev.on('handshake:error:auth', () => {
      this.link.authFailures++;
      this.emit('auth-failed');
      this.redialAfterRefusal(sock);
    });
  }

  /**
   * libzmq does not redial after a refused CURVE handshake (§8.2): the sockets are made anew,
   * with backoff, so a key enrolled later gets in without restarting the device.
   */
  private redialAfterRefusal(refused: Dealer): void {
    if (this.closed || refused !== this.sock || this.redialTimer) return;
    const wait = this.authRetryMs;
    this.authRetryMs = Math.min(AUTH_RETRY_MAX_MS, wait * 2);
    this.redialTimer = setTimeout(() => {
      this.redialTimer = undefined;
      if (this.closed) return;
      this.link.redials++;
      this.dataLink.close();
      refused.close();
      this.openControl();
      this.sock.connect(this.opts.endpoint);
      this.sendHello();
      void this.receiveLoop();
    }, wait);
  }

  /** Frames dropped locally because the link was down too long. */
  get droppedLocally(): number {
    return this.queue.dropped + this.dataLink.dropped;
  }

  /** True when data frames leave through the data channel (§2.3). */
  get usingDataChannel(): boolean {
    return this.dataLink.active;
  }

  private push(bytes: Uint8Array, data = false): void {
    if (this.closed) return;
    if (this.jitter) (data ? this.jitter.data : this.jitter.control).push({ bytes, data });
    else this.route(bytes, data);
  }

  /**
   * Data frames go to the data channel once it is up and switched (§2.4), and stay there;
   * everything else, and data before the switch, goes to the control socket.
   */
  private route(bytes: Uint8Array, data: boolean): void {
    if (data && this.opts.dataChannel !== false && this.dataLink.route(bytes)) return;
    this.queue.push(bytes);
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

  /** HELLO: the descriptor, and on a CURVE bus the key proof for its deviceId (§8.3). */
  private sendHello(): void {
    const curve = this.opts.curve;
    const json = curve ? { ...this.descriptor, auth: makeHelloAuth(curve, this.descriptor.deviceId) } : this.descriptor;
    this.push(encodeHello(this.header(FrameType.Hello), JSON.stringify(json)));
  }

  private async receiveLoop(): Promise<void> {
    const sock = this.sock;
    await receiveUntilClosed(
      sock,
      ([msg]) => this.onControl(msg),
      (e, transient) => {
        if (transient || this.closed || sock !== this.sock) return !this.closed && sock === this.sock;
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
        if (!this.answersSync) break;
        // t2 = receive time, t3 = send time, both on the device clock (§6).
        this.push(encodeSyncResp(this.header(FrameType.SyncResp), f.t1Ms, tRecv, this.clock()));
        break;
      case FrameType.HelloAck:
        this.accepted = true;
        if (this.opts.dataChannel !== false) this.dataLink.offer(f.json);
        this.emit('accepted', f.json);
        break;
      case FrameType.DataSwitchAck:
        this.dataLink.acknowledged();
        break;
      case FrameType.Error:
        this.onHubError(f.code, f.text);
        break;
      default:
        break;
    }
  }

  private onHubError(code: number, text: string): void {
    if (code === HubErrorCode.HelloRequired && this.clock() >= this.identityRefusedUntil) {
      this.accepted = false;
      this.sendHello();
    }
    if (code === HubErrorCode.IdentityRefused) {
      this.accepted = false;
      this.identityRefusedUntil = this.clock() + IDENTITY_BACKOFF_MS;
    }
    if (code === HubErrorCode.FramesDropped) {
      const r = parseDropReport(text);
      if (r) {
        this.dropsReported.set(r.reason, (this.dropsReported.get(r.reason) ?? 0) + r.count);
        this.emit('dropped', r);
      }
    }
    this.emit('hub-error', code, text);
  }

  private data(bytes: Uint8Array): void {
    if (bytes.length > MAX_FRAME_BYTES) throw new RangeError(`frame of ${bytes.length} bytes exceeds ${MAX_FRAME_BYTES}: send smaller batches`);
    this.push(bytes, true);
  }

  /** Sends one waveform batch of raw counts; `t0Ms` is the device time of samples[0]. */
  sendWave(channel: number, t0Ms: number, samples: Int16Array | Int32Array | Float32Array): void {
    this.data(encodeWave(this.header(FrameType.Wave, channel), t0Ms, samples));
  }

  /** Sends numerics as NUMERIC frames of at most MAX_ENTRIES each (the hub drops a larger frame whole, WIRE_TOO_MANY). */
  sendNumerics(entries: NumericEntry[]): void {
    for (let i = 0; i < entries.length; i += MAX_ENTRIES) this.data(encodeNumeric(this.header(FrameType.Numeric), part(entries, i)));
  }

  sendSetting(s: { tMs: number; channel: number; value: number; text?: string }): void {
    this.data(encodeSetting(this.header(FrameType.Setting), s));
  }

  sendAlarm(a: { tMs: number; channel: number; priority: AlarmPriority; state: AlarmState; code: number; text: string }): void {
    this.data(encodeAlarm(this.header(FrameType.Alarm), a));
  }

  /** Sends poses as POSE frames of at most MAX_ENTRIES each. */
  sendPoses(entries: PoseEntry[]): void {
    for (let i = 0; i < entries.length; i += MAX_ENTRIES) this.data(encodePose(this.header(FrameType.Pose), part(entries, i)));
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
    return !this.closed && this.dataLink.sendRaw(bytes);
  }

  /** Frames waiting to leave (local queues, not counting what libzmq holds). */
  get queued(): number {
    return this.queue.length + this.dataLink.queued;
  }

  async stop(reason = 'shutdown'): Promise<void> {
    if (this.closed) return;
    clearInterval(this.hbTimer);
    clearTimeout(this.redialTimer);
    this.jitter?.control.clear();
    this.jitter?.data.clear();
    // On the data channel when it is in use, so it arrives after the data sent before it; a switch
    // still waiting for its acknowledgement is given up (its frames and the goodbye go on the control socket).
    if (!this.dataLink.active) this.dataLink.close();
    this.route(encodeGoodbye(this.header(FrameType.Goodbye), reason), true);
    // Give the goodbye a moment to leave, then close.
    await new Promise((r) => setTimeout(r, 50));
    this.closed = true;
    this.sock.close();
    this.dataLink.close();
  }
}

/** FRAMES_DROPPED's text (§9.1): JSON {"reason": string, "count": integer ≥ 1}; null when it is not that. */
export function parseDropReport(text: string): DropReport | null {
  try {
    const v = JSON.parse(text) as Partial<DropReport>;
    return typeof v.reason === 'string' && Number.isInteger(v.count) && v.count! > 0 ? { reason: v.reason, count: v.count! } : null;
  } catch {
    return null;
  }
}
