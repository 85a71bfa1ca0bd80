/**
 * Where DICOM files come from: a folder (walked recursively), a DICOMDIR (PS3.10 media
 * directory: the files its IMAGE/... records reference), or a single file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DicomError } from './errors';
import { parseBytes } from './parse';

export interface FileList {
  files: string[];
  /** Files that cannot be read at all (e.g. referenced by a DICOMDIR but absent). */
  missing: Array<{ file: string; reason: string }>;
  /** FIFOs, devices and sockets found: skipped, never opened (opening a FIFO waits for a writer). */
  special: Array<{ file: string; reason: string }>;
  warnings: string[];
  kind: 'folder' | 'dicomdir' | 'file';
}

/** What kind of special file a stat or directory entry is, or null for a regular file or folder. */
export function specialKind(e: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string | null {
  if (e.isFIFO()) return 'FIFO (named pipe)';
  if (e.isSocket()) return 'socket';
  if (e.isCharacterDevice()) return 'character device';
  if (e.isBlockDevice()) return 'block device';
  return null;
}

/**
 * Opens a file for reading only if it is a regular file. O_NONBLOCK makes the open of a FIFO
 * return at once instead of waiting for a writer; the fstat then refuses it. (For regular files
 * O_NONBLOCK changes nothing.)
 */
export function openRegular(file: string): number {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const st = fs.fstatSync(fd);
  if (st.isFile()) return fd;
  fs.closeSync(fd);
  throw new DicomError('SPECIAL', file, `${specialKind(st) ?? 'not a regular file'}: skipped, not read`);
}

/**
 * All regular files under `dir`, sorted, following no symlinked directories twice. Synchronous
 * calls (a folder of a few hundred files lists in well under a millisecond, where each async
 * call waits for a thread-pool round trip), with a pause for the event loop every 64 folders.
 */
export async function walkFolder(dir: string, signal?: AbortSignal, special: FileList['special'] = []): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  let folders = 0;
  async function walk(d: string): Promise<void> {
    if (signal?.aborted) throw new DicomError('ABORTED', d, 'aborted');
    if (++folders % 64 === 0) await new Promise<void>((r) => setImmediate(r));
    let real: string;
    try {
      real = fs.realpathSync(d);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const entries = fs.readdirSync(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
      else if (specialKind(e)) special.push({ file: p, reason: `${specialKind(e)}: skipped, not read` });
      else if (e.isSymbolicLink()) {
        let st: fs.Stats | undefined;
        try {
          st = fs.statSync(p);
        } catch {
          st = undefined;
        }
        if (st?.isDirectory()) await walk(p);
        else if (st?.isFile()) out.push(p);
        else if (st && specialKind(st)) special.push({ file: p, reason: `${specialKind(st)} (through a link): skipped, not read` });
      }
    }
  }
  await walk(dir);
  return out;
}

/** Resolve a DICOMDIR ReferencedFileID relative to the DICOMDIR's folder, tolerating case changes. */
function resolveReferenced(baseDir: string, parts: string[]): string | undefined {
  const direct = path.join(baseDir, ...parts);
  if (fs.existsSync(direct)) return direct;
  let cur = baseDir;
  for (const part of parts) {
    let names: string[];
    try {
      names = fs.readdirSync(cur);
    } catch {
      return undefined;
    }
    const hit = names.find((n) => n.toLowerCase() === part.toLowerCase());
    if (!hit) return undefined;
    cur = path.join(cur, hit);
  }
  return cur;
}

/** True when the file is a DICOMDIR (Media Storage Directory) by name or content. */
export function looksLikeDicomdir(file: string): boolean {
  try {
    const fd = openRegular(file);
    try {
      const buf = Buffer.alloc(512);
      const n = fs.readSync(fd, buf, 0, 512, 0);
      return buf.subarray(0, n).includes('1.2.840.10008.1.3.10');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The files a DICOMDIR references, in record order. */
export function readDicomdir(file: string): FileList {
  const fd = openRegular(file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(fd));
  } finally {
    fs.closeSync(fd);
  }
  const parsed = parseBytes(bytes, file, false);
  const ds = parsed.dataSet;
  const seq = ds.elements.x00041220;
  const warnings = [...parsed.warnings];
  if (!seq) throw new DicomError('MALFORMED', file, 'DICOMDIR has no DirectoryRecordSequence (0004,1220)');
  const baseDir = path.dirname(file);
  const files: string[] = [];
  const missing: FileList['missing'] = [];
  const seen = new Set<string>();
  for (const item of seq.items ?? []) {
    const rec = item.dataSet;
    if (!rec) continue;
    const ref = rec.string('x00041500');
    if (!ref) continue;
    const parts = ref
      .split('\\')
      .map((p) => p.trim())
      .filter(Boolean);
    let resolved = resolveReferenced(baseDir, parts);
    if (!resolved && parts.length > 1) {
      // Some exports write IDs relative to a parent folder; try the last component beside the DICOMDIR.
      resolved = resolveReferenced(baseDir, parts.slice(-1));
    }
    const shown = path.join(baseDir, ...parts);
    if (!resolved) {
      missing.push({ file: shown, reason: `referenced by DICOMDIR (${ref}) but not found` });
      continue;
    }
    if (!seen.has(resolved)) {
      seen.add(resolved);
      files.push(resolved);
    }
  }
  if (!files.length && !missing.length) warnings.push('DICOMDIR references no files');
  return { files, missing, special: [], warnings, kind: 'dicomdir' };
}

/** Files for a local path: folder, DICOMDIR or single file. */
export async function listLocal(p: string, signal?: AbortSignal): Promise<FileList> {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new DicomError('IO', p, `cannot open: ${(e as Error).message}`);
  }
  if (st.isDirectory()) {
    const special: FileList['special'] = [];
    const files = await walkFolder(p, signal, special);
    return { files, missing: [], special, warnings: [], kind: 'folder' };
  }
  const kind = specialKind(st);
  if (kind) return { files: [], missing: [], special: [{ file: p, reason: `${kind}: skipped, not read` }], warnings: [], kind: 'file' };
  if (looksLikeDicomdir(p)) return readDicomdir(p);
  return { files: [p], missing: [], special: [], warnings: [], kind: 'file' };
}
