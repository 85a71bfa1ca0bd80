/**
 * The anatomy views' own animation-frame loop, separate from the waveform engine's: it runs only
 * while some view has work, and gives each frame's CPU work a time budget so a waveform frame is
 * never held by slice extraction or 3D bookkeeping. Work that does not fit waits for the next frame.
 */

export interface FrameTask {
  /**
   * Does some work; must return before `deadline` (performance.now() ms) where it can.
   * Returns true while it has more to do.
   */
  run(deadline: number, frame: FrameInfo): boolean;
}

export interface FrameInfo {
  /** rAF timestamp, ms. */
  now: number;
  /** Interval since the previous anatomy frame (0 for the first after idle), ms. */
  intervalMs: number;
}

/** CPU time per frame for anatomy work, ms. */
export const CPU_BUDGET_MS = 4;

class AnatomyScheduler {
  private readonly tasks = new Set<FrameTask>();
  private scheduled = false;
  private last = 0;
  /** Frames this loop ran (tests and benchmarks). */
  frames = 0;

  /** Asks for `task` to run from the next frame on, until it returns false. */
  request(task: FrameTask): void {
    this.tasks.add(task);
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(this.frame);
    }
  }

  private readonly frame = (now: number): void => {
    this.scheduled = false;
    const intervalMs = this.last ? now - this.last : 0;
    this.last = now;
    this.frames++;
    const start = performance.now();
    const deadline = start + CPU_BUDGET_MS;
    const info: FrameInfo = { now, intervalMs };
    for (const t of [...this.tasks]) {
      let more = false;
      try {
        more = t.run(deadline, info);
      } catch (e) {
        console.error('anatomy task failed', e);
      }
      if (!more) this.tasks.delete(t);
    }
    if (this.tasks.size) {
      this.scheduled = true;
      requestAnimationFrame(this.frame);
    } else this.last = 0;
  };
}

export const anatomyScheduler = new AnatomyScheduler();
