/**
 * Progressive rendering of the 3D view, the part both backends share: which pass comes next and
 * when a finished one may be shown. Rendered on demand (only when the view changed):
 *
 * - While the user rotates/zooms/pans: low-resolution, fewer-step images, each started with the
 *   camera as it is then (so images keep completing while the camera moves), shown at most every
 *   `presentMs`.
 * - When still: progressive refinement to half, then full resolution with one sample per voxel
 *   (budget.ts planPasses).
 *
 * The backend asks `next()` for a pass, renders it in strips and calls `shown()` when it put it
 * on the canvas. Frames come from the anatomy views' loop (scheduler.ts).
 */
import type * as THREE from 'three';
import { planPasses, type PassPlan } from '../budget';
import { volumeOverrides } from './bench-hooks';

/** After the last camera change, the view counts as still after this long (ms). */
const SETTLE_MS = 150;

/**
 * Interactive pacing. `imageMs`: CPU backend worker time for one interactive image; small on
 * purpose, since on a 2-core machine the worker's CPU is taken from the compositor and the page
 * (20 ms gives ~16.6 images/s at 0.43-0.50 resolution with no waveform frame missed; the duty
 * cycle caps the worker at half a core either way). `presentMs`: while interacting, show a new
 * image at most this often, every third 60 Hz frame at most. They were 10 ms and 70 ms when the
 * harness composited on SwiftShader, where each shown image cost the compositor a large frame;
 * with software compositing (what Chromium does without a GPU) showing one costs no waveform
 * frame. bench:view measures both settings in the same run (the `pacing` override, bench-hooks.ts).
 */
export function interactivePacing(): { presentMs: number; imageMs: number } {
  return volumeOverrides().pacing ?? { presentMs: 45, imageMs: 20 };
}

export interface VolumeViewStats {
  /** Images shown since load. */
  images: number;
  /** Images shown while interacting. */
  interactiveImages: number;
  /** ms from the view becoming still to the full-quality image (last time). */
  lastFullQualityMs: number | null;
  /** Currently shown image: fraction of full resolution and steps. */
  shownScale: number;
  shownSteps: number;
  fullQuality: boolean;
  msPerUnit: number;
  fixedMs: number;
  penalty: number;
  busyFrames: number;
  lateFrames: number;
  /** Largest units issued in one frame. */
  maxUnitsPerFrame: number;
  interactive: PassPlan | null;
  textureDims: [number, number, number];
  calibratedMs: number | null;
  lastImageMs: number | null;
}

/** A pass being rendered: its plan, its size in pixels, the next row, and the camera it was started with. */
export interface PassState extends PassPlan {
  w: number;
  h: number;
  row: number;
  camera: THREE.PerspectiveCamera;
  interactive: boolean;
  /** performance.now() ms. */
  startedMs: number;
}

export class ProgressiveScheduler {
  /** The pass being rendered, or null. */
  pass: PassState | null = null;
  /** Diagonal of the rendered grid, in voxels (sets the steps of a full-quality pass). */
  diagVoxels = 1;
  readonly pacing = interactivePacing();
  readonly stats: VolumeViewStats = {
    images: 0,
    interactiveImages: 0,
    lastFullQualityMs: null,
    shownScale: 0,
    shownSteps: 0,
    fullQuality: false,
    msPerUnit: 0,
    fixedMs: 0,
    penalty: 1,
    busyFrames: 0,
    lateFrames: 0,
    maxUnitsPerFrame: 0,
    interactive: null,
    textureDims: [0, 0, 0],
    calibratedMs: null,
    lastImageMs: null,
  };
  /** The user holds the controls (between their start and end events). */
  interacting = false;
  private queue: PassPlan[] = [];
  private viewVersion = 0;
  private passVersion = -1;
  private lastChangeMs = 0;
  private stillSinceMs = 0;
  private lastPresentMs = 0;

