/**
 * The annotation ledger: `annotations` is append-only (triggers refuse UPDATE and
 * DELETE); every create, edit and delete adds a version, chained by hash to the
 * previous entry (annotations.ts defines the record and its hash).
 */
import { checkEntry, DEFAULT_ENTRY_POLICY, type EntryPolicy } from '../entry-policy';
import { anchoredHead, HEADS_FILE, type AnchoredHead } from './chain-anchor';
import { randomUUID } from 'node:crypto';
import {
  type AnnotationAck,
  type AnnotationAction,
  type AnnotationInput,
  type AnnotationPatch,
  type AnnotationRecord,
  type Preset,
  genesisHash,
  hashRecord,
  resolveFields,
  resolveWho,
} from '../annotations';
import { caseInfo } from './case';
import { type Connection, StoreError, sqlTable } from './connection';

export type LedgerOp =
  | { action: 'create'; input: AnnotationInput }
  | { action: 'edit'; entryId: string; patch: AnnotationPatch; role: string; name?: string }
  | { action: 'delete'; entryId: string; role: string; name?: string; reason?: string };

export const LEDGER_SQL = sqlTable('annotations', {
  latestVersion: 'SELECT * FROM annotations WHERE entry_id = ? ORDER BY version DESC LIMIT 1',
  chainHead: 'SELECT seq, hash FROM annotations ORDER BY seq DESC LIMIT 1',
  insert:
    'INSERT INTO annotations (seq, entry_id, version, action, kind, t_ms, recorded_ms, role, name, text, data_json, prev_hash, hash) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  history: 'SELECT * FROM annotations ORDER BY seq',
  entryHistory: 'SELECT * FROM annotations WHERE entry_id = ? ORDER BY seq',
  written: "SELECT seq FROM sqlite_sequence WHERE name = 'annotations'",
});

interface AnnotationRowDb {
  seq: number;
  entry_id: string;
  version: number;
  action: AnnotationAction;
  kind: string;
  t_ms: number;
  recorded_ms: number;
  role: string;
  name: string;
  text: string;
  data_json: string;
  prev_hash: string;
  hash: string;
}

type Fields = { kind: string; tMs: number; text: string; data: Record<string, string | number> };

function bad(error: string): StoreError {
  return new StoreError(error, 'REC_BAD_ANNOTATION');
}

/** The fields of the next version of an existing entry (edit merges the patch; delete keeps the content). */
function nextFields(prev: AnnotationRowDb, op: Exclude<LedgerOp, { action: 'create' }>, presets: readonly Preset[], nowMs: number): Fields {
  const prevData = JSON.parse(prev.data_json) as Record<string, string | number>;
  if (op.action === 'delete') return { kind: prev.kind, tMs: prev.t_ms, text: op.reason ?? '', data: prevData };
  // An edit keeps the kind: a "bolus" is not turned into a "time-out" (delete it and add the right one).
  if (op.patch.kind !== undefined && op.patch.kind !== prev.kind)
    throw bad(`an edit keeps the kind of the entry ("${prev.kind}"): delete it and add a new one instead`);
  const merged = {
    kind: op.patch.kind ?? prev.kind,
    tMs: op.patch.tMs ?? prev.t_ms,
    text: op.patch.text ?? prev.text,
    drug: op.patch.drug ?? (prevData.drug as string | undefined),
    dose: op.patch.dose ?? (prevData.dose as number | undefined),
    unit: op.patch.unit ?? (prevData.unit as string | undefined),
    bloodLossMl: op.patch.bloodLossMl ?? (prevData.ml as number | undefined),
  };
  if (merged.kind !== 'bolus') merged.drug = merged.dose = merged.unit = undefined;
  if (merged.kind !== 'blood-loss') merged.bloodLossMl = undefined;
  // Checked against now, not against the entry's own time: an edit cannot move an entry into the future.
  const f = resolveFields(merged, presets, nowMs);
  if (!f.ok) throw bad(f.error);
  return f.value;
}

/**
 * Appends one annotation version under BEGIN IMMEDIATE, chaining it to the
 * newest stored hash (so concurrent writers such as the CLI stay in one chain).
 * Committed with synchronous=FULL: acknowledged means on disk.
 */
export function appendAnnotation(
  c: Connection,
  file: string,
  op: LedgerOp,
  presets: readonly Preset[],
  nowMs: number,
  policy: EntryPolicy = DEFAULT_ENTRY_POLICY,
): AnnotationAck {
  const info = caseInfo(c, file);
  return c.durableImmediate((): AnnotationAck => {
    const w = op.action === 'create' ? resolveWho(op.input.role, op.input.name, info.team) : resolveWho(op.role, op.name, info.team);
    if (!w.ok) throw bad(w.error);
    let entryId: string;
    let version: number;
    let fields: Fields;
    if (op.action === 'create') {
      const f = resolveFields(op.input, presets, nowMs);
      if (!f.ok) throw bad(f.error);
      fields = f.value;
      entryId = randomUUID();
      version = 1;
    } else {
      const prev = c.prepare(LEDGER_SQL.latestVersion).get(op.entryId) as AnnotationRowDb | undefined;
      if (!prev) throw new StoreError(`no annotation ${op.entryId}`, 'REC_NOT_FOUND');
      if (prev.action === 'delete') throw bad(`annotation ${op.entryId} is deleted`);
      entryId = op.entryId;
      version = prev.version + 1;
      fields = nextFields(prev, op, presets, nowMs);
    }
    const confirmed = (op.action === 'create' ? op.input.confirmed : op.action === 'edit' ? op.patch.confirmed : false) === true;
    if (op.action !== 'delete') {
      const p = checkEntry(fields, info.startedMs ?? info.createdMs, policy, confirmed);
      if (!p.ok) throw p.confirm ? new StoreError(p.error, 'REC_CONFIRM') : bad(p.error);
      if (p.needsConfirmation) fields = { ...fields, data: { ...fields.data, confirmed: 1 } };
    }
    const last = c.prepare(LEDGER_SQL.chainHead).get() as { seq: number; hash: string } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    const rec: Omit<AnnotationRecord, 'hash'> = {
      seq,
      caseId: info.id,
      entryId,
      version,
      action: op.action,
      kind: fields.kind,
      tMs: fields.tMs,
      recordedMs: nowMs,
      role: w.value.role,
      name: w.value.name,
      text: fields.text,
      data: fields.data,
      prevHash: last?.hash ?? genesisHash(info.id),
    };
    const hash = hashRecord(rec);
    const { action, kind, tMs, recordedMs, role, name, text, prevHash } = rec;
    c.prepare(LEDGER_SQL.insert).run(seq, entryId, version, action, kind, tMs, recordedMs, role, name, text, JSON.stringify(rec.data), prevHash, hash);
    return { entryId, version, seq, tMs: rec.tMs, hash };
  });
}

