/**
 * The limit rule of one numeric channel: a value outside its limits for the condition delay
 * raises an alarm (medium or the table's priority; beyond the extreme limits high); back
 * inside, it clears at once. Invalid values (NUM_STATUS_INVALID) neither raise nor clear:
 * they restart the delay (the signal-quality rule reports them). Pure: times are passed in.
 */
import type { LimitSpec } from './limits';

export type LimitDirection = 'low' | 'high';

export interface LimitViolation {
  dir: LimitDirection;
  priority: 'high' | 'medium' | 'low';
  text: string;
}

/** How a value stands against a channel's limits, ignoring the delay. */
export function violation(spec: LimitSpec, value: number): LimitViolation | null {
  const fmt = (v: number) => `${Number(v.toFixed(1))}`;
  if (spec.extremeLow !== null && value < spec.extremeLow)
    return { dir: 'low', priority: 'high', text: `${spec.label} EXTREMELY LOW ${fmt(value)} < ${spec.extremeLow}` };
  if (spec.extremeHigh !== null && value > spec.extremeHigh)
    return { dir: 'high', priority: 'high', text: `${spec.label} EXTREMELY HIGH ${fmt(value)} > ${spec.extremeHigh}` };
  if (spec.low !== null && value < spec.low) return { dir: 'low', priority: spec.priority, text: `${spec.label} LOW ${fmt(value)} < ${spec.low}` };
  if (spec.high !== null && value > spec.high) return { dir: 'high', priority: spec.priority, text: `${spec.label} HIGH ${fmt(value)} > ${spec.high}` };
  return null;
}

export class LimitRule {
  /** Direction out of range and since when (hub ms); null while in range. */
  private pending: { dir: LimitDirection; sinceMs: number } | null = null;
  /** The alarm currently asserted (after the delay). */
  active: LimitViolation | null = null;

  /**
   * Feeds one value at hub time tMs; returns the alarm to assert now (null: none).
   * `invalid`: the device flagged the value invalid.
   */
  update(spec: LimitSpec, value: number, tMs: number, invalid: boolean): LimitViolation | null {
    if (invalid || !Number.isFinite(value)) {
      this.pending = null;
      return this.active;
    }
    const v = violation(spec, value);
    if (!v) {
      this.pending = null;
      this.active = null;
      return null;
    }
    if (!this.pending || this.pending.dir !== v.dir) this.pending = { dir: v.dir, sinceMs: tMs };
    if (this.active?.dir === v.dir || tMs - this.pending.sinceMs >= spec.delayS * 1000) this.active = v;
    return this.active;
  }
}
