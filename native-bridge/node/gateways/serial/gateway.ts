/**
 * The serial gateway: one serial device onto the bus as its own device (its own peer through the
 * device SDK, descriptor, clock sync, heartbeats). serial-link.ts owns the port, the driver's
 * decoder turns bytes into messages and coded errors, the driver's session maps messages onto
 * channels. Decode errors are counted per code, logged and sent as bus EVENTs (one per code per
 * report period, so they reach the recording); a lost port is a technical ALARM until it is back.
 * Nothing here lets a hostile byte stream or a driver fault end the process.
 */
import path from 'node:path';
import type { DeviceDescriptor } from '../../../common/descriptor';
import type { StreamDecoder } from '../../../common/stream-decoder';
import { AlarmPriority, AlarmState, NO_CHANNEL } from '../../../common/wire';
import { DeviceClient, type CurveClientKeys } from '../../device-client';
import type { DriverSession, SerialDriver } from './driver';
import { SerialLink, type SerialLinkStats } from './serial-link';

export interface SerialGatewayOptions {
  /** Hub bus endpoint. */
  endpoint: string;
  /** The serial device, e.g. /dev/ttyUSB0. */
  path: string;
  driver: SerialDriver;
  /** Overrides the driver's baud rate. */
  baudRate?: number;
  /** Bus device id; default `<driver>-<device file name>`, e.g. ivy450c-ttyUSB0. */
  deviceId?: string;
  curve?: CurveClientKeys;
  dataEndpoint?: string;
  log?: (line: string) => void;
  /** How often new decode errors are summarised (log line and bus EVENTs), ms. Default 5000. */
  reportMs?: number;
  /** Delay between reopen attempts of a lost port, ms. Default 500. */
  reopenMs?: number;
}

export interface SerialGatewayStats {
  /** Messages decoded. */
  messages: number;
  /** Decode errors per code: how many, and the bytes they discarded. */
  errors: Record<string, { count: number; bytes: number }>;
  /** Exceptions caught from the driver's session (each also logged). */
  driverFaults: number;
  link: SerialLinkStats;
}

/** Alarm code of "serial port lost" (device-wide, NO_CHANNEL). */
export const ALARM_PORT_LOST = 9001;

export function defaultDeviceId(driver: string, devicePath: string): string {
  const base = path.basename(devicePath).replace(/[^A-Za-z0-9._:-]/g, '_');
  return `${driver}-${base}`.slice(0, 64);
}

export class SerialGateway {
  readonly client: DeviceClient;
  readonly link: SerialLink;
  readonly stats: SerialGatewayStats;
  private readonly decoder: StreamDecoder<unknown>;
  private readonly session: DriverSession<unknown>;
  private readonly log: (line: string) => void;
  private reported = new Map<string, { count: number; bytes: number }>();
  private timers: NodeJS.Timeout[] = [];
  private lastByteMs = 0;
  private quiet = false;
  private portLost = false;

  constructor(private readonly opts: SerialGatewayOptions) {
    const d = opts.driver;
    this.log = opts.log ?? (() => undefined);
    const descriptor: DeviceDescriptor = {
      protocol: 1,
      deviceId: opts.deviceId ?? defaultDeviceId(d.name, opts.path),
      kind: d.kind,
      manufacturer: d.manufacturer,
      model: d.model,
      serial: opts.path.slice(0, 128),
      heartbeatMs: 1000,
      channels: [...d.channels],
    };
    this.client = new DeviceClient({ endpoint: opts.endpoint, descriptor, curve: opts.curve, dataEndpoint: opts.dataEndpoint });
    this.link = new SerialLink({ path: opts.path, settings: { ...d.port, baudRate: opts.baudRate ?? d.port.baudRate }, reopenMs: opts.reopenMs });
    this.stats = { messages: 0, errors: {}, driverFaults: 0, link: this.link.stats };
    this.decoder = d.createDecoder();
    this.session = d.createSession(this.client);
    this.client.on('accepted', () => this.guard(() => this.session.onAccepted(this.client.clock())));
    this.client.on('error', (e: Error) => this.log(`serial: bus: ${e.message}`));
    this.link.on('data', (b: Buffer) => this.onBytes(b));
    this.link.on('lost', (reason: string) => this.onLost(reason));
    this.link.on('retry', (reason: string) => this.log(`serial: still waiting for ${opts.path}: ${reason}`));
    this.link.on('open', () => this.onOpen());
  }

