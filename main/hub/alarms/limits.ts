/**
 * Physiological alarm limits per channel: the adult defaults (docs/alarms.md has the same
 * table with its rationale) and the case's current limits, which the team changes on the
 * display (each change with who and when). Keyed by IEEE 11073 MDC reference id; units UCUM.
 */
import type { AlarmActor, AlarmLimitView, AlarmPriorityName } from '../../../common/display-contract';

/** One channel's limits: the display's view of them (common/display-contract.ts) without who changed them. */
export interface LimitSpec extends Omit<AlarmLimitView, 'priority' | 'changedBy'> {
  /** Priority of a violation of low/high. */
  priority: Exclude<AlarmPriorityName, 'info'>;
}

const L = (
  mdc: string,
  label: string,
  unit: string,
  low: number | null,
  high: number | null,
  extremeLow: number | null,
  extremeHigh: number | null,
  priority: LimitSpec['priority'],
  delayS: number,
): LimitSpec => ({ mdc, label, unit, low, high, extremeLow, extremeHigh, priority, delayS });

/** Adult defaults (docs/alarms.md, "Physiological limits"). */
export const ADULT_DEFAULTS: readonly LimitSpec[] = [
  L('MDC_ECG_HEART_RATE', 'HR', '/min', 50, 120, 30, 150, 'medium', 5),
  L('MDC_PULS_OXIM_SAT_O2', 'SpO2', '%', 90, null, 85, null, 'medium', 10),
  L('MDC_PRESS_BLD_ART_ABP_SYS', 'ABP sys', 'mm[Hg]', 90, 160, 70, 200, 'medium', 5),
  L('MDC_PRESS_BLD_ART_ABP_MEAN', 'ABP mean', 'mm[Hg]', 65, 110, 50, null, 'medium', 5),
  L('MDC_PRESS_BLD_NONINV_SYS', 'NIBP sys', 'mm[Hg]', 90, 160, 70, 200, 'medium', 0),
  L('MDC_AWAY_CO2_ET', 'EtCO2', 'mm[Hg]', 25, 50, 15, null, 'medium', 10),
  L('MDC_RESP_RATE', 'RR', '/min', 6, 30, null, null, 'medium', 15),
  L('MDC_TEMP_BODY', 'Temp', 'Cel', 35.5, 38.5, null, null, 'low', 30),
  L('MDC_PRESS_AWAY_INSP_PEAK', 'Ppeak', 'cm[H2O]', null, 35, null, 45, 'medium', 3),
  L('MDC_INSUF_PRESS', 'IAP', 'mm[Hg]', null, 15, null, 20, 'medium', 5),
];

export type LimitPatch = Partial<Pick<LimitSpec, 'low' | 'high' | 'extremeLow' | 'extremeHigh' | 'delayS'>>;

export class LimitError extends Error {
  override name = 'LimitError';
}

/** The case's limits: the adult defaults until someone changes one. */
export class LimitTable {
  private readonly specs = new Map<string, LimitSpec>();
  private readonly changedBy = new Map<string, AlarmActor>();

  constructor(defaults: readonly LimitSpec[] = ADULT_DEFAULTS) {
    for (const d of defaults) this.specs.set(d.mdc, { ...d });
  }

  get(mdc: string): LimitSpec | undefined {
    return this.specs.get(mdc);
  }

  /**
   * Changes the limits of one channel; throws LimitError naming what is wrong (unknown
   * channel, not a finite number, low above high, extreme inside the normal range).
   */
  set(mdc: string, patch: LimitPatch, who: AlarmActor): LimitSpec {
    const old = this.specs.get(mdc);
    if (!old) throw new LimitError(`alarm limits: no limits for channel ${mdc}`);
    for (const [k, v] of Object.entries(patch)) {
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new LimitError(`alarm limits: ${k} of ${mdc} must be a finite number or null`);
    }
    if (!who.who.trim()) throw new LimitError('alarm limits: who changed them must be given');
    const next: LimitSpec = { ...old, ...patch };
    if (next.delayS < 0 || next.delayS > 120) throw new LimitError(`alarm limits: delayS of ${mdc} must be within 0-120 s`);
    if (next.low !== null && next.high !== null && next.low >= next.high)
      throw new LimitError(`alarm limits: low (${next.low}) must be below high (${next.high}) for ${mdc}`);
    if (next.extremeLow !== null && next.low !== null && next.extremeLow > next.low)
      throw new LimitError(`alarm limits: extremeLow must not be above low for ${mdc}`);
    if (next.extremeHigh !== null && next.high !== null && next.extremeHigh < next.high)
      throw new LimitError(`alarm limits: extremeHigh must not be below high for ${mdc}`);
    this.specs.set(mdc, next);
    this.changedBy.set(mdc, who);
    return next;
  }

  views(): AlarmLimitView[] {
    return [...this.specs.values()].map((s) => ({ ...s, changedBy: this.changedBy.get(s.mdc) ?? null }));
  }
}
