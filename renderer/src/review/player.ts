/**
 * The review player: opens a case (detail, overview, comments), seeks (state at T: numerics,
 * devices, alarms, poses, series, registration; the waveform window ending at T into the traces),
 * plays at 1x-10x (waveforms fetched ahead through the waves route, numerics refreshed at T a few
 * times a second) and draws the traces each animation frame at the review clock's instant, with
 * the live display's sweep renderer (waves/sweep.ts) fed recorded samples.
 */
import { callApi } from '../api';
import { WAVE_ROWS, type WaveRowSpec } from '../layout';
import { SweepTrace } from '../waves/sweep';
import type { ReviewNumericView, WaveView } from '../../../common/review-contract';
import { ReviewClock, zoomSpan, type Speed } from './review-clock';
import { reviewStore } from './review-store';

/** Waveform read before T on a seek for a row not laid out yet (no sweep period known). */
const SEEK_WINDOW_MS = 15000;
const NUMERIC_REFRESH_MS = 250;

interface Row {
  spec: WaveRowSpec;
  channelId: number;
  trace: SweepTrace;
  canvas: HTMLCanvasElement | null;
}

const samplesOf = (w: WaveView) => w.runs.map((r) => ({ t0Ms: r.t0Ms, rateHz: 1000 / r.stepMs, v: Float32Array.from(r.raw, (x) => x * r.scale + r.offset) }));

export class ReviewPlayer {
  readonly clock = new ReviewClock(() => reviewStore.get().detail?.span ?? { fromMs: 0, toMs: 0 });
  private rows = new Map<string, Row>();
  private mdcOf = new Map<string, string>();
  private wavesTo = -Infinity;
  private fetchingWaves = false;
  private lastNumericFetch = 0;
  private lastStoreT = 0;
  private seekSeq = 0;
  /** Settles when the seek request in flight has answered (at most one at a time: see seek). */
  private seekIdle: Promise<void> = Promise.resolve();
  private raf = 0;
  private grow: ReturnType<typeof setInterval> | null = null;
  /** Animation frames drawn (tests wait on it). */
  frames = 0;

  async openCase(id: string): Promise<void> {
    this.close();
    reviewStore.set({ caseId: id, detail: null, overview: null, instant: null, numerics: {}, comments: null, error: null });
    try {
      const detail = await callApi('reviewRecording', { params: { id } });
      this.mdcOf.clear();
      for (const d of detail.devices) for (const c of d.channels ?? []) this.mdcOf.set(`${d.deviceId}/${c.index}`, c.mdc);
      this.rows.clear();
      for (const spec of WAVE_ROWS) {
        const ch = detail.channels.find((c) => c.kind === 'wave' && this.mdcOf.get(`${c.deviceId}/${c.channel}`) === spec.wave);
        if (ch)
          this.rows.set(spec.id, {
            spec,
            channelId: ch.id,
            trace: new SweepTrace({ color: spec.color, mmPerS: spec.mmPerS, range: spec.range }, Math.ceil((ch.rateHz ?? 125) * 40)),
            canvas: null,
          });
      }
      reviewStore.set({ detail, view: detail.span });
      void this.loadComments();
      await this.seek(detail.span.fromMs + Math.min(60000, (detail.span.toMs - detail.span.fromMs) / 2));
      this.loop();
      if (detail.case.state === 'recording') this.grow = setInterval(() => void this.refreshRunning(id), 5000);
    } catch (e) {
      reviewStore.set({ error: (e as Error).message });
    }
  }

  close(): void {
    if (this.grow) clearInterval(this.grow);
    this.grow = null;
    cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.clock.pause();
  }

  /** A running case grows: its span (and a timeline showing up to its end) follow it. */
  private async refreshRunning(id: string): Promise<void> {
    const d = await callApi('reviewRecording', { params: { id } }).catch(() => null);
    const { detail, view, caseId } = reviewStore.get();
    if (!d || caseId !== id || !detail || !view) return;
    const followEnd = view.toMs >= detail.span.toMs - 1;
    reviewStore.set({ detail: { ...detail, case: d.case, span: d.span }, view: followEnd ? { fromMs: view.fromMs, toMs: d.span.toMs } : view });
    if (d.case.state !== 'recording' && this.grow) clearInterval(this.grow);
  }

