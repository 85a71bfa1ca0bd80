/**
 * Annotation entries, presets and the tamper-evident chain. Node-only for
 * sha256 (node:crypto) and the preset file; otherwise pure.
 *
 * Chain: hash = sha256hex(prevHash + canonicalJson(entry)), where entry holds
 * every stored field except the hashes, and the first prevHash is
 * sha256hex('or-hub/annotations/v1/' + caseId) so a chain cannot be moved to another case.
 */
import type { AnnotationRequest, AnnotationView, TeamMemberView } from '../../common/case-contract';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The standard moments of a case, always accepted as kinds. */
export const STANDARD_MOMENTS = [
  'patient-in-room',
  'anaesthesia-start',
  'time-out',
  'incision',
  'specimen-out',
  'closure-start',
  'anaesthesia-end',
  'patient-out',
] as const;

/** Kinds with their own fields; not usable as preset names. */
export const FREE_KINDS = ['note', 'bolus', 'blood-loss'] as const;

/** Role that needs no team entry: terminal/script integrations (e.g. a barcode scanner). */
export const INTEGRATION_ROLE = 'integration';

export interface Preset {
  kind: string;
  label: string;
  /** Keyboard shortcut as the display matches it, e.g. "Alt+3" or "F5". */
  shortcut: string;
}

export const DEFAULT_PRESETS: readonly Preset[] = [
  { kind: 'patient-in-room', label: 'Patient in room', shortcut: 'Alt+1' },
  { kind: 'anaesthesia-start', label: 'Anaesthesia start', shortcut: 'Alt+2' },
  { kind: 'time-out', label: 'Time-out', shortcut: 'Alt+3' },
  { kind: 'incision', label: 'Incision', shortcut: 'Alt+4' },
  { kind: 'specimen-out', label: 'Specimen out', shortcut: 'Alt+5' },
  { kind: 'closure-start', label: 'Closure start', shortcut: 'Alt+6' },
  { kind: 'anaesthesia-end', label: 'Anaesthesia end', shortcut: 'Alt+7' },
  { kind: 'patient-out', label: 'Patient out', shortcut: 'Alt+8' },
];

export const PRESETS_FILE = 'annotation-presets.json';

const KIND_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
const SHORTCUT_RE = /^((Ctrl|Alt|Shift|Meta)\+)*([A-Z0-9]|F([1-9]|1[0-2]))$/;

export type PresetsResult = { ok: true; value: Preset[] } | { ok: false; error: string };

/** Validates a parsed presets file: {"presets": [{"kind", "label", "shortcut"}]}. Never throws. */
export function validatePresets(raw: unknown): PresetsResult {
  const list = (raw as { presets?: unknown } | null)?.presets;
  if (!Array.isArray(list) || list.length > 64) return { ok: false, error: 'presets file must be {"presets": [...]} with at most 64 entries' };
  const kinds = new Set<string>();
  const keys = new Set<string>();
  const out: Preset[] = [];
  for (const [i, p] of list.entries()) {
    const e = p as Partial<Preset> | null;
    if (typeof e?.kind !== 'string' || !KIND_RE.test(e.kind)) return { ok: false, error: `preset ${i}: kind must match ${KIND_RE.source}` };
    if ((FREE_KINDS as readonly string[]).includes(e.kind)) return { ok: false, error: `preset ${i}: kind "${e.kind}" is reserved` };
    if (typeof e.label !== 'string' || e.label.length === 0 || e.label.length > 40) return { ok: false, error: `preset ${i}: label must be 1..40 characters` };
    if (typeof e.shortcut !== 'string' || !SHORTCUT_RE.test(e.shortcut))
      return { ok: false, error: `preset ${i}: shortcut "${String(e.shortcut)}" is not like Alt+1, Ctrl+Shift+I or F5` };
    if (kinds.has(e.kind)) return { ok: false, error: `preset ${i}: duplicate kind ${e.kind}` };
    if (keys.has(e.shortcut)) return { ok: false, error: `preset ${i}: duplicate shortcut ${e.shortcut}` };
    kinds.add(e.kind);
    keys.add(e.shortcut);
    out.push({ kind: e.kind, label: e.label, shortcut: e.shortcut });
  }
  return { ok: true, value: out };
}

/** Presets from `<dataDir>/annotation-presets.json`, or the defaults (with the reason) when absent or invalid. */
export function loadPresets(dataDir: string): { presets: Preset[]; error?: string } {
  const file = path.join(dataDir, PRESETS_FILE);
  if (!fs.existsSync(file)) return { presets: [...DEFAULT_PRESETS] };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { presets: [...DEFAULT_PRESETS], error: `${file}: ${(e as Error).message}; using the standard presets` };
  }
  const r = validatePresets(raw);
  return r.ok ? { presets: r.value } : { presets: [...DEFAULT_PRESETS], error: `${file}: ${r.error}; using the standard presets` };
}

export type TeamMember = TeamMemberView;

/** What a user or script submits: the display contract's request. */
export type AnnotationInput = AnnotationRequest;

/** Changes in an edit; omitted fields keep the previous version's value. */
export type AnnotationPatch = Partial<Pick<AnnotationInput, 'kind' | 'tMs' | 'text' | 'drug' | 'dose' | 'unit' | 'bloodLossMl' | 'confirmed'>>;

export type AnnotationAction = 'create' | 'edit' | 'delete';

