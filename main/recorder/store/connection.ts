/**
 * One SQLite connection to a recording file, its statement cache, and the
 * catalogue of every statement the store prepares.
 *
 * Statements are data: each table family declares its SQL once with `sqlTable()`,
 * which freezes it and registers it in `STORE_SQL`; `Connection.prepare()` only takes
 * such statements, so the query-plan test (store.test.ts) EXPLAINs exactly what runs.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migrate } from '../schema';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    message: string,
    readonly code: string = 'REC_STORE',
  ) {
    super(message);
  }
}

declare const sqlBrand: unique symbol;
/** SQL text declared in a statement table (the only text `Connection.prepare` accepts). */
export type Sql = string & { readonly [sqlBrand]: true };

const registry = new Map<string, Sql>();
const declared = new Set<string>();

/** Every statement the store can prepare, as `family.name` -> SQL. Filled as the table modules load. */
export const STORE_SQL: ReadonlyMap<string, Sql> = registry;

/** Declares a family's statements: frozen, registered in STORE_SQL under `family.key`. */
export function sqlTable<K extends string>(family: string, table: Record<K, string>): Readonly<Record<K, Sql>> {
  for (const [k, sql] of Object.entries(table) as [string, string][]) {
    const name = `${family}.${k}`;
    if (registry.has(name)) throw new Error(`sqlTable: ${name} declared twice`);
    registry.set(name, sql as Sql);
    declared.add(sql);
  }
  return Object.freeze({ ...table }) as Readonly<Record<K, Sql>>;
}

export class Connection {
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  /** Opens (and migrates, when writable) a recording file. `create` allows a new file. */
  static open(file: string, opts: { readonly?: boolean; create?: boolean } = {}): Connection {
    const readonly = opts.readonly ?? false;
    if (!opts.create && !fs.existsSync(file)) throw new StoreError(`no recording file ${file}`, 'REC_NOT_FOUND');
    if (opts.create) fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file, { readonly, fileMustExist: !opts.create });
    try {
      db.pragma('busy_timeout = 5000');
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        // NORMAL in WAL: a commit survives a process crash (SIGKILL); annotations switch to FULL.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db);
      }
    } catch (e) {
      db.close();
      throw e;
    }
    return new Connection(db);
  }

  close(): void {
    this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** The cached prepared statement for a catalogued SQL text. */
  prepare(sql: Sql): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      if (!declared.has(sql)) throw new StoreError(`Connection.prepare: statement not declared with sqlTable(): ${sql}`, 'REC_INTERNAL');
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * Runs fn under BEGIN IMMEDIATE (so concurrent writers serialise) and commits
   * with synchronous=FULL: when it returns, the commit is on disk.
   */
  durableImmediate<T>(fn: () => T): T {
    const run = this.db.transaction(fn);
    this.db.pragma('synchronous = FULL');
    try {
      return run.immediate();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Sets PRAGMA max_page_count (pages ≤ 0: the SQLite maximum); returns the value in force. Used to simulate a full disk. */
  setMaxPageCount(pages: number): number {
    return this.db.pragma(`max_page_count = ${pages > 0 ? Math.floor(pages) : 4294967294}`, { simple: true }) as number;
  }

  /**
   * Writes a compacted copy to dest (VACUUM INTO), runs `scrub` on the copy with
   * secure_delete on, and vacuums it again, so scrubbed rows leave no trace in its pages.
   */
  scrubbedCopy(dest: string, scrub: readonly Sql[]): void {
    this.db.prepare('VACUUM INTO ?').run(dest);
    const copy = new Database(dest);
    try {
      copy.pragma('secure_delete = ON');
      for (const sql of scrub) copy.exec(sql);
      copy.exec('VACUUM');
    } finally {
      copy.close();
    }
  }
}
