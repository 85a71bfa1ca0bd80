/**
 * Maps an alarm-board entry onto the engine's condition: the hub's limit alarm and a
 * device's own alarm for the same condition get the same condition id, so they are one
 * alarm with both sources. Device alarm codes are device-specific, so the mapping reads
 * the channel the alarm is on and its text: "LOW"/"HIGH" on a channel → that channel's
 * low/high condition; "ASYSTOLE" → the device's asystole condition; equipment wording
 * (occlusion, fault, failure, error, battery, disconnected) → a technical alarm
 * ("equipment fault reported by a device"). Anything else keeps its board key.
 */
import type { AlarmEntry, AlarmKind } from '../alarm-board';

export interface Condition {
  id: string;
  kind: AlarmKind;
}

/** The code of the insufflation context rule's entry (insufflation-context.ts); it shares the IAP-high condition. */
export const COMBINED_CODE = 'insufflation-combined';
const EQUIPMENT = /occlu|fault|fail|error|battery|disconnect|malfunction/i;

export function conditionOf(e: AlarmEntry): Condition {
  if (e.kind === 'technical') return { id: e.key, kind: 'technical' };
  if (e.code === COMBINED_CODE) return { id: `${e.source}/${e.channel}/high`, kind: 'physiological' };
  if (e.code === 'limit-low' || e.code === 'limit-high') return { id: `${e.source}/${e.channel}/${e.code.slice(6)}`, kind: 'physiological' };
  if (e.code === 'asystole' || /asystole/i.test(e.text)) return { id: `${e.source}/asystole`, kind: 'physiological' };
  if (EQUIPMENT.test(e.text)) return { id: e.key, kind: 'technical' };
  if (e.channel >= 0 && /\blow\b/i.test(e.text)) return { id: `${e.source}/${e.channel}/low`, kind: 'physiological' };
  if (e.channel >= 0 && /\bhigh\b/i.test(e.text)) return { id: `${e.source}/${e.channel}/high`, kind: 'physiological' };
  return { id: e.key, kind: e.kind };
}

/** True for the hub's own entries (its rules), as opposed to what a device or service reported. */
export function isHubRule(e: AlarmEntry): boolean {
  return e.code.startsWith('limit-') || e.code === COMBINED_CODE || e.source === 'hub';
}
