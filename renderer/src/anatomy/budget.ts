/**
 * How much ray-casting work the 3D view may issue per display frame, so the GPU (or the
 * software rasteriser: SwiftShader runs in Chromium's GPU process, which also composites
 * every frame) never holds a waveform frame. Pure: no DOM, no WebGL.
 *
 * Work is counted in units of one ray sample (pixel x step). The controller keeps an
 * estimate of GPU milliseconds per unit: first from a measured render (calibrate), then
 * corrected every frame: when the previous frame's work had not finished by the next
 * frame (fence not signalled) or the frame came late, the estimate grows; when frames are on
 * time it relaxes slowly toward (never below) the calibrated value.
 */

export interface BudgetOptions {
  /** GPU time the 3D view may use per display frame, ms. */
  targetMs: number;
  /** Display frame interval, ms (60 Hz: 16.7). */
  frameMs: number;
  /** Initial cost estimate, ms per unit, before any measurement (pessimistic: software rendering). */
  initialMsPerUnit: number;
}

export const DEFAULT_BUDGET: BudgetOptions = { targetMs: 3, frameMs: 1000 / 60, initialMsPerUnit: 4e-6 };

export class FrameBudget {
  msPerUnit: number;
  private floorMsPerUnit: number;
  /** Frames where the GPU was still busy with our previous work (nothing issued). */
  busyFrames = 0;
  /** Frames that came late after we had issued work. */
  lateFrames = 0;

  constructor(readonly opts: BudgetOptions = DEFAULT_BUDGET) {
    this.msPerUnit = opts.initialMsPerUnit;
    this.floorMsPerUnit = opts.initialMsPerUnit / 64;
  }

  /** A blocking measurement: `units` of work took `ms` (GPU finished). */
  calibrate(units: number, ms: number): void {
    if (!(units > 0) || !(ms > 0)) return;
    const c = ms / units;
    this.msPerUnit = c;
    this.floorMsPerUnit = c * 0.75;
  }

  /** A non-blocking measurement (timer query): blends into the estimate. */
  observe(units: number, ms: number): void {
    if (!(units > 0) || !(ms >= 0)) return;
    const c = Math.max(ms / units, this.floorMsPerUnit * 0.5);
    this.msPerUnit = this.msPerUnit * 0.7 + c * 0.3;
  }

  /**
   * Called at the start of each display frame in which the 3D view has work.
   * gpuIdle: our previous work has completed (fence signalled, or none outstanding).
   * lastFrameMs: interval since the previous frame. issuedLastFrame: we issued work then.
   * Returns the units to issue this frame (0: skip, let the GPU catch up).
   */
  unitsForFrame(gpuIdle: boolean, lastFrameMs: number, issuedLastFrame: boolean): number {
    if (!gpuIdle) {
      this.busyFrames++;
      this.msPerUnit *= 1.25;
      return 0;
    }
    if (issuedLastFrame && lastFrameMs > this.opts.frameMs * 1.35) {
      this.lateFrames++;
      this.msPerUnit *= 1.15;
    } else this.msPerUnit = Math.max(this.floorMsPerUnit, this.msPerUnit * 0.995);
    return Math.max(1, Math.floor(this.opts.targetMs / this.msPerUnit));
  }

  /** GPU ms the given units are expected to take. */
  expectedMs(units: number): number {
    return units * this.msPerUnit;
  }
}

export interface PassPlan {
  /** Fraction of the view's pixel size (1 = full resolution). */
  scale: number;
  /** Samples along the longest ray through the volume. */
  steps: number;
}

/**
 * The render passes for a view of width x height pixels and a volume whose diagonal is
 * `diagVoxels` texture voxels. While the user interacts: one pass sized so an image costs about
 * `interactiveMs` of GPU time (so it updates >= 10 times a second inside the per-frame budget).
 * When still: refine to half resolution, then full resolution with one sample per voxel.
 */
export function planPasses(width: number, height: number, diagVoxels: number, msPerUnit: number, interactiveMs: number): { interactive: PassPlan; refine: PassPlan[] } {
  const fullSteps = Math.max(64, Math.min(512, Math.ceil(diagVoxels)));
  const iSteps = Math.max(48, Math.min(160, Math.ceil(fullSteps / 2.5)));
  const units = interactiveMs / Math.max(msPerUnit, 1e-12);
  const pixels = units / iSteps;
  const scale = Math.max(0.15, Math.min(1, Math.sqrt(pixels / Math.max(1, width * height))));
  const refine: PassPlan[] = [];
  if (scale < 0.5) refine.push({ scale: 0.5, steps: Math.ceil(fullSteps * 0.75) });
  refine.push({ scale: 1, steps: fullSteps });
  return { interactive: { scale, steps: iSteps }, refine };
}

/** Rows per strip so that one strip of `widthPx` x rows x steps fits `units`. At least 1. */
export function stripRows(units: number, widthPx: number, steps: number): number {
  return Math.max(1, Math.floor(units / Math.max(1, widthPx * steps)));
}
