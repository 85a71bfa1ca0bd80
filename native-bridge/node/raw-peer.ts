/**
 * Bare bus peers for tests and tools: a DEALER (control socket) or a PUSH (data channel,
 * docs/device-protocol.md §2.3) that sends whatever bytes it is given (single or multipart),
 * with no HELLO and no protocol. Used to fuzz the hub.
 */
import { Dealer, Push } from 'zeromq';
import { receiveUntilClosed } from './receive-loop';
import { SendQueue } from './send-queue';
import { withCurve, type CurveClientKeys } from './device-client';

export class RawPeer {
  private readonly sock: Dealer | Push;
  private readonly queue: SendQueue;
  /** Messages received from the hub (ERROR frames and the like). */
  received = 0;

  constructor(endpoint: string, opts: { curve?: CurveClientKeys; maxQueued?: number; data?: boolean } = {}) {
    const sock = withCurve(opts.data ? new Push({ linger: 0, sendHighWaterMark: 100000 }) : new Dealer({ linger: 0, sendHighWaterMark: 100000 }), opts.curve);
    this.sock = sock;
    this.queue = new SendQueue(this.sock, opts.maxQueued ?? 1_000_000);
    this.sock.connect(endpoint);
    if (sock instanceof Dealer) void receiveUntilClosed(sock, () => this.received++);
  }

  send(msg: Uint8Array | Uint8Array[]): void {
    this.queue.push(msg);
  }

  /** Messages not yet handed to libzmq. */
  get pending(): number {
    return this.queue.length;
  }

  /** Messages lost locally (queue overflow or failed send). */
  get lost(): number {
    return this.queue.dropped + this.queue.failed;
  }

  close(): void {
    this.sock.close();
  }
}