  /**
   * @param canvas the view's canvas (pass sizes are fractions of its pixel size)
   * @param camera the live camera (each pass starts with a copy)
   * @param kick asks for frames again (the facade: when there is something to render)
   * @param onShown after a pass was put on the canvas, with whether it is the final image
   */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly camera: THREE.PerspectiveCamera,
    readonly kick: () => void,
    private readonly onShown: (p: PassState, full: boolean) => void,
  ) {}

  /** The camera or the size changed (interactive: by the user, who may still be moving it). */
  viewChanged(interactive: boolean): void {
    this.viewVersion++;
    this.lastChangeMs = interactive ? performance.now() : 0;
  }

  /** The user let go of the controls. */
  interactionEnded(): void {
    this.interacting = false;
    this.lastChangeMs = performance.now();
  }

  isInteracting(now: number): boolean {
    return this.interacting || now - this.lastChangeMs < SETTLE_MS;
  }

  /** The view changed since the current (or last) pass was started. */
  get viewMoved(): boolean {
    return this.passVersion !== this.viewVersion;
  }

  /** Drops a refinement pass whose view has since changed (an interactive one finishes). */
  dropStale(): void {
    if (this.pass && this.viewMoved && !this.pass.interactive) this.pass = null;
  }

  /** A finished pass may be shown now (interactive images are paced). */
  mayShow(p: PassState, now: number): boolean {
    return !p.interactive || now - this.lastPresentMs >= this.pacing.presentMs;
  }

  /**
   * Chooses the next pass (into `pass`), or returns false when the shown image is final.
   * True with no pass: wait (the user is still moving). `perImage`: samples an interactive image may take.
   */
  next(now: number, interacting: boolean, perImage: number): boolean {
    const plans = planPasses(this.canvas.width, this.canvas.height, this.diagVoxels, perImage);
    this.stats.interactive = plans.interactive;
    const better = (r: PassPlan, than: PassPlan) => r.scale > than.scale || r.steps > than.steps;
    if (this.viewMoved) {
      // The view changed: a fast image first, with the camera as it is now.
      this.start(plans.interactive, true);
      this.queue = [];
      this.stillSinceMs = 0;
      return true;
    }
    if (interacting) return true; // wait until the view settles, then refine
    if (!this.stillSinceMs) {
      this.stillSinceMs = this.lastChangeMs || now;
      this.queue = this.stats.fullQuality ? [] : plans.refine.filter((r) => better(r, { scale: this.stats.shownScale, steps: this.stats.shownSteps }));
    }
    const next = this.queue.shift();
    if (!next) return false;
    this.start(next, false);
    return true;
  }

  /** Starts `plan` as the current pass, with the camera as it is now. */
  start(plan: PassPlan, interactive: boolean): PassState {
    const w = Math.max(1, Math.round(this.canvas.width * plan.scale));
    const h = Math.max(1, Math.round(this.canvas.height * plan.scale));
    const cam = this.camera.clone();
    cam.updateMatrixWorld();
    this.pass = { ...plan, w, h, row: 0, camera: cam, interactive, startedMs: performance.now() };
    this.passVersion = this.viewVersion;
    return this.pass;
  }

  /** The backend put pass `p` on the canvas: statistics, then the facade's decorations. */
  shown(p: PassState): void {
    this.lastPresentMs = performance.now();
    const full = p.scale === 1 && !p.interactive && this.queue.length === 0 && p.steps >= Math.min(512, Math.ceil(this.diagVoxels));
    const s = this.stats;
    s.images++;
    if (p.interactive) s.interactiveImages++;
    s.shownScale = p.scale;
    s.shownSteps = p.steps;
    s.fullQuality = full;
    s.lastImageMs = performance.now() - p.startedMs;
    if (full && this.stillSinceMs) s.lastFullQualityMs = performance.now() - this.stillSinceMs;
    this.onShown(p, full);
  }
}
