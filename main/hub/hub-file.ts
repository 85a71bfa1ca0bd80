/**
 * hub.json in the data dir tells local tools (`or-hub annotate`, a barcode-scanner script)
 * where the running hub is and its session token. Readable by the owner only (0600).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from './data-dir';

export interface HubFile {
  url: string;
  token: string;
  pid: number;
}

const NAME = 'hub.json';

export function writeHubFile(dataDir: string, f: HubFile): void {
  writePrivateFile(path.join(dataDir, NAME), JSON.stringify(f));
}

export function removeHubFile(dataDir: string, pid: number): void {
  const f = readHubFile(dataDir);
  if (f && f.pid === pid) fs.rmSync(path.join(dataDir, NAME), { force: true });
}

/** The hub file if present and its process is alive; null otherwise. */
export function readHubFile(dataDir: string): HubFile | null {
  try {
    const f = JSON.parse(fs.readFileSync(path.join(dataDir, NAME), 'utf8')) as HubFile;
    if (typeof f.url !== 'string' || typeof f.token !== 'string' || typeof f.pid !== 'number') return null;
    process.kill(f.pid, 0);
    return f;
  } catch {
    return null;
  }
}
