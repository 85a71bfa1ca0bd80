/**
 * One pending zeromq send at a time (zeromq.js allows only one blocking send per socket),
 * with a bounded queue behind it so the high-water mark means something and a dead peer
 * cannot grow memory without limit. Messages dropped for a full queue are counted.
 */
import type { MessageLike } from 'zeromq';

export interface SendableSocket {
  send(msg: MessageLike | MessageLike[]): Promise<void>;
  readonly closed: boolean;
}

export class SendQueue {
  private readonly q: (MessageLike | MessageLike[])[] = [];
  private busy = false;
  /** Messages dropped because the queue was full (oldest first). */
  dropped = 0;
  /** Sends that failed (e.g. unroutable peer, socket closed). */
  failed = 0;

  constructor(
    private readonly sock: SendableSocket,
    private readonly maxQueued = 10000,
  ) {}

  get length(): number {
    return this.q.length;
  }

  push(msg: MessageLike | MessageLike[]): void {
    if (this.sock.closed) return;
    if (this.q.length >= this.maxQueued) {
      this.q.shift();
      this.dropped++;
    }
    this.q.push(msg);
    if (!this.busy) void this.pump();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (this.q.length > 0 && !this.sock.closed) {
        const m = this.q.shift()!;
        try {
          await this.sock.send(m);
        } catch {
          this.failed++;
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
