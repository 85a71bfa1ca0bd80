/**
 * The HL7 v2 gateway (`or-hub gateway hl7`): an MLLP listener for IHE PCD-01 ORU^R01 reports
 * from monitor gateways, whose observations reach the bus as devices like any other. Several
 * beds share one link: each report is routed by PV1-3 (its location) to the configured theatre;
 * reports for other locations are acknowledged (AA) and counted, not published. Malformed
 * reports are answered AE or AR with the reason (ack.ts). Sender clocks are estimated per
 * sender (sender-clock.ts) and observation times moved onto this process's clock, which the hub
 * then maps onto its own by the bus's clock sync. docs/gateways.md has the mapping.
 */
import { buildAck } from './ack';
import { Hl7BusDevices, type BusDevicesOptions } from './bus-devices';
import { MllpListener, type MllpListenerOptions, type MllpPeer } from './mllp-listener';
import { parsePcd01, type Pcd01Location } from './pcd01';
import { SenderClock } from './sender-clock';

export interface Hl7GatewayOptions extends Omit<BusDevicesOptions, 'endpoint'> {
  /** The hub's bus endpoint. */
  bus: string;
  /** MLLP port; 0 picks a free one. */
  listen: number;
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /**
   * The theatre this gateway feeds: matched against PV1-3's point of care, room or bed
   * (case-insensitive), or, when it contains '^', component by component (an empty component
   * matches anything). Unset: every location is published.
   */
  theatre?: string;
  /** Listener limits (connections, timeouts, sizes). */
  limits?: Omit<MllpListenerOptions, 'host' | 'port' | 'log'>;
  log?: (line: string) => void;
}

export interface Hl7GatewayStats {
  /** Reports answered AA and published. */
  published: number;
  /** Reports answered AA for another location (not published). */
  otherLocation: number;
  /** Reports answered AA without a PV1-3 location while a theatre is configured (not published). */
  unrouted: number;
  /** Reports answered AE / AR, by HL7 table 0357 code. */
  ae: number;
  ar: number;
  byCode: Record<number, number>;
  observations: number;
  /** OBX rows not mapped (waveforms, non-MDC codes, other value types). */
  skipped: number;
  /** Observations whose time, on the hub's clock, is over 1 h old or 60 s ahead (not published). */
  outOfWindow: number;
}

/** True when a PV1-3 location is the configured theatre. */
export function matchesTheatre(theatre: string | undefined, loc: Pcd01Location | null): boolean {
  if (theatre === undefined || theatre === '') return true;
  if (!loc) return false;
  const eq = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  const parts = [loc.pointOfCare, loc.room, loc.bed, loc.facility];
  if (theatre.includes('^')) return theatre.split('^').every((want, i) => want === '' || eq(want, parts[i] ?? ''));
  return parts.slice(0, 3).some((p) => p !== '' && eq(p, theatre));
}

/** Message text from MLLP bytes: ISO 8859-1 when MSH-18 says so, UTF-8 otherwise (PCD-01's default is ASCII). */
function decode(bytes: Buffer): string {
  const latin = bytes.toString('latin1');
  const msh = latin.slice(0, latin.search(/[\r\n]/) >>> 0 || latin.length);
  return /\|8859\/1(\||\^|$)/.test(msh) ? latin : bytes.toString('utf8');
}

const MAX_SENDERS = 256;

export class Hl7Gateway {
  private readonly listener: MllpListener;
  private readonly devices: Hl7BusDevices;
  private readonly senders = new Map<string, SenderClock>();
  private sweepTimer: NodeJS.Timeout | undefined;
  readonly stats: Hl7GatewayStats = { published: 0, otherLocation: 0, unrouted: 0, ae: 0, ar: 0, byCode: {}, observations: 0, skipped: 0, outOfWindow: 0 };
  port = 0;

  constructor(private readonly opts: Hl7GatewayOptions) {
    this.devices = new Hl7BusDevices({ ...opts, endpoint: opts.bus });
    this.listener = new MllpListener({ ...opts.limits, host: opts.host, port: opts.listen, log: opts.log }, (m, p) => this.handle(m, p));
  }

  /** Listener counters (connections, framing and flood refusals by code). */
  get link(): MllpListener['stats'] {
    return this.listener.stats;
  }

  /** Bus device ids now published. */
  busDevices(): string[] {
    return this.devices.ids();
  }

  /** The sender clock estimate of a sender (MSH-3|MSH-4), for status and tests. */
  senderClock(sendingApplication: string, sendingFacility: string): SenderClock | undefined {
    return this.senders.get(`${sendingApplication}|${sendingFacility}`);
  }

  async start(): Promise<number> {
    this.port = await this.listener.listen();
    this.sweepTimer = setInterval(() => this.devices.sweep(), 1000);
    this.sweepTimer.unref();
    return this.port;
  }

  private clockOf(key: string): SenderClock {
    let c = this.senders.get(key);
    if (!c) {
      if (this.senders.size >= MAX_SENDERS) this.senders.delete(this.senders.keys().next().value as string);
      c = new SenderClock();
      this.senders.set(key, c);
    }
    return c;
  }

  /** One MLLP frame in, its acknowledgement out. Never throws. */
  handle(bytes: Buffer, _peer?: MllpPeer): string {
    const arrival = performance.timeOrigin + performance.now();
    const r = parsePcd01(decode(bytes));
    if (!r.ok) {
      const f = r.refusal;
      if (f.ack === 'AE') this.stats.ae++;
      else this.stats.ar++;
      this.stats.byCode[f.code] = (this.stats.byCode[f.code] ?? 0) + 1;
      return buildAck(r.message, f);
    }
    const rep = r.report;
    this.stats.skipped += rep.skipped;
    if (!matchesTheatre(this.opts.theatre, rep.location)) {
      if (rep.location) this.stats.otherLocation++;
      else this.stats.unrouted++;
      return buildAck(r.message, null);
    }
    const clock = this.clockOf(`${rep.sendingApplication}|${rep.sendingFacility}`);
    const sent = rep.messageTimeMs ?? Math.max(-Infinity, ...rep.devices.flatMap((d) => d.observations.map((o) => o.tSenderMs ?? -Infinity)));
    if (Number.isFinite(sent)) clock.observe(sent, arrival);
    const toLocal = (t: number) => clock.toLocal(t);
    for (const d of rep.devices) {
      if (!this.devices.publish(d, rep.sendingApplication, toLocal, arrival)) {
        this.stats.ae++;
        this.stats.byCode[207] = (this.stats.byCode[207] ?? 0) + 1;
        const text = `this gateway already carries ${this.devices.size} devices`;
        return buildAck(r.message, { ack: 'AE', code: 207, codeName: 'Application internal error', text });
      }
      this.stats.observations += d.observations.length;
    }
    this.stats.published++;
    this.stats.outOfWindow = this.devices.counters.outOfWindow;
    return buildAck(r.message, null);
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.listener.close();
    await this.devices.close();
  }
}
