/**
 * Sends the disk queue's messages to the receiver over MLLP, one at a time and in order, with
 * @medplum/hl7's Hl7Client (sendAndWait matches the ACK by MSA-2 = MSH-10). A message leaves the
 * queue only on AA (or CA); AR moves it to rejected/ at once, AE after `maxAeRetries` tries (the
 * receiver says the content is wrong, and resending it unchanged does not help). A refused
 * connection, a dropped link or an ACK that does not come in time is retried with the same
 * message after a back-off (doubling from `retryMs` to `maxRetryMs`), for as long as it takes.
 */
import { Hl7Client } from '@medplum/hl7';
import { Hl7Message } from '@medplum/core';
import type { DiskQueue } from './disk-queue';

export interface Hl7SenderOptions {
  host: string;
  port: number;
  /** Wait for an ACK this long, ms. Default 10 000. */
  ackTimeoutMs?: number;
  /** First retry delay, ms. Default 500. */
  retryMs?: number;
  /** Longest retry delay, ms. Default 10 000. */
  maxRetryMs?: number;
  /** AE answers before a message is set aside. Default 3. */
  maxAeRetries?: number;
  log?: (line: string) => void;
}

export interface Hl7SenderStats {
  sent: number;
  rejected: number;
  retries: number;
  /** Why the last attempt failed ('' after a success). */
  lastError: string;
  connected: boolean;
}

export class Hl7Sender {
  private client: Hl7Client | null = null;
  private running = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private aeCount = new Map<number, number>();
  readonly stats: Hl7SenderStats = { sent: 0, rejected: 0, retries: 0, lastError: '', connected: false };

  constructor(
    private readonly queue: DiskQueue,
    private readonly opts: Hl7SenderOptions,
  ) {}

  /** Starts sending (or wakes the loop when it is waiting for new messages). */
  kick(): void {
    if (this.stopped) return;
    if (this.wake) {
      const w = this.wake;
      this.wake = null;
      w();
    }
    if (!this.running) void this.loop();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => {
        this.wake = null;
        r();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    let delay = this.opts.retryMs ?? 500;
    try {
      while (!this.stopped) {
        const m = this.queue.peek();
        if (!m) break;
        const outcome = await this.sendOne(m.seq, m.text);
        if (outcome === 'retry') {
          this.stats.retries++;
          await this.sleep(delay);
          delay = Math.min(delay * 2, this.opts.maxRetryMs ?? 10000);
        } else delay = this.opts.retryMs ?? 500;
      }
    } finally {
      this.running = false;
    }
    // A message queued while the loop was finishing (its kick saw it running).
    if (!this.stopped && this.queue.length > 0) void this.loop();
  }

  private async sendOne(seq: number, text: string): Promise<'done' | 'retry'> {
    let msg: Hl7Message;
    try {
      msg = Hl7Message.parse(text);
    } catch {
      this.queue.reject(seq, 'unreadable queue file');
      return 'done';
    }
    try {
      this.client ??= this.newClient();
      const ack = await this.client.sendAndWait(msg, { timeoutMs: this.opts.ackTimeoutMs ?? 10000 });
      this.stats.connected = true;
      const code = ack.getSegment('MSA')?.getField(1)?.toString().toUpperCase() ?? '';
      const why = ack.getSegment('MSA')?.getField(3)?.toString() ?? '';
      if (code === 'AA' || code === 'CA') {
        this.queue.remove(seq);
        this.aeCount.delete(seq);
        this.stats.sent++;
        this.stats.lastError = '';
        return 'done';
      }
      const tries = (this.aeCount.get(seq) ?? 0) + 1;
      this.aeCount.set(seq, tries);
      if (code === 'AR' || code === 'CR' || tries >= (this.opts.maxAeRetries ?? 3)) {
        this.queue.reject(seq, `${code} ${why}`.trim());
        this.aeCount.delete(seq);
        this.stats.rejected++;
        this.opts.log?.(`hl7-out: the receiver refused message ${seq} (${code}${why ? `: ${why}` : ''}); kept in rejected/`);
        return 'done';
      }
      this.stats.lastError = `${code} ${why}`.trim();
      return 'retry';
    } catch (e) {
      const why = (e as Error).message || String(e);
      if (this.stats.lastError !== why) this.opts.log?.(`hl7-out: ${this.opts.host}:${this.opts.port}: ${why}; retrying (${this.queue.length} queued)`);
      this.stats.lastError = why;
      this.stats.connected = false;
      this.dropClient();
      return 'retry';
    }
  }

  private newClient(): Hl7Client {
    const c = new Hl7Client({ host: this.opts.host, port: this.opts.port, connectTimeout: 5000, keepAlive: true });
    c.addEventListener('error', () => undefined);
    c.addEventListener('close', () => {
      if (this.client === c) this.client = null;
    });
    return c;
  }

  private dropClient(): void {
    const c = this.client;
    this.client = null;
    c?.close().catch(() => undefined);
  }

  /** Stops sending; what is queued stays on disk for the next start. */
  stop(): void {
    this.stopped = true;
    this.kick();
    this.wake?.();
    this.dropClient();
  }
}
