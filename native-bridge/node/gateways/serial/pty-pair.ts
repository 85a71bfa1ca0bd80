/**
 * Test and bench tooling: a pseudo-terminal pair made by socat (Debian `socat`), so a capture can
 * be played into the gateway through the real serial code path. The gateway opens `device`; the
 * test writes to `peer`. docs/gateways.md, "How to add the next driver".
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const HAVE_SOCAT = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

export interface PtyPair {
  /** The end the gateway opens (a symlink to /dev/pts/N). */
  device: string;
  /** The end the test writes the device's bytes to. */
  peer: string;
  socat: ChildProcess;
  /** Kills socat: both ends vanish, as when a USB adapter is unplugged. */
  close(): Promise<void>;
}

/** Starts socat with two linked ptys at dir/device and dir/peer; resolves once both exist. */
export async function openPtyPair(dir: string): Promise<PtyPair> {
  const device = path.join(dir, 'device');
  const peer = path.join(dir, 'peer');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${peer}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => socat.once('exit', () => r()));
  const t0 = Date.now();
  while (!(fs.existsSync(device) && fs.existsSync(peer))) {
    if (socat.exitCode !== null || Date.now() - t0 > 5000) throw new Error(`socat did not make ${device} and ${peer}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    device,
    peer,
    socat,
    async close() {
      if (socat.exitCode === null && socat.signalCode === null) socat.kill('SIGTERM');
      await exited;
    },
  };
}

/** Splits a capture after every `end` byte (one device block per piece); a trailing partial piece is kept. */
export function splitAfter(bytes: Uint8Array, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === end) {
      out.push(bytes.subarray(from, i + 1));
      from = i + 1;
    }
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

export interface PlayOptions {
  /** Line rate: bytes leave at baud / 10 per second (8N1). */
  baud: number;
  /** Start piece i at i × periodMs (a device that sends one block a second: 1000). 0: back to back. */
  periodMs?: number;
  signal?: AbortSignal;
}

/**
 * Writes pieces to the pty at the device's pacing: each piece's bytes at the line rate, in
 * 10 ms slices, piece i starting at i × periodMs. Resolves when all is written (or on abort).
 */
export async function play(peerPath: string, pieces: readonly Uint8Array[], o: PlayOptions): Promise<void> {
  const fd = fs.openSync(peerPath, 'w');
  const bytesPerMs = o.baud / 10 / 1000;
  const t0 = performance.now();
  let due = 0;
  try {
    for (const [i, piece] of pieces.entries()) {
      due = Math.max(due, o.periodMs ? i * o.periodMs : 0);
      for (let at = 0; at < piece.length;) {
        if (o.signal?.aborted) return;
        const wait = t0 + due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const n = Math.max(1, Math.round(bytesPerMs * 10));
        const slice = piece.subarray(at, at + n);
        await new Promise<void>((resolve, reject) => fs.write(fd, slice, (e) => (e ? reject(e) : resolve())));
        at += slice.length;
        due += slice.length / bytesPerMs;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
