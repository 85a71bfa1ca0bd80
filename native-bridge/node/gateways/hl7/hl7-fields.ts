/**
 * Safe field access on @medplum/core's parsed HL7 v2 messages (its getField returns undefined
 * past the last field), and HL7 escape sequences (HL7 v2.6 §2.7.4), which it leaves as written.
 */
import type { Hl7Segment } from '@medplum/core';

/** Field `i` of a segment as written ('' when absent). */
export function field(seg: Hl7Segment | undefined, i: number): string {
  return seg?.getField(i)?.toString() ?? '';
}

/** Component `c` (1-based) of field `i`, unescaped and trimmed ('' when absent). */
export function comp(seg: Hl7Segment | undefined, i: number, c: number): string {
  return unescapeHl7(seg?.getField(i)?.getComponent(c) ?? '').trim();
}

const UNESCAPE: Record<string, string> = { F: '|', S: '^', T: '&', R: '~', E: '\\' };

/** Resolves \F\ \S\ \T\ \R\ \E\ (and drops formatting escapes such as \H\ or \.br\). */
export function unescapeHl7(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([^\\]{1,16})\\/g, (_m, k: string) => UNESCAPE[k] ?? '');
}

/** Escapes a text for an HL7 v2 field (default delimiters). */
export function escapeHl7(s: string): string {
  return s.replace(/[\\|^&~]/g, (c) => `\\${({ '\\': 'E', '|': 'F', '^': 'S', '&': 'T', '~': 'R' } as Record<string, string>)[c]}\\`).replace(/[\r\n]+/g, ' ');
}