  /** The MDC id of a recorded channel (from the device descriptors recorded with the case). */
  mdc(deviceId: string, channel: number): string | undefined {
    return this.mdcOf.get(`${deviceId}/${channel}`);
  }

  /** Rows that have a recorded waveform, in the live display's order. */
  waveRows(): WaveRowSpec[] {
    return [...this.rows.values()].map((r) => r.spec);
  }

  attach(rowId: string, canvas: HTMLCanvasElement): () => void {
    const row = this.rows.get(rowId);
    if (!row) return () => undefined;
    row.canvas = canvas;
    row.trace.attach(canvas);
    row.trace.draw(this.clock.now());
    const ro = new ResizeObserver(() => {
      row.trace.resize(canvas);
      row.trace.draw(this.clock.now());
    });
    ro.observe(canvas);
    return () => {
      ro.disconnect();
      if (row.canvas === canvas) row.canvas = null;
    };
  }

  async loadOverview(width: number): Promise<void> {
    const { caseId, view } = reviewStore.get();
    if (!caseId || !view) return;
    for (let i = 0; i < 200; i++) {
      const ov = await callApi('reviewOverview', {
        params: { id: caseId },
        query: { width: String(Math.max(1, Math.min(8192, Math.round(width)))), from: String(Math.round(view.fromMs)), to: String(Math.round(view.toMs)) },
      });
      if (reviewStore.get().view !== view) return;
      reviewStore.set({ overview: ov });
      if (ov.complete) return;
    }
  }

  async loadComments(): Promise<void> {
    const id = reviewStore.get().caseId;
    if (id) reviewStore.set({ comments: await callApi('reviewComments', { params: { id } }) });
  }

  async addComment(text: string, role: string, name: string): Promise<void> {
    const id = reviewStore.get().caseId;
    if (!id) return;
    await callApi('reviewComment', { params: { id }, body: { t: String(this.clock.now()), text, role, name } });
    await this.loadComments();
  }

  private setNumerics(list: ReviewNumericView[]): Record<string, ReviewNumericView> {
    const out: Record<string, ReviewNumericView> = {};
    for (const n of list) {
      const m = this.mdc(n.deviceId, n.channel);
      if (m && !(m in out && out[m].ageMs < n.ageMs)) out[m] = n;
    }
    return out;
  }

  /**
   * Shows instant T: state fetched, traces refilled and drawn, React given the numerics. Resolves when
   * the screen is drawn (after the next animation frame), with whether this seek is still the newest.
   */
  async seek(tMs: number): Promise<boolean> {
    const { caseId } = reviewStore.get();
    if (!caseId) return false;
    this.clock.seek(tMs);
    const t = this.clock.now();
    const seq = ++this.seekSeq;
    // One request: the state at T (gaps for 1 ms) with each shown row's waveform for one sweep before T (the rows
    // run at different paper speeds: CO2 at 6.25 mm/s shows about 30 s, ECG at 25 mm/s about 8 s).
    const rows = [...this.rows.values()];
    const spans = rows.map((row) => {
      const span = Math.min(120000, (Number.isFinite(row.trace.periodMs) && row.trace.periodMs > 0 ? row.trace.periodMs : SEEK_WINDOW_MS) + 500);
      return `${row.channelId}:${Math.ceil(span)}`;
    });
    const query = spans.length ? { t: String(t), window: '1', waves: spans.join(',') } : { t: String(t), window: '1' };
    // One request in flight: a seek made while another is answered waits for it, and is dropped unread if a newer
    // seek came meanwhile (dragging over the timeline queues nothing in the review worker).
    await this.seekIdle;
    if (seq !== this.seekSeq) return false;
    let idle!: () => void;
    this.seekIdle = new Promise((r) => (idle = r));
    const st = await callApi('reviewState', { params: { id: caseId }, query }).finally(idle);
    if (seq !== this.seekSeq) return false;
    for (const row of rows) {
      row.trace.buffer.clear();
      const wv = st.waves.find((w) => w.channelId === row.channelId);
      for (const r of wv ? samplesOf(wv) : []) row.trace.buffer.push(r.t0Ms, r.rateHz, r.v);
      if (row.canvas) row.trace.resize(row.canvas);
    }
    this.wavesTo = t;
    const { waves: _w, numerics, ...instant } = st;
    void _w;
    reviewStore.set({ instant, numerics: this.setNumerics(numerics), tMs: this.clock.now() });
    this.drawTraces();
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    return seq === this.seekSeq;
  }

