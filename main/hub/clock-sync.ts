/**
 * Per-device clock estimation from NTP-style exchanges over the bus. Pure (no I/O, no timers).
 *
 * The hub sends SYNC_REQ at t1 (hub clock); the device stamps receipt t2 and reply t3
 * (device clock); the hub receives the SYNC_RESP at t4 (hub clock). Then (RFC 5905 §8)
 *   offset θ = ((t2 − t1) + (t3 − t4)) / 2      (device − hub, ms)
 *   delay  δ = (t4 − t1) − (t3 − t2)            (round trip minus device turnaround, ms)
 * and the true offset lies within θ ± δ/2 whatever the split of the delay between the
 * two directions. Queueing and jitter only ever add delay, so the exchanges with the
 * smallest delays are the most trustworthy.
 *
 * The estimator keeps a window of exchanges, keeps those whose delay is close to the
 * smallest one, and fits θ(t) = a + b·(t − tRef) by least squares: `a` is the offset at
 * hub time tRef, `b` the drift (device seconds gained per hub second). A device time maps
 * to hub time by inverting that line. See docs/device-protocol.md §6.
 */

/** Exchanges a ClockSync keeps by default (and the hub learns from before syncing less often). */
export const DEFAULT_SYNC_WINDOW = 128;

export interface SyncSample {
  /** Hub clock, ms: request sent. */
  t1: number;
  /** Device clock, ms: request received. */
  t2: number;
  /** Device clock, ms: response sent. */
  t3: number;
  /** Hub clock, ms: response received. */
  t4: number;
}

export interface ClockEstimate {
  /** θ (device − hub, ms) at hub time tRef. */
  a: number;
  /** Drift, dimensionless (1e-6 = 1 ppm; positive: the device clock runs fast). */
  b: number;
  /** Hub time the fit is anchored at, ms. */
  tRef: number;
  /** Uncertainty at tRef, ms: half the smallest round-trip delay plus the fit's RMS residual. */
  uncertaintyMs: number;
  /** Exchanges in the window. */
  samples: number;
  /** Exchanges the fit used. */
  used: number;
}

export interface ClockSyncOptions {
  /** Exchanges kept (oldest dropped). Default DEFAULT_SYNC_WINDOW. */
  window?: number;
  /** Drift is fitted only once the exchanges it uses span this long, ms. Default 2000. */
  minSpanForDriftMs?: number;
  /** Largest drift believed, ppm; a fit beyond it is clamped. Default 1000 (crystal clocks are < 100). */
  maxDriftPpm?: number;
  /**
   * Drift assumed unmodelled when extrapolating away from the data, ppm: the uncertainty
   * grows by this much per ms since the last exchange. Default 20.
   */
  holdoverPpm?: number;
  /** A θ further than this from the prediction (beyond its own bound) is a clock step: start over. Default 1000 ms. */
  stepMs?: number;
}

interface Obs {
  /** Hub time at the middle of the exchange, ms. */
  tm: number;
  theta: number;
  delay: number;
}

const MIN_FOR_DRIFT = 4;

export class ClockSync {
  private readonly samples: Obs[] = [];
  private est: ClockEstimate | null = null;
  /** Crude estimate from frame header times before any exchange has completed. */
  private fallbackOffset: number | null = null;
  private lastTm = -Infinity;
  private readonly window: number;
  private readonly minSpan: number;
  private readonly maxDrift: number;
  private readonly holdover: number;
  private readonly stepMs: number;
  /** Exchanges rejected as nonsensical (negative delay, non-finite). */
  rejected = 0;
  /** Times the device clock stepped and the estimator started over. */
  steps = 0;

  constructor(opts: ClockSyncOptions = {}) {
    this.window = opts.window ?? DEFAULT_SYNC_WINDOW;
    this.minSpan = opts.minSpanForDriftMs ?? 2000;
    this.maxDrift = (opts.maxDriftPpm ?? 1000) * 1e-6;
    this.holdover = (opts.holdoverPpm ?? 20) * 1e-6;
    this.stepMs = opts.stepMs ?? 1000;
  }

  /** Adds one completed exchange; returns false (ignored) for a nonsensical one. */
  add(s: SyncSample): boolean {
    const delay = s.t4 - s.t1 - (s.t3 - s.t2);
    if (!Number.isFinite(delay) || !Number.isFinite(s.t2) || !Number.isFinite(s.t3) || delay < 0 || s.t4 < s.t1 || s.t3 < s.t2) {
      this.rejected++;
      return false;
    }
    const theta = (s.t2 - s.t1 + (s.t3 - s.t4)) / 2;
    const tm = (s.t1 + s.t4) / 2;
    if (this.est && Math.abs(theta - this.offsetAt(tm)) > this.stepMs + delay / 2 + this.uncertaintyAt(tm)) {
      // The device clock jumped (set by its user, NTP step, restart without a new HELLO): old history is wrong.
      this.steps++;
      this.samples.length = 0;
      this.est = null;
    }
    this.samples.push({ tm, theta, delay });
    if (this.samples.length > this.window) this.samples.shift();
    this.lastTm = Math.max(this.lastTm, tm);
    this.fit();
    return true;
  }

