/**
 * How much ray-casting work the 3D view may issue per display frame, so the GPU (or the
 * software rasteriser: SwiftShader runs in Chromium's GPU process, which also composites
 * every frame) never holds a waveform frame. Pure: no DOM, no WebGL.
 *
 * Work is counted in units of one ray sample (pixel x step). The controller keeps an
 * estimate of GPU milliseconds per unit, from a blocking measurement at load (calibrate) and
 * then from GPU timer queries on every strip (observe). On top, a safety factor grows when the
 * previous frame's work had not finished by the next frame (fence not signalled) or a frame
 * came late after we issued work, and decays back to 1 while frames are on time.
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
  /** Measured GPU cost, ms per unit (moving average of timer-query or blocking measurements). */
  msPerUnit: number;
  /** Fixed GPU cost of one strip (draw call, rasteriser set-up), ms. */
  fixedMs = 0;
  /** Safety factor >= 1 applied on top: grows when frames come late or the GPU is still busy, decays when all is well. */
  penalty = 1;
  /** Frames where the GPU was still busy with our previous work (nothing issued). */
  busyFrames = 0;
  /** Frames that came late after we had issued work. */
  lateFrames = 0;
  /** Units actually issued per display frame while working (moving average; busy frames count as 0). */
  throughput = 0;
  /** GPU ms of the strips measured so far (sum) and their count. */
  measuredMs = 0;
  measured = 0;

  constructor(readonly opts: BudgetOptions = DEFAULT_BUDGET) {
    this.msPerUnit = opts.initialMsPerUnit;
  }

  /** Blocking measurements of two strip sizes (GPU finished): fixed cost per strip and cost per unit. */
  calibrate(units1: number, ms1: number, units2: number, ms2: number): void {
    if (!(units2 > units1) || !(ms1 > 0) || !(ms2 > 0)) return;
    this.throughput = 0;
    const b = (ms2 - ms1) / (units2 - units1);
    if (b > 0) {
      this.msPerUnit = b;
      this.fixedMs = Math.max(0, Math.min(ms1 - b * units1, this.opts.targetMs * 0.8));
    } else this.msPerUnit = ms2 / units2;
  }

  /** A GPU timer measurement of `units` of work: blends into the estimate. */
  observe(units: number, ms: number): void {
    if (!(units > 0) || !(ms >= 0)) return;
    this.measuredMs += ms;
    this.measured++;
    const c = Math.max(ms - this.fixedMs, 0) / units;
    // Dear strips count fully at once, cheap ones pull the average down gradually.
    this.msPerUnit = c > this.msPerUnit ? this.msPerUnit * 0.4 + c * 0.6 : this.msPerUnit * 0.85 + c * 0.15;
  }

  /**
   * Called at the start of each display frame in which the 3D view has work.
   * gpuIdle: our previous work has completed (fence signalled, or none outstanding).
   * lastFrameMs: interval since the previous frame. issuedLastFrame: we issued work then.
   * Returns the units to issue this frame (0: skip, let the GPU catch up).
   */
  unitsForFrame(gpuIdle: boolean, lastFrameMs: number, issuedLastFrame: boolean): number {
    const units = this.decide(gpuIdle, lastFrameMs, issuedLastFrame);
    this.throughput = this.throughput === 0 ? units : this.throughput * 0.9 + units * 0.1;
    return units;
  }

  private decide(gpuIdle: boolean, lastFrameMs: number, issuedLastFrame: boolean): number {
    if (!gpuIdle) {
      // Busy: the GPU (on a software renderer, the GPU process's thread that also composites
      // every frame) has not finished our last strip. Issue nothing; lateness raises the penalty.
      this.busyFrames++;
      return 0;
    }
    if (issuedLastFrame && lastFrameMs > this.opts.frameMs * 1.35) {
      this.lateFrames++;
      this.penalty = Math.min(4, this.penalty * 1.15);
    } else this.penalty = Math.max(1, this.penalty * 0.97);
    return Math.max(1, Math.floor(Math.max(this.opts.targetMs - this.fixedMs, this.opts.targetMs * 0.2) / (this.msPerUnit * this.penalty)));
  }

  /** GPU ms the given units are expected to take (one strip). */
  expectedMs(units: number): number {
    return this.fixedMs + units * this.msPerUnit;
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
 * `diagVoxels` texture voxels. While the user interacts: one pass of `unitsPerImage` samples
 * (what the budget has been getting through in a few frames), so it updates >= 10 times a second.
 * When still: refine to half, then full resolution with one sample per voxel.
 */
export function planPasses(width: number, height: number, diagVoxels: number, unitsPerImage: number): { interactive: PassPlan; refine: PassPlan[] } {
  const fullSteps = Math.max(64, Math.min(512, Math.ceil(diagVoxels)));
  const iSteps = Math.max(48, Math.min(128, Math.ceil(fullSteps / 3)));
  const pixels = unitsPerImage / iSteps;
  const scale = Math.max(0.12, Math.min(1, Math.sqrt(pixels / Math.max(1, width * height))));
  const refine: PassPlan[] = [];
  if (scale < 0.5) refine.push({ scale: 0.5, steps: Math.ceil(fullSteps * 0.75) });
  refine.push({ scale: 1, steps: fullSteps });
  return { interactive: { scale, steps: iSteps }, refine };
}

/** Rows per strip so that one strip of `widthPx` x rows x steps fits `units`. At least 1. */
export function stripRows(units: number, widthPx: number, steps: number): number {
  return Math.max(1, Math.floor(units / Math.max(1, widthPx * steps)));
}
