/**
 * One slice view (axial, coronal or sagittal): a plane of the patient through the crosshair,
 * resampled from the volume on the CPU (common/geometry.ts extractSlice) in row chunks within
 * the anatomy frame budget, mapped through the window to grey, and drawn with the crosshair and
 * fiducials to one opaque 2D canvas (one opaque layer per view keeps the compositor's work small
 * on a software renderer). The instrument (tip, shaft, trajectory) is a DOM marker moved by
 * transforms (marker-layer.ts), so tracker updates never redraw the canvas.
 *
 * Screen mapping (exposed as data attributes for tests): canvas pixel (cx, cy) shows the
 * patient point whose in-plane coordinates along the view's screen axes u, v (geometry.ts
 * viewAxes) are  u = data-u0 + cx * data-mm-per-px,  v = data-v0 + cy * data-mm-per-px.
 * At zoom 1 the slice's field fits the view, centred; zoom and pan change only this mapping
 * (`sliceMapping`), so the crosshair, fiducials, instrument marker and value readout, all drawn
 * or read through it, stay on the anatomy.
 *
 * Input: click or drag (primary) moves the crosshair (the other views follow); wheel or the
 * arrow buttons scroll slices; right-drag or shift-drag adjusts window (x: width, y: level);
 * Ctrl+wheel (or a trackpad pinch, which Chromium sends as Ctrl+wheel) zooms about the pointer;
 * middle-drag pans; two fingers pinch-zoom and pan; the ⤢ button fits the slice again;
 * double-click maximises. The value under the pointer is shown in real units.
 *
 * The view's DOM is built in slice-chrome.ts, its input handled in slice-input.ts, and the
 * crosshair and fiducials drawn by slice-overlay.ts.
 */
import type { Volume } from '../../../common/volume';
import {
  OUTSIDE,
  add,
  dot,
  extractSlice,
  patientToVoxel,
  sampleNearest,
  scale,
  sliceSpec,
  sliceStepMm,
  viewAxes,
  type SliceOrientation,
  type SliceSpec,
  type Vec3,
} from '../../../common/geometry';
import { anatomyScheduler } from './scheduler';
import type { InstrumentInImage, TrackingState } from './navigation';
import { MarkerLayer } from './marker-layer';
import { SLICE_ZOOM_MAX, SLICE_ZOOM_MIN, sliceMapping, zoomAbout, panCentre } from './slice-mapping';
import { buildSliceChrome } from './slice-chrome';
import { attachSliceInput, type SliceViewCallbacks } from './slice-input';
import { drawSliceOverlay } from './slice-overlay';

export type { SliceViewCallbacks } from './slice-input';

export class SliceView {
  readonly root: HTMLDivElement;
  private readonly image: HTMLCanvasElement;
  private readonly readout: HTMLDivElement;
  private readonly offscreen = document.createElement('canvas');
  private volume: Volume | null = null;
  private spec: SliceSpec | null = null;
  private values: Float32Array = new Float32Array(0);
  private pixels: ImageData | null = null;
  /** Rows of `values` extracted / of `pixels` mapped for the slice being made. */
  private valueRows = 0;
  private mapRows = 0;
  private wantSpec: SliceSpec | null = null;
  private crosshair: Vec3 = [0, 0, 0];
  private window: [number, number] = [40, 400];
  private instrument: InstrumentInImage | null = null;
  private tracking: TrackingState = 'none';
  private fiducials: Vec3[] = [];
  private mapping = { u0: 0, v0: 0, mmPerPx: 1 };
  private readonly ro: ResizeObserver;
  /** Zoom (1 = fitted) and view centre (u, v mm; null = the field's centre). */
  private zoom = 1;
  private centre: [number, number] | null = null;
  private overlayQueued = false;
  private pixelsChanged = false;
  private readonly marker: MarkerLayer;
  /** Slices drawn (tests). */
  drawn = 0;

  constructor(
    readonly orientation: SliceOrientation,
    private readonly cb: SliceViewCallbacks,
  ) {
    const chrome = buildSliceChrome(orientation, { scroll: (d) => this.scroll(d), fit: () => this.resetView() });
    this.root = chrome.root;
    this.image = chrome.image;
    this.readout = chrome.readout;
    this.marker = new MarkerLayer(this.root);
    attachSliceInput(
      this.image,
      {
        orientation,
        ready: () => this.spec !== null,
        toPatient: (x, y) => this.toPatient(x, y),
        showValue: (p) => this.showValue(p),
        clearValue: () => {
          this.readout.textContent = '';
        },
        zoomAt: (x, y, f) => this.zoomAt(x, y, f),
        panBy: (dx, dy) => this.panBy(dx, dy),
        scroll: (d) => this.scroll(d),
      },
      cb,
    );
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(this.root);
  }

  setVolume(v: Volume): void {
    this.volume = v;
    this.spec = null;
    this.zoom = 1;
    this.centre = null;
    this.request();
  }