  get deviceId(): string {
    return this.client.descriptor.deviceId;
  }

  /** Opens the port (rejects with a one-line reason when it cannot), then joins the bus. */
  async start(): Promise<void> {
    try {
      await this.link.open();
    } catch (e) {
      // Close the bus socket the constructor made: a failed start leaves nothing running.
      await this.client.stop('serial port did not open');
      throw e;
    }
    this.client.start();
    const quietCheck = Math.min(1000, this.opts.driver.quietMs / 2);
    this.timers.push(setInterval(() => this.checkQuiet(), quietCheck));
    this.timers.push(setInterval(() => this.report(), this.opts.reportMs ?? 5000));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.link.close();
    this.take(this.decoder.flush());
    this.report();
    await this.client.stop();
  }

  /** Runs driver code; a fault is logged and counted, never thrown. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.stats.driverFaults++;
      if (this.stats.driverFaults <= 10) this.log(`serial: driver ${this.opts.driver.name} fault: ${(e as Error).stack ?? e}`);
    }
  }

  private onBytes(b: Buffer): void {
    this.lastByteMs = performance.now();
    this.quiet = false;
    this.take(this.decoder.push(b));
  }

  private take(results: ReturnType<StreamDecoder<unknown>['push']>): void {
    if (results.length === 0) return;
    const t = this.client.clock();
    for (const r of results) {
      if (r.ok) {
        this.stats.messages++;
        this.guard(() => this.session.onMessage(r.message, t));
      } else {
        const e = (this.stats.errors[r.code] ??= { count: 0, bytes: 0 });
        e.count++;
        e.bytes += r.bytes;
      }
    }
  }

  private streamBreak(): void {
    this.take(this.decoder.flush());
    this.guard(() => this.session.onStreamBreak(this.client.clock()));
  }

  private checkQuiet(): void {
    if (this.quiet || !this.link.isOpen || this.lastByteMs === 0) return;
    if (performance.now() - this.lastByteMs < this.opts.driver.quietMs) return;
    this.quiet = true;
    this.log(`serial: no data from ${this.opts.path} for ${(this.opts.driver.quietMs / 1000).toFixed(0)} s`);
    this.streamBreak();
  }

  private onLost(reason: string): void {
    this.log(`serial: ${this.opts.path} lost (${reason}); reopening`);
    this.streamBreak();
    if (!this.portLost) {
      this.portLost = true;
      this.client.sendAlarm({
        tMs: this.client.clock(),
        channel: NO_CHANNEL,
        priority: AlarmPriority.Medium,
        state: AlarmState.Active,
        code: ALARM_PORT_LOST,
        text: `SERIAL PORT LOST ${this.opts.path}`.slice(0, 200),
      });
    }
  }

  private onOpen(): void {
    this.log(`serial: ${this.opts.path} open (${this.opts.driver.name}, ${this.opts.baudRate ?? this.opts.driver.port.baudRate} baud)`);
    this.lastByteMs = 0;
    if (this.portLost) {
      this.portLost = false;
      this.client.sendAlarm({
        tMs: this.client.clock(),
        channel: NO_CHANNEL,
        priority: AlarmPriority.Medium,
        state: AlarmState.Ended,
        code: ALARM_PORT_LOST,
        text: `SERIAL PORT LOST ${this.opts.path}`.slice(0, 200),
      });
    }
  }

  /** Logs and sends (as bus EVENTs) the decode errors new since the last report. */
  private report(): void {
    const parts: string[] = [];
    const t = this.client.clock();
    for (const [code, e] of Object.entries(this.stats.errors)) {
      const was = this.reported.get(code) ?? { count: 0, bytes: 0 };
      const n = e.count - was.count;
      if (n <= 0) continue;
      const text = `${n} new (${e.bytes - was.bytes} bytes); ${e.count} in all`;
      parts.push(`${code} ${text}`);
      this.client.sendEvent({ tMs: t, code, text });
      this.reported.set(code, { ...e });
    }
    if (parts.length) this.log(`serial: decode errors: ${parts.join('; ')}`);
  }
}