/** One stored version, exactly the fields the hash covers plus the hashes: the display's view plus the chain. */
export interface AnnotationRecord extends AnnotationView {
  caseId: string;
  action: AnnotationAction;
  prevHash: string;
}

/** What annotate/edit/delete resolve with, once committed. */
export interface AnnotationAck {
  entryId: string;
  version: number;
  seq: number;
  tMs: number;
  hash: string;
  /** Set when the entry is committed but its head could not be anchored outside the file (chain-anchor.ts). */
  anchorError?: string;
}

/** JSON with object keys sorted at every level, no whitespace. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`canonicalJson: ${v} is not representable`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function sha256hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function genesisHash(caseId: string): string {
  return sha256hex(`or-hub/annotations/v1/${caseId}`);
}

export function hashRecord(r: Omit<AnnotationRecord, 'hash'>): string {
  const { prevHash, ...entry } = r;
  return sha256hex(prevHash + canonicalJson(entry));
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ResolvedFields {
  kind: string;
  tMs: number;
  text: string;
  data: Record<string, string | number>;
}

/** Kinds accepted for a case with these presets. */
export function knownKinds(presets: readonly Preset[]): Set<string> {
  return new Set<string>([...STANDARD_MOMENTS, ...FREE_KINDS, ...presets.map((p) => p.kind)]);
}

/** Validates kind-specific fields and resolves the time. Never throws. */
export function resolveFields(input: AnnotationPatch & { agoMs?: number }, presets: readonly Preset[], nowMs: number): Checked<ResolvedFields> {
  const kind = input.kind ?? '';
  if (!knownKinds(presets).has(kind)) return { ok: false, error: `unknown annotation kind "${kind}" (known: ${[...knownKinds(presets)].join(', ')})` };
  if (input.agoMs !== undefined && input.tMs !== undefined) return { ok: false, error: 'give either a time or "ago", not both' };
  if (input.agoMs !== undefined && !(Number.isFinite(input.agoMs) && input.agoMs >= 0)) return { ok: false, error: '"ago" must be a non-negative duration' };
  const tMs = input.tMs ?? nowMs - (input.agoMs ?? 0);
  if (!Number.isFinite(tMs)) return { ok: false, error: 'time must be a finite hub time in ms' };
  if (tMs > nowMs + 5000) return { ok: false, error: 'an annotation cannot be dated in the future' };
  const text = input.text ?? '';
  if (typeof text !== 'string' || text.length > 4000) return { ok: false, error: 'text must be at most 4000 characters' };
  const data: Record<string, string | number> = {};
  if (kind === 'note' && text.trim() === '') return { ok: false, error: 'a note needs text' };
  if (kind === 'bolus') {
    if (typeof input.drug !== 'string' || input.drug.trim() === '' || input.drug.length > 80)
      return { ok: false, error: 'a bolus needs a drug name (1..80 characters)' };
    if (typeof input.dose !== 'number' || !Number.isFinite(input.dose) || input.dose <= 0) return { ok: false, error: 'a bolus needs a dose greater than 0' };
    if (typeof input.unit !== 'string' || !/^[A-Za-zµμ/%.0-9[\]]{1,16}$/.test(input.unit))
      return { ok: false, error: 'a bolus needs a unit such as mg, mcg, g, ml, IU' };
    data.drug = input.drug.trim();
    data.dose = input.dose;
    data.unit = input.unit;
  } else if (input.drug !== undefined || input.dose !== undefined || input.unit !== undefined) {
    return { ok: false, error: 'drug, dose and unit belong to a bolus' };
  }
  if (kind === 'blood-loss') {
    const ml = input.bloodLossMl;
    if (typeof ml !== 'number' || !Number.isFinite(ml) || ml < 0 || ml > 100000) return { ok: false, error: 'blood loss needs millilitres, 0..100000' };
    data.ml = ml;
  } else if (input.bloodLossMl !== undefined) {
    return { ok: false, error: 'millilitres belong to a blood-loss entry' };
  }
  return { ok: true, value: { kind, tMs, text, data } };
}

/** Resolves who: the role must be on the team (or be "integration"); the name defaults to the team member's. */
export function resolveWho(role: string | undefined, name: string | undefined, team: readonly TeamMember[]): Checked<TeamMember> {
  if (typeof role !== 'string' || role.trim() === '') return { ok: false, error: 'who: a role is required' };
  if (role === INTEGRATION_ROLE) {
    if (typeof name !== 'string' || name.trim() === '') return { ok: false, error: 'who: the integration role needs a name (e.g. the scanner id)' };
    return { ok: true, value: { role, name } };
  }
  const members = team.filter((m) => m.role === role);
  if (members.length === 0)
    return {
      ok: false,
      error: `who: role "${role}" is not on this case's team (roles: ${[...new Set(team.map((m) => m.role))].join(', ') || 'none'}, or "${INTEGRATION_ROLE}")`,
    };
  if (name === undefined) return { ok: true, value: members[0] };
  const m = members.find((x) => x.name === name);
  if (!m) return { ok: false, error: `who: "${name}" is not the ${role} on this case's team` };
  return { ok: true, value: m };
}

/** Parses durations like "2m", "90s", "1h30m", "1500ms" to ms. */
export function parseDurationMs(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const v = Number(m[1]);
    total += m[2] === 'h' ? v * 3600000 : m[2] === 'm' ? v * 60000 : m[2] === 's' ? v * 1000 : v;
    matched = re.lastIndex;
  }
  return matched === s.length && s.length > 0 ? total : undefined;
}
