/**
 * npm run bench:review [-- --hours 8,24 --seeks 200 --width 1920 --window 10000 --fresh --no-drawn --no-export]
 * npm run bench:review -- --quick     (a short run while developing: a 1-hour case, 40 seeks)
 *
 * The review data layer (main/review/) on generated full-OR cases (the load of bench:record:
 * 12 waveforms, 60 numerics at 1 Hz, 3 tools at 60 Hz; written by
 * main/review/testing/synthetic-case.ts, kept in the temp dir and reused unless --fresh):
 * - open + whole-case overview ready: cold, the first answer (within its cache-building budget; some
 *   trends may be pending) and with the whole cache built; warm (cache present);
 * - seek to `seeks` random instants: everything the screen needs at T ready (all waveforms of
 *   the visible window, last numerics, settings, device states, alarms, pose, series, registration);
 * - the same seeks with the screen drawn in Chromium (review-drawn.ts; --no-drawn skips it);
 * - the EDF+ export of the whole case, in its own process, time and peak RSS (review-export.ts; --no-export skips it);
 * each against a baseline that reads the same data with plain SQL scans and decodes it
 * (no pyramid, no index-bounded range search), as a ratio. The last line is one JSON object.
 * npm run bench:review builds (the renderer for the drawn figure, the CLI bundle for the export) and runs this file as
 * an esbuild bundle (dist/bench/review.cjs), as the hub runs the review layer (its worker is dist/hub/review-worker.cjs):
 * under tsx the codec's cross-module calls go through export getters and decoding is about 1.9x slower.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { opt, quantiles } from './lib';
import { rng } from '../native-bridge/common/sim/physiology';
import { decodeColumns, decodeWave } from '../main/recorder/wavecodec';
import { SCHEMA_VERSION } from '../main/recorder/schema';
import { emptyColumns, foldSamples } from '../main/review/pyramid';
import { NUMERIC_MAX_AGE_MS, POSE_MAX_AGE_MS, ReviewSession } from '../main/review/session';
import { writeSyntheticCase } from '../main/review/testing/synthetic-case';
import { lastNumericAt, poseAt } from '../main/review/case-reader';
import { drawnSeeks, type DrawnFigures } from './review-drawn';
import { exportFigures, type ExportFigures } from './review-export';

const QUICK = process.argv.includes('--quick');
const HOURS = (opt('hours') ?? (QUICK ? '1' : '8,24')).split(',').map(Number);
const SEEKS = Number(opt('seeks') ?? (QUICK ? 40 : 200));
const WIDTH = Number(opt('width') ?? 1920);
const WINDOW_MS = Number(opt('window') ?? 10000);
const FRESH = process.argv.includes('--fresh');
const DRAWN = !process.argv.includes('--no-drawn');
const EXPORT = !process.argv.includes('--no-export');
const ROOT = path.join(os.tmpdir(), 'or-hub-bench-review');

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function caseFile(hours: number): { file: string; generatedMs: number | null } {
  // The store's schema version is in the name: a case written by an older schema is not reused (its reads would fail).
  const file = path.join(ROOT, `full-or-${hours}h-v1-s${SCHEMA_VERSION}`, 'recordings', 'case.orrec');
  if (FRESH) fs.rmSync(path.dirname(path.dirname(file)), { recursive: true, force: true });
  if (fs.existsSync(file)) return { file, generatedMs: null };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const t0 = performance.now();
  writeSyntheticCase(`${file}.tmp`, hours);
  fs.renameSync(`${file}.tmp`, file);
  return { file, generatedMs: ms(t0) };
}

// ---------------------------------------------------------------- baseline: plain SQL scans and decode

interface Chan {
  id: number;
  kind: string;
}

/** The same overview without the review layer: every block of every trend channel scanned and decoded. */
function baselineOverview(file: string, trendIds: Chan[], fromMs: number, toMs: number): number {
  const t0 = performance.now();
  const db = new Database(file, { readonly: true });
  let n = 0;
  for (const c of trendIds) {
    const cols = emptyColumns(WIDTH);
    for (const r of db
      .prepare(`SELECT data FROM ${c.kind === 'pose' ? 'pose_blocks' : 'numeric_blocks'} WHERE channel_id = ? ORDER BY t0_ms`)
      .iterate(c.id) as Iterable<{ data: Buffer }>) {
      const [t, v] = decodeColumns(r.data);
      foldSamples(cols, fromMs, toMs, t, v);
      n += t.length;
    }
  }
  for (const t of ['annotations', 'alarms', 'gaps', 'device_events']) db.prepare(`SELECT * FROM ${t}`).all();
  db.close();
  if (n === 0) throw new Error('baseline overview read nothing');
  return ms(t0);
}

