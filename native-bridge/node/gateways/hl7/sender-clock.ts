/**
 * The clock of an HL7 sender, as seen from the gateway. A monitor gateway stamps MSH-7 (message
 * time) and OBX-14 (observation times) on its own clock, which may be off by seconds or hours
 * (or read in the wrong time zone). HL7 gives no exchange to measure it, so it is estimated
 * one-way from arrivals: each message gives arrival − MSH-7 = (gateway − sender offset) + transit
 * delay, and delay is never negative, so the smallest value in a sliding window is the offset
 * plus the smallest transit (on a LAN, well under a millisecond). The window is short enough
 * that drift within it stays small (crystal clocks: < 100 ppm, 6 ms a minute); a sender whose
 * clock steps is followed as soon as several messages in a row agree on the new offset.
 * Pure (no timers).
 */

export interface SenderClockOptions {
  /** Arrivals kept, ms of gateway time. Default 60 000. */
  windowMs?: number;
  /** Consecutive arrivals further than stepMs above the estimate that mean a clock step. Default 5. */
  stepCount?: number;
  /** Default 1000 ms. */
  stepMs?: number;
}

export class SenderClock {
  private readonly samples: { tLocalMs: number; d: number }[] = [];
  private readonly windowMs: number;
  private readonly stepCount: number;
  private readonly stepMs: number;
  private above = 0;
  /** Current estimate of (gateway clock − sender clock), ms; 0 before the first message. */
  offsetMs = 0;
  /** Spread of arrival − message time in the window above its minimum (how much jitter the link shows), ms. */
  spreadMs = 0;

  constructor(opts: SenderClockOptions = {}) {
    this.windowMs = opts.windowMs ?? 60000;
    this.stepCount = opts.stepCount ?? 5;
    this.stepMs = opts.stepMs ?? 1000;
  }

  get samplesInWindow(): number {
    return this.samples.length;
  }

  /** One message: sent at `senderMs` (sender clock), arrived at `arrivalLocalMs` (gateway clock). */
  observe(senderMs: number, arrivalLocalMs: number): void {
    const d = arrivalLocalMs - senderMs;
    if (!Number.isFinite(d)) return;
    if (this.samples.length > 0 && d > this.offsetMs + this.stepMs) {
      if (++this.above >= this.stepCount) {
        // The sender's clock stepped back (or our window held an outlier): start over from the recent ones.
        this.samples.splice(0, this.samples.length - (this.stepCount - 1));
        this.above = 0;
      }
    } else this.above = 0;
    this.samples.push({ tLocalMs: arrivalLocalMs, d });
    while (this.samples.length > 1 && this.samples[0].tLocalMs < arrivalLocalMs - this.windowMs) this.samples.shift();
    let min = Infinity;
    let max = -Infinity;
    for (const s of this.samples) {
      if (s.d < min) min = s.d;
      if (s.d > max) max = s.d;
    }
    this.offsetMs = min;
    this.spreadMs = max - min;
  }

  /** A sender time on the gateway's clock. */
  toLocal(senderMs: number): number {
    return senderMs + this.offsetMs;
  }
}
