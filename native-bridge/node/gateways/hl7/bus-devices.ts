/**
 * The bus side of the HL7 gateway: every source device seen in PCD-01 reports becomes a device on
 * the bus, its own peer (DeviceClient: HELLO with a descriptor, heartbeats, clock-sync answers),
 * with one channel per MDC metric (numeric for NM, text for ST/CWE). Channels are learnt as they
 * appear: a new metric re-introduces the device with the longer descriptor, and data waits until
 * the hub has acknowledged it. A device that sends nothing for `silenceMs` says GOODBYE (the hub
 * shows it offline) and comes back as a new session when it reports again.
 */
import { createHash } from 'node:crypto';
import type { ChannelDescriptor, DeviceDescriptor, DeviceKind } from '../../../common/descriptor';
import { MDC } from '../../../common/mdc';
import type { NumericEntry } from '../../../common/wire';
import { DeviceClient, type CurveClientKeys } from '../../device-client';
import type { Pcd01Device, Pcd01Observation } from './pcd01';

export interface BusDevicesOptions {
  endpoint: string;
  curve?: CurveClientKeys;
  /** Heartbeat of each bus device, ms. Default 1000. */
  heartbeatMs?: number;
  /** A device with no observations for this long leaves the bus, ms. Default 30 000. */
  silenceMs?: number;
  /** Most source devices at once (each is a pair of sockets). Default 64. */
  maxDevices?: number;
  /** Observations held per device while the hub has not yet acknowledged its descriptor. Default 10 000. */
  maxPending?: number;
  /** Where the device sockets connect their data channel instead of the offered one (tests). */
  dataEndpoint?: string;
}

type Held = { kind: 'numeric'; entry: NumericEntry } | { kind: 'text'; channel: number; tMs: number; text: string };

/** Space between two HELLOs of one device: the hub ignores a repeat within 100 ms and allows 2 a second. */
const HELLO_SPACING_MS = 1100;
/**
 * Numerics of one device are sent together at most this often, ms: a sender may report many times
 * a second, and the hub budgets a device's frames (docs/device-protocol.md §7.3), not its values.
 */
const COALESCE_MS = 25;
/** Observation times the hub accepts relative to their frame (docs/device-protocol.md): 1 h back, 60 s ahead. */
const MAX_PAST_MS = 3600_000;
const MAX_FUTURE_MS = 60_000;
const BY_MDC = new Map<string, { label: string }>(Object.values(MDC).map((t) => [t.mdc, t]));

/** A bus device id from an HL7 device id: [A-Za-z0-9._:-]{1,64}, stable, distinct for distinct ids. */
export function busDeviceId(hl7Id: string): string {
  const clean = `hl7-${hl7Id}`.replace(/[^A-Za-z0-9._:-]+/g, '_');
  if (clean.length <= 64) return clean;
  return `${clean.slice(0, 47)}-${createHash('sha1').update(hl7Id).digest('hex').slice(0, 16)}`;
}

function kindOf(mds: string): DeviceKind {
  if (/VENT|ANEST|ANAES/.test(mds)) return 'anaesthesia-machine';
  if (/PUMP|INFUS/.test(mds)) return 'infusion-pump';
  if (/MON|SAT_O2|ECG|MULTI_PARAM/.test(mds)) return 'patient-monitor';
  return 'other';
}

class BusDevice {
  readonly client: DeviceClient;
  readonly channels = new Map<string, ChannelDescriptor>();
  private ready = false;
  private held: Held[] = [];
  private helloAtMs = 0;
  private helloTimer: NodeJS.Timeout | undefined;
  private readonly lastText = new Map<number, string>();
  private out: NumericEntry[] = [];
  private outTimer: NodeJS.Timeout | undefined;
  lastHeardMs = performance.now();
  dropped = 0;

  constructor(
    private readonly desc: DeviceDescriptor,
    private readonly opts: BusDevicesOptions,
  ) {
    this.client = new DeviceClient({ endpoint: opts.endpoint, descriptor: desc, curve: opts.curve, dataEndpoint: opts.dataEndpoint });
    this.client.on('accepted', () => this.onAccepted());
    this.client.on('error', () => undefined);
  }

  get started(): boolean {
    return this.helloAtMs > 0;
  }

  start(): void {
    this.helloAtMs = performance.now();
    this.client.start();
  }

  /** The channel of an observation, declared (and the device re-introduced) when new. */
  channelFor(o: Pcd01Observation): number {
    const key = `${o.mdc}@${o.hierarchy[1]}.${o.hierarchy[2]}:${o.kind}`;
    const known = this.channels.get(key);
    if (known) return known.index;
    const index = this.channels.size;
    const base = BY_MDC.get(o.mdc)?.label ?? o.mdc.replace(/^MDC_/, '').slice(0, 48);
    const clash = [...this.channels.values()].some((c) => c.mdc === o.mdc);
    const label = clash ? `${base} (${o.hierarchy[1]}.${o.hierarchy[2]})` : base;
    const ch: ChannelDescriptor = { index, kind: o.kind, mdc: o.mdc, label: label.slice(0, 64), unit: o.kind === 'numeric' ? o.unit : '' };
    if (o.code !== undefined) ch.code = o.code;
    this.channels.set(key, ch);
    this.desc.channels = [...this.channels.values()];
    if (this.helloAtMs > 0) this.scheduleHello();
    return index;
  }

