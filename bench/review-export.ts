/**
 * bench:review's EDF+ export figure: `or-hub export CASE --format edf` (the CLI's own entry, main/cli/or-hub.ts,
 * so the real export code in main/interop/) against a baseline that decodes the same waveform blocks (a plain SQL
 * scan of wave_blocks and the codec's decodeWave) and nothing else. Each runs in a child process of its own that
 * prints one JSON line: the time of the work itself (start-up and module loading excluded) and the process's peak
 * RSS. The export runs the built CLI bundle (dist/hub/cli.cjs, what bin/or-hub.js runs; node scripts/build.mjs),
 * the baseline bench:review's own script with the role `decode-child FILE` (npm run bench:review runs the bench as
 * an esbuild bundle, dist/bench/review.cjs: under tsx the codec's cross-module calls go through export getters
 * and decode about 1.9x slower than in a bundle, which would flatter the ratio).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { decodeWave } from '../main/recorder/wavecodec';

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
}

interface ChildResult {
  ms: number;
  maxRssKb: number;
  samples?: number;
}

/** The export's child: the CLI bundle loaded first, then `or-hub export` timed (argv: bundle, file, out). */
const EXPORT_CHILD = `
const [bundle, file, out] = process.argv.slice(1);
const cli = require(bundle);
const lines = [];
const t0 = performance.now();
cli.main(['export', file, '--format', 'edf', '--out', out], { out: (l) => lines.push(l), err: (l) => lines.push(l) }).then((code) => {
  if (code !== 0) throw new Error('or-hub export exited ' + code + ': ' + lines.join(' | '));
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
});`;

function runChild(args: string[]): ChildResult {
  const out = execFileSync(process.execPath, ['--no-warnings', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildResult;
}

/** Times the EDF+ export of `file` (whole case) and the decode baseline, each in a fresh process. */
export function exportFigures(file: string, tmpDir: string): ExportFigures {
  const out = path.join(tmpDir, `export-${process.pid}.edf`);
  fs.rmSync(out, { force: true });
  // The baseline first: the export then finds the file in the page cache no colder than the baseline did.
  // This file runs from bench/ (tsx) or bundled in dist/bench/.
  const dist = path.basename(path.dirname(__dirname)) === 'dist' ? path.dirname(__dirname) : path.join(__dirname, '..', 'dist');
  const bundle = path.join(dist, 'hub', 'cli.cjs');
  if (!fs.existsSync(bundle)) throw new Error(`bench:review: ${bundle} is missing (node scripts/build.mjs)`);
  // The baseline runs in the bench's own script and runtime (the esbuild bundle under npm run bench:review).
  const dec = runChild([...process.execArgv, process.argv[1], 'decode-child', file]);
  const exp = runChild(['-e', EXPORT_CHILD, bundle, file, out]);
  const edfBytes = fs.statSync(out).size;
  fs.rmSync(out, { force: true });
  return {
    edfExportMs: exp.ms,
    edfPeakMiB: exp.maxRssKb / 1024,
    edfBytes,
    decodeMs: dec.ms,
    decodePeakMiB: dec.maxRssKb / 1024,
    samples: dec.samples ?? 0,
    edfVsDecode: exp.ms / dec.ms,
  };
}

/** The baseline: every wave block read by a plain scan (channel, then time) and decoded; nothing else. */
function decodeAll(file: string): number {
  const db = new Database(file, { readonly: true });
  let n = 0;
  let sum = 0;
  for (const r of db.prepare('SELECT data FROM wave_blocks ORDER BY channel_id, t0_ms').iterate() as Iterable<{ data: Buffer }>) {
    const x = decodeWave(r.data);
    n += x.length;
    sum += x[x.length >> 1];
  }
  db.close();
  if (n === 0 || Number.isNaN(sum)) throw new Error('decode baseline read nothing');
  return n;
}

/** The baseline's child process (bench:review's `decode-child FILE` role): prints one JSON line. */
export function decodeChild(file: string): void {
  const t0 = performance.now();
  const samples = decodeAll(file);
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, maxRssKb: process.resourceUsage().maxRSS, samples }) + '\n');
}
