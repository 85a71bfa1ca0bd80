/**
 * The gateway's TCP side: either one outgoing connection to an OpenIGTLink server (PLUS, a
 * navigation system), redialled with back-off while it is down, or a listener that accepts
 * senders. Each connection gets its own framer. Limits, each refusal counted by code:
 * - at most `maxClients` connections; a new one beyond that evicts the one silent longest
 *   if it has said nothing valid for 5 s, else is closed at once (IGTL_TOO_MANY_CLIENTS);
 * - a sender that stalls inside a message for `slowMs` is cut off (IGTL_SLOW_SENDER);
 * - a connection above `maxBytesPerSec` is paused for the rest of the second (IGTL_FLOOD):
 *   TCP back-pressure slows the sender; the event loop (and the bus) never waits for it;
 * - a fatal framing error closes the connection (the stream cannot be followed).
 */
import net from 'node:net';
import type { IgtlError, IgtlErrorCode } from '../../../common/openigtlink/errors';
import type { IgtlHeader } from '../../../common/openigtlink/header';
import type { IgtlMessage } from '../../../common/openigtlink/messages';
import { IgtlFramer } from './framer';

export interface LinkEvents {
  open(conn: Conn): void;
  message(conn: Conn, m: IgtlMessage, tArrivalMs: number): void;
  error(conn: Conn | null, e: IgtlError, header?: IgtlHeader): void;
  close(conn: Conn): void;
}

export interface LinkOptions {
  connect?: { host: string; port: number };
  listen?: { host: string; port: number };
  maxClients?: number;
  slowMs?: number;
  maxBytesPerSec?: number;
  /** Local clock (ms) that stamps arrivals. */
  clock: () => number;
}

export class Conn {
  readonly framer: IgtlFramer;
  lastValidMs: number;
  lastByteMs: number;
  /** Local time the message now being received began. */
  msgStartMs = 0;
  private bytesThisSecond = 0;
  private second = 0;
  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    readonly remote: string,
    private readonly links: IgtlLinks,
    now: number,
  ) {
    this.lastValidMs = now;
    this.lastByteMs = now;
    this.framer = new IgtlFramer({
      message: (m) => {
        this.lastValidMs = links.clock();
        links.events.message(this, m, this.lastValidMs);
      },
      error: (e, fatal, h) => {
        links.events.error(this, e, h);
        if (fatal) socket.destroy();
      },
    });
  }

  /** Counts bytes; true when the connection is over its budget for this second. */
  over(n: number, now: number, max: number): boolean {
    const s = Math.floor(now / 1000);
    if (s !== this.second) {
      this.second = s;
      this.bytesThisSecond = 0;
    }
    this.bytesThisSecond += n;
    return this.bytesThisSecond > max;
  }

  send(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writableLength < 1 << 20) this.socket.write(bytes);
  }
}

export class IgtlLinks {
  readonly conns = new Set<Conn>();
  readonly clock: () => number;
  private server: net.Server | null = null;
  private timer: NodeJS.Timeout | undefined;
  private redial: NodeJS.Timeout | undefined;
  private backoffMs = 100;
  private nextId = 1;
  private closed = false;
  private readonly maxClients: number;
  private readonly slowMs: number;
  private readonly maxBytes: number;

  constructor(
    private readonly opts: LinkOptions,
    readonly events: LinkEvents,
  ) {
    this.clock = opts.clock;
    this.maxClients = opts.maxClients ?? 8;
    this.slowMs = opts.slowMs ?? 5000;
    this.maxBytes = opts.maxBytesPerSec ?? 32 * 1024 * 1024;
  }

