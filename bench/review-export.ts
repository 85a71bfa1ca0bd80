/**
 * bench:review's EDF+ export figure: `or-hub export CASE --format edf` (the CLI's own entry, main/cli/or-hub.ts,
 * so the real export code in main/interop/) against a baseline that decodes the same waveform blocks (a plain SQL
 * scan of wave_blocks and the codec's decodeWave, review-decode.ts) and nothing else. Each runs in a child process of
 * its own that prints one JSON line: the time of the work itself (start-up and module loading excluded) and the
 * process's peak RSS. The export runs the built CLI bundle (dist/hub/cli.cjs, what bin/or-hub.js runs) from
 * review-export-child.ts, the baseline review-decode.ts; both are bundled (dist/bench/*.cjs): under tsx the codec's
 * cross-module calls go through export getters and decode about 1.9x slower than in a bundle, which would flatter the ratio.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export interface ExportFigures {
  /** or-hub export --format edf, ms (in its process, start-up excluded). */
  edfExportMs: number;
  /** Peak RSS of the export's process, MiB. */
  edfPeakMiB: number;
  edfBytes: number;
  /** Plain SQL scan + decode of the same blocks, ms (in a process of its own). */
  decodeMs: number;
  decodePeakMiB: number;
  /** Waveform samples the baseline decoded. */
  samples: number;
  /** edfExportMs / decodeMs (goal: at most 1.5). */
  edfVsDecode: number;
  /** Every run's time, ms (edfExportMs and decodeMs are the medians). */
  runs: { exportMs: number[]; decodeMs: number[] };
}

interface ChildResult {
  ms: number;
  maxRssKb: number;
  samples?: number;
}

function runChild(args: string[]): ChildResult {
  const out = execFileSync(process.execPath, ['--no-warnings', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildResult;
}

/** Runs of each child, alternating baseline and export: the figures are their medians (the machine may be shared). */
const RUNS = 3;

/** Times the EDF+ export of `file` (whole case) and the decode baseline, each in fresh processes. */
export function exportFigures(file: string, tmpDir: string): ExportFigures {
  const out = path.join(tmpDir, `export-${process.pid}.edf`);
  // This file runs bundled in dist/bench/ (npm run bench:review) or from bench/ (tsx).
  const dist = path.basename(path.dirname(__dirname)) === 'dist' ? path.dirname(__dirname) : path.join(__dirname, '..', 'dist');
  const cli = path.join(dist, 'hub', 'cli.cjs');
  const decoder = path.join(dist, 'bench', 'review-decode.cjs');
  const exporter = path.join(dist, 'bench', 'review-export-child.cjs');
  for (const f of [cli, decoder, exporter]) if (!fs.existsSync(f)) throw new Error(`bench:review: ${f} is missing (npm run bench:review builds it)`);
  const dec: ChildResult[] = [];
  const exp: ChildResult[] = [];
  let edfBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    // The baseline first: the export then finds the file in the page cache no colder than the baseline did.
    dec.push(runChild([decoder, file]));
    fs.rmSync(out, { force: true });
    exp.push(runChild([exporter, cli, file, out]));
    edfBytes = fs.statSync(out).size;
    fs.rmSync(out, { force: true });
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const decodeMs = med(dec.map((r) => r.ms));
  const edfExportMs = med(exp.map((r) => r.ms));
  return {
    edfExportMs,
    edfPeakMiB: Math.max(...exp.map((r) => r.maxRssKb)) / 1024,
    edfBytes,
    decodeMs,
    decodePeakMiB: Math.max(...dec.map((r) => r.maxRssKb)) / 1024,
    samples: dec[0].samples ?? 0,
    edfVsDecode: edfExportMs / decodeMs,
    runs: { exportMs: exp.map((r) => r.ms), decodeMs: dec.map((r) => r.ms) },
  };
}
