/**
 * How a registration is told to people, the same on the hub (its refusals and the case record)
 * and on the display (the anatomy area's readout). Pure.
 */
import type { RegistrationView } from './anatomy-contract';

/** "12 s", "12 min", "2 h 05 min" (ms; negative clock skew reads as 0 s). */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

export const freText = (mm: number): string => `${mm.toFixed(2)} mm`;

/** One line naming a registration: its label, FRE, age at `nowMs` (hub time) and who made it. */
export function registrationSummary(r: RegistrationView, nowMs: number): string {
  const who = r.by ? ` by ${r.by.name} (${r.by.role})` : '';
  return `${r.label}, FRE ${freText(r.freMm)}, registered ${ageText(nowMs - r.createdHubMs)} ago${who}`;
}
