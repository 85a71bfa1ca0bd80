/** Where recordings live in a data dir, and how case ids are made. */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError } from './connection';

export const RECORDINGS_DIR = 'recordings';
export const RECORDING_EXT = '.orrec';

/** Case ids: sortable, readable, unique enough for one data dir: 20260102-130405-5f3a9c (UTC). */
export function newCaseId(nowMs: number): string {
  const d = new Date(nowMs);
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
  return `${date}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomUUID().slice(0, 6)}`;
}

export function recordingPath(dataDir: string, caseId: string): string {
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(caseId)) throw new StoreError(`recordingPath: bad case id "${caseId}"`, 'REC_BAD_ID');
  return path.join(dataDir, RECORDINGS_DIR, caseId + RECORDING_EXT);
}

/** Recording files in a data dir, sorted by name (= by creation time). */
export function listRecordingFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, RECORDINGS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(RECORDING_EXT))
    .sort()
    .map((f) => path.join(dir, f));
}
