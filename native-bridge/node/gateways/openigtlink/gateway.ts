/**
 * OpenIGTLink gateway: TRANSFORM, POSITION, TDATA, QTDATA and STATUS from a navigation system
 * (connect to its server, or accept senders) become pose channels, alarms and events of one
 * bus device. Sender timestamps are mapped onto the gateway's clock per connection
 * (ArrivalClock: offset and drift from one-way arrivals); the hub maps the gateway's clock
 * onto its own by the bus's clock sync, so poses land on hub time. The mapping's quality is
 * published once a second as numerics (offset, drift, uncertainty) and logged when it
 * changes state. Every refusal is counted by code (`stats.errors`), logged at most once per
 * code every 5 s, and its running total published as a numeric.
 */
import type { IgtlError, IgtlErrorCode } from '../../../common/openigtlink/errors';
import type { IgtlHeader } from '../../../common/openigtlink/header';
import type { IgtlMessage } from '../../../common/openigtlink/messages';
import { encodeMessage, startTrackingBody, statusBody } from '../../../common/openigtlink/encode';
import { ArrivalClock, type ArrivalSyncQuality } from '../../../common/arrival-clock';
import type { CurveClientKeys } from '../../device-client';
import { AlarmPriority, ALARM_LINK_DOWN, ALARM_STATUS_BASE, IgtlBusDevice, SYNC_CH } from './bus-device';
import { IgtlLinks, type Conn } from './links';

export interface OpenIgtlinkGatewayOptions {
  /** Hub bus endpoint. */
  bus: string;
  curve?: CurveClientKeys;
  dataEndpoint?: string;
  /** Dial an OpenIGTLink server… */
  connect?: { host: string; port: number };
  /** …or accept senders (host default 127.0.0.1). */
  listen?: { host?: string; port: number };
  /** Default `igtl-<host>-<port>`. */
  deviceId?: string;
  /** Pose rate declared per tool, Hz. Default 400. */
  rateHz?: number;
  /** Query messages sent on every connection, e.g. ["STT_TDATA"] (PLUS waits for one before it streams TDATA). */
  queries?: string[];
  maxClients?: number;
  slowMs?: number;
  maxBytesPerSec?: number;
  log?: (line: string) => void;
}

export interface GatewayStats {
  messages: number;
  poses: number;
  connections: number;
  /** Refusals by code. */
  errors: Partial<Record<IgtlErrorCode, number>>;
}

/** OpenIGTLink STATUS codes (spec "STATUS"): 1 OK; the rest are conditions. */
const STATUS_HIGH = new Set([3, 18, 19]); // panic, hardware failure, shut down

export class OpenIgtlinkGateway {
  readonly device: IgtlBusDevice;
  readonly stats: GatewayStats = { messages: 0, poses: 0, connections: 0, errors: {} };
  private readonly links: IgtlLinks;
  private readonly clocks = new Map<Conn, ArrivalClock>();
  private readonly statusActive = new Map<string, number>();
  private readonly loggedAt = new Map<string, { t: number; n: number }>();
  private readonly log: (l: string) => void;
  private lastSyncState: boolean | null = null;
  private timer: NodeJS.Timeout | undefined;
  private linkDown = false;
  private refused = 0;
  port = 0;

