/**
 * The gateway's face on the bus: ONE device (its own peer through the device SDK, with
 * descriptor, heartbeats, clock sync and liveness like any other). Each tool name seen on
 * OpenIGTLink becomes a pose channel; a new one is announced with a new HELLO and its poses
 * wait for the hub's HELLO_ACK. Poses leave once per event-loop turn, coalesced into one POSE
 * frame, and never faster than the frame budget the hub grants this device
 * (docs/device-protocol.md §7.3) allows: under load they are batched, never dropped.
 */
import type { ChannelDescriptor, DeviceDescriptor } from '../../../common/descriptor';
import { MDC } from '../../../common/mdc';
import { AlarmPriority, AlarmState, NO_CHANNEL, type PoseEntry } from '../../../common/wire';
import { DeviceClient, type CurveClientKeys } from '../../device-client';

/** Numeric channels the gateway reports about itself: the sender → gateway clock mapping and refusals. */
export const SYNC_CH = { OFFSET: 1000, DRIFT: 1001, UNCERTAINTY: 1002, REFUSED: 1003 } as const;
/** Most tools (pose channels) one gateway declares; further names are refused (counted). */
export const MAX_TOOLS = 256;
/** Alarm codes (`ALARM.code`): 0x4947_00xx = OpenIGTLink STATUS code xx; 0x4947_0100 = link down. */
export const ALARM_STATUS_BASE = 0x49470000;
export const ALARM_LINK_DOWN = 0x49470100;

const SYNC_CHANNELS: ChannelDescriptor[] = [
  { index: SYNC_CH.OFFSET, kind: 'numeric', mdc: 'MDC_X_IGTL_CLOCK_OFFSET', label: 'IGTL clock offset', unit: 'ms' },
  { index: SYNC_CH.DRIFT, kind: 'numeric', mdc: 'MDC_X_IGTL_CLOCK_DRIFT', label: 'IGTL clock drift', unit: '[ppm]' },
  { index: SYNC_CH.UNCERTAINTY, kind: 'numeric', mdc: 'MDC_X_IGTL_SYNC_UNCERTAINTY', label: 'IGTL sync uncertainty', unit: 'ms' },
  { index: SYNC_CH.REFUSED, kind: 'numeric', mdc: 'MDC_X_IGTL_MSG_REFUSED', label: 'IGTL refused', unit: '1' },
];

export interface BusDeviceOptions {
  bus: string;
  curve?: CurveClientKeys;
  deviceId: string;
  /** Shown as the device's serial: where the gateway connects or listens. */
  serial: string;
  /** Pose rate declared per tool, Hz (the hub's budgets follow it). */
  rateHz: number;
  dataEndpoint?: string;
  log?: (line: string) => void;
}

export class IgtlBusDevice {
  readonly client: DeviceClient;
  private readonly tools = new Map<string, number>();
  private readonly pendingTools = new Map<string, number>();
  private batch: PoseEntry[] = [];
  /** Poses of tools the hub has not acknowledged yet. */
  private held: PoseEntry[] = [];
  private flushArmed = false;
  private helloTimer: NodeJS.Timeout | undefined;
  private lastHelloMs = 0;
  private tokens: number;
  private tokenMs = performance.now();
  private readonly framesPerSec: number;
  /** Tool names refused because MAX_TOOLS are declared. */
  refusedTools = 0;
  posesSent = 0;

  constructor(private readonly opts: BusDeviceOptions) {
    this.client = new DeviceClient({ endpoint: opts.bus, descriptor: this.describe(), curve: opts.curve, dataEndpoint: opts.dataEndpoint });
    // Twice the hub's base frame budget per tool (it admits three times that, §7.3).
    this.framesPerSec = 200;
    this.tokens = this.framesPerSec;
    this.client.on('accepted', () => this.onAccepted());
    // A bus socket failure is reported, never thrown out of the event loop (an 'error' event without a listener would end the process).
    this.client.on('error', (e: Error) => opts.log?.(`openigtlink: bus: ${e.message}`));
  }

  /** Device clock (ms) the poses are stamped on; the hub maps it onto its own. */
  get clock(): () => number {
    return this.client.clock;
  }

