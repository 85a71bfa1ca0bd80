/**
 * The review cache: min/max pyramids (pyramid.ts) of a case's trend channels, kept in a
 * SQLite file of its own, outside the case file (which review never writes). One file per
 * case: `<cacheDir>/<caseId>.review.sqlite`; it is only a cache, rebuilt whenever it is
 * missing, unreadable, of another version, or names another case. When the cache directory
 * cannot be written, the cache lives in memory for the session.
 *
 * Buckets are stored in chunks of CHUNK consecutive buckets per (channel, level): min then
 * max as float64 little-endian, NaN for empty buckets. A query reads only the chunks it needs.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LEVELS, type Pyramid } from './pyramid';

export const CACHE_VERSION = 1;
export const CHUNK = 256;

/** Where a recording's review cache goes: DATA_DIR/review-cache for a file in DATA_DIR/recordings, else the temp dir. */
export function defaultCacheDir(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return path.basename(dir) === 'recordings' ? path.join(path.dirname(dir), 'review-cache') : path.join(os.tmpdir(), 'or-hub-review-cache');
}

export interface BucketChunk {
  first: number;
  min: Float64Array;
  max: Float64Array;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS covered (channel_id INTEGER PRIMARY KEY, covered_to REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
  channel_id INTEGER NOT NULL, level INTEGER NOT NULL, chunk INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (channel_id, level, chunk)
) WITHOUT ROWID;
`;

function decodeChunk(chunk: number, data: Buffer): BucketChunk {
  const f = new Float64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return { first: chunk * CHUNK, min: f.subarray(0, CHUNK), max: f.subarray(CHUNK) };
}

export class ReviewCache {
  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {}

  /** Opens (or starts afresh) the cache of one case. */
  static open(cacheDir: string, caseId: string, createdMs: number): ReviewCache {
    const file = path.join(cacheDir, `${caseId}.review.sqlite`);
    const key = JSON.stringify({ version: CACHE_VERSION, caseId, createdMs });
    const attempt = (f: string): ReviewCache => {
      const db = new Database(f);
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = OFF'); // a cache: a lost write is rebuilt
        db.exec(SCHEMA);
        const cur = db.prepare("SELECT value FROM meta WHERE key = 'key'").get() as { value: string } | undefined;
        if (cur?.value !== key) {
          db.exec('DELETE FROM chunks; DELETE FROM covered; DELETE FROM meta;');
          db.prepare("INSERT INTO meta (key, value) VALUES ('key', ?)").run(key);
        }
        return new ReviewCache(db, f);
      } catch (e) {
        db.close();
        throw e;
      }
    };
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      return attempt(file);
    } catch {
      try {
        fs.rmSync(file, { force: true });
        return attempt(file);
      } catch {
        return attempt(':memory:');
      }
    }
  }

  close(): void {
    this.db.close();
  }

  /** Newest sample time already folded in for a channel; -Infinity when none. */
  coveredTo(channelId: number): number {
    const r = this.db.prepare('SELECT covered_to FROM covered WHERE channel_id = ?').get(channelId) as { covered_to: number } | undefined;
    return r ? r.covered_to : -Infinity;
  }

  /** Merges a pyramid of new samples into the stored one (min of mins, max of maxes) and records its coverage. */
  merge(channelId: number, p: Pyramid): void {
    const get = this.db.prepare('SELECT data FROM chunks WHERE channel_id = ? AND level = ? AND chunk = ?');
    const put = this.db.prepare('INSERT OR REPLACE INTO chunks (channel_id, level, chunk, data) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (let l = 0; l < LEVELS; l++) {
        const lv = p.trimmed(l);
        if (lv.min.length === 0) continue;
        const c0 = Math.floor(lv.first / CHUNK);
        const c1 = Math.floor((lv.first + lv.min.length - 1) / CHUNK);
        for (let c = c0; c <= c1; c++) {
          const row = get.get(channelId, l, c) as { data: Buffer } | undefined;
          const buf = row
            ? new Float64Array(row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength))
            : new Float64Array(2 * CHUNK).fill(NaN);
          for (let k = Math.max(lv.first, c * CHUNK); k < Math.min(lv.first + lv.min.length, (c + 1) * CHUNK); k++) {
            const j = k - lv.first;
            const i = k - c * CHUNK;
            if (Number.isNaN(lv.min[j])) continue;
            if (!(buf[i] <= lv.min[j])) buf[i] = lv.min[j];
            if (!(buf[CHUNK + i] >= lv.max[j])) buf[CHUNK + i] = lv.max[j];
          }
          put.run(channelId, l, c, Buffer.from(buf.buffer));
        }
      }
      this.db.prepare('INSERT OR REPLACE INTO covered (channel_id, covered_to) VALUES (?, ?)').run(channelId, p.coveredTo);
    })();
  }

  /** The stored chunks of a channel's level that hold buckets first..last. */
  chunks(channelId: number, level: number, first: number, last: number): BucketChunk[] {
    const rows = this.db
      .prepare('SELECT chunk, data FROM chunks WHERE channel_id = ? AND level = ? AND chunk BETWEEN ? AND ? ORDER BY chunk')
      .all(channelId, level, Math.floor(first / CHUNK), Math.floor(last / CHUNK)) as { chunk: number; data: Buffer }[];
    return rows.map((r) => decodeChunk(r.chunk, r.data));
  }
}