  private scheduleHello(): void {
    this.ready = false;
    if (this.helloTimer) return;
    const wait = Math.max(0, this.helloAtMs + HELLO_SPACING_MS - performance.now());
    this.helloTimer = setTimeout(() => {
      this.helloTimer = undefined;
      this.helloAtMs = performance.now();
      this.client.redescribe({ ...this.desc, channels: [...this.desc.channels] });
    }, wait);
  }

  private onAccepted(): void {
    if (this.helloTimer) return; // a newer descriptor is on its way
    this.ready = true;
    const held = this.held;
    this.held = [];
    this.emit(held);
  }

  hold(items: Held[]): void {
    if (this.ready) return this.emit(items);
    this.held.push(...items);
    const over = this.held.length - (this.opts.maxPending ?? 10000);
    if (over > 0) {
      this.held.splice(0, over);
      this.dropped += over;
    }
  }

  private emit(items: Held[]): void {
    const numerics: NumericEntry[] = [];
    for (const it of items) {
      if (it.kind === 'numeric') {
        numerics.push(it.entry);
        continue;
      }
      if (this.lastText.get(it.channel) === it.text) continue; // text channels are states: send changes
      this.lastText.set(it.channel, it.text);
      this.client.sendSetting({ tMs: it.tMs, channel: it.channel, value: 0, text: it.text });
    }
    if (numerics.length === 0) return;
    this.out.push(...numerics);
    this.outTimer ??= setTimeout(() => this.flushOut(), COALESCE_MS);
  }

  /** Sends what is collected as few NUMERIC frames (the client splits them at the wire's entry limit). */
  private flushOut(): void {
    this.outTimer = undefined;
    const all = this.out;
    this.out = [];
    this.client.sendNumerics(all);
  }

  async stop(reason: string): Promise<void> {
    clearTimeout(this.helloTimer);
    clearTimeout(this.outTimer);
    if (this.ready) this.flushOut();
    await this.client.stop(reason);
  }
}

export class Hl7BusDevices {
  private readonly devices = new Map<string, BusDevice>();
  /** Source devices refused (limit reached) and observations handed to the bus. */
  readonly counters = { devicesRefused: 0, observationsPublished: 0, outOfWindow: 0 };

  constructor(private readonly opts: BusDevicesOptions) {}

  get size(): number {
    return this.devices.size;
  }

  /** Device ids on the bus now. */
  ids(): string[] {
    return [...this.devices.keys()];
  }

  /** The bus device for a report's device, or null when the limit is reached. */
  private deviceFor(d: Pcd01Device, manufacturer: string): BusDevice | null {
    const id = busDeviceId(d.id);
    let dev = this.devices.get(id);
    if (dev) return dev;
    if (this.devices.size >= (this.opts.maxDevices ?? 64)) {
      this.counters.devicesRefused++;
      return null;
    }
    const desc: DeviceDescriptor = {
      protocol: 1,
      deviceId: id,
      kind: kindOf(d.mds),
      manufacturer: (manufacturer || 'HL7 v2 sender').slice(0, 128),
      model: (d.mds || 'IHE PCD-01 device').slice(0, 128),
      serial: d.id.slice(0, 128),
      heartbeatMs: this.opts.heartbeatMs ?? 1000,
      channels: [],
    };
    dev = new BusDevice(desc, this.opts);
    this.devices.set(id, dev);
    return dev;
  }

  /**
   * Publishes one device's observations; `toLocal` maps a sender time to this process's clock
   * (null times: `arrivalMs`). False when the device could not be taken on (limit reached).
   */
  publish(d: Pcd01Device, manufacturer: string, toLocal: (senderMs: number) => number, arrivalMs: number): boolean {
    const dev = this.deviceFor(d, manufacturer);
    if (!dev) return false;
    dev.lastHeardMs = performance.now();
    const items: Held[] = [];
    for (const o of d.observations) {
      const tMs = o.tSenderMs === null ? arrivalMs : toLocal(o.tSenderMs);
      if (tMs > arrivalMs + MAX_FUTURE_MS || tMs < arrivalMs - MAX_PAST_MS) {
        this.counters.outOfWindow++; // the hub would refuse it (BAD_TIME): say so here, once
        continue;
      }
      const channel = dev.channelFor(o);
      items.push(o.kind === 'numeric' ? { kind: 'numeric', entry: { channel, value: o.value, tMs, status: 0 } } : { kind: 'text', channel, tMs, text: o.text });
    }
    // A new device sends its first HELLO with every channel of its first report.
    if (!dev.started) dev.start();
    dev.hold(items);
    this.counters.observationsPublished += items.length;
    return true;
  }

  /** Retires devices silent for longer than silenceMs. */
  sweep(): void {
    const limit = this.opts.silenceMs ?? 30000;
    const now = performance.now();
    for (const [id, dev] of this.devices) {
      if (now - dev.lastHeardMs <= limit) continue;
      this.devices.delete(id);
      void dev.stop(`no HL7 observations for ${Math.round(limit / 1000)} s`);
    }
  }

  /** Observations dropped while held (hub unreachable for long), over all devices now on the bus. */
  get droppedHeld(): number {
    let n = 0;
    for (const d of this.devices.values()) n += d.dropped;
    return n;
  }

  async close(): Promise<void> {
    const all = [...this.devices.values()];
    this.devices.clear();
    await Promise.all(all.map((d) => d.stop('gateway closing')));
  }
}
