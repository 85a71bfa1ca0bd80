/**
 * Tests only: a plain SQLite connection to a recording file, below RecordingStore,
 * to inspect rows the store does not expose or to tamper with a file the way an
 * attacker with file access could.
 */
import Database from 'better-sqlite3';

export function withRawDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}

/** EXPLAIN QUERY PLAN details of sql, with every `?` bound to 0. */
export function queryPlan(db: Database.Database, sql: string): string[] {
  const params = (sql.match(/\?/g) ?? []).map(() => 0);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}
