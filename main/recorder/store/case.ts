/** The case itself: `case_info` (one row), `team`, and `patient` (identifiers, kept apart). */
import * as fs from 'node:fs';
import type { TeamMember } from '../annotations';
import { type Connection, StoreError, sqlTable } from './connection';

export type CaseState = 'created' | 'recording' | 'ended';

export interface PatientIdentifiers {
  identifier?: string;
  name?: string;
  birthDate?: string;
  sex?: string;
  extra?: Record<string, string>;
}

export interface CaseMeta {
  procedure: string;
  room?: string;
  team?: TeamMember[];
  patient?: PatientIdentifiers;
  meta?: Record<string, unknown>;
}

/** A case as stored; every `*Ms` is hub time (Unix ms on the hub's clock). */
export interface CaseInfo {
  id: string;
  procedure: string;
  room: string;
  state: CaseState;
  createdMs: number;
  startedMs: number | null;
  endedMs: number | null;
  lastDataMs: number | null;
  team: TeamMember[];
  meta: Record<string, unknown>;
}

/** What a case list shows of a case besides its id. */
export type CaseHeadline = Pick<CaseInfo, 'procedure' | 'room' | 'state' | 'createdMs' | 'startedMs' | 'endedMs'>;

export function caseHeadline(c: CaseInfo): CaseHeadline {
  return { procedure: c.procedure, room: c.room, state: c.state, createdMs: c.createdMs, startedMs: c.startedMs, endedMs: c.endedMs };
}

export const CASE_SQL = sqlTable('case', {
  insertCase: 'INSERT INTO case_info (id, procedure, room, state, created_ms, meta_json) VALUES (?, ?, ?, ?, ?, ?)',
  insertMember: 'INSERT OR IGNORE INTO team (role, name) VALUES (?, ?)',
  caseInfo: 'SELECT * FROM case_info LIMIT 1',
  team: 'SELECT role, name FROM team ORDER BY role, name',
  startRecording: "UPDATE case_info SET state = 'recording', started_ms = COALESCE(started_ms, ?)",
  end: "UPDATE case_info SET state = 'ended', ended_ms = ?",
  setState: 'UPDATE case_info SET state = ?',
  touchData: 'UPDATE case_info SET last_data_ms = MAX(COALESCE(last_data_ms, ?), ?)',
  setPatient: 'INSERT OR REPLACE INTO patient (id, identifier, name, birth_date, sex, extra_json) VALUES (1, ?, ?, ?, ?, ?)',
  patient: 'SELECT * FROM patient WHERE id = 1',
  erasePatient: 'DELETE FROM patient',
});

interface CaseRowDb {
  id: string;
  procedure: string;
  room: string;
  state: CaseState;
  created_ms: number;
  started_ms: number | null;
  ended_ms: number | null;
  last_data_ms: number | null;
  meta_json: string;
}

export function createCase(c: Connection, file: string, id: string, meta: CaseMeta, nowMs: number): CaseInfo {
  if (typeof meta.procedure !== 'string' || meta.procedure.trim() === '') throw new StoreError('createCase: a procedure name is required', 'REC_BAD_CASE');
  c.transaction(() => {
    c.prepare(CASE_SQL.insertCase).run(id, meta.procedure.trim(), meta.room ?? '', 'created', nowMs, JSON.stringify(meta.meta ?? {}));
    for (const m of meta.team ?? []) {
      if (typeof m.role !== 'string' || m.role.trim() === '' || typeof m.name !== 'string') {
        throw new StoreError('createCase: each team member needs a role and a name', 'REC_BAD_CASE');
      }
      c.prepare(CASE_SQL.insertMember).run(m.role.trim(), m.name.trim());
    }
    if (meta.patient) setPatient(c, meta.patient);
  });
  return caseInfo(c, file);
}

/** The case row; `file` names the recording in the error when it holds none. */
export function caseInfo(c: Connection, file: string): CaseInfo {
  const r = c.prepare(CASE_SQL.caseInfo).get() as CaseRowDb | undefined;
  if (!r) throw new StoreError(`${file} holds no case`, 'REC_NO_CASE');
  return {
    id: r.id,
    procedure: r.procedure,
    room: r.room,
    state: r.state,
    createdMs: r.created_ms,
    startedMs: r.started_ms,
    endedMs: r.ended_ms,
    lastDataMs: r.last_data_ms,
    team: team(c),
    meta: JSON.parse(r.meta_json) as Record<string, unknown>,
  };
}

export function team(c: Connection): TeamMember[] {
  return c.prepare(CASE_SQL.team).all() as TeamMember[];
}

/** 'recording' sets started_ms once; 'ended' sets ended_ms. */
export function setState(c: Connection, state: CaseState, nowMs: number): void {
  if (state === 'recording') c.prepare(CASE_SQL.startRecording).run(nowMs);
  else if (state === 'ended') c.prepare(CASE_SQL.end).run(nowMs);
  else c.prepare(CASE_SQL.setState).run(state);
}

/** Raises last_data_ms to tMs (never lowers it). */
export function touchData(c: Connection, tMs: number): void {
  c.prepare(CASE_SQL.touchData).run(tMs, tMs);
}

export function setPatient(c: Connection, p: PatientIdentifiers): void {
  c.prepare(CASE_SQL.setPatient).run(p.identifier ?? '', p.name ?? '', p.birthDate ?? '', p.sex ?? '', JSON.stringify(p.extra ?? {}));
}

export function patient(c: Connection): PatientIdentifiers | undefined {
  const r = c.prepare(CASE_SQL.patient).get() as { identifier: string; name: string; birth_date: string; sex: string; extra_json: string } | undefined;
  if (!r) return undefined;
  return { identifier: r.identifier, name: r.name, birthDate: r.birth_date, sex: r.sex, extra: JSON.parse(r.extra_json) as Record<string, string> };
}

/** Writes a copy of the recording without patient identifiers (erased, not just unlinked). */
export function exportWithoutPatient(c: Connection, dest: string): void {
  if (fs.existsSync(dest)) throw new StoreError(`exportWithoutPatient: ${dest} exists`, 'REC_EXISTS');
  c.scrubbedCopy(dest, [CASE_SQL.erasePatient]);
}