  constructor(private readonly opts: OpenIgtlinkGatewayOptions) {
    if (!!opts.connect === !!opts.listen) throw new Error('give exactly one of connect and listen');
    this.log = opts.log ?? (() => undefined);
    const where = opts.connect ? `${opts.connect.host}:${opts.connect.port}` : `listen:${opts.listen!.port}`;
    this.device = new IgtlBusDevice({
      bus: opts.bus,
      curve: opts.curve,
      dataEndpoint: opts.dataEndpoint,
      deviceId: opts.deviceId ?? `igtl-${where.replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 64),
      serial: `openigtlink ${opts.connect ? 'client of' : 'server on'} ${where}`,
      rateHz: opts.rateHz ?? 400,
      log: this.log,
    });
    const clock = this.device.clock;
    this.links = new IgtlLinks(
      {
        connect: opts.connect,
        listen: opts.listen && { host: opts.listen.host ?? '127.0.0.1', port: opts.listen.port },
        maxClients: opts.maxClients,
        slowMs: opts.slowMs,
        maxBytesPerSec: opts.maxBytesPerSec,
        clock,
      },
      { open: (c) => this.onOpen(c), close: (c) => this.onClose(c), message: (c, m, t) => this.onMessage(c, m, t), error: (c, e, h) => this.onError(c, e, h) },
    );
  }

  get deviceId(): string {
    return this.device.client.descriptor.deviceId;
  }

  /** Starts the bus device and the OpenIGTLink side; resolves with the listening port (0 when connecting). */
  async start(): Promise<number> {
    this.device.start();
    this.port = await this.links.start();
    this.timer = setInterval(() => this.report(), 1000);
    if (this.opts.connect) this.setLinkDown(true, `not connected to ${this.opts.connect.host}:${this.opts.connect.port} yet`);
    return this.port;
  }

  /** Sync quality of the most recently active connection's sender clock; null before any stamped message. */
  syncQuality(): ArrivalSyncQuality | null {
    const now = this.device.clock();
    let best: ArrivalSyncQuality | null = null;
    for (const c of this.clocks.values()) {
      const q = c.quality(now);
      if (q && (!best || q.uncertaintyMs < best.uncertaintyMs)) best = q;
    }
    return best;
  }

  private onOpen(c: Conn): void {
    this.stats.connections++;
    this.clocks.set(c, new ArrivalClock());
    this.log(`openigtlink: ${c.remote} connected`);
    this.setLinkDown(false, '');
    for (const q of this.opts.queries ?? []) {
      const body = /^STT_(T|QT)DATA$/.test(q) ? startTrackingBody(0) : new Uint8Array(0);
      c.send(encodeMessage({ type: q, deviceName: 'OR Hub', tSenderMs: this.device.clock() }, body));
    }
  }

  private onClose(c: Conn): void {
    this.clocks.delete(c);
    this.log(`openigtlink: ${c.remote} disconnected`);
    if (this.links.conns.size === 0) this.setLinkDown(true, this.opts.connect ? `connection to ${c.remote} lost` : 'no OpenIGTLink sender connected');
  }

  private setLinkDown(down: boolean, why: string): void {
    if (down === this.linkDown) return;
    this.linkDown = down;
    this.device.alarm(ALARM_LINK_DOWN, down, AlarmPriority.Low, down ? `OpenIGTLink: ${why}` : 'OpenIGTLink connected');
  }

  private onMessage(c: Conn, m: IgtlMessage, tArrival: number): void {
    this.stats.messages++;
    const h = m.header;
    // The sender's time on our clock: learnt from arrivals; unstamped messages keep their arrival time.
    let t = tArrival;
    if (h.tSenderMs !== null) {
      const clock = this.clocks.get(c)!;
      clock.add(h.tSenderMs, tArrival);
      t = Math.min(clock.toLocal(h.tSenderMs), tArrival);
    }
    const b = m.body;
    const tracked = !/^(INVALID|MISSING|OUT_OF_VIEW|0|false)$/i.test(m.metadata.get('TransformStatus') ?? m.metadata.get('Status') ?? 'OK');
    switch (b.type) {
      case 'TRANSFORM':
      case 'POSITION':
        this.stats.poses++;
        return this.device.pose(h.deviceName || b.type, t, b.matrix, tracked);
      case 'TDATA':
      case 'QTDATA':
        for (const e of b.elements) {
          this.stats.poses++;
          this.device.pose(e.name || h.deviceName, t, e.matrix, tracked);
        }
        return;
      case 'STATUS':
        return this.onStatus(h.deviceName, b.code, b.errorName, b.message);
      case 'QUERY':
        if (b.query === 'GET' && b.of === 'STATUS')
          c.send(
            encodeMessage(
              { type: 'STATUS', deviceName: 'OR Hub', tSenderMs: this.device.clock() },
              statusBody({ code: 1, errorName: 'OK', message: 'OR Hub gateway' }),
            ),
          );
        else if (b.query === 'RTS') this.log(`openigtlink: ${c.remote} answered ${h.type} (status ${b.status})`);
        return;
      case 'STRING':
        return this.device.event('IGTL_STRING', `${h.deviceName}: ${b.text}`);
    }
  }

  private onStatus(name: string, code: number, errorName: string, message: string): void {
    const key = name || 'device';
    const prev = this.statusActive.get(key);
    if (code === 1) {
      if (prev !== undefined) this.device.alarm(ALARM_STATUS_BASE + prev, false, AlarmPriority.Low, `${key}: OK`);
      this.statusActive.delete(key);
      return;
    }
    if (prev === code) return;
    if (prev !== undefined) this.device.alarm(ALARM_STATUS_BASE + prev, false, AlarmPriority.Low, `${key}: superseded`);
    this.statusActive.set(key, code & 0xff);
    const prio = STATUS_HIGH.has(code) ? AlarmPriority.Medium : AlarmPriority.Low;
    this.device.alarm(ALARM_STATUS_BASE + (code & 0xff), true, prio, `${key}: ${errorName || `status ${code}`}${message ? ` (${message})` : ''}`);
    this.device.event('IGTL_STATUS', `${key}: status ${code} ${errorName} ${message}`.trim());
  }

  private onError(c: Conn | null, e: IgtlError, h?: IgtlHeader): void {
    this.stats.errors[e.code] = (this.stats.errors[e.code] ?? 0) + 1;
    this.refused++;
    const now = Date.now();
    const last = this.loggedAt.get(e.code);
    if (!last || now - last.t >= 5000) {
      const what = h ? ` (${h.type} "${h.deviceName}")` : '';
      this.log(`openigtlink: ${e.code} from ${c?.remote ?? 'listener'}${what}: ${e.message}${last?.n ? ` (${last.n} more suppressed)` : ''}`);
      this.loggedAt.set(e.code, { t: now, n: 0 });
    } else last.n++;
  }

  private report(): void {
    const t = this.device.clock();
    this.device.numeric(SYNC_CH.REFUSED, t, this.refused);
    const q = this.syncQuality();
    if (!q) return;
    this.device.numeric(SYNC_CH.OFFSET, t, q.offsetMs);
    this.device.numeric(SYNC_CH.DRIFT, t, q.driftPpm);
    this.device.numeric(SYNC_CH.UNCERTAINTY, t, q.uncertaintyMs);
    if (q.synchronised !== this.lastSyncState) {
      this.lastSyncState = q.synchronised;
      const state = q.synchronised ? 'synchronised' : 'NOT synchronised';
      const text =
        `sender clock ${state}: offset ${q.offsetMs.toFixed(1)} ms, drift ${q.driftPpm.toFixed(1)} ppm, ` + `uncertainty ${q.uncertaintyMs.toFixed(2)} ms`;
      this.log(`openigtlink: ${text}`);
      this.device.event(q.synchronised ? 'IGTL_SYNC' : 'IGTL_UNSYNC', text);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const q of this.opts.queries ?? [])
      if (q.startsWith('STT_')) this.links.broadcast(encodeMessage({ type: `STP_${q.slice(4)}`, deviceName: 'OR Hub' }, new Uint8Array(0)));
    await this.links.stop();
    await this.device.stop();
  }
}
