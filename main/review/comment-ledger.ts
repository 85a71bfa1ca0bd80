/**
 * Reviewers' comments on a case, kept apart from the team's intra-operative entries: one ledger
 * per case in DATA_DIR/review/<caseId>.comments.sqlite, never in the case file (review never
 * writes it). Tamper-evident the way the team's annotations are (main/recorder/annotations.ts):
 * each comment's hash is SHA-256 of the previous hash and the comment's canonical JSON, the chain
 * starts from the genesis hash of `review:<caseId>`, and after each comment the head is anchored
 * (chain-anchor.ts) in DATA_DIR/review/annotation-heads.log, so rewriting the whole ledger with
 * recomputed hashes is detected too.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { ReviewCommentView } from '../../common/review-contract';
import { genesisHash, hashRecord } from '../recorder/annotations';
import { anchorHead, anchoredHead } from '../recorder/store/chain-anchor';
import { ReviewError } from './session';

export const REVIEW_DIR = 'review';
const MAX_TEXT = 4000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS comments (
  seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, t_ms REAL NOT NULL, recorded_ms REAL NOT NULL,
  role TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`;

/** The chain's id: distinct from the case's own annotation chain, so a team entry can never pass for a review comment. */
const chainId = (caseId: string) => `review:${caseId}`;

/** What is hashed: the comment in the shape of the team's annotation records (hashRecord's input), kind "review-comment". */
function hashOf(c: Omit<ReviewCommentView, 'hash'>): string {
  const { seq, caseId, tMs, recordedMs, role, name, text, prevHash } = c;
  return hashRecord({
    seq,
    caseId: chainId(caseId),
    entryId: `review-${seq}`,
    version: 1,
    action: 'create',
    kind: 'review-comment',
    tMs,
    recordedMs,
    role,
    name,
    text,
    data: {},
    prevHash,
  });
}

export interface CommentInput {
  tMs: number;
  text: string;
  role: string;
  name: string;
}

export class CommentLedger {
  private readonly db: Database.Database;
  readonly file: string;

  /** Opens (creating when `create`) the ledger of `caseId` under dataDir. Throws ENOENT-like when absent and not creating. */
  private constructor(
    file: string,
    private readonly caseId: string,
  ) {
    this.file = file;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  static fileFor(dataDir: string, caseId: string): string {
    return path.join(dataDir, REVIEW_DIR, `${caseId}.comments.sqlite`);
  }

  static open(dataDir: string, caseId: string): CommentLedger {
    const file = CommentLedger.fileFor(dataDir, caseId);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    return new CommentLedger(file, caseId);
  }

  close(): void {
    this.db.close();
  }

  list(): ReviewCommentView[] {
    const rows = this.db.prepare('SELECT * FROM comments ORDER BY seq').all() as Record<string, string | number>[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      caseId: String(r.case_id),
      tMs: Number(r.t_ms),
      recordedMs: Number(r.recorded_ms),
      role: String(r.role),
      name: String(r.name),
      text: String(r.text),
      prevHash: String(r.prev_hash),
      hash: String(r.hash),
    }));
  }

  /** Appends a comment (durably, then anchors the new head). */
  add(input: CommentInput, nowMs = Date.now()): ReviewCommentView {
    const text = input.text.trim();
    if (!text) throw new ReviewError('comment: text is empty', 'REVIEW_BAD_COMMENT');
    if (text.length > MAX_TEXT) throw new ReviewError(`comment: text over ${MAX_TEXT} characters`, 'REVIEW_BAD_COMMENT');
    if (!input.role.trim() || !input.name.trim()) throw new ReviewError('comment: role and name (who writes it) are required', 'REVIEW_BAD_COMMENT');
    if (!Number.isFinite(input.tMs)) throw new ReviewError('comment: t is not an instant', 'REVIEW_BAD_TIME');
    const c = this.db.transaction(() => {
      const last = this.db.prepare('SELECT seq, hash FROM comments ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const body = {
        seq: (last?.seq ?? 0) + 1,
        caseId: this.caseId,
        tMs: input.tMs,
        recordedMs: nowMs,
        role: input.role.trim(),
        name: input.name.trim(),
        text,
        prevHash: last?.hash ?? genesisHash(chainId(this.caseId)),
      };
      const row = { ...body, hash: hashOf(body) };
      this.db
        .prepare('INSERT INTO comments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(row.seq, row.caseId, row.tMs, row.recordedMs, row.role, row.name, row.text, row.prevHash, row.hash);
      return row;
    })();
    anchorHead(this.file, { caseId: chainId(this.caseId), seq: c.seq, hash: c.hash, atMs: nowMs });
    return c;
  }

  /** Checks the chain: every hash recomputed, every link, and the newest head against the anchored one. */
  verify(comments = this.list()): { ok: boolean; error?: string } {
    let prev = genesisHash(chainId(this.caseId));
    for (const c of comments) {
      if (c.prevHash !== prev) return { ok: false, error: `comment ${c.seq}: not chained to the one before it` };
      const { hash, ...rest } = c;
      if (hashOf(rest) !== hash) return { ok: false, error: `comment ${c.seq}: its hash does not match its content (altered)` };
      prev = hash;
    }
    const head = anchoredHead(this.file, chainId(this.caseId));
    const last = comments.at(-1);
    if (head && (!last || last.seq < head.seq)) return { ok: false, error: `comments after ${last?.seq ?? 0} were removed (anchored head: ${head.seq})` };
    if (head && last && comments.find((c) => c.seq === head.seq)?.hash !== head.hash)
      return { ok: false, error: `comment ${head.seq} differs from its anchored head (ledger rewritten)` };
    return { ok: true };
  }
}
