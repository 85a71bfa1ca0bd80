/**
 * The hot path of the display: binary wave blocks go straight into per-stream trace buffers
 * and are drawn by requestAnimationFrame. React only mounts the canvases.
 */
import type { WaveBlockView } from '../../../common/display-contract';
import { SweepTrace, type TraceStyle } from './sweep';
import { hubClock } from '../hub-clock';

/** How far behind the hub's newest sample the sweep writes, so batches arrive before they are due. */
export const DISPLAY_DELAY_MS = 220;

class WaveEngine {
  private readonly traces = new Map<number, SweepTrace>();
  private readonly canvases = new Map<number, HTMLCanvasElement>();
  private running = false;
  /** Recent animation-frame intervals, ms (benchmarks and tests read them). */
  readonly frameTimes: number[] = [];
  private lastFrame = 0;
  framesDrawn = 0;
  /** False while the hub is lost: every trace is blank, nothing is drawn (issue 13 §2). */
  private hubLive = true;

  trace(streamId: number, style: TraceStyle, rateHz: number): SweepTrace {
    let t = this.traces.get(streamId);
    if (!t) {
      t = new SweepTrace(style, Math.ceil(rateHz * 30));
      this.traces.set(streamId, t);
    } else t.style = style;
    return t;
  }

  onBlocks(blocks: WaveBlockView[]): void {
    for (const b of blocks) {
      let t = this.traces.get(b.streamId);
      if (!t) {
        t = new SweepTrace({ color: '#fff', mmPerS: 25, range: null }, Math.ceil(b.rateHz * 30));
        this.traces.set(b.streamId, t);
      }
      t.buffer.push(b.t0HubMs, b.rateHz, b.samples);
    }
  }

  attach(streamId: number, canvas: HTMLCanvasElement): () => void {
    const t = this.traces.get(streamId);
    if (!t) throw new Error(`no trace ${streamId}`);
    t.attach(canvas);
    this.canvases.set(streamId, canvas);
    const ro = new ResizeObserver(() => t.resize(canvas));
    ro.observe(canvas);
    this.start();
    return () => {
      ro.disconnect();
      if (this.canvases.get(streamId) === canvas) this.canvases.delete(streamId);
    };
  }

  setLive(streamId: number, live: boolean): void {
    const t = this.traces.get(streamId);
    if (t) t.live = live;
  }

  /** The hub lost (false: every canvas cleared, drawing stops) or back (true). */
  setHubLive(live: boolean): void {
    if (live === this.hubLive) return;
    this.hubLive = live;
    if (!live) for (const [id] of this.canvases) this.traces.get(id)?.blank();
  }

  /** Forgets every sample (another hub process answered: its stream ids are its own). */
  clear(): void {
    for (const t of this.traces.values()) {
      t.buffer.clear();
      t.blank();
    }
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    const frame = (now: number) => {
      if (this.lastFrame) {
        this.frameTimes.push(now - this.lastFrame);
        if (this.frameTimes.length > 600) this.frameTimes.shift();
      }
      this.lastFrame = now;
      const tHub = hubClock.now() - DISPLAY_DELAY_MS;
      if (this.hubLive) for (const [id] of this.canvases) this.traces.get(id)?.draw(tHub);
      this.framesDrawn++;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  stats(streamId: number): { samples: number; drawnFrames: number; lastTime: number } | null {
    const t = this.traces.get(streamId);
    return t ? { samples: t.buffer.length, drawnFrames: t.drawnFrames, lastTime: t.buffer.lastTime } : null;
  }
}

export const waveEngine = new WaveEngine();