  /** Starts dialling or listening; resolves with the listening port (0 when dialling). */
  async start(): Promise<number> {
    this.timer = setInterval(() => this.checkSlow(), 250);
    this.timer.unref();
    if (this.opts.connect) {
      this.dial();
      return 0;
    }
    const l = this.opts.listen!;
    const server = net.createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, l.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.events.error(null, { code: 'IGTL_TOO_MANY_CLIENTS', message: `listener: ${e.message}` }));
    return (server.address() as net.AddressInfo).port;
  }

  private refuse(code: IgtlErrorCode, message: string, conn: Conn | null): void {
    this.events.error(conn, { code, message });
  }

  private accept(s: net.Socket): void {
    if (this.closed) return void s.destroy();
    const now = this.clock();
    if (this.conns.size >= this.maxClients) {
      const idlest = [...this.conns].sort((a, b) => a.lastValidMs - b.lastValidMs)[0];
      if (idlest && now - idlest.lastValidMs > 5000) {
        this.refuse(
          'IGTL_TOO_MANY_CLIENTS',
          `${idlest.remote} evicted: silent for ${((now - idlest.lastValidMs) / 1000).toFixed(1)} s and the listener is full`,
          idlest,
        );
        idlest.socket.destroy();
      } else {
        this.refuse('IGTL_TOO_MANY_CLIENTS', `${s.remoteAddress}:${s.remotePort} refused: ${this.maxClients} clients connected`, null);
        s.destroy();
        return;
      }
    }
    this.attach(s);
  }

  private dial(): void {
    if (this.closed) return;
    const c = this.opts.connect!;
    const s = net.connect({ host: c.host, port: c.port });
    s.once('connect', () => {
      this.backoffMs = 100;
    });
    this.attach(s, () => {
      if (this.closed) return;
      this.redial = setTimeout(() => this.dial(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 2000);
    });
  }

  private attach(s: net.Socket, onGone?: () => void): void {
    s.setNoDelay(true);
    const conn = new Conn(this.nextId++, s, `${s.remoteAddress ?? this.opts.connect?.host}:${s.remotePort ?? this.opts.connect?.port}`, this, this.clock());
    let opened = false;
    const open = () => {
      opened = true;
      this.conns.add(conn);
      this.events.open(conn);
    };
    if (s.connecting) s.once('connect', open);
    else open();
    s.on('data', (chunk: Buffer) => {
      const now = this.clock();
      conn.lastByteMs = now;
      if (conn.over(chunk.length, now, this.maxBytes)) {
        this.refuse('IGTL_FLOOD', `${conn.remote} sends more than ${this.maxBytes} bytes/s: paused for the rest of the second`, conn);
        s.pause();
        setTimeout(() => !s.destroyed && s.resume(), 1000 - (now % 1000)).unref();
      }
      const wasMid = conn.framer.midMessage;
      const done = conn.framer.done;
      try {
        conn.framer.push(chunk);
      } catch (e) {
        // A defect of ours must not take the gateway down: the connection goes, the gateway stays.
        this.refuse('IGTL_BAD_BODY', `internal error on ${conn.remote}: ${(e as Error).message}`, conn);
        s.destroy();
      }
      if (conn.framer.midMessage && (!wasMid || conn.framer.done !== done)) conn.msgStartMs = now;
    });
    s.on('error', () => undefined); // 'close' follows
    s.on('close', () => {
      conn.framer.end();
      if (opened) {
        this.conns.delete(conn);
        this.events.close(conn);
      }
      onGone?.();
    });
  }

  private checkSlow(): void {
    const now = this.clock();
    for (const c of this.conns) {
      if (c.framer.midMessage && now - c.msgStartMs > this.slowMs) {
        this.refuse('IGTL_SLOW_SENDER', `${c.remote} took over ${((now - c.msgStartMs) / 1000).toFixed(1)} s to send one message`, c);
        c.socket.destroy();
      }
    }
  }

  /** Sends to every connection (query messages, STATUS answers). */
  broadcast(bytes: Uint8Array): void {
    for (const c of this.conns) c.send(bytes);
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.redial);
    for (const c of this.conns) c.socket.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
