/**
 * Per-device clock estimation from NTP-style exchanges over the bus. Pure.
 *
 * The hub sends SYNC_REQ at t1 (hub clock); the device stamps receipt t2 and reply t3
 * (device clock); the hub receives at t4. Then (RFC 5905 §8)
 *   offset θ = ((t2 − t1) + (t3 − t4)) / 2      (device − hub, ms)
 *   delay  δ = (t4 − t1) − (t3 − t2)
 * The estimator keeps a window of exchanges, trusts the ones with the smallest delays
 * (queueing only ever adds delay), and fits θ(t) = a + b·(t − tRef) by least squares,
 * b being the drift. Uncertainty is half the best delay plus the fit's RMS residual.
 */

export interface SyncSample {
  t1: number;
  t2: number;
  t3: number;
  t4: number;
}

export interface ClockEstimate {
  /** θ at hub time tRef, ms. */
  a: number;
  /** Drift (dimensionless, 1e-6 = 1 ppm). */
  b: number;
  tRef: number;
  uncertaintyMs: number;
  samples: number;
}

const WINDOW = 64;
const MIN_FOR_DRIFT = 6;
const MIN_SPAN_FOR_DRIFT_MS = 3000;

export class ClockSync {
  private readonly samples: { tm: number; theta: number; delay: number }[] = [];
  private est: ClockEstimate | null = null;
  /** Crude estimate from frame header times before any exchange has completed. */
  private fallbackOffset: number | null = null;

  /** Adds one completed exchange; returns false (ignored) for a nonsensical one. */
  add(s: SyncSample): boolean {
    const delay = s.t4 - s.t1 - (s.t3 - s.t2);
    if (!(delay >= 0) || !Number.isFinite(delay) || s.t4 < s.t1) return false;
    const theta = (s.t2 - s.t1 + (s.t3 - s.t4)) / 2;
    this.samples.push({ tm: (s.t1 + s.t4) / 2, theta, delay });
    if (this.samples.length > WINDOW) this.samples.shift();
    this.fit();
    return true;
  }

  /** Records the offset implied by a frame's header time and its arrival (used until the first exchange). */
  observeArrival(tDeviceMs: number, tHubArrivalMs: number): void {
    if (this.est === null && this.fallbackOffset === null) this.fallbackOffset = tDeviceMs - tHubArrivalMs;
  }

  private fit(): void {
    const n = this.samples.length;
    const delays = this.samples.map((s) => s.delay).sort((x, y) => x - y);
    const minDelay = delays[0];
    // Keep the lower half of delays (at least 3), which queueing has least disturbed.
    const cut = delays[Math.min(n - 1, Math.max(2, Math.floor(n / 2)))];
    const use = this.samples.filter((s) => s.delay <= cut);
    const span = use.length > 1 ? use[use.length - 1].tm - use[0].tm : 0;
    const tRef = use[use.length - 1].tm;
    let a: number;
    let b = 0;
    if (use.length >= MIN_FOR_DRIFT && span >= MIN_SPAN_FOR_DRIFT_MS) {
      let sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (const s of use) {
        const x = s.tm - tRef;
        sx += x; sy += s.theta; sxx += x * x; sxy += x * s.theta;
      }
      const m = use.length;
      const den = m * sxx - sx * sx;
      b = den > 0 ? (m * sxy - sx * sy) / den : 0;
      a = (sy - b * sx) / m;
    } else {
      // Not enough history for drift: the minimum-delay exchange is the best single estimate.
      let best = use[0];
      for (const s of use) if (s.delay < best.delay) best = s;
      a = best.theta + 0; // at best.tm; with b = 0 tRef does not matter
    }
    let rss = 0;
    for (const s of use) {
      const r = s.theta - (a + b * (s.tm - tRef));
      rss += r * r;
    }
    const rms = Math.sqrt(rss / use.length);
    this.est = { a, b, tRef, uncertaintyMs: minDelay / 2 + rms, samples: n };
  }

  get estimate(): ClockEstimate | null {
    return this.est;
  }

  /** device − hub offset at hub time t, ms. */
  offsetAt(tHub: number): number {
    if (this.est) return this.est.a + this.est.b * (tHub - this.est.tRef);
    return this.fallbackOffset ?? 0;
  }

  /** Maps a device-clock time to hub time. */
  toHub(tDevice: number): number {
    const e = this.est;
    if (!e) return tDevice - (this.fallbackOffset ?? 0);
    // tDevice = tHub + a + b (tHub − tRef)  ⇒  tHub = (tDevice − a + b·tRef) / (1 + b)
    return (tDevice - e.a + e.b * e.tRef) / (1 + e.b);
  }

  /** Uncertainty in ms; Infinity before any exchange. */
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
  }
}
