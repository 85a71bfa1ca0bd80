/**
 * The recordings catalogue for the review screen: every case file in a data dir (finished and
 * running), each opened read-only, with search by date, room, procedure, team member and
 * marker kind. Entries are cached per file by size and modification time (the -wal file's
 * too), so listing a large archive again re-reads only what changed.
 */
import fs from 'node:fs';
import { type CaseHeadline, type CaseState, RecordingStore, caseHeadline, listRecordingFiles } from '../recorder/store';

export interface CatalogueEntry extends CaseHeadline {
  id: string;
  file: string;
  /** End, or newest data for a running case, or start. */
  lastMs: number;
  team: { role: string; name: string }[];
  /** Kinds of the case's current (not deleted) annotations, with counts. */
  markerKinds: Record<string, number>;
  bytes: number;
}

export interface CatalogueQuery {
  /** Cases overlapping [fromMs, toMs] (hub time). */
  fromMs?: number;
  toMs?: number;
  /** Case-insensitive substring of the room. */
  room?: string;
  /** Case-insensitive substring of the procedure. */
  procedure?: string;
  /** Case-insensitive substring of a team member's name or role. */
  member?: string;
  /** A marker kind the case must have (e.g. "incision"). */
  markerKind?: string;
  state?: CaseState;
}

export interface CatalogueResult {
  entries: CatalogueEntry[];
  /** Files that could not be read, with why. */
  unreadable: { file: string; error: string }[];
}

const cache = new Map<string, { stamp: string; entry: CatalogueEntry }>();

function stamp(file: string): string {
  const parts = ['', '-wal'].map((s) => {
    try {
      const st = fs.statSync(file + s);
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return '-';
    }
  });
  return parts.join('/');
}

/** One file's entry (cached while the file is unchanged). */
export function catalogueEntry(file: string): CatalogueEntry {
  const st = stamp(file);
  const hit = cache.get(file);
  if (hit && hit.stamp === st) return hit.entry;
  const s = RecordingStore.open(file, { readonly: true });
  try {
    const c = s.caseInfo();
    const markerKinds: Record<string, number> = {};
    for (const a of s.currentAnnotations()) markerKinds[a.kind] = (markerKinds[a.kind] ?? 0) + 1;
    const start = c.startedMs ?? c.createdMs;
    const entry: CatalogueEntry = {
      id: c.id,
      file,
      ...caseHeadline(c),
      lastMs: Math.max(start, c.endedMs ?? c.lastDataMs ?? start),
      team: c.team,
      markerKinds,
      bytes: fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0),
    };
    cache.set(file, { stamp: st, entry });
    return entry;
  } finally {
    s.close();
  }
}

const has = (hay: string, needle: string | undefined) => needle === undefined || hay.toLowerCase().includes(needle.toLowerCase());

export function matches(e: CatalogueEntry, q: CatalogueQuery): boolean {
  const start = e.startedMs ?? e.createdMs;
  if (q.fromMs !== undefined && e.lastMs < q.fromMs) return false;
  if (q.toMs !== undefined && start > q.toMs) return false;
  if (q.state !== undefined && e.state !== q.state) return false;
  if (!has(e.room, q.room) || !has(e.procedure, q.procedure)) return false;
  if (q.member !== undefined && !e.team.some((m) => has(m.name, q.member) || has(m.role, q.member))) return false;
  if (q.markerKind !== undefined && !(e.markerKinds[q.markerKind] > 0)) return false;
  return true;
}

/** The cases in a data dir matching a query, newest first. */
export function searchRecordings(dataDir: string, q: CatalogueQuery = {}): CatalogueResult {
  const entries: CatalogueEntry[] = [];
  const unreadable: CatalogueResult['unreadable'] = [];
  for (const f of listRecordingFiles(dataDir)) {
    try {
      const e = catalogueEntry(f);
      if (matches(e, q)) entries.push(e);
    } catch (e) {
      unreadable.push({ file: f, error: (e as Error).message });
    }
  }
  entries.sort((a, b) => b.createdMs - a.createdMs);
  return { entries, unreadable };
}