/** The same state at T without the review layer: blocks overlapping the window found by a plain scan, decoded; small tables scanned. */
function baselineState(db: Database.Database, chans: Chan[], tMs: number): number {
  let n = 0;
  for (const c of chans) {
    if (c.kind === 'wave') {
      for (const r of db.prepare('SELECT data FROM wave_blocks WHERE channel_id = ? AND t0_ms <= ? AND t1_ms >= ?').all(c.id, tMs, tMs - WINDOW_MS) as {
        data: Buffer;
      }[])
        n += decodeWave(r.data).length;
    } else if (c.kind === 'numeric' || c.kind === 'pose') {
      const age = c.kind === 'numeric' ? 600000 : 1000;
      const rows = db.prepare(`SELECT data FROM ${c.kind}_blocks WHERE channel_id = ? AND t0_ms <= ? AND t1_ms >= ?`).all(c.id, tMs, tMs - age) as {
        data: Buffer;
      }[];
      for (const r of rows) n += decodeColumns(r.data)[0].length;
    }
  }
  for (const t of ['settings', 'alarms', 'device_events', 'dicom_shown', 'registrations'])
    n += db.prepare(`SELECT * FROM ${t} WHERE t_ms <= ?`).all(tMs).length;
  return n;
}

// ---------------------------------------------------------------- run

interface Figures {
  hours: number;
  fileBytes: number;
  generatedS: number | null;
  coldFirstOverviewMs: number;
  coldFirstPending: number;
  coldOverviewMs: number;
  warmOverviewMs: number;
  warmOverviewMaxMs: number;
  seekP50Ms: number;
  seekP99Ms: number;
  seekMaxMs: number;
  baselineOverviewMs: number;
  baselineSeekP50Ms: number;
  baselineSeekP99Ms: number;
  overviewVsBaseline: number;
  coldOverviewVsBaseline: number;
  seekP99VsBaseline: number;
  cacheBytes: number;
  /** Where a seek's time goes (the parts of stateAt timed apart on the same instants), p50 / p99 ms. */
  seekStages: Record<'waves' | 'numerics' | 'poses', { p50Ms: number; p99Ms: number }>;
  /** Seek to drawn in Chromium (null with --no-drawn). */
  drawn: DrawnFigures | null;
  /** EDF+ export of the whole case against decoding its wave blocks (null with --no-export). */
  export: ExportFigures | null;
}

/** The parts of ReviewSession.stateAt timed apart: waveform windows, last numerics, poses (the rest is in-memory lookups). */
function seekStages(s: ReviewSession, instants: number[]): Figures['seekStages'] {
  const t = { waves: [] as number[], numerics: [] as number[], poses: [] as number[] };
  const kind = (k: string) => s.channels.filter((c) => c.kind === k);
  for (const tMs of instants) {
    let a = performance.now();
    for (const c of kind('wave')) s.waveRuns(c.id, tMs - WINDOW_MS, tMs);
    t.waves.push(ms(a));
    a = performance.now();
    for (const c of kind('numeric')) lastNumericAt(s.store, c.id, tMs, NUMERIC_MAX_AGE_MS);
    t.numerics.push(ms(a));
    a = performance.now();
    for (const c of kind('pose')) poseAt(s.store, c.id, tMs, POSE_MAX_AGE_MS);
    t.poses.push(ms(a));
  }
  const q = (xs: number[]) => {
    const r = quantiles(xs);
    return { p50Ms: r.p50, p99Ms: r.p99 };
  };
  return { waves: q(t.waves), numerics: q(t.numerics), poses: q(t.poses) };
}

