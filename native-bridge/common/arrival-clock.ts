/**
 * Maps a remote sender's clock onto a local clock from one-way arrivals alone: for protocols
 * that stamp their messages but have no time exchange (OpenIGTLink, HL7 observation times),
 * so the NTP-style estimator of the bus (main/hub/clock-sync.ts, which needs round trips)
 * does not apply. Pure (no I/O, no timers).
 *
 * Each message gives θ = tRemote − tLocal(arrival) = offset(t) − transit, with transit ≥ 0
 * and queueing only ever adding to it. The offset line o(t) = a + b·(t − tRef) is therefore
 * the upper envelope of the θ points: the line under which all of them lie and that is
 * closest to them on average (Moon, Skelly & Towsley, "Estimation and removal of clock skew
 * from network delay measurements", INFOCOM 1999). That line is the edge of the points'
 * upper convex hull spanning their mean time; its slope is the drift. The points are first
 * reduced to the highest θ (least delayed message) per 100 ms bin, over a 30 s window.
 *
 * What one-way timing cannot see: the constant part of the transit (the smallest latency of
 * the link) is attributed to the sender's clock, so a mapped time is the arrival time of a
 * message that met no queueing. On a LAN that is well under a millisecond.
 */

export interface ArrivalClockOptions {
  /** Bin width, ms: one point (the least delayed message) is kept per bin. Default 100. */
  binMs?: number;
  /** Bins kept. Default 300 (30 s). */
  bins?: number;
  /** Drift is fitted once the points span this long, ms. Default 2000. */
  minSpanForDriftMs?: number;
  /** Largest drift believed, ppm. Default 1000. */
  maxDriftPpm?: number;
  /** Uncertainty growth away from the last message, ppm. Default 20. */
  holdoverPpm?: number;
  /** A message this far (ms) above the envelope, or persistently this far below it, is a sender clock step. Default 1000. */
  stepMs?: number;
  /** Uncertainty at or under which the mapping counts as synchronised, ms. Default 50 (the bus's limit). */
  syncLimitMs?: number;
}

export interface ArrivalSyncQuality {
  /** Sender clock − local clock at the latest message, ms (including the link's smallest latency, negated). */
  offsetMs: number;
  driftPpm: number;
  /** Median distance of the per-bin least delayed messages below the envelope, plus holdover, ms. */
  uncertaintyMs: number;
  synchronised: boolean;
  /** Messages seen, and times the sender's clock stepped (estimation restarted). */
  samples: number;
  steps: number;
}

interface Pt {
  t: number;
  theta: number;
}

export class ArrivalClock {
  private readonly binMs: number;
  private readonly maxBins: number;
  private readonly minSpan: number;
  private readonly maxDrift: number;
  private readonly holdover: number;
  private readonly stepMs: number;
  private readonly syncLimit: number;
  private pts: Pt[] = [];
  private a = 0;
  private b = 0;
  private tRef = 0;
  private fitted = false;
  private spread = 0;
  private lastT = -Infinity;
  private below = { count: 0, sinceMs: 0 };
  samples = 0;
  steps = 0;

  constructor(opts: ArrivalClockOptions = {}) {
    this.binMs = opts.binMs ?? 100;
    this.maxBins = opts.bins ?? 300;
    this.minSpan = opts.minSpanForDriftMs ?? 2000;
    this.maxDrift = (opts.maxDriftPpm ?? 1000) * 1e-6;
    this.holdover = (opts.holdoverPpm ?? 20) * 1e-6;
    this.stepMs = opts.stepMs ?? 1000;
    this.syncLimit = opts.syncLimitMs ?? 50;
  }

  /** Sender − local offset predicted at local time t, ms. */
  offsetAt(tLocal: number): number {
    return this.a + this.b * (tLocal - this.tRef);
  }