  play(): void {
    this.clock.play();
    reviewStore.set({ playing: true });
  }

  pause(): void {
    this.clock.pause();
    reviewStore.set({ playing: false, tMs: this.clock.now() });
    void this.seek(this.clock.now());
  }

  toggle(): void {
    if (this.clock.playing) this.pause();
    else this.play();
  }

  setSpeed(s: Speed): void {
    this.clock.setSpeed(s);
    reviewStore.set({ speed: s });
  }

  /** One display frame (1/25 s) forward or back, paused. */
  step(frames: number): void {
    this.clock.pause();
    reviewStore.set({ playing: false });
    void this.seek(this.clock.now() + frames * 40);
  }

  zoom(factor: number): void {
    const { view, detail } = reviewStore.get();
    if (!view || !detail) return;
    reviewStore.set({ view: zoomSpan(view, detail.span, this.clock.now(), factor) });
  }

  private drawTraces(): void {
    const t = this.clock.now();
    for (const r of this.rows.values()) r.trace.draw(t);
  }

  private loop(): void {
    const frame = (wall: number) => {
      this.frames++;
      const playing = this.clock.playing;
      const t = this.clock.now();
      if (playing) {
        this.drawTraces();
        this.prefetch(t);
        if (wall - this.lastNumericFetch > NUMERIC_REFRESH_MS) {
          this.lastNumericFetch = wall;
          void this.refreshNumerics(t);
        }
      }
      if (reviewStore.get().playing !== this.clock.playing) reviewStore.set({ playing: this.clock.playing });
      if (wall - this.lastStoreT > 100 && reviewStore.get().tMs !== t) {
        this.lastStoreT = wall;
        reviewStore.set({ tMs: t });
      }
      this.raf = requestAnimationFrame(frame);
    };
    this.raf = requestAnimationFrame(frame);
  }

  private async refreshNumerics(t: number): Promise<void> {
    const { caseId } = reviewStore.get();
    if (!caseId) return;
    const seq = this.seekSeq;
    const st = await callApi('reviewState', { params: { id: caseId }, query: { t: String(t), window: '1' } });
    if (seq !== this.seekSeq || !this.clock.playing) return;
    const { waves: _w, numerics, ...instant } = st;
    void _w;
    reviewStore.set({ instant, numerics: this.setNumerics(numerics) });
  }

  /** Keeps the traces' samples a few seconds (of review time) ahead of the clock. */
  private prefetch(t: number): void {
    const { caseId, detail } = reviewStore.get();
    if (!caseId || !detail || this.fetchingWaves || this.rows.size === 0) return;
    const speed = this.clock.speed;
    if (this.wavesTo >= Math.min(detail.span.toMs, t + 2000 * speed)) return;
    const from = Math.max(this.wavesTo, t - 1000);
    const to = Math.min(detail.span.toMs, from + Math.min(120000, Math.max(4000, 4000 * speed)));
    if (!(to > from)) return;
    const seq = this.seekSeq;
    this.fetchingWaves = true;
    const channels = [...this.rows.values()].map((r) => r.channelId).join(',');
    callApi('reviewWaves', { params: { id: caseId }, query: { from: String(Math.round(from)), to: String(Math.round(to)), channels } })
      .then((w) => {
        if (seq !== this.seekSeq) return;
        for (const row of this.rows.values()) {
          const wv = w.waves.find((x) => x.channelId === row.channelId);
          for (const r of wv ? samplesOf(wv) : []) row.trace.buffer.push(r.t0Ms, r.rateHz, r.v);
        }
        this.wavesTo = to;
      })
      .catch((e: Error) => reviewStore.set({ error: e.message }))
      .finally(() => (this.fetchingWaves = false));
  }
}

export const player = new ReviewPlayer();