async function runCase(hours: number): Promise<Figures> {
  const { file, generatedMs } = caseFile(hours);
  const cacheDir = path.join(ROOT, `cache-${process.pid}-${hours}h`);
  fs.rmSync(cacheDir, { recursive: true, force: true });
  // Cold: the first overview answers within its build budget (vitals complete, tracking maybe pending) ...
  let t0 = performance.now();
  let s = ReviewSession.open(file, { cacheDir });
  const first = s.overview({ width: WIDTH });
  const coldFirstOverviewMs = ms(t0);
  s.close();
  // ... and the whole cache built at once (what the hub could do when a case ends).
  fs.rmSync(cacheDir, { recursive: true, force: true });
  t0 = performance.now();
  s = ReviewSession.open(file, { cacheDir });
  const ov = s.overview({ width: WIDTH, buildBudgetMs: Infinity });
  const coldOverviewMs = ms(t0);
  const trendIds = s.trends.map((t) => ({ id: t.channelId, kind: t.kind }));
  const chans = s.channels.map((c) => ({ id: c.id, kind: c.kind }));
  s.close();
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    s = ReviewSession.open(file, { cacheDir });
    s.overview({ width: WIDTH });
    warm.push(ms(t0));
    s.close();
  }
  const r = rng(hours * 1000 + 7);
  const instants = Array.from({ length: SEEKS }, () => ov.fromMs + WINDOW_MS + r() * (ov.toMs - ov.fromMs - WINDOW_MS));
  s = ReviewSession.open(file, { cacheDir });
  const seeks = instants.map((t) => {
    const a = performance.now();
    const st = s.stateAt(t, WINDOW_MS);
    if (st.waves.length === 0 || st.numerics.length === 0) throw new Error('seek found no data');
    return ms(a);
  });
  const stages = seekStages(s, instants);
  s.close();
  const baseOverview = baselineOverview(file, trendIds, ov.fromMs, ov.toMs);
  const db = new Database(file, { readonly: true });
  const baseSeeks = instants.map((t) => {
    const a = performance.now();
    baselineState(db, chans, t);
    return ms(a);
  });
  db.close();
  const q = quantiles(seeks);
  const bq = quantiles(baseSeeks);
  const cacheBytes = fs.readdirSync(cacheDir).reduce((a, f) => a + fs.statSync(path.join(cacheDir, f)).size, 0);
  fs.rmSync(cacheDir, { recursive: true, force: true });
  // Drawn: the hub's review worker uses the default cache (DATA_DIR/review-cache), warmed by its first overview.
  const drawn = DRAWN ? await drawnSeeks(file, instants) : null;
  const exported = EXPORT ? exportFigures(file, ROOT) : null;
  const warmMs = median(warm);
  return {
    hours,
    fileBytes: fs.statSync(file).size,
    generatedS: generatedMs === null ? null : generatedMs / 1000,
    coldFirstOverviewMs,
    coldFirstPending: first.trends.filter((t) => t.pending).length,
    coldOverviewMs,
    warmOverviewMs: warmMs,
    warmOverviewMaxMs: Math.max(...warm),
    seekP50Ms: q.p50,
    seekP99Ms: q.p99,
    seekMaxMs: q.max,
    baselineOverviewMs: baseOverview,
    baselineSeekP50Ms: bq.p50,
    baselineSeekP99Ms: bq.p99,
    overviewVsBaseline: warmMs / baseOverview,
    coldOverviewVsBaseline: coldOverviewMs / baseOverview,
    seekP99VsBaseline: q.p99 / bq.p99,
    cacheBytes,
    seekStages: stages,
    drawn,
    export: exported,
  };
}