  /** One message: its sender timestamp and its local arrival time (ms). False when ignored (non-finite). */
  add(tRemoteMs: number, tLocalMs: number): boolean {
    const theta = tRemoteMs - tLocalMs;
    if (!Number.isFinite(theta) || !Number.isFinite(tLocalMs)) return false;
    this.samples++;
    if (this.fitted) {
      const d = theta - this.offsetAt(tLocalMs);
      const farBelow = d < -this.stepMs - this.uncertaintyAt(tLocalMs);
      if (!farBelow) this.below.count = 0;
      else if (this.below.count++ === 0) this.below.sinceMs = tLocalMs;
      if (d > this.stepMs + this.uncertaintyAt(tLocalMs) || (farBelow && this.below.count >= 10 && tLocalMs - this.below.sinceMs >= 2000)) {
        // The sender's clock jumped: history no longer describes it.
        this.steps++;
        this.pts = [];
        this.fitted = false;
        this.below.count = 0;
      }
    }
    this.lastT = Math.max(this.lastT, tLocalMs);
    const last = this.pts[this.pts.length - 1];
    const bin = Math.floor(tLocalMs / this.binMs);
    let refit = !this.fitted || theta > this.offsetAt(tLocalMs);
    if (last && Math.floor(last.t / this.binMs) === bin) {
      if (theta > last.theta) {
        last.t = tLocalMs;
        last.theta = theta;
      } else refit = false;
    } else {
      this.pts.push({ t: tLocalMs, theta });
      if (this.pts.length > this.maxBins) this.pts.shift();
      refit = true;
    }
    if (refit) this.fit();
    return true;
  }

  private fit(): void {
    const p = this.pts;
    const n = p.length;
    this.tRef = p[n - 1].t;
    let b = this.b;
    if (n >= 2 && p[n - 1].t - p[0].t >= this.minSpan) {
      // Upper convex hull (monotone chain; points are in time order), then its edge over the mean time.
      const hull: Pt[] = [];
      for (const q of p) {
        while (hull.length >= 2) {
          const [o, m] = [hull[hull.length - 2], hull[hull.length - 1]];
          if ((m.t - o.t) * (q.theta - o.theta) - (m.theta - o.theta) * (q.t - o.t) >= 0) hull.pop();
          else break;
        }
        hull.push(q);
      }
      let mean = 0;
      for (const q of p) mean += q.t;
      mean /= n;
      for (let i = 1; i < hull.length; i++) {
        if (hull[i].t >= mean || i === hull.length - 1) {
          b = (hull[i].theta - hull[i - 1].theta) / (hull[i].t - hull[i - 1].t);
          break;
        }
      }
      b = Math.max(-this.maxDrift, Math.min(this.maxDrift, b));
    }
    // With the slope fixed, the envelope's height: no point above it.
    let a = -Infinity;
    for (const q of p) a = Math.max(a, q.theta - b * (q.t - this.tRef));
    // How far below the envelope a bin's least delayed message typically sits (the median:
    // a few messages delayed by a busy moment say nothing about the envelope itself).
    const below = p.map((q) => a + b * (q.t - this.tRef) - q.theta).sort((x, y) => x - y);
    this.spread = below[below.length >> 1];
    this.a = a;
    this.b = b;
    this.fitted = true;
  }

  /** Maps a sender time onto the local clock, ms; before any message, returns it unchanged. */
  toLocal(tRemoteMs: number): number {
    if (!this.fitted) return tRemoteMs;
    // tRemote = t + a + b (t − tRef)  ⇒  t = (tRemote − a + b·tRef) / (1 + b)
    return (tRemoteMs - this.a + this.b * this.tRef) / (1 + this.b);
  }

  uncertaintyAt(tLocal: number): number {
    return this.fitted ? this.spread + Math.abs(tLocal - this.lastT) * this.holdover : Infinity;
  }

  quality(tLocal: number): ArrivalSyncQuality | null {
    if (!this.fitted) return null;
    const u = this.uncertaintyAt(tLocal);
    return {
      offsetMs: this.offsetAt(tLocal),
      driftPpm: this.b * 1e6,
      uncertaintyMs: u,
      synchronised: u <= this.syncLimit,
      samples: this.samples,
      steps: this.steps,
    };
  }
}
