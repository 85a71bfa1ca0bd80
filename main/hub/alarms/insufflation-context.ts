/**
 * Context rule: insufflation pressure over its limit together with a falling EtCO2 (by at
 * least 5 mm[Hg] from its maximum over the last 2 min) or a rising airway pressure (peak
 * pressure at least 5 cm[H2O] above its minimum over the last 2 min) is one combined high
 * alarm (possible CO2 embolism or compromised ventilation), shown in place of the
 * insufflation-pressure alarm.
 */
export const TREND_WINDOW_MS = 120_000;
export const ETCO2_DROP_MMHG = 5;
export const PAW_RISE_CMH2O = 5;

/** A bounded window of (time, value) pairs, with its extremes. */
export class TrendWindow {
  private readonly t: number[] = [];
  private readonly v: number[] = [];

  push(tMs: number, value: number): void {
    this.t.push(tMs);
    this.v.push(value);
    while (this.t.length && this.t[0] < tMs - TREND_WINDOW_MS) {
      this.t.shift();
      this.v.shift();
    }
  }

  get latest(): number | undefined {
    return this.v[this.v.length - 1];
  }

  /** Drop of the latest value below the window's maximum (0 when empty). */
  fall(): number {
    return this.v.length ? Math.max(...this.v) - this.v[this.v.length - 1] : 0;
  }

  /** Rise of the latest value above the window's minimum. */
  rise(): number {
    return this.v.length ? this.v[this.v.length - 1] - Math.min(...this.v) : 0;
  }
}

export class InsufflationContext {
  readonly etco2 = new TrendWindow();
  readonly paw = new TrendWindow();

  /** The combined alarm's text, or null when the insufflation alarm stands alone. */
  combined(iapOverLimit: boolean): string | null {
    if (!iapOverLimit) return null;
    const why: string[] = [];
    if (this.etco2.fall() >= ETCO2_DROP_MMHG) why.push(`EtCO2 falling (-${this.etco2.fall().toFixed(0)} mmHg)`);
    if (this.paw.rise() >= PAW_RISE_CMH2O) why.push(`airway pressure rising (+${this.paw.rise().toFixed(0)} cmH2O)`);
    return why.length ? `IAP OVER LIMIT with ${why.join(' and ')}: possible CO2 embolism / ventilation compromise` : null;
  }
}
