/**
 * The review clock: the case instant shown (hub ms of the recording), advancing at 1x, 2x, 5x or
 * 10x of the wall clock while playing, measured on a monotonic clock (performance.now, injectable
 * for tests). Pure: no DOM.
 */
export const SPEEDS = [1, 2, 5, 10] as const;
export type Speed = (typeof SPEEDS)[number];

export class ReviewClock {
  private baseT = 0;
  private baseWall = 0;
  playing = false;
  speed: Speed = 1;

  constructor(
    private readonly bounds: () => { fromMs: number; toMs: number },
    private readonly wallMs: () => number = () => performance.now(),
  ) {}

  /** The case instant now (hub ms), held within the case's span; playing stops at its end. */
  now(): number {
    const { fromMs, toMs } = this.bounds();
    let t = this.playing ? this.baseT + (this.wallMs() - this.baseWall) * this.speed : this.baseT;
    if (t >= toMs && this.playing) {
      this.pause();
      t = toMs;
    }
    return Math.min(toMs, Math.max(fromMs, t));
  }

  seek(tMs: number): void {
    const { fromMs, toMs } = this.bounds();
    this.baseT = Math.min(toMs, Math.max(fromMs, tMs));
    this.baseWall = this.wallMs();
  }

  play(): void {
    if (this.playing) return;
    this.seek(this.now());
    this.playing = true;
  }

  pause(): void {
    if (!this.playing) return;
    this.baseT = this.baseT + (this.wallMs() - this.baseWall) * this.speed;
    this.baseWall = this.wallMs();
    this.playing = false;
  }

  setSpeed(s: Speed): void {
    this.seek(this.now());
    this.speed = s;
  }
}

/** A zoom step: the view span shrinks or grows by 2x around `centreMs`, between 5 s and the whole case. */
export function zoomSpan(view: { fromMs: number; toMs: number }, whole: { fromMs: number; toMs: number }, centreMs: number, factor: number) {
  const wholeSpan = Math.max(1, whole.toMs - whole.fromMs);
  const span = Math.min(wholeSpan, Math.max(5000, (view.toMs - view.fromMs) * factor));
  let fromMs = centreMs - span / 2;
  fromMs = Math.max(whole.fromMs, Math.min(whole.toMs - span, fromMs));
  return { fromMs, toMs: fromMs + span };
}
