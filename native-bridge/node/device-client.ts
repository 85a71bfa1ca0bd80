/**
 * Device SDK: what a simulator or a real device adapter uses to speak OR Hub's bus.
 * A DEALER socket connects to the hub's ROUTER; the client sends HELLO, heartbeats,
 * answers clock-sync requests, numbers every stream, and re-introduces itself when the
 * hub says it does not know it (hub restart). ZeroMQ reconnects the link by itself.
 */
import { Dealer } from 'zeromq';
import { EventEmitter } from 'node:events';
import type { DeviceDescriptor } from '../common/descriptor';
import {
  FrameType,
  HubErrorCode,
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
  /** Device clock in ms. Default: Date.now-based wall clock. Simulators inject offsets and drift here. */
  clock?: () => number;
  curve?: CurveClientKeys;
  /** Max frames queued while the hub is unreachable (oldest dropped; the hub sees the sequence gap). */
  maxQueued?: number;
}

export class DeviceClient extends EventEmitter {
  readonly descriptor: DeviceDescriptor;
  readonly clock: () => number;
  private readonly sock: Dealer;
  private readonly queue: SendQueue;
  private readonly seqs = new Map<number, number>();
  private hbTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** True once the hub has acknowledged our HELLO. */
  accepted = false;

  constructor(private readonly opts: DeviceClientOptions) {
    super();
    this.descriptor = opts.descriptor;
    this.clock = opts.clock ?? (() => performance.timeOrigin + performance.now());
    this.sock = new Dealer({ linger: 0, sendHighWaterMark: 10000, immediate: false });
    if (opts.curve) {
      this.sock.curveServerKey = opts.curve.serverPublicKey;
      this.sock.curvePublicKey = opts.curve.publicKey;
      this.sock.curveSecretKey = opts.curve.secretKey;
    }
    this.queue = new SendQueue(this.sock, opts.maxQueued ?? 20000);
  }

  /** Frames dropped locally because the link was down too long. */
  get droppedLocally(): number {
    return this.queue.dropped;
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
    this.hbTimer = setInterval(() => this.queue.push(encodeHeartbeat(this.header(FrameType.Heartbeat))), this.descriptor.heartbeatMs);
    void this.receiveLoop();
  }

  private sendHello(): void {
    this.queue.push(encodeHello(this.header(FrameType.Hello), JSON.stringify(this.descriptor)));
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const [msg] of this.sock) {
        const tRecv = this.clock();
        const r = decodeFrame(msg);
        if (!r.ok) continue;
        const f = r.frame;
        switch (f.type) {
          case FrameType.SyncReq:
            // t2 = receive time, t3 = send time, both on the device clock.
            this.queue.push(encodeSyncResp(this.header(FrameType.SyncResp), f.t1Ms, tRecv, this.clock()));
            break;
          case FrameType.HelloAck:
            this.accepted = true;
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
    } catch (e) {
      if (!this.closed) this.emit('error', e);
    }
  }

  /** Sends one waveform batch of raw counts; `t0Ms` is the device time of samples[0]. */
  sendWave(channel: number, t0Ms: number, samples: Int16Array | Int32Array | Float32Array): void {
    this.queue.push(encodeWave(this.header(FrameType.Wave, channel), t0Ms, samples));
  }

  sendNumerics(entries: NumericEntry[]): void {
    if (entries.length > 0) this.queue.push(encodeNumeric(this.header(FrameType.Numeric), entries));
  }

  sendSetting(s: { tMs: number; channel: number; value: number; text?: string }): void {
    this.queue.push(encodeSetting(this.header(FrameType.Setting), s));
  }

  sendAlarm(a: { tMs: number; channel: number; priority: AlarmPriority; state: AlarmState; code: number; text: string }): void {
    this.queue.push(encodeAlarm(this.header(FrameType.Alarm), a));
  }

  sendPoses(entries: PoseEntry[]): void {
    if (entries.length > 0) this.queue.push(encodePose(this.header(FrameType.Pose), entries));
  }

  sendEvent(ev: { tMs: number; channel?: number; code: string; text: string }): void {
    this.queue.push(encodeEvent(this.header(FrameType.Event), ev));
  }

  /** Sends raw bytes as they are (tests: malformed frames). */
  sendRaw(bytes: Uint8Array): void {
    this.queue.push(bytes);
  }

  async stop(reason = 'shutdown'): Promise<void> {
    if (this.closed) return;
    clearInterval(this.hbTimer);
    this.queue.push(encodeGoodbye(this.header(FrameType.Goodbye), reason));
    // Give the goodbye a moment to leave, then close.
    await new Promise((r) => setTimeout(r, 50));
    this.closed = true;
    this.sock.close();
  }
}
