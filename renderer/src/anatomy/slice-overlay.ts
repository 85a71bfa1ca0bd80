/**
 * The overlay of one slice view (slice-view.ts), drawn over the image on the same canvas: the
 * crosshair (the other two planes, each in its colour, with a gap at the centre) and the fiducials
 * (numbered rings, faint when more than 5 mm off the plane).
 */
import { dot, viewAxes, type SliceOrientation, type Vec3 } from '../../../common/geometry';
import { COLOURS } from './slice-chrome';

/** Patient point -> canvas pixel (device px), and its distance from the view's plane (mm). */
export type ToCanvas = (p: Vec3) => { x: number; y: number; depth: number };

export function drawSliceOverlay(
  g: CanvasRenderingContext2D,
  size: { W: number; H: number; dpr: number },
  orientation: SliceOrientation,
  toCanvas: ToCanvas,
  crosshair: Vec3,
  fiducials: Vec3[],
): void {
  const { W, H, dpr } = size;
  const c = toCanvas(crosshair);
  const others = (['axial', 'coronal', 'sagittal'] as const).filter((o) => o !== orientation);
  const { u } = viewAxes(orientation);
  for (const o of others) {
    const on = viewAxes(o).n;
    const vertical = Math.abs(dot(on, u)) > 0.5; // that plane's normal runs along screen x: a vertical line
    g.strokeStyle = COLOURS[o];
    g.lineWidth = 1 * dpr;
    g.globalAlpha = 0.8;
    g.beginPath();
    const gap = 14 * dpr;
    if (vertical) {
      g.moveTo(c.x, 0);
      g.lineTo(c.x, c.y - gap);
      g.moveTo(c.x, c.y + gap);
      g.lineTo(c.x, H);
    } else {
      g.moveTo(0, c.y);
      g.lineTo(c.x - gap, c.y);
      g.moveTo(c.x + gap, c.y);
      g.lineTo(W, c.y);
    }
    g.stroke();
  }
  g.globalAlpha = 1;
  g.font = `bold ${Math.round(13 * dpr)}px sans-serif`;
  for (let i = 0; i < fiducials.length; i++) {
    const f = toCanvas(fiducials[i]);
    const near = Math.abs(f.depth) < 5;
    g.strokeStyle = '#ff6bd6';
    g.globalAlpha = near ? 1 : 0.4;
    g.lineWidth = 2 * dpr;
    g.beginPath();
    g.arc(f.x, f.y, 7 * dpr, 0, Math.PI * 2);
    g.stroke();
    g.fillStyle = '#ff6bd6';
    g.fillText(String(i + 1), f.x + 9 * dpr, f.y - 9 * dpr);
  }
  g.globalAlpha = 1;
}
