/**
 * The MLLP listener: a TCP server that frames messages (MllpFramer), hands each to a handler
 * that returns the acknowledgement, and writes it back in the order the messages came. It
 * protects the process from its peers: too many connections (in all, or from one address), a
 * frame started and not finished in time (a slow sender), junk or oversize frames, and a peer
 * that does not read its ACKs are all refused with a stable code, counted, and the connection
 * closed. Nothing here awaits anything: a message costs one synchronous handler call.
 */
import net from 'node:net';
import { CR, FS, MllpFramer, VT, type MllpErrorCode } from './mllp-framer';

export type ListenerErrorCode = MllpErrorCode | 'HL7_TOO_MANY_CONNECTIONS' | 'HL7_SLOW_SENDER' | 'HL7_IDLE' | 'HL7_ACK_BACKLOG' | 'HL7_SOCKET_ERROR';

export interface MllpListenerOptions {
  /** Address to listen on. Default 127.0.0.1 (loopback: a monitor network needs it set). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Connections at once. Default 32. */
  maxConnections?: number;
  /** Connections at once from one address. Default 8. */
  maxPerAddress?: number;
  /** A frame must be complete this long after it started, ms. Default 10 000. */
  frameTimeoutMs?: number;
  /** A connection that sends nothing for this long is closed, ms. Default 600 000. */
  idleTimeoutMs?: number;
  maxFrameBytes?: number;
  maxJunkBytes?: number;
  /** ACK bytes waiting for a peer that does not read them before it is cut off. Default 1 MiB. */
  maxAckBacklogBytes?: number;
  log?: (line: string) => void;
}

export interface MllpPeer {
  remote: string;
}

/** Handles one framed message; returns the acknowledgement text (without MLLP framing). */
export type MllpHandler = (message: Buffer, peer: MllpPeer) => string;

export class MllpListener {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly perAddress = new Map<string, number>();
  readonly stats = { connections: 0, open: 0, messages: 0, errors: {} as Partial<Record<ListenerErrorCode, number>> };

  constructor(
    private readonly opts: MllpListenerOptions,
    private readonly handler: MllpHandler,
  ) {}

  private count(code: ListenerErrorCode, detail: string, remote: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    this.opts.log?.(`hl7: ${code} from ${remote}: ${detail}`);
  }

  /** Starts listening; resolves with the port. */
  listen(): Promise<number> {
    const server = net.createServer((s) => this.onConnection(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', (e) => this.opts.log?.(`hl7: listener error: ${e.message}`));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private onConnection(s: net.Socket): void {
    const remote = `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;
    const addr = s.remoteAddress ?? '?';
    s.on('error', () => undefined);
    const n = this.perAddress.get(addr) ?? 0;
    if (this.sockets.size >= (this.opts.maxConnections ?? 32) || n >= (this.opts.maxPerAddress ?? 8)) {
      this.count('HL7_TOO_MANY_CONNECTIONS', `${this.sockets.size} open, ${n} from ${addr}`, remote);
      s.destroy();
      return;
    }
    this.stats.connections++;
    this.sockets.add(s);
    this.perAddress.set(addr, n + 1);
    this.stats.open = this.sockets.size;
    s.setNoDelay(true);
    let frameTimer: NodeJS.Timeout | undefined;
    let closed = false;
    const close = (code?: ListenerErrorCode, detail = '') => {
      if (closed) return;
      closed = true;
      if (code) this.count(code, detail, remote);
      clearTimeout(frameTimer);
      s.destroy();
    };
    const framer = new MllpFramer(
      (msg) => {
        this.stats.messages++;
        // Progress: the slow-sender clock starts again from the next partial frame.
        clearTimeout(frameTimer);
        frameTimer = undefined;
        let ack: string;
        try {
          ack = this.handler(msg, { remote });
        } catch (e) {
          // The handler never throws by design; if it does, the peer still gets an answer.
          this.opts.log?.(`hl7: handler failed: ${(e as Error).message}`);
          return close('HL7_SOCKET_ERROR', 'internal error while handling a message');
        }
        const body = Buffer.from(ack, 'utf8');
        const out = Buffer.allocUnsafe(body.length + 3);
        out[0] = VT;
        body.copy(out, 1);
        out[body.length + 1] = FS;
        out[body.length + 2] = CR;
        s.write(out);
        if (s.writableLength > (this.opts.maxAckBacklogBytes ?? 1024 * 1024)) close('HL7_ACK_BACKLOG', `${s.writableLength} ACK bytes unread`);
      },
      (e) => {
        if (e.fatal) close(e.code, e.detail);
        else this.count(e.code, e.detail, remote);
      },
      { maxFrameBytes: this.opts.maxFrameBytes, maxJunkBytes: this.opts.maxJunkBytes },
    );
    s.setTimeout(this.opts.idleTimeoutMs ?? 600000, () => close('HL7_IDLE', 'no bytes for too long'));
    s.on('data', (chunk: Buffer) => {
      if (closed) return;
      if (!framer.push(chunk)) return;
      if (closed) return;
      if (framer.partial && !frameTimer) {
        const ms = this.opts.frameTimeoutMs ?? 10000;
        frameTimer = setTimeout(() => close('HL7_SLOW_SENDER', `a frame not finished within ${ms} ms`), ms);
      } else if (!framer.partial && frameTimer) {
        clearTimeout(frameTimer);
        frameTimer = undefined;
      }
    });
    s.on('close', () => {
      closed = true;
      clearTimeout(frameTimer);
      this.sockets.delete(s);
      const left = (this.perAddress.get(addr) ?? 1) - 1;
      if (left > 0) this.perAddress.set(addr, left);
      else this.perAddress.delete(addr);
      this.stats.open = this.sockets.size;
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