  setCrosshair(p: Vec3): void {
    const moved = !this.spec || Math.abs(dot(p, this.normal()) - dot(this.crosshair, this.normal())) > 1e-6;
    this.crosshair = p;
    if (moved) this.request();
    else this.queueOverlay();
  }

  setWindow(c: number, w: number): void {
    this.window = [c, w];
    this.mapRows = 0; // re-map (the extracted values are kept)
    if (this.spec || this.wantSpec) anatomyScheduler.request(this);
  }

  setInstrument(inst: InstrumentInImage | null, state: TrackingState): void {
    this.instrument = inst;
    this.tracking = state;
    this.placeMarker();
  }

  setFiducials(points: Vec3[]): void {
    this.fiducials = points;
    this.queueOverlay();
  }

  private normal(): Vec3 {
    return viewAxes(this.orientation).n;
  }

  private request(): void {
    if (!this.volume) return;
    this.wantSpec = sliceSpec(this.volume, this.orientation, this.crosshair, undefined, 768);
    this.valueRows = 0;
    this.mapRows = 0;
    anatomyScheduler.request(this);
  }

  /** Extracts, then maps, rows within the frame's CPU budget (anatomyScheduler). */
  run(deadline: number): boolean {
    const v = this.volume;
    const s = this.wantSpec ?? this.spec;
    if (!v || !s) return false;
    const n = s.width * s.height;
    if (this.values.length !== n) this.values = new Float32Array(n);
    if (!this.pixels || this.pixels.width !== s.width || this.pixels.height !== s.height) this.pixels = new ImageData(s.width, s.height);
    while (this.valueRows < s.height) {
      this.valueRows = extractSlice(v, s, this.values, { rowFrom: this.valueRows, rowTo: this.valueRows + 32 });
      if (performance.now() > deadline) return true;
    }
    const px = this.pixels.data;
    const [c, w] = this.window;
    const lo = c - w / 2;
    const k = 255 / Math.max(w, 1e-6);
    while (this.mapRows < s.height) {
      const to = Math.min(s.height, this.mapRows + 64);
      for (let i = this.mapRows * s.width, e = to * s.width; i < e; i++) {
        const val = this.values[i];
        const o = i * 4;
        if (val === OUTSIDE) {
          px[o] = 8;
          px[o + 1] = 10;
          px[o + 2] = 16;
          px[o + 3] = 255;
          continue;
        }
        const gv = (val - lo) * k;
        px[o] = px[o + 1] = px[o + 2] = gv <= 0 ? 0 : gv >= 255 ? 255 : gv;
        px[o + 3] = 255;
      }
      this.mapRows = to;
      if (performance.now() > deadline && this.mapRows < s.height) return true;
    }
    this.spec = s;
    this.wantSpec = null;
    this.pixelsChanged = true;
    this.present();
    return false;
  }