  /** Records the offset implied by a frame's header time and its arrival (used until the first exchange). */
  observeArrival(tDeviceMs: number, tHubArrivalMs: number): void {
    if (this.est === null && this.fallbackOffset === null && Number.isFinite(tDeviceMs - tHubArrivalMs)) this.fallbackOffset = tDeviceMs - tHubArrivalMs;
  }

  private fit(): void {
    const all = this.samples;
    const sorted = all.map((s) => s.delay).sort((x, y) => x - y);
    const minDelay = sorted[0];
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    const tRef = all[all.length - 1].tm;
    const weight = (s: Obs) => 1 / Math.max(s.delay, 0.05) ** 2;
    // The "clean" exchanges: delay within a small margin of the best one. Queueing adds
    // delay and asymmetry together, so these carry the least error (§6.2).
    const cut = Math.min(median, Math.max(minDelay * 2, minDelay + 0.5));
    const half = all.filter((s) => s.delay <= median);
    let best = all.filter((s) => s.delay <= cut);
    if (best.length < Math.min(3, all.length)) best = half;
    const spanOf = (xs: Obs[]) => (xs.length > 1 ? xs[xs.length - 1].tm - xs[0].tm : 0);
    // Drift: weighted least-squares slope over the clean exchanges (or, on a link where few
    // are clean, over the better half once it spans long enough); kept from the previous
    // fit while history is too short. A noisy slope is worse than none for a few seconds.
    let b = this.est?.b ?? 0;
    const driftSet =
      best.length >= MIN_FOR_DRIFT && spanOf(best) >= this.minSpan ? best : half.length >= 4 * MIN_FOR_DRIFT && spanOf(half) >= 4 * this.minSpan ? half : null;
    if (driftSet) {
      let sw = 0,
        sx = 0,
        sy = 0,
        sxx = 0,
        sxy = 0;
      for (const s of driftSet) {
        const w = weight(s);
        const x = s.tm - tRef;
        sw += w;
        sx += w * x;
        sy += w * s.theta;
        sxx += w * x * x;
        sxy += w * x * s.theta;
      }
      const den = sw * sxx - sx * sx;
      if (den > 0) b = (sw * sxy - sx * sy) / den;
      if (b > this.maxDrift) b = this.maxDrift;
      if (b < -this.maxDrift) b = -this.maxDrift;
    }
    // Offset at tRef: weighted mean of the clean exchanges' drift-corrected θ.
    let sw = 0,
      sa = 0;
    for (const s of best) {
      const w = weight(s);
      sw += w;
      sa += w * (s.theta - b * (s.tm - tRef));
    }
    const a = sa / sw;
    let rss = 0;
    for (const s of best) {
      const r = s.theta - (a + b * (s.tm - tRef));
      rss += r * r;
    }
    const rms = Math.sqrt(rss / best.length);
    this.est = { a, b, tRef, uncertaintyMs: minDelay / 2 + rms, samples: all.length, used: best.length };
  }

  get estimate(): ClockEstimate | null {
    return this.est;
  }

  /** device − hub offset at hub time t, ms. */
  offsetAt(tHub: number): number {
    if (this.est) return this.est.a + this.est.b * (tHub - this.est.tRef);
    return this.fallbackOffset ?? 0;
  }

  /** Maps a device-clock time (ms) to hub time (ms). */
  toHub(tDevice: number): number {
    const e = this.est;
    if (!e) return tDevice - (this.fallbackOffset ?? 0);
    // tDevice = tHub + a + b (tHub − tRef)  ⇒  tHub = (tDevice − a + b·tRef) / (1 + b)
    return (tDevice - e.a + e.b * e.tRef) / (1 + e.b);
  }

  /** Maps a hub time (ms) to the device clock (ms). */
  toDevice(tHub: number): number {
    return tHub + this.offsetAt(tHub);
  }

  /** Uncertainty of the offset at hub time t, ms: grows with the time since the last exchange. Infinity before any exchange. */
  uncertaintyAt(tHub: number): number {
    if (!this.est) return Infinity;
    return this.est.uncertaintyMs + Math.abs(tHub - this.lastTm) * this.holdover;
  }

  /** Uncertainty at the last exchange, ms; Infinity before any exchange. */
  get uncertaintyMs(): number {
    return this.est ? this.est.uncertaintyMs : Infinity;
  }

  get driftPpm(): number {
    return this.est ? this.est.b * 1e6 : 0;
  }

  reset(): void {
    this.samples.length = 0;
    this.est = null;
    this.fallbackOffset = null;
    this.lastTm = -Infinity;
  }
}
