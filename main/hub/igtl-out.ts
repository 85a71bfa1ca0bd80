/**
 * OR Hub's tracker poses out to navigation software (3D Slicer's OpenIGTLinkIF, PLUS clients)
 * as OpenIGTLink TRANSFORM messages: a TCP server (`or-hub start --igtl-out PORT`, loopback
 * unless --igtl-out-host says otherwise). Every tracked pose of every pose channel goes to
 * every client, named after the channel's label (the OpenIGTLink device name, ≤ 20
 * characters), stamped with its hub time. A client that does not keep up loses poses (counted),
 * never the hub's time: nothing here waits. Untracked poses (status bit 1) are not sent.
 */
import net from 'node:net';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { encodeMessage, transformBody } from '../../native-bridge/common/openigtlink/encode';
import type { HubSink } from './sink';

export interface IgtlOutOptions {
  /** TCP port; OpenIGTLink's usual one is 18944. 0 picks a free one. */
  port: number;
  /** Default 127.0.0.1 (loopback). */
  host?: string;
  maxClients?: number;
  /** A client with more than this many bytes unsent loses new poses until it catches up. Default 256 KiB. */
  maxBacklogBytes?: number;
  log?: (line: string) => void;
}

const noop = () => undefined;

export class IgtlOutSink implements HubSink {
  private readonly server: net.Server;
  private readonly clients = new Set<net.Socket>();
  /** OpenIGTLink device name of each pose channel, by `${deviceId}/${index}`. */
  private readonly names = new Map<string, string>();
  readonly stats = { sent: 0, dropped: 0, refusedClients: 0 };
  private readonly log: (l: string) => void;

  constructor(private readonly opts: IgtlOutOptions) {
    this.log = opts.log ?? noop;
    this.server = net.createServer((s) => this.accept(s));
  }

  /** Starts listening; resolves with the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        this.server.on('error', (e) => this.log(`igtl-out: ${e.message}`));
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  private accept(s: net.Socket): void {
    if (this.clients.size >= (this.opts.maxClients ?? 16)) {
      this.stats.refusedClients++;
      s.destroy();
      return;
    }
    s.setNoDelay(true);
    this.clients.add(s);
    this.log(`igtl-out: ${s.remoteAddress}:${s.remotePort} connected`);
    s.on('data', noop); // what a client sends (GET_ queries, its own STATUS) is read and ignored
    s.on('error', noop);
    s.on('close', () => this.clients.delete(s));
  }

  deviceOnline(desc: DeviceDescriptor): void {
    for (const c of desc.channels)
      if (c.kind === 'pose') this.names.set(`${desc.deviceId}/${c.index}`, (c.label || `${desc.deviceId}-${c.index}`).slice(0, 20));
  }

  pose(deviceId: string, channel: number, tHubMs: number, _quality: number, status: number, matrix: Float32Array): void {
    if (this.clients.size === 0 || status & 1) return;
    const name = this.names.get(`${deviceId}/${channel}`) ?? `${deviceId}-${channel}`.slice(0, 20);
    const msg = encodeMessage({ type: 'TRANSFORM', deviceName: name, tSenderMs: tHubMs }, transformBody(matrix));
    const max = this.opts.maxBacklogBytes ?? 256 * 1024;
    for (const s of this.clients) {
      if (s.writableLength > max) this.stats.dropped++;
      else {
        s.write(msg);
        this.stats.sent++;
      }
    }
  }

  deviceState = noop;
  wave = noop;
  numeric = noop;
  setting = noop;
  alarm = noop;
  event = noop;
  gap = noop;

  close(): Promise<void> {
    for (const s of this.clients) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