  private describe(): DeviceDescriptor {
    const channels: ChannelDescriptor[] = [...this.tools].map(([name, index]) => {
      const t = /ref/i.test(name) ? MDC.POSE_REFERENCE : MDC.POSE_INSTRUMENT;
      return { index, kind: 'pose', mdc: t.mdc, label: name, unit: 'mm', rateHz: this.opts.rateHz };
    });
    return {
      protocol: 1,
      deviceId: this.opts.deviceId,
      kind: 'navigation-tracker',
      manufacturer: 'OpenIGTLink',
      model: 'OR Hub OpenIGTLink gateway',
      serial: this.opts.serial,
      heartbeatMs: 1000,
      channels: [...channels, ...SYNC_CHANNELS],
    };
  }

  start(): void {
    this.client.start();
    this.lastHelloMs = performance.now();
  }

  /** The channel of a tool, declaring it when new; null when MAX_TOOLS are declared. */
  private channelOf(name: string): { channel: number; known: boolean } | null {
    const c = this.tools.get(name);
    if (c !== undefined) return { channel: c, known: !this.pendingTools.has(name) };
    if (this.tools.size >= MAX_TOOLS) {
      this.refusedTools++;
      return null;
    }
    const channel = this.tools.size;
    this.tools.set(name, channel);
    this.pendingTools.set(name, channel);
    this.scheduleHello();
    return { channel, known: false };
  }

  /** The hub ignores a HELLO within 100 ms of the previous one from the same peer: space them. */
  private scheduleHello(): void {
    if (this.helloTimer) return;
    const wait = Math.max(0, this.lastHelloMs + 150 - performance.now());
    this.helloTimer = setTimeout(() => {
      this.helloTimer = undefined;
      this.lastHelloMs = performance.now();
      this.pendingTools.clear();
      this.client.redescribe(this.describe());
    }, wait);
  }

  private onAccepted(): void {
    if (this.pendingTools.size > 0 || this.held.length === 0) return;
    this.batch.push(...this.held.splice(0));
    this.armFlush();
  }

  /** One pose of tool `name`; `tMs` on this device's clock. */
  pose(name: string, tMs: number, matrix: Float32Array, tracked: boolean): void {
    const ch = this.channelOf(name);
    if (!ch) return;
    const e: PoseEntry = { channel: ch.channel, status: tracked ? 0 : 1, quality: tracked ? 1 : 0, tMs, matrix };
    if (!ch.known || this.held.length > 0) {
      if (this.held.length < 20000) this.held.push(e);
      return;
    }
    this.batch.push(e);
    this.armFlush();
  }

  private armFlush(): void {
    if (this.flushArmed) return;
    this.flushArmed = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushArmed = false;
    if (this.batch.length === 0) return;
    const now = performance.now();
    const rate = this.framesPerSec * (1 + this.tools.size);
    this.tokens = Math.min(rate, this.tokens + ((now - this.tokenMs) * rate) / 1000);
    this.tokenMs = now;
    if (this.tokens < 1) {
      // Over the frame budget: wait until the next token is due (1 ms at 1,000 frames/s; a
      // fixed longer wait would only add latency) and send everything then, in one frame.
      this.flushArmed = true;
      setTimeout(() => this.flush(), Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / rate)));
      return;
    }
    this.tokens--;
    // sendPoses splits the batch into frames of at most MAX_ENTRIES itself.
    const batch = this.batch;
    this.batch = [];
    this.client.sendPoses(batch);
    this.posesSent += batch.length;
  }

  numeric(channel: number, tMs: number, value: number): void {
    if (Number.isFinite(value)) this.client.sendNumerics([{ channel, tMs, value, status: 0 }]);
  }

  alarm(code: number, active: boolean, priority: AlarmPriority, text: string): void {
    this.client.sendAlarm({
      tMs: this.clock(),
      channel: NO_CHANNEL,
      priority,
      state: active ? AlarmState.Active : AlarmState.Ended,
      code,
      text: text.slice(0, 200),
    });
  }

  event(code: string, text: string): void {
    this.client.sendEvent({ tMs: this.clock(), code, text: text.slice(0, 500) });
  }

  async stop(): Promise<void> {
    clearTimeout(this.helloTimer);
    this.flush();
    await this.client.stop();
  }
}

export { AlarmPriority };
