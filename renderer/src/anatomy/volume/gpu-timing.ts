/**
 * The WebGL backend's view of the GPU's progress: fences (has the GPU finished the strips of the
 * last frames?) and timer queries (how long did each strip take?, fed into the budget).
 */
import type { FrameBudget } from '../budget';

interface TimerExt {
  TIME_ELAPSED_EXT: number;
  GPU_DISJOINT_EXT: number;
}

export class GpuTiming {
  /** Fences of the last frames' strips; a new strip waits until at most one is outstanding. */
  private readonly fences: WebGLSync[] = [];
  private readonly timerExt: TimerExt | null;
  private readonly queries: { q: WebGLQuery; units: number }[] = [];

  constructor(private readonly gl: WebGL2RenderingContext) {
    this.timerExt = gl.getExtension('EXT_disjoint_timer_query_webgl2') as TimerExt | null;
  }

  /** Starts timing the GPU work of `units` issued next (when timer queries exist); end with `end()`. */
  begin(units: number): { q: WebGLQuery; units: number } | null {
    const q = this.timerExt ? this.gl.createQuery() : null;
    if (!q) return null;
    this.gl.beginQuery(this.timerExt!.TIME_ELAPSED_EXT, q);
    return { q, units };
  }

  end(timing: { q: WebGLQuery; units: number } | null): void {
    if (!timing) return;
    this.gl.endQuery(this.timerExt!.TIME_ELAPSED_EXT);
    this.queries.push(timing);
  }

  /** Feeds finished GPU timer queries into the budget. */
  poll(budget: FrameBudget): void {
    const gl = this.gl;
    if (!this.timerExt) return;
    const disjoint = gl.getParameter(this.timerExt.GPU_DISJOINT_EXT) as boolean;
    while (this.queries.length) {
      const { q, units } = this.queries[0];
      if (!gl.getQueryParameter(q, gl.QUERY_RESULT_AVAILABLE)) break;
      const ns = gl.getQueryParameter(q, gl.QUERY_RESULT) as number;
      if (!disjoint) budget.observe(units, ns / 1e6);
      gl.deleteQuery(q);
      this.queries.shift();
    }
  }

  /**
   * True when at most one frame's strip is still outstanding. (A fence's status reaches the page
   * a frame or more after the GPU passes it, so waiting for every fence would leave the GPU idle
   * every other frame; two in flight keep it fed while never queueing more.)
   */
  idle(): boolean {
    const gl = this.gl;
    while (this.fences.length && gl.clientWaitSync(this.fences[0], 0, 0) !== gl.TIMEOUT_EXPIRED) gl.deleteSync(this.fences.shift()!);
    return this.fences.length <= 1;
  }

  /** Fences this frame's work and flushes it to the GPU. */
  fence(): void {
    const f = this.gl.fenceSync(this.gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (f) this.fences.push(f);
    this.gl.flush();
  }

  /** Deletes the outstanding fences and queries. */
  dispose(): void {
    for (const f of this.fences.splice(0)) this.gl.deleteSync(f);
    for (const { q } of this.queries.splice(0)) this.gl.deleteQuery(q);
  }
}