  private resize(): void {
    const r = this.root.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)),
      h = Math.max(1, Math.round(r.height * dpr));
    if (this.image.width !== w || this.image.height !== h) {
      this.image.width = w;
      this.image.height = h;
    }
    if (this.spec) this.present();
  }

  /** The slice's field (mm): pixel (0,0) of the slice has its centre at u(origin), its left edge half a pixel before. */
  private field(s: SliceSpec): { left: number; top: number; w: number; h: number } {
    const { u, v } = viewAxes(this.orientation);
    return { left: dot(s.origin, u) - s.pixelMm / 2, top: dot(s.origin, v) - s.pixelMm / 2, w: s.width * s.pixelMm, h: s.height * s.pixelMm };
  }

  /** The canvas mapping for the current zoom and centre (what the next present() draws). */
  private currentMapping(s: SliceSpec): { u0: number; v0: number; mmPerPx: number } {
    return sliceMapping(this.field(s), this.image.width, this.image.height, this.zoom, this.centre);
  }

  private present(): void {
    const s = this.spec;
    if (!s || !this.pixels) return;
    if (this.pixelsChanged) {
      this.offscreen.width = s.width;
      this.offscreen.height = s.height;
      this.offscreen.getContext('2d')!.putImageData(this.pixels, 0, 0);
      this.pixelsChanged = false;
    }
    const W = this.image.width,
      H = this.image.height;
    const dpr = window.devicePixelRatio || 1;
    const field = this.field(s);
    const { u0, v0, mmPerPx } = (this.mapping = this.currentMapping(s));
    const ox = (field.left - u0) / mmPerPx,
      oy = (field.top - v0) / mmPerPx;
    const g = this.ctx();
    g.fillStyle = '#05070a';
    g.fillRect(0, 0, W, H);
    g.imageSmoothingEnabled = true;
    g.drawImage(this.offscreen, ox, oy, field.w / mmPerPx, field.h / mmPerPx);
    this.root.dataset.zoom = this.zoom.toFixed(3);
    // Attributes in CSS pixels (what a test's screenshot measures).
    this.image.dataset.u0 = String(u0);
    this.image.dataset.v0 = String(v0);
    this.image.dataset.mmPerPx = String(mmPerPx * dpr);
    this.image.dataset.depthMm = String(dot(s.through, this.normal()));
    this.drawn++;
    this.root.dataset.drawn = String(this.drawn);
    this.root.dataset.window = `${this.window[0]},${this.window[1]}`;
    this.drawOverlay();
  }

  /** Patient point -> canvas pixel, and its distance from this plane (mm). */
  private toCanvas(p: Vec3): { x: number; y: number; depth: number } {
    const { u, v, n } = viewAxes(this.orientation);
    const m = this.mapping;
    return { x: (dot(p, u) - m.u0) / m.mmPerPx, y: (dot(p, v) - m.v0) / m.mmPerPx, depth: dot(p, n) - dot(this.crosshair, n) };
  }

  /** Canvas pixel (device px) -> patient point on this plane. */
  private toPatient(cx: number, cy: number): Vec3 {
    const { u, v, n } = viewAxes(this.orientation);
    const m = this.mapping;
    const pu = m.u0 + cx * m.mmPerPx,
      pv = m.v0 + cy * m.mmPerPx;
    return add(add(scale(u, pu), scale(v, pv)), scale(n, dot(this.crosshair, n)));
  }

  private queueOverlay(): void {
    if (this.overlayQueued) return;
    this.overlayQueued = true;
    requestAnimationFrame(() => {
      this.overlayQueued = false;
      this.present();
    });
  }

  private ctx(): CanvasRenderingContext2D {
    return this.image.getContext('2d', { alpha: false })!;
  }

  /** Crosshair and fiducials over the image just drawn. */
  private drawOverlay(): void {
    const g = this.ctx();
    const W = this.image.width,
      H = this.image.height;
    if (!this.spec) return;
    const dpr = window.devicePixelRatio || 1;
    // Crosshair: the other two planes, each in its own colour, with a gap at the centre.
    drawSliceOverlay(g, { W, H, dpr }, this.orientation, (p) => this.toCanvas(p), this.crosshair, this.fiducials);
    this.placeMarker();
  }

  /** Moves the instrument marker (DOM, CSS pixels): tip, shaft toward the handle, trajectory ahead. */
  private placeMarker(): void {
    const inst = this.instrument;
    if (!inst || !this.spec) {
      this.marker.update(null, this.tracking);
      delete this.root.dataset.tip;
      delete this.root.dataset.tipDepth;
      return;
    }
    const dpr = window.devicePixelRatio || 1;
    const tip = this.toCanvas(inst.tip);
    const handle = this.toCanvas(add(inst.tip, scale(inst.axis, 120)));
    const ahead = this.toCanvas(add(inst.tip, scale(inst.axis, -60)));
    const d = Math.abs(tip.depth);
    this.marker.update(
      {
        tip: [tip.x / dpr, tip.y / dpr],
        handle: [handle.x / dpr, handle.y / dpr],
        ahead: [ahead.x / dpr, ahead.y / dpr],
        ringPx: d < 2 ? 0 : 5 + Math.min(d, 40) / 2,
      },
      this.tracking,
    );
    this.root.dataset.tip = `${(tip.x / dpr).toFixed(1)},${(tip.y / dpr).toFixed(1)}`;
    this.root.dataset.tipDepth = tip.depth.toFixed(1);
  }

  /** Zooms by `factor` about canvas pixel (x, y) (device px); the point under it stays put. */
  zoomAt(x: number, y: number, factor: number): void {
    if (!this.spec) return;
    const z = Math.min(SLICE_ZOOM_MAX, Math.max(SLICE_ZOOM_MIN, this.zoom * factor));
    if (z === this.zoom) return;
    // From the current zoom and centre, not the last drawn mapping: a pan or zoom earlier in the
    // same frame (a pinch, a stream of trackpad wheel events) is built on, not lost.
    this.centre = zoomAbout(this.currentMapping(this.spec), this.image.width, this.image.height, x, y, z / this.zoom);
    this.zoom = z;
    this.queueOverlay();
  }

  /** Moves the image by (dx, dy) device pixels. */
  panBy(dx: number, dy: number): void {
    if (!this.spec) return;
    this.centre = panCentre(this.currentMapping(this.spec), this.image.width, this.image.height, dx, dy);
    this.queueOverlay();
  }

  /** Zoom 1, centred: the whole slice fits the view. */
  resetView(): void {
    this.zoom = 1;
    this.centre = null;
    this.queueOverlay();
  }

  private scroll(dir: number): void {
    if (!this.volume) return;
    const step = sliceStepMm(this.volume, this.orientation);
    this.cb.setCrosshair(add(this.crosshair, scale(this.normal(), dir * step)));
  }

  private showValue(p: Vec3): void {
    const v = this.volume;
    if (!v) return;
    const val = sampleNearest(v, patientToVoxel(v, p));
    const unit = v.unit || '';
    this.readout.textContent = `${p.map((x) => x.toFixed(1)).join(', ')} mm   ${Number.isNaN(val) ? '—' : `${Math.round(val)} ${unit}`}`;
  }

  dispose(): void {
    this.ro.disconnect();
    this.root.remove();
  }
}
