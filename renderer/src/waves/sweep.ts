/**
 * Sweep-mode waveform drawing on a canvas, as a patient monitor does it: the trace is
 * written left to right at a fixed paper speed, and an erase bar runs just ahead of the
 * write position. Only the new segment is drawn each animation frame (cheap), outside React.
 */
import { TraceBuffer } from './trace-buffer';

/** CSS pixels per millimetre (CSS defines 96 px per inch). */
export const PX_PER_MM = 96 / 25.4;

export interface TraceStyle {
  color: string;
  /** Paper speed, mm/s (ECG 25, pleth/ABP 25, CO2 6.25). */
  mmPerS: number;
  /** Fixed vertical scale [low, high] in the signal's unit; null = auto-scale to recent data. */
  range: [number, number] | null;
  lineWidth?: number;
}

const ERASE_PX = 14;

export class SweepTrace {
  readonly buffer: TraceBuffer;
  private ctx: CanvasRenderingContext2D | null = null;
  private widthCss = 0;
  private heightCss = 0;
  private dpr = 1;
  private lastT = -Infinity;
  private lastX = NaN;
  private lastY = NaN;
  private autoLo = 0;
  private autoHi = 1;
  /** Frames in which something was drawn (tests wait on it). */
  drawnFrames = 0;
  live = true;

  constructor(
    public style: TraceStyle,
    capacity: number,
  ) {
    this.buffer = new TraceBuffer(capacity);
  }

  attach(canvas: HTMLCanvasElement): void {
    this.ctx = canvas.getContext('2d', { alpha: false, desynchronized: true });
    this.resize(canvas);
  }

  resize(canvas: HTMLCanvasElement): void {
    const rect = canvas.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.widthCss = Math.max(1, rect.width);
    this.heightCss = Math.max(1, rect.height);
    canvas.width = Math.round(this.widthCss * this.dpr);
    canvas.height = Math.round(this.heightCss * this.dpr);
    const ctx = this.ctx;
    if (!ctx) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.widthCss, this.heightCss);
    this.lastX = NaN;
    this.lastT = NaN;
  }

  /** Clears the canvas (nothing current to show: the hub is lost); the next draw starts a fresh sweep. */
  blank(): void {
    const ctx = this.ctx;
    if (ctx) {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, this.widthCss, this.heightCss);
    }
    this.lastT = NaN;
    this.lastX = NaN;
  }

  /** Sweep period in ms for the current width. */
  get periodMs(): number {
    return (this.widthCss / (this.style.mmPerS * PX_PER_MM)) * 1000;
  }

  private xAt(t: number): number {
    const p = this.periodMs;
    return ((((t % p) + p) % p) / p) * this.widthCss;
  }

  private yOf(v: number): number {
    const [lo, hi] = this.style.range ?? [this.autoLo, this.autoHi];
    const pad = 4;
    const h = this.heightCss - 2 * pad;
    return pad + h - ((v - lo) / (hi - lo || 1)) * h;
  }

  private updateAutoScale(tTo: number): void {
    if (this.style.range) return;
    let lo = Infinity;
    let hi = -Infinity;
    this.buffer.forEachBetween(tTo - 4000, tTo, (_t, v) => {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    });
    if (lo <= hi) {
      const m = (hi - lo) * 0.1 || 0.5;
      this.autoLo = lo - m;
      this.autoHi = hi + m;
    }
  }

  /** Draws everything between the last drawn time and `tTo` (hub ms). */
  draw(tTo: number): void {
    const ctx = this.ctx;
    if (!ctx || this.widthCss <= 1) return;
    if (!Number.isFinite(this.lastT) || tTo - this.lastT > this.periodMs) {
      // First frame, after a resize or a long pause: redraw the whole last sweep from the buffer.
      this.lastT = tTo - this.periodMs + 1;
      this.lastX = NaN;
    }
    if (tTo <= this.lastT) return;
    if (!this.style.range && (this.drawnFrames % 30 === 0 || !Number.isFinite(this.lastY))) this.updateAutoScale(tTo);
    const xFrom = this.xAt(this.lastT);
    const xTo = this.xAt(tTo);
    // Erase bar ahead of the write position (wrapping at the right edge).
    ctx.fillStyle = '#000';
    const eraseFrom = xTo;
    const eraseTo = xTo + ERASE_PX;
    if (xTo >= xFrom) ctx.fillRect(xFrom + 0.5, 0, eraseTo - xFrom, this.heightCss);
    else {
      ctx.fillRect(xFrom + 0.5, 0, this.widthCss - xFrom, this.heightCss);
      ctx.fillRect(0, 0, eraseTo, this.heightCss);
    }
    if (eraseTo > this.widthCss) ctx.fillRect(0, 0, eraseTo - this.widthCss, this.heightCss);
    void eraseFrom;
    ctx.strokeStyle = this.live ? this.style.color : '#555';
    ctx.lineWidth = this.style.lineWidth ?? 2;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let x0 = this.lastX;
    let y0 = this.lastY;
    let any = false;
    this.buffer.forEachBetween(this.lastT, tTo, (t, v) => {
      const x = this.xAt(t);
      const y = this.yOf(v);
      if (!Number.isFinite(x0) || x < x0 - 1)
        ctx.moveTo(x, y); // start or wrap
      else {
        if (!any) ctx.moveTo(x0, y0);
        ctx.lineTo(x, y);
      }
      any = true;
      x0 = x;
      y0 = y;
    });
    if (any) {
      ctx.stroke();
      this.drawnFrames++;
    }
    // No samples for a while (device silent): do not join across the hole.
    if (!any && tTo - this.buffer.lastTime > 200) x0 = NaN;
    this.lastX = x0;
    this.lastY = y0;
    this.lastT = tTo;
  }
}
