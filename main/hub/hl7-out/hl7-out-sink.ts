/**
 * The outgoing HL7 feed (`or-hub start --hl7-out HOST:PORT [--hl7-out-interval S]`): a HubSink
 * that collects the case's numerics and, every interval, writes one IHE PCD-01 report of every
 * value received in it (all of them, each with its own hub time in OBX-14) to the disk queue,
 * which the sender delivers in order, retrying for as long as the receiver is away. Numerics
 * arrive only while a case is recording (when the hub records at all); values marked invalid are
 * not reported. Nothing here blocks the hub: collecting is a push into a map, and a report is one
 * small synchronous file write per interval.
 */
import path from 'node:path';
import type { ChannelDescriptor, DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { NUM_STATUS_INVALID } from '../../../native-bridge/common/wire';
import type { HubSink } from '../sink';
import { hubNow } from '../clock';
import { DiskQueue } from './disk-queue';
import { buildPcd01Report, type ReportDevice } from './pcd01-report';
import { Hl7Sender, type Hl7SenderOptions } from './sender';

export interface Hl7OutOptions extends Omit<Hl7SenderOptions, 'log'> {
  /** Report every this many seconds. Default 10. */
  intervalS?: number;
  /** The hub's data dir: the queue lives in DATA_DIR/hl7-out. */
  dataDir: string;
  /** The case now recording (null: none, nothing is reported); without it every numeric is reported. */
  currentCase?: () => { id: string; room: string } | null;
  /** MSH-3. Default "OR-HUB". */
  sendingApplication?: string;
  /** Largest queue on disk, bytes. Default 1 GiB. */
  maxQueueBytes?: number;
  /** OBX rows per message at most (a longer interval is split). Default 2000. */
  maxObxPerMessage?: number;
  log?: (line: string) => void;
}

type Pending = Map<string, Map<number, { tHubMs: number; value: number }[]>>;

export class Hl7OutSink implements HubSink {
  readonly queue: DiskQueue;
  readonly sender: Hl7Sender;
  private readonly devices = new Map<string, DeviceDescriptor>();
  private pending: Pending = new Map();
  private pendingCount = 0;
  private fromMs = hubNow();
  private caseId = '';
  private room = '';
  private timer: NodeJS.Timeout | undefined;
  private controlPrefix = `ORHUB${Date.now().toString(36).toUpperCase()}`;
  /** Reports queued since start. */
  reports = 0;

  constructor(private readonly opts: Hl7OutOptions) {
    const log = opts.log ?? (() => {});
    this.queue = new DiskQueue(path.join(opts.dataDir, 'hl7-out'), opts.maxQueueBytes, log);
    this.sender = new Hl7Sender(this.queue, { ...opts, log });
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), (this.opts.intervalS ?? 10) * 1000);
    this.timer.unref();
    if (this.queue.length > 0) this.opts.log?.(`hl7-out: ${this.queue.length} reports queued from before; sending them first`);
    this.sender.kick();
  }

  deviceOnline(desc: DeviceDescriptor): void {
    this.devices.set(desc.deviceId, desc);
  }

  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void {
    if (status & NUM_STATUS_INVALID) return;
    const c = this.opts.currentCase ? this.opts.currentCase() : { id: '', room: '' };
    if (!c) return;
    if (c.id !== this.caseId && this.pendingCount > 0) this.flush(); // a report belongs to one case
    this.caseId = c.id;
    this.room = c.room;
    let dev = this.pending.get(deviceId);
    if (!dev) this.pending.set(deviceId, (dev = new Map()));
    let ch = dev.get(channel);
    if (!ch) dev.set(channel, (ch = []));
    ch.push({ tHubMs, value });
    this.pendingCount++;
  }

  /** Queues a report of everything collected since the last one (nothing when there is nothing). */
  flush(): void {
    const toMs = hubNow();
    if (this.pendingCount === 0) {
      this.fromMs = toMs;
      return;
    }
    const pending = this.pending;
    this.pending = new Map();
    this.pendingCount = 0;
    const max = this.opts.maxObxPerMessage ?? 2000;
    let batch: ReportDevice[] = [];
    let rows = 0;
    const emit = () => {
      if (batch.length === 0) return;
      const controlId = `${this.controlPrefix}${String(this.queue.next).padStart(8, '0')}`;
      const sendingApplication = this.opts.sendingApplication ?? 'OR-HUB';
      const span = { nowMs: toMs, fromMs: this.fromMs, toMs };
      const text = buildPcd01Report({ controlId, ...span, room: this.room, caseId: this.caseId, sendingApplication, devices: batch });
      try {
        this.queue.append(text);
        this.reports++;
      } catch (e) {
        this.opts.log?.(`hl7-out: cannot queue a report: ${(e as Error).message}`);
      }
      batch = [];
      rows = 0;
    };
    for (const [deviceId, chans] of pending) {
      const desc = this.devices.get(deviceId);
      for (const [index, samples] of chans) {
        const ch: ChannelDescriptor = desc?.channels.find((c) => c.index === index) ?? {
          index,
          kind: 'numeric',
          mdc: `MDC_ORHUB_CHANNEL_${index}`,
          label: '',
          unit: '',
        };
        for (let i = 0; i < samples.length; i += max) {
          const part = samples.slice(i, i + max);
          if (rows + part.length > max) emit();
          const dev = batch.find((d) => d.deviceId === deviceId);
          const entry = { ch, samples: part };
          if (dev) dev.channels.push(entry);
          else batch.push({ deviceId, kind: desc?.kind ?? 'other', model: desc?.model ?? '', channels: [entry] });
          rows += part.length;
        }
      }
    }
    emit();
    this.fromMs = toMs;
    this.sender.kick();
  }

  /** For GET /api/hl7-out: where the feed goes, what waits on disk, and how sending goes. */
  status(): Record<string, unknown> {
    const q = this.queue;
    const receiver = `${this.opts.host}:${this.opts.port}`;
    const queue = { queued: q.length, queuedBytes: q.bytes, droppedFull: q.dropped };
    return { receiver, intervalS: this.opts.intervalS ?? 10, reports: this.reports, ...queue, ...this.sender.stats };
  }

  /** Queues what is collected and stops sending; the queue stays on disk for the next start. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
    this.sender.stop();
  }

  deviceState(): void {}
  wave(): void {}
  setting(): void {}
  alarm(): void {}
  pose(): void {}
  event(): void {}
  gap(): void {}
}
