/**
 * Simulated patient physiology for the built-in operating room. Pure and deterministic
 * (seeded), so tests can check that waveforms and numerics agree: the heart rate reported
 * is the rate of the QRS complexes drawn, ABP sys/dia are the extremes of the drawn beats,
 * EtCO2 is the plateau of the drawn capnogram.
 * Times are in seconds of simulated time (t ≥ 0).
 */

/** mulberry32: small, fast, seedable PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal from a uniform source (Box–Muller). */
export function gauss(u: () => number): number {
  const a = Math.max(u(), 1e-12);
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
}

export interface Beat {
  /** Time of the R peak, s. */
  tR: number;
  /** R-R interval that ends at this beat, s (time since the previous R). */
  rr: number;
  /** Systolic and diastolic arterial pressure for this beat, mmHg. */
  sys: number;
  dia: number;
}

export interface Breath {
  /** Start of expiration, s. */
  tStart: number;
  /** Breath period, s. */
  period: number;
  /** End-tidal CO2 plateau, mmHg. */
  etco2: number;
}

export interface PatientParams {
  seed: number;
  /** Mean heart rate, /min. */
  hr: number;
  /** Respiratory (ventilator) rate, /min. */
  rr: number;
  sys: number;
  dia: number;
  etco2: number;
}

export const DEFAULT_PATIENT: PatientParams = { seed: 42, hr: 72, rr: 12, sys: 118, dia: 72, etco2: 36 };

/** Gaussian wave component of the ECG, relative to the R peak. */
interface Wave {
  /** centre relative to R, s (T scales with sqrt(RR), Bazett). */
  at: number;
  amp: number;
  width: number;
  qtScaled?: boolean;
}

const ECG_WAVES: Wave[] = [
  { at: -0.17, amp: 0.12, width: 0.022 }, // P
  { at: -0.028, amp: -0.12, width: 0.009 }, // Q
  { at: 0, amp: 1.25, width: 0.0105 }, // R
  { at: 0.03, amp: -0.28, width: 0.011 }, // S
  { at: 0.26, amp: 0.32, width: 0.048, qtScaled: true }, // T
];

/**
 * Beat-by-beat cardiorespiratory model. Query times must be non-decreasing
 * (it generates beats and breaths lazily and forgets old ones).
 */
export class Patient {
  private readonly u: () => number;
  private readonly beats: Beat[] = [];
  private readonly breaths: Breath[] = [];
  private hrMean: number;
  private sysMean: number;
  private etco2Mean: number;
  /** Completed beats (R peak at or before the latest query), oldest first; kept for numerics. */
  readonly recentBeats: Beat[] = [];
  readonly recentBreaths: Breath[] = [];

  constructor(readonly params: PatientParams = DEFAULT_PATIENT) {
    this.u = rng(params.seed);
    this.hrMean = params.hr;
    this.sysMean = params.sys;
    this.etco2Mean = params.etco2;
    this.beats.push({ tR: 0.3, rr: 60 / params.hr, sys: params.sys, dia: params.dia });
    this.breaths.push({ tStart: 0, period: 60 / params.rr, etco2: params.etco2 });
  }

  /** Steers the mean heart rate (e.g. the demo's events). */
  setHeartRate(hr: number): void {
    this.hrMean = hr;
  }

  /** Moves the rate the mean heart rate returns to (a scenario: e.g. tachycardia), /min. */
  setHeartRateTarget(hr: number): void {
    this.hrTarget = hr;
    this.hrMean = hr;
  }

  private hrTarget: number | null = null;

  private nextBeat(): void {
    const last = this.beats[this.beats.length - 1];
    // Slow bounded random walk of the mean, respiratory sinus arrhythmia and beat noise.
    this.hrMean += gauss(this.u) * 0.15 + ((this.hrTarget ?? this.params.hr) - this.hrMean) * 0.01;
    const rsa = 0.035 * Math.sin((2 * Math.PI * last.tR) / (60 / this.params.rr));
    const rr = (60 / this.hrMean) * (1 + rsa + 0.012 * gauss(this.u));
    this.sysMean += gauss(this.u) * 0.4 + (this.params.sys - this.sysMean) * 0.02;
    const sys = this.sysMean + 3 * rsa * 20 + gauss(this.u) * 1.2;
    const dia = this.params.dia + (sys - this.params.sys) * 0.45 + gauss(this.u) * 0.8;
    this.beats.push({ tR: last.tR + rr, rr, sys, dia });
  }

  private nextBreath(): void {
    const last = this.breaths[this.breaths.length - 1];
    this.etco2Mean += gauss(this.u) * 0.1 + (this.params.etco2 - this.etco2Mean) * 0.05;
    this.breaths.push({ tStart: last.tStart + last.period, period: 60 / this.params.rr, etco2: this.etco2Mean + gauss(this.u) * 0.3 });
  }

  /** Ensures beats cover [t - 1.2 s, t + 1.2 s] and moves completed ones into recentBeats. */
  private advance(t: number): void {
    while (this.beats[this.beats.length - 1].tR < t + 1.2) this.nextBeat();
    while (this.beats.length > 2 && this.beats[1].tR < t - 1.2) this.beats.shift();
    while (this.breaths[this.breaths.length - 1].tStart < t + 1) this.nextBreath();
    while (this.breaths.length > 2 && this.breaths[1].tStart + this.breaths[1].period < t - 1) this.breaths.shift();
    // Completed beats: R at or before t.
    const lastDone = this.recentBeats[this.recentBeats.length - 1];
    for (const b of this.beats) if (b.tR <= t && (!lastDone || b.tR > lastDone.tR)) this.recentBeats.push(b);
    while (this.recentBeats.length > 32) this.recentBeats.shift();
    const lastBr = this.recentBreaths[this.recentBreaths.length - 1];
    for (const b of this.breaths) if (b.tStart + b.period <= t && (!lastBr || b.tStart > lastBr.tStart)) this.recentBreaths.push(b);
    while (this.recentBreaths.length > 8) this.recentBreaths.shift();
  }

