/**
 * Clinical entries must be plausible (issue 12 §4): an entry is dated between the case's start
 * (minus a lead, default 30 min: "patient in room" is often entered late, drugs given at
 * induction before the case was started on the hub) and now; numbers lie within a hard limit per
 * unit, and above a soft limit only when the person confirmed them (the entry then says so).
 * Limits are configurable; these defaults are generous adult values (docs/recording.md).
 */
import type { ResolvedFields } from './annotations';

export interface NumberLimit {
  /** Above this, only with confirmation. */
  soft: number;
  /** Above this, never. */
  hard: number;
}

export interface EntryPolicy {
  /** How long before the case's start an entry may be dated, ms. */
  leadMs: number;
  /** Bolus dose limits by unit (case-insensitive); units not listed get `otherDose`. */
  dose: Record<string, NumberLimit>;
  otherDose: NumberLimit;
  bloodLossMl: NumberLimit;
}

export const DEFAULT_ENTRY_POLICY: EntryPolicy = {
  leadMs: 30 * 60_000,
  dose: {
    mg: { soft: 5000, hard: 100_000 },
    mcg: { soft: 2000, hard: 100_000 },
    µg: { soft: 2000, hard: 100_000 },
    ug: { soft: 2000, hard: 100_000 },
    g: { soft: 10, hard: 200 },
    ml: { soft: 2000, hard: 20_000 },
    'ml/h': { soft: 1000, hard: 10_000 },
    iu: { soft: 50_000, hard: 1_000_000 },
    '[iu]': { soft: 50_000, hard: 1_000_000 },
    units: { soft: 50_000, hard: 1_000_000 },
    mmol: { soft: 200, hard: 2000 },
    meq: { soft: 200, hard: 2000 },
  },
  otherDose: { soft: 10_000, hard: 1_000_000 },
  bloodLossMl: { soft: 5000, hard: 100_000 },
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** An entry's check: refused (`confirm`: only until the person confirms the unusual number), or whether it needed that confirmation. */
export type EntryCheck = { ok: true; needsConfirmation: boolean } | { ok: false; error: string; confirm: boolean };

/**
 * Checks a resolved entry against the case's start and the limits. `confirmed`: the person was
 * shown that a number is unusual and confirmed it.
 */
export function checkEntry(f: ResolvedFields, caseStartMs: number, policy: EntryPolicy, confirmed: boolean): EntryCheck {
  const earliest = caseStartMs - policy.leadMs;
  if (f.tMs < earliest) {
    return {
      ok: false,
      error: `an entry cannot be dated before ${iso(earliest)} (the case started ${iso(caseStartMs)}, at most ${policy.leadMs / 60_000} min earlier)`,
      confirm: false,
    };
  }
  const check = (what: string, v: number, unit: string, lim: NumberLimit): EntryCheck => {
    if (v > lim.hard) return { ok: false, error: `${what} ${v} ${unit} is not plausible (at most ${lim.hard} ${unit})`, confirm: false };
    if (v > lim.soft && !confirmed)
      return { ok: false, error: `${what} ${v} ${unit} is above the usual ${lim.soft} ${unit}: confirm to record it`, confirm: true };
    return { ok: true, needsConfirmation: v > lim.soft };
  };
  if (f.kind === 'bolus') {
    const unit = String(f.data.unit);
    return check('a dose of', Number(f.data.dose), unit, policy.dose[unit.toLowerCase()] ?? policy.otherDose);
  }
  if (f.kind === 'blood-loss') return check('a blood loss of', Number(f.data.ml), 'ml', policy.bloodLossMl);
  return { ok: true, needsConfirmation: false };
}
