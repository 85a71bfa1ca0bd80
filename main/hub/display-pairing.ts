/**
 * Display pairing that survives restarts (issue 13 §1): the display token, and the port the
 * display server had, kept in DATA_DIR/display.json (0600). A hub started on the same data dir
 * serves the same URL, so a display paired once stays paired; `or-hub display-token rotate`
 * writes a new token, which a running hub picks up (it watches the file) and then refuses every
 * display open with the old one (close code 4401).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from './data-dir';
import { newToken } from './server';

export interface DisplayPairing {
  /** The display session token (base64url, 32 chars). */
  token: string;
  /** The display server port the hub last served, or null before a first start. */
  port: number | null;
  /** When the token was made (Unix ms). */
  createdMs: number;
}

const NAME = 'display.json';

export function pairingPath(dataDir: string): string {
  return path.join(dataDir, NAME);
}

/** The stored pairing; null when there is none, and an Error naming the file when it is unreadable. */
export function readPairing(dataDir: string): DisplayPairing | null {
  const p = pairingPath(dataDir);
  let raw: string;
  try {
    raw = fs.readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let f: Partial<DisplayPairing>;
  try {
    f = JSON.parse(raw) as Partial<DisplayPairing>;
  } catch {
    throw new Error(`${p} is not JSON: remove it (a new display token is then made) or run "or-hub display-token rotate"`);
  }
  if (typeof f.token !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(f.token)) throw new Error(`${p}: "token" is missing or malformed`);
  const port = typeof f.port === 'number' && Number.isInteger(f.port) && f.port > 0 && f.port < 65536 ? f.port : null;
  return { token: f.token, port, createdMs: typeof f.createdMs === 'number' ? f.createdMs : 0 };
}

export function writePairing(dataDir: string, p: DisplayPairing): void {
  writePrivateFile(pairingPath(dataDir), JSON.stringify(p));
}

/** The stored pairing, made (a new token) and stored when there is none. */
export function loadOrCreatePairing(dataDir: string): DisplayPairing {
  const have = readPairing(dataDir);
  if (have) return have;
  const p = { token: newToken(), port: null, createdMs: Date.now() };
  writePairing(dataDir, p);
  return p;
}

/** Replaces the token (the port is kept); returns the new pairing. */
export function rotatePairing(dataDir: string): DisplayPairing {
  const old = readPairing(dataDir);
  const p = { token: newToken(), port: old?.port ?? null, createdMs: Date.now() };
  writePairing(dataDir, p);
  return p;
}

/**
 * Calls `onToken` when the token in the file changes: the file is read every `intervalMs` (a few
 * hundred bytes; works on every filesystem, sees a rename into place, and has no start-up window
 * in which a change could be missed, as a stat watcher's first baseline has). Returns a stop function.
 */
export function watchPairing(dataDir: string, current: string, onToken: (token: string) => void, intervalMs = 250): () => void {
  let known = current;
  const check = () => {
    let p: DisplayPairing | null;
    try {
      p = readPairing(dataDir);
    } catch {
      return; // half-written or damaged: keep the token we have
    }
    if (p && p.token !== known) {
      known = p.token;
      onToken(p.token);
    }
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