async function main(): Promise<void> {
  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(
    `bench:review: width ${WIDTH} columns, ${SEEKS} seeks with a ${WINDOW_MS / 1000} s window; ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((x) => f(x))
      .join('/')}, Node ${process.versions.node}`,
  );
  const results: Figures[] = [];
  for (const h of HOURS) {
    const x = await runCase(h);
    const gen = x.generatedS === null ? 'reused' : `generated in ${f(x.generatedS)} s`;
    console.log(
      `${h} h (${f(x.fileBytes / 1048576)} MiB, ${gen}): overview cold: first ${f(x.coldFirstOverviewMs, 0)} ms ` +
        `(${x.coldFirstPending} trends pending), whole cache ${f(x.coldOverviewMs, 0)} ms; warm ${f(x.warmOverviewMs)} ms ` +
        `(max ${f(x.warmOverviewMaxMs)}); seek p50 ${f(x.seekP50Ms)} / p99 ${f(x.seekP99Ms)} ms; ` +
        `baseline overview ${f(x.baselineOverviewMs, 0)} ms, seek p50 ${f(x.baselineSeekP50Ms)} / p99 ${f(x.baselineSeekP99Ms)} ms; ` +
        `ratios overview ${f(x.overviewVsBaseline, 4)}, seek p99 ${f(x.seekP99VsBaseline, 3)}; cache ${f(x.cacheBytes / 1048576, 2)} MiB` +
        (x.drawn ? `; seek to drawn in Chromium p50 ${f(x.drawn.drawnP50Ms)} / p99 ${f(x.drawn.drawnP99Ms)} / max ${f(x.drawn.drawnMaxMs)} ms` : ''),
    );
    const st = x.seekStages;
    console.log(
      `  seek stages p50/p99 ms: waves ${f(st.waves.p50Ms)}/${f(st.waves.p99Ms)}, numerics ${f(st.numerics.p50Ms)}/${f(st.numerics.p99Ms)}, ` +
        `poses ${f(st.poses.p50Ms)}/${f(st.poses.p99Ms)}` +
        (x.drawn ? `; in Chromium: ${x.drawn.stagesText}` : ''),
    );
    if (x.export)
      console.log(
        `  EDF+ export ${f(x.export.edfExportMs, 0)} ms (median of ${x.export.runs.exportMs.length}; peak ${f(x.export.edfPeakMiB)} MiB, ${f(x.export.edfBytes / 1048576)} MiB written); ` +
          `decode baseline ${f(x.export.decodeMs, 0)} ms (peak ${f(x.export.decodePeakMiB)} MiB, ${x.export.samples} samples); ` +
          `ratio ${f(x.export.edfVsDecode, 2)}`,
      );
    results.push(x);
  }
  const met = results.every(
    (x) =>
      x.warmOverviewMs <= 300 &&
      x.seekP99Ms <= 50 &&
      (!x.drawn || x.drawn.drawnP99Ms <= 100) &&
      (!x.export || (x.export.edfVsDecode <= 1.5 && x.export.edfPeakMiB < 200)),
  );
  console.log(
    JSON.stringify({
      goals: { overviewMs: 300, seekP99Ms: 50, drawnP99Ms: 100, edfVsDecode: 1.5, edfPeakMiB: 200 },
      met,
      quick: QUICK,
      width: WIDTH,
      seeks: SEEKS,
      windowMs: WINDOW_MS,
      cpus: os.cpus().length,
      loadavg: os.loadavg(),
      cases: Object.fromEntries(results.map((x) => [`${x.hours}h`, x])),
    }),
  );
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e);
    process.exit(1);
  },
);
