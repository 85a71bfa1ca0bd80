/**
 * The annotation chain's head, anchored outside the case file (issue 12 §5): after every
 * committed annotation the case id, sequence number and hash of the newest entry are appended to
 * `annotation-heads.log` in the data dir (one JSON line each, append-only, fsynced, 0600). A
 * rewrite of the whole chain with recomputed hashes then no longer matches the anchored head, so
 * `or-hub verify` detects it. Someone who can also rewrite this log can hide a rewrite: a hospital
 * that needs more keeps the heads elsewhere too (`or-hub recordings show` prints the head).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RECORDINGS_DIR } from './paths';

export const HEADS_FILE = 'annotation-heads.log';

export interface AnchoredHead {
  caseId: string;
  seq: number;
  hash: string;
  /** Hub clock (Unix ms) of the commit. */
  atMs: number;
}

/** Where the heads of the case file `file` are anchored: the data dir of DATA/recordings/ID.orrec, else beside the file. */
export function headsFileFor(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return path.join(path.basename(dir) === RECORDINGS_DIR ? path.dirname(dir) : dir, HEADS_FILE);
}

/** Appends one head (durably: the line is on disk when this returns). */
export function anchorHead(file: string, head: AnchoredHead): void {
  const fd = fs.openSync(headsFileFor(file), 'a', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(head) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The newest head anchored for `caseId`, or null when none is (or the log cannot be read). */
export function anchoredHead(file: string, caseId: string): AnchoredHead | null {
  let text: string;
  try {
    text = fs.readFileSync(headsFileFor(file), 'utf8');
  } catch {
    return null;
  }
  let found: AnchoredHead | null = null;
  for (const line of text.split('\n')) {
    if (!line.includes(caseId)) continue;
    try {
      const h = JSON.parse(line) as AnchoredHead;
      if (h.caseId === caseId && Number.isInteger(h.seq) && typeof h.hash === 'string' && (!found || h.seq >= found.seq)) found = h;
    } catch {
      // a torn last line after a crash: the heads before it still count
    }
  }
  return found;
}
