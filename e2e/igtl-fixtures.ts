/**
 * OpenIGTLink test fixtures: PLUS sequence metafiles (.igs.mha, the real tracker recordings in
 * ../shared/data/protocols/plus-tracker) read into frames, a scheduled replay over a real
 * socket, the OpenIGTLink C++ examples built on demand, and a parser of what their
 * igtl::PrintMatrix writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawnSync } from 'node:child_process';

export const PLUS_DIR = path.resolve(__dirname, '../../shared/data/protocols/plus-tracker');
export const IGTL_EXAMPLES = '/usr/share/doc/openigtlink-examples/examples';

export interface PlusFrame {
  /** The recording's Timestamp, s (PLUS system clock). */
  tSec: number;
  /** Tool name (e.g. ProbeToTracker) → 4×4 column-major matrix, and whether its status is OK. */
  tools: Map<string, { matrix: Float32Array; ok: boolean }>;
}

/** Reads the per-frame transforms of a PLUS sequence metafile (row-major 4×4 in the text header). */
export function readPlusSequence(file: string, maxFrames = Infinity): PlusFrame[] {
  const text = fs.readFileSync(file, 'latin1');
  const head = text.slice(0, text.indexOf('ElementDataFile'));
  const frames: PlusFrame[] = [];
  for (const line of head.split('\n')) {
    const m = /^Seq_Frame(\d+)_(\w+?) = (.*)$/.exec(line.trim());
    if (!m) continue;
    const i = Number(m[1]);
    if (i >= maxFrames) continue;
    const f = (frames[i] ??= { tSec: NaN, tools: new Map() });
    const [, , key, value] = m;
    if (key === 'Timestamp') f.tSec = Number(value);
    else if (key.endsWith('TransformStatus')) {
      const name = key.slice(0, -'Status'.length);
      const t = f.tools.get(name);
      if (t) t.ok = value.trim() === 'OK';
    } else if (key.endsWith('Transform')) {
      const r = value.trim().split(/\s+/).map(Number);
      const matrix = new Float32Array(16);
      for (let row = 0; row < 4; row++) for (let col = 0; col < 4; col++) matrix[col * 4 + row] = r[row * 4 + col];
      f.tools.set(key, { matrix, ok: true });
    }
  }
  return frames.filter((f) => f && Number.isFinite(f.tSec));
}

/** A one-client OpenIGTLink "server" that sends `messages[i]` at `atMs[i]` after the client connects. */
export function replayServer(messages: Uint8Array[], atMs: number[]): Promise<{ port: number; done: Promise<void>; close(): void }> {
  return new Promise((resolve) => {
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      s.on('error', () => undefined);
      const t0 = performance.now();
      let i = 0;
      const next = () => {
        while (i < messages.length && performance.now() - t0 >= atMs[i]) s.write(messages[i++]);
        if (i >= messages.length) return finish();
        setTimeout(next, Math.max(0, atMs[i] - (performance.now() - t0) - 0.5));
      };
      next();
    });
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, done, close: () => server.close() }));
  });
}

/** Builds one OpenIGTLink example (e.g. "Tracker/TrackerServer") into a temp dir; null when the library or a compiler is missing. */
export function buildIgtlExample(rel: string): string | null {
  const src = path.join(IGTL_EXAMPLES, `${rel}.cxx`);
  if (!fs.existsSync(src) || !fs.existsSync('/usr/include/openigtlink/igtlMessageBase.h')) return null;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'igtl-ex-')), path.basename(rel));
  const r = spawnSync('g++', [src, '-I/usr/include/openigtlink', '-lOpenIGTLink', '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`g++ ${rel}: ${r.stderr || r.error}`);
  return out;
}

/** The matrices igtl::PrintMatrix wrote (rows "a, b, c, d" between "=====" lines), as 4×4 column-major arrays. */
export function parsePrintedMatrices(stdout: string): number[][] {
  const out: number[][] = [];
  for (const block of stdout.split(/=+\s*\n/)) {
    const rows = block
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    if (rows.length !== 4 || !rows.every((r) => r.length === 4 && r.every(Number.isFinite))) continue;
    const m: number[] = [];
    for (let col = 0; col < 4; col++) for (let row = 0; row < 4; row++) m.push(rows[row][col]);
    out.push(m);
  }
  return out;
}

/** True when two matrices agree to the 6 significant digits std::cout prints. */
export function sameMatrix(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < 16; i++) if (Math.abs(a[i] - b[i]) > 1e-5 * Math.max(1, Math.abs(a[i]))) return false;
  return true;
}
