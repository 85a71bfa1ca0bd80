/**
 * The instrument marker (shaft, trajectory ahead of the tip, tip) as a few absolutely positioned
 * elements moved by CSS transforms. Updating at the tracker's rate (60 Hz) then costs the
 * compositor a transform per element, not a re-raster of an overlay canvas: measured here on
 * SwiftShader, redrawing three overlay canvases per pose took the page from 60 to ~20 frames/s.
 * Positions are in CSS pixels of the host element. An update that would move nothing by half a
 * pixel or more is skipped: on a software compositor every changed frame costs (the frame's
 * damage grows to include the marker beside the waveforms), so invisible changes must be free.
 */
import type { TrackingState } from './navigation';

export interface MarkerGeometry {
  tip: [number, number];
  /** Screen point 120 mm up the shaft. */
  handle: [number, number];
  /** Screen point 60 mm ahead of the tip (trajectory). */
  ahead: [number, number];
  /** Tip ring radius (px); 0 for a filled dot (tip in this plane). */
  ringPx: number;
}

export class MarkerLayer {
  private readonly shaft = document.createElement('div');
  private readonly trajectory = document.createElement('div');
  private readonly tip = document.createElement('div');
  private shown = false;
  private last: MarkerGeometry | null = null;
  private lastState = '';
  /** Updates that changed the screen (tests, benchmarks). */
  moves = 0;

  constructor(host: HTMLElement) {
    this.shaft.className = 'marker-line marker-shaft';
    this.trajectory.className = 'marker-line marker-ahead';
    this.tip.className = 'marker-tip';
    for (const e of [this.trajectory, this.shaft, this.tip]) {
      e.style.display = 'none';
      host.append(e);
    }
    this.tip.dataset.testid = 'instrument-tip';
  }

  private static line(e: HTMLElement, a: [number, number], b: [number, number]): void {
    const dx = b[0] - a[0],
      dy = b[1] - a[1];
    const len = Math.min(Math.hypot(dx, dy), 4000);
    e.style.width = `${len.toFixed(1)}px`;
    e.style.transform = `translate(${a[0].toFixed(1)}px, ${a[1].toFixed(1)}px) rotate(${Math.atan2(dy, dx).toFixed(4)}rad)`;
  }

  update(g: MarkerGeometry | null, state: TrackingState): void {
    if (!g) {
      this.last = null;
      if (this.shown) for (const e of [this.shaft, this.trajectory, this.tip]) e.style.display = 'none';
      this.shown = false;
      return;
    }
    const cls = state === 'ok' ? 'ok' : state === 'low' ? 'low' : 'bad';
    const l = this.last;
    const near = (a: [number, number], b: [number, number]) => Math.abs(a[0] - b[0]) < 0.5 && Math.abs(a[1] - b[1]) < 0.5;
    if (
      this.shown &&
      l &&
      cls === this.lastState &&
      near(l.tip, g.tip) &&
      near(l.handle, g.handle) &&
      near(l.ahead, g.ahead) &&
      Math.abs(l.ringPx - g.ringPx) < 0.5
    )
      return;
    this.last = g;
    this.lastState = cls;
    this.moves++;
    for (const e of [this.shaft, this.trajectory, this.tip]) {
      if (e.dataset.state !== cls) {
        e.dataset.state = cls;
      }
      if (!this.shown) e.style.display = 'block';
    }
    this.shown = true;
    MarkerLayer.line(this.shaft, g.tip, g.handle);
    MarkerLayer.line(this.trajectory, g.tip, g.ahead);
    const r = g.ringPx > 0 ? g.ringPx : 5;
    this.tip.classList.toggle('ring', g.ringPx > 0);
    this.tip.style.width = this.tip.style.height = `${2 * r}px`;
    this.tip.style.transform = `translate(${(g.tip[0] - r).toFixed(1)}px, ${(g.tip[1] - r).toFixed(1)}px)`;
    this.tip.dataset.x = g.tip[0].toFixed(1);
    this.tip.dataset.y = g.tip[1].toFixed(1);
  }
}
