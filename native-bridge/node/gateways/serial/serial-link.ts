/**
 * The serial adapter: one port opened with `serialport`, reopened when the device disappears
 * (USB adapter unplugged, pseudo-terminal closed) and comes back, with a bounded, drain-aware
 * write path. It never throws after the first open; problems are events and counters.
 *
 * Do not call SerialPort.list() here: it needs udevadm, which minimal systems lack.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { SerialPort } from 'serialport';
import type { SerialPortSettings } from './driver';

export interface SerialLinkOptions {
  path: string;
  settings: SerialPortSettings;
  /** Delay between reopen attempts after the port was lost, ms. Default 500. */
  reopenMs?: number;
  /** Bytes that may wait to be written before write() refuses more. Default 64 KiB. */
  maxPendingWriteBytes?: number;
}

export interface SerialLinkStats {
  opens: number;
  losses: number;
  bytesIn: number;
  bytesOut: number;
  /** Writes refused because too much was already waiting (back-pressure). */
  writesRefused: number;
}

function identityOf(p: string): string {
  try {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}:${st.rdev}`;
  } catch {
    return '';
  }
}

/**
 * Events: 'open' (the port is open, first time or again), 'data' (Buffer), 'lost' (reason: string;
 * reopening follows by itself), 'retry' (reason a reopen failed, once per distinct reason).
 */
export class SerialLink extends EventEmitter {
  readonly stats: SerialLinkStats = { opens: 0, losses: 0, bytesIn: 0, bytesOut: 0, writesRefused: 0 };
  private port: SerialPort | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private pendingWrite = 0;
  /** Why the last reopen attempt failed (logged once per distinct reason). */
  private lastFailure = '';
  /** What the device path named when the port was opened (device, inode, rdev). */
  private identity = '';
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SerialLinkOptions) {
    super();
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** Opens the port the first time; rejects with a one-line reason (no such device, not a tty…). */
  async open(): Promise<void> {
    if (!fs.existsSync(this.opts.path)) throw new Error(`${this.opts.path}: no such device (is the adapter plugged in?)`);
    await this.tryOpen();
    this.watch();
  }

  private tryOpen(): Promise<void> {
    const s = this.opts.settings;
    const port = new SerialPort({
      path: this.opts.path,
      baudRate: s.baudRate,
      dataBits: s.dataBits,
      parity: s.parity,
      stopBits: s.stopBits,
      rtscts: s.rtscts ?? false,
      autoOpen: false,
    });
    return new Promise((resolve, reject) => {
      port.open((e) => {
        if (e) {
          reject(new Error(`${this.opts.path}: ${e.message.replace(/^Error: /, '')}`));
          return;
        }
        if (this.closed) {
          port.close(() => undefined);
          resolve();
          return;
        }
        this.port = port;
        this.identity = identityOf(this.opts.path);
        this.pendingWrite = 0;
        this.stats.opens++;
        this.lastFailure = '';
        port.on('data', (d: Buffer) => {
          this.stats.bytesIn += d.length;
          this.emit('data', d);
        });
        port.on('error', (err: Error) => this.lost(port, err.message));
        port.on('close', (err: (Error & { disconnected?: boolean }) | null) => this.lost(port, err?.message ?? 'closed'));
        this.emit('open');
        resolve();
      });
    });
  }

  /**
   * The port's read loop does not always see its device go (a pty whose master closed can stay
   * silent): every second, check that the path still names the device that was opened.
   */
  private watch(): void {
    this.watchdog = setInterval(() => {
      const port = this.port;
      if (port && identityOf(this.opts.path) !== this.identity) this.lost(port, 'device file gone');
    }, 1000);
    this.watchdog.unref();
  }

  private lost(port: SerialPort, reason: string): void {
    if (this.port !== port) return;
    this.port = null;
    if (port.isOpen) port.close(() => undefined);
    if (this.closed) return;
    this.stats.losses++;
    this.emit('lost', reason);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.tryOpen().catch((e: Error) => {
        if (e.message !== this.lastFailure) this.emit('retry', (this.lastFailure = e.message));
        this.scheduleReopen();
      });
    }, this.opts.reopenMs ?? 500);
  }

  /**
   * Writes bytes to the device (drivers that poll or acknowledge). Resolves once the bytes have
   * left for the OS; false (nothing written) while the port is closed or too much is pending.
   */
  write(bytes: Uint8Array): Promise<boolean> {
    const port = this.port;
    if (!port?.isOpen || this.pendingWrite + bytes.length > (this.opts.maxPendingWriteBytes ?? 65536)) {
      this.stats.writesRefused++;
      return Promise.resolve(false);
    }
    this.pendingWrite += bytes.length;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.pendingWrite = Math.max(0, this.pendingWrite - bytes.length);
        if (ok) this.stats.bytesOut += bytes.length;
        resolve(ok);
      };
      // The callback runs once the bytes went to the OS; until then they count against the bound.
      port.write(Buffer.from(bytes), (e) => done(!e));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }
}
