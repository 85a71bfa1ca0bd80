/**
 * Context rule: an ECG asystole or extreme-bradycardia alarm while the plethysmogram or the
 * arterial pressure still shows pulses is marked "not confirmed by pulse" (and the engine
 * raises a medium technical alarm for ECG signal quality); the alarm stays high.
 *
 * Pulse detection per wave channel: samples decimated to 25 Hz over the last 6 s; a pulse is
 * an upward crossing of the window's midline after the signal went below the lower quarter
 * (hysteresis), and the channel is pulsatile with at least 3 pulses, 0.25-2.5 s apart
 * (24-240 /min), and a pulse amplitude above the channel's floor (ABP 8 mmHg; pleth 2 % of
 * its declared range, or any amplitude above 1e-3 when the range is unknown).
 */
export const PULSE_NOTE = 'not confirmed by pulse';
export const PULSE_MDC = ['MDC_PULS_OXIM_PLETH', 'MDC_PRESS_BLD_ART_ABP'] as const;
const DECIMATED_HZ = 25;
const WINDOW_S = 6;
/** A channel without samples for this long says nothing about pulses, ms. */
const FRESH_MS = 2000;

export class PulseTracker {
  private readonly buf = new Float32Array(DECIMATED_HZ * WINDOW_S);
  private n = 0;
  private head = 0;
  /** Hub time of the newest sample. */
  lastMs = -Infinity;
  /** Position (in input samples) of the next one to keep, to decimate across blocks. */
  private phase = 0;

  constructor(private readonly floor: number) {}

  /** Samples (physical = raw * scale + offset), the first at hub time t0Ms. */
  push(samples: ArrayLike<number>, t0Ms: number, rateHz: number, scale = 1, offset = 0): void {
    const step = Math.max(1, rateHz / DECIMATED_HZ);
    let i = this.phase;
    for (; i < samples.length; i += step) {
      this.buf[this.head] = samples[Math.floor(i)] * scale + offset;
      this.head = (this.head + 1) % this.buf.length;
      if (this.n < this.buf.length) this.n++;
    }
    this.phase = i - samples.length;
    this.lastMs = t0Ms + ((samples.length - 1) * 1000) / rateHz;
  }

  /** Pulses over the window (see the file comment); 0 when the signal is flat or stale. */
  pulses(tMs: number): number {
    if (tMs - this.lastMs > FRESH_MS || this.n < DECIMATED_HZ * 3) return 0;
    const len = this.buf.length;
    const start = (this.head - this.n + len) % len;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < this.n; k++) {
      const v = this.buf[(start + k) % len];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!(max - min > this.floor)) return 0;
    const lo = min + (max - min) * 0.25;
    const mid = (min + max) / 2;
    let armed = false;
    let last = -Infinity;
    let count = 0;
    for (let k = 0; k < this.n; k++) {
      const v = this.buf[(start + k) % len];
      if (v < lo) armed = true;
      else if (armed && v > mid) {
        armed = false;
        const gapS = (k - last) / DECIMATED_HZ;
        if (gapS >= 0.25) count += last === -Infinity || gapS <= 2.5 ? 1 : 0;
        last = k;
      }
    }
    return count;
  }

  pulsatile(tMs: number): boolean {
    return this.pulses(tMs) >= 3;
  }
}

/** The amplitude floor of a pulse channel (see the file comment). */
export function pulseFloor(mdc: string, range: [number, number] | undefined): number {
  if (mdc === 'MDC_PRESS_BLD_ART_ABP') return 8;
  return range ? (range[1] - range[0]) * 0.02 : 1e-3;
}

/** True for the conditions the rule applies to: asystole, or extreme bradycardia (a high HR-low alarm). */
export function needsPulseConfirmation(condition: string, mdc: readonly string[], priority: string): boolean {
  return condition.endsWith('/asystole') || (priority === 'high' && condition.endsWith('/low') && mdc.includes('MDC_ECG_HEART_RATE'));
}