  /** ECG lead II in mV. */
  ecg(t: number): number {
    this.advance(t);
    let v = 0;
    for (const b of this.beats) {
      const d = t - b.tR;
      if (d < -0.35 || d > 0.7) continue;
      const qt = Math.sqrt(b.rr);
      for (const w of ECG_WAVES) {
        const c = w.qtScaled ? w.at * qt : w.at;
        const x = (d - c) / w.width;
        v += w.amp * Math.exp(-0.5 * x * x);
      }
    }
    // Baseline wander with respiration, small mains-free noise.
    return v + 0.04 * Math.sin((2 * Math.PI * t) / (60 / this.params.rr)) + 0.006 * gauss(this.u);
  }

  /** Beat whose pulse influences time t (the latest R at least `delay` s before t). */
  private beatFor(t: number, delay: number): Beat | undefined {
    let found: Beat | undefined;
    for (const b of this.beats) if (b.tR + delay <= t) found = b;
    return found;
  }

  /** Arterial pressure in mmHg: systolic upstroke ~150 ms after R, dicrotic notch, diastolic decay. */
  abp(t: number): number {
    this.advance(t);
    const b = this.beatFor(t, 0.15);
    if (!b) return this.params.dia;
    const idx = this.beats.indexOf(b);
    const next = this.beats[idx + 1];
    const d = t - b.tR - 0.15;
    const pulse = abpShape(d, b.rr);
    // Diastolic decay from this beat's dia toward the next beat's dia.
    const diaNow = next ? b.dia + (next.dia - b.dia) * Math.min(1, d / b.rr) : b.dia;
    return diaNow + (b.sys - b.dia) * pulse;
  }

  /** Plethysmogram, arbitrary unit 0..1: pulse arrives ~250 ms after R. */
  pleth(t: number): number {
    this.advance(t);
    const b = this.beatFor(t, 0.25);
    if (!b) return 0.2;
    const d = t - b.tR - 0.25;
    return 0.15 + 0.8 * plethShape(d, b.rr);
  }

  /** Capnogram in mmHg: inspiration baseline 0, expiratory upstroke and sloped plateau. */
  co2(t: number): number {
    this.advance(t);
    let br = this.breaths[0];
    for (const b of this.breaths) if (b.tStart <= t) br = b;
    const d = t - br.tStart;
    const exp = br.period * 0.62; // expiration share at I:E 1:1.6
    if (d < 0) return 0;
    if (d < exp) {
      const up = 1 - Math.exp(-d / 0.09);
      const plateau = 0.92 + 0.08 * (d / exp);
      return br.etco2 * up * plateau;
    }
    const di = d - exp;
    return br.etco2 * Math.exp(-di / 0.06);
  }

  /** Heart rate from the R-R intervals of the last 8 completed beats, /min. */
  heartRate(): number {
    const beats = this.recentBeats.slice(-8);
    if (beats.length < 2) return this.params.hr;
    const span = beats[beats.length - 1].tR - beats[0].tR;
    return (60 * (beats.length - 1)) / span;
  }

  /** ABP sys/dia/mean over the last 4 completed beats (as drawn: max and min of each beat's curve). */
  abpNumerics(): { sys: number; dia: number; mean: number } {
    const beats = this.recentBeats.slice(-4);
    if (beats.length === 0) return { sys: this.params.sys, dia: this.params.dia, mean: (this.params.sys + 2 * this.params.dia) / 3 };
    const sys = beats.reduce((s, b) => s + b.sys, 0) / beats.length;
    const dia = beats.reduce((s, b) => s + b.dia, 0) / beats.length;
    return { sys, dia, mean: dia + (sys - dia) * ABP_MEAN_FRACTION };
  }

  etco2(): number {
    const b = this.recentBreaths[this.recentBreaths.length - 1];
    return b ? b.etco2 : this.params.etco2;
  }

  respRate(): number {
    const b = this.recentBreaths[this.recentBreaths.length - 1];
    return b ? 60 / b.period : this.params.rr;
  }
}

/** Normalised arterial pulse 0..1 at d seconds after the upstroke starts. */
export function abpShape(d: number, rr: number): number {
  if (d < 0) return 0;
  const up = d < 0.09 ? Math.sin((Math.PI / 2) * (d / 0.09)) : 1;
  const sysDecay = d < 0.09 ? 1 : Math.exp(-(d - 0.09) / 0.16);
  const notch = -0.12 * Math.exp(-0.5 * ((d - 0.3) / 0.018) ** 2) + 0.1 * Math.exp(-0.5 * ((d - 0.34) / 0.035) ** 2);
  const tail = Math.max(0, 1 - d / Math.max(rr, 0.3));
  return Math.max(0, Math.min(1, up * (0.7 * sysDecay + 0.3 * tail) + notch * (d > 0.2 ? 1 : 0)));
}

/** Fraction of pulse pressure above diastolic that gives the mean for abpShape (≈ 1/3, measured). */
export const ABP_MEAN_FRACTION = 0.36;

export function plethShape(d: number, rr: number): number {
  if (d < 0) return 0;
  const rise = 0.12;
  const s = d < rise ? Math.sin((Math.PI / 2) * (d / rise)) ** 2 : Math.exp(-(d - rise) / (0.35 * rr));
  const bump = 0.15 * Math.exp(-0.5 * ((d - 0.38) / 0.05) ** 2);
  return Math.min(1, s + bump);
}
