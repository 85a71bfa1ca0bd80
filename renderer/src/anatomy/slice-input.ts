/**
 * Input of one slice view (slice-view.ts): click or drag (primary) moves the crosshair; right-drag
 * or shift-drag adjusts window (x: width, y: level); middle-drag pans; Ctrl+wheel (or a trackpad
 * pinch) zooms about the pointer, a plain wheel scrolls slices; two fingers pinch-zoom and pan;
 * double-click maximises; the value under the pointer is shown.
 */
import type { SliceOrientation, Vec3 } from '../../../common/geometry';
import { wheelZoomFactor } from './slice-mapping';

export interface SliceViewCallbacks {
  setCrosshair(p: Vec3): void;
  adjustWindow(dCentre: number, dWidth: number): void;
  toggleMaximise(o: SliceOrientation): void;
}

/** What the input drives in the view; canvas coordinates are device pixels. */
export interface SliceInputTarget {
  readonly orientation: SliceOrientation;
  /** False until a slice is shown: input is ignored until then. */
  ready(): boolean;
  toPatient(cx: number, cy: number): Vec3;
  showValue(p: Vec3): void;
  clearValue(): void;
  zoomAt(x: number, y: number, factor: number): void;
  panBy(dx: number, dy: number): void;
  scroll(dir: number): void;
}

/** Centroid (client px) and spread of the first two touch pointers. */
function twoFingers(touches: Map<number, [number, number]>): { x: number; y: number; dist: number } | null {
  const [a, b] = [...touches.values()];
  if (!a || !b) return null;
  return { x: (a[0] + b[0]) / 2, y: (a[1] + b[1]) / 2, dist: Math.hypot(a[0] - b[0], a[1] - b[1]) };
}

export function attachSliceInput(el: HTMLCanvasElement, t: SliceInputTarget, cb: SliceViewCallbacks): void {
  let drag: { mode: 'cross' | 'window' | 'pan'; x: number; y: number } | null = null;
  /** Touch pointers down (client px), and the last two-finger centroid and spread. */
  const touches = new Map<number, [number, number]>();
  let pinch: { x: number; y: number; dist: number } | null = null;
  el.style.touchAction = 'none';
  const dprNow = () => window.devicePixelRatio || 1;
  /** Client coordinates -> canvas pixel (device px). */
  const pos = (e: { clientX: number; clientY: number }) => {
    const r = el.getBoundingClientRect();
    const dpr = dprNow();
    return [(e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr] as const;
  };
  el.addEventListener('contextmenu', (e) => e.preventDefault());
  // Middle button: pan, not the platform's autoscroll or paste.
  el.addEventListener('mousedown', (e) => {
    if (e.button === 1) e.preventDefault();
  });
  el.addEventListener('auxclick', (e) => e.preventDefault());
  el.addEventListener('pointerdown', (e) => {
    if (!t.ready()) return;
    el.setPointerCapture(e.pointerId);
    if (e.pointerType === 'touch') {
      touches.set(e.pointerId, [e.clientX, e.clientY]);
      if (touches.size >= 2) {
        // A second finger: pinch-zoom and pan instead of moving the crosshair.
        drag = null;
        pinch = twoFingers(touches);
        return;
      }
    }
    const mode = e.button === 1 ? 'pan' : e.button === 2 || e.shiftKey ? 'window' : 'cross';
    drag = { mode, x: e.clientX, y: e.clientY };
    if (mode === 'cross') {
      const [x, y] = pos(e);
      cb.setCrosshair(t.toPatient(x, y));
    }
  });
  el.addEventListener('pointermove', (e) => {
    if (!t.ready()) return;
    if (e.pointerType === 'touch' && touches.has(e.pointerId)) {
      touches.set(e.pointerId, [e.clientX, e.clientY]);
      if (pinch) {
        const now = twoFingers(touches);
        if (!now) return;
        if (pinch.dist > 0 && now.dist > 0) t.zoomAt(...pos({ clientX: now.x, clientY: now.y }), now.dist / pinch.dist);
        const d = dprNow();
        t.panBy((now.x - pinch.x) * d, (now.y - pinch.y) * d);
        pinch = now;
        return;
      }
    }
    const [x, y] = pos(e);
    const p = t.toPatient(x, y);
    t.showValue(p);
    if (!drag) return;
    const dx = e.clientX - drag.x,
      dy = e.clientY - drag.y;
    if (drag.mode === 'cross') cb.setCrosshair(p);
    else if (drag.mode === 'pan') t.panBy(dx * dprNow(), dy * dprNow());
    else cb.adjustWindow(-dy * 2, dx * 4);
    drag.x = e.clientX;
    drag.y = e.clientY;
  });
  const end = (e: PointerEvent) => {
    touches.delete(e.pointerId);
    if (touches.size < 2) pinch = null;
    drag = null;
    if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
  };
  el.addEventListener('pointerup', end);
  el.addEventListener('pointercancel', end);
  el.addEventListener('pointerleave', () => {
    if (!drag) t.clearValue();
  });
  el.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      if (e.ctrlKey || e.metaKey) {
        const [x, y] = pos(e);
        t.zoomAt(x, y, wheelZoomFactor(e.deltaY, e.deltaMode));
      } else if (e.deltaY !== 0) t.scroll(e.deltaY < 0 ? 1 : -1);
    },
    { passive: false },
  );
  el.addEventListener('dblclick', () => cb.toggleMaximise(t.orientation));
}
