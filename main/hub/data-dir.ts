/**
 * Data at rest (issue 12 §5): the data dir holds patient recordings, keys and the display token,
 * so it is readable by the hub's user only. The hub's process creates everything with umask
 * 077 (folders 0700, files 0600, SQLite's -wal and -shm included), and at start it tightens
 * what an older version or another tool left wider. docs/recording.md says what a hospital adds
 * (disk encryption) and why the hub does not encrypt SQLite itself.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The data dir when none is given (`--data-dir`): .or-hub-data in the working folder. */
export const DEFAULT_DATA_DIR = path.join(process.cwd(), '.or-hub-data');

/** From now on this process creates files 0600 and folders 0700. */
export function privateUmask(): void {
  process.umask(0o077);
}

/**
 * Makes the data dir 0700 and every file below it 0600, every folder 0700 (not following links).
 * Returns how many modes it changed. Errors on single entries are skipped, not fatal.
 */
export function secureDataDir(dir: string): number {
  let changed = 0;
  const fix = (p: string, mode: number) => {
    try {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink() || (st.mode & 0o777) === mode) return;
      // Never widen: only take bits away (a file already 0400 stays so).
      fs.chmodSync(p, st.mode & mode & 0o777);
      changed++;
    } catch {
      // vanished or not ours: nothing to tighten
    }
  };
  const walk = (d: string, depth: number) => {
    fix(d, 0o700);
    if (depth > 4) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) fix(p, 0o600);
    }
  };
  walk(dir, 0);
  return changed;
}

/** Writes `text` to `file` (0600, its folder made) through a temporary file renamed into place: readers never see half of it. */
export function writePrivateFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file + '.tmp', text, { mode: 0o600 });
  fs.renameSync(file + '.tmp', file);
}