/** Every stored version in chain order (of one entry, when given). */
export function annotationHistory(c: Connection, file: string, entryId?: string): AnnotationRecord[] {
  const caseId = caseInfo(c, file).id;
  const rows = (entryId === undefined ? c.prepare(LEDGER_SQL.history).all() : c.prepare(LEDGER_SQL.entryHistory).all(entryId)) as AnnotationRowDb[];
  return rows.map((r) => ({
    seq: r.seq,
    caseId,
    entryId: r.entry_id,
    version: r.version,
    action: r.action,
    kind: r.kind,
    tMs: r.t_ms,
    recordedMs: r.recorded_ms,
    role: r.role,
    name: r.name,
    text: r.text,
    data: JSON.parse(r.data_json) as Record<string, string | number>,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/** The latest version of each entry that is not deleted, by event time. */
export function currentAnnotations(c: Connection, file: string): AnnotationRecord[] {
  const latest = new Map<string, AnnotationRecord>();
  for (const r of annotationHistory(c, file)) latest.set(r.entryId, r);
  return [...latest.values()].filter((r) => r.action !== 'delete').sort((a, b) => a.tMs - b.tMs || a.seq - b.seq);
}

/** Checks the annotation chain: links, hashes, sequence, versions, and entries removed from the end. */
export interface ChainCheck {
  ok: boolean;
  entries: number;
  problems: string[];
  /** Not failures: e.g. entries newer than the anchored head, or no anchor at all (an older recording). */
  warnings: string[];
  /** The newest entry's sequence number and hash (what `recordings show` prints). */
  head: { seq: number; hash: string } | null;
  /** The head anchored outside the case file (chain-anchor.ts), if any. */
  anchored: AnchoredHead | null;
}

export function verifyAnnotations(c: Connection, file: string): ChainCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  let caseId: string;
  try {
    caseId = caseInfo(c, file).id;
  } catch (e) {
    return { ok: false, entries: 0, problems: [(e as Error).message], warnings, head: null, anchored: null };
  }
  const rows = annotationHistory(c, file);
  let prev = genesisHash(caseId);
  const versions = new Map<string, number>();
  rows.forEach((r, i) => {
    if (r.seq !== i + 1) problems.push(`entry seq ${r.seq}: expected seq ${i + 1} (an entry is missing)`);
    if (r.prevHash !== prev) problems.push(`entry seq ${r.seq}: previous-hash link broken`);
    const { hash, ...rest } = r;
    if (hashRecord(rest) !== hash) problems.push(`entry seq ${r.seq}: content does not match its hash (altered)`);
    const v = versions.get(r.entryId) ?? 0;
    if (r.version !== v + 1) problems.push(`entry seq ${r.seq}: version ${r.version} of ${r.entryId} follows version ${v}`);
    if ((r.version === 1) !== (r.action === 'create')) problems.push(`entry seq ${r.seq}: action ${r.action} at version ${r.version}`);
    versions.set(r.entryId, r.version);
    prev = hash;
  });
  const sq = c.prepare(LEDGER_SQL.written).get() as { seq: number } | undefined;
  if (sq && sq.seq !== rows.length) problems.push(`the chain has ${rows.length} entries but ${sq.seq} were written (entries removed from the end)`);
  const last = rows.at(-1);
  const head = last ? { seq: last.seq, hash: last.hash } : null;
  const anchored = anchoredHead(file, caseId);
  if (anchored) {
    const at = rows.find((r) => r.seq === anchored.seq);
    const when = new Date(anchored.atMs).toISOString();
    // (Entries cut from the end are reported once, by the written-count check above.)
    if (!at) {
      if (!(sq && sq.seq > rows.length)) problems.push(`the head anchored on ${when} (entry seq ${anchored.seq}) is not in the chain (entries removed)`);
    } else if (at.hash !== anchored.hash)
      problems.push(`entry seq ${anchored.seq} does not match the head anchored on ${when} in ${HEADS_FILE} (the chain was rewritten)`);
    if (rows.length > anchored.seq) warnings.push(`${rows.length - anchored.seq} newest entries are not anchored yet`);
  } else if (rows.length) warnings.push(`no head anchored in ${HEADS_FILE}: only the chain's own links were checked`);
  return { ok: problems.length === 0, entries: rows.length, problems, warnings, head, anchored };
}
