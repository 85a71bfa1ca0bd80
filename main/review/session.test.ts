/**
 * The review data layer on a synthetic case: overview columns against a brute-force min/max of
 * the raw samples (no peak hidden), the cache reused by a second session, the state at an
 * instant against the recorded values, the case file left byte for byte as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordingStore } from '../recorder/store';
import { ReviewSession } from './session';
import { writeSyntheticCase } from './testing/synthetic-case';
import { foldSamples, emptyColumns } from './pyramid';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-review-'));
const file = path.join(dir, 'recordings', 'case.orrec');
fs.mkdirSync(path.dirname(file), { recursive: true });
const syn = writeSyntheticCase(file, 0.5);
const cacheDir = path.join(dir, 'review-cache');

const fingerprint = (f: string) => ({
  sha: crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex'),
  mtimeMs: fs.statSync(f).mtimeMs,
  size: fs.statSync(f).size,
});
const before = fingerprint(file);

function brute(s: RecordingStore, channelId: number, fromMs: number, toMs: number, width: number) {
  const rows = s.readNumerics(channelId, fromMs, toMs);
  const cols = emptyColumns(width);
  foldSamples(
    cols,
    fromMs,
    toMs,
    rows.map((r) => r.tMs),
    rows.map((r) => r.value),
  );
  return cols;
}

function checkColumns(rs: ReviewSession, width: number): void {
  const ov = rs.overview({ width, buildBudgetMs: Infinity });
  assert.ok(ov.complete && ov.trends.every((t) => !t.pending));
  let spikes = 0;
  for (const tr of ov.trends.filter((t) => t.kind === 'numeric')) {
    const b = brute(rs.store, tr.channelId, ov.fromMs, ov.toMs, width);
    for (let c = 0; c < width; c++) {
      if (Number.isNaN(b.min[c])) continue;
      const near = (a: Float64Array, f: (...x: number[]) => number) =>
        f(...[c - 1, c, c + 1].filter((k) => k >= 0 && k < width && !Number.isNaN(a[k])).map((k) => a[k]));
      // Never narrower than the samples of the column, never wider than its neighbours' (a bucket is at most half a column).
      assert.ok(tr.min[c] <= b.min[c] && tr.max[c] >= b.max[c], `${tr.label} column ${c}: [${tr.min[c]}, ${tr.max[c]}] hides [${b.min[c]}, ${b.max[c]}]`);
      assert.ok(tr.min[c] >= near(b.min, Math.min) && tr.max[c] <= near(b.max, Math.max), `${tr.label} column ${c} wider than its neighbours`);
    }
    for (const sp of syn.spikes.filter((x) => x.deviceId === tr.deviceId && x.channel === tr.channel)) {
      const c = Math.floor((sp.tMs - ov.fromMs) / ov.columnMs);
      assert.equal(tr.max[c], sp.value, `${tr.label}: the one-sample spike at column ${c} of ${width} is shown`);
      spikes++;
    }
  }
  assert.ok(spikes >= 10, `${spikes} spikes checked`);
}

test('the overview gives min/max per column of every vital with no peak hidden, from a cache outside the case file', () => {
  const rs = ReviewSession.open(file);
  try {
    assert.deepEqual(
      new Set(rs.trends.map((t) => t.group)),
      new Set(['hr', 'spo2', 'abp', 'etco2', 'temperature', 'agent', 'infusion', 'insufflation', 'tracking']),
    );
    // 20, 60 and 300 columns read pyramid levels 2, 1 and 0 (90, 30 and 6 s columns); 1000 columns (1.8 s) read raw samples.
    for (const width of [20, 60, 300, 1000]) checkColumns(rs, width);
    const ov = rs.overview({ width: 60 });
    assert.equal(ov.fromMs, syn.startMs);
    assert.equal(ov.toMs, syn.endMs);
    assert.ok(fs.existsSync(path.join(cacheDir, `${syn.caseId}.review.sqlite`)), 'cache in DATA_DIR/review-cache');
    const tracking = ov.trends.filter((t) => t.group === 'tracking');
    assert.equal(tracking.length, 3);
    assert.ok(
      tracking.every((t) => Math.min(...Array.from(t.min).filter((x) => !Number.isNaN(x))) === Math.fround(0.2)),
      'tracking quality drops are shown',
    );
    assert.deepEqual(
      ov.markers.map((m) => m.kind),
      ['incision', 'specimen-out', 'closure-start'],
    );
    assert.ok(ov.alarms.length >= 2 && ov.alarms.every((a) => a.priority === 2 && a.toMs !== null && a.toMs - a.fromMs === 60000));
    assert.equal(ov.gaps.length, 1);
    const tracker = ov.devices.find((d) => d.deviceId === 'syn-tracker')!;
    assert.deepEqual(
      tracker.intervals.map((i) => i.state),
      ['online', 'offline', 'online'],
    );

    // Zoomed in below the finest bucket: raw samples, exactly the brute-force columns.
    const z0 = syn.startMs + 600000;
    const zoom = rs.overview({ fromMs: z0, toMs: z0 + 120000, width: 240 });
    const hr = zoom.trends.find((t) => t.group === 'hr')!;
    assert.deepEqual([...hr.max], [...brute(rs.store, hr.channelId, z0, z0 + 120000, 240).max]);
  } finally {
    rs.close();
  }
  // A second session reads the same columns from the cache without rebuilding it.
  const again = ReviewSession.open(file);
  try {
    assert.equal(again.updateCache().folded, 0, 'nothing left to fold in');
    const hr = again.overview({ width: 300 }).trends.find((t) => t.group === 'hr')!;
    assert.ok(hr.max.some((x) => !Number.isNaN(x)));
  } finally {
    again.close();
  }
});

test('a cold cache is built a budget at a time: trends pending until it is complete, then the same columns', () => {
  const rs = ReviewSession.open(file, { cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-review-cold-')) });
  try {
    const first = rs.overview({ width: 60, buildBudgetMs: 0 });
    assert.equal(first.complete, false);
    const tracking = first.trends.find((t) => t.group === 'tracking')!;
    assert.ok(tracking.pending && Number.isNaN(tracking.max[59]), 'tracking past what is built is left empty, not read raw');
    let calls = 1;
    let ov = first;
    while (!ov.complete) {
      ov = rs.overview({ width: 60, buildBudgetMs: 0 });
      assert.ok(++calls < 100, 'each call makes progress');
    }
    assert.ok(calls > 2);
    const full = ReviewSession.open(file);
    try {
      const ref = full.overview({ width: 60, buildBudgetMs: Infinity });
      assert.deepEqual(
        ov.trends.map((t) => [...t.max]),
        ref.trends.map((t) => [...t.max]),
      );
      assert.deepEqual(
        ov.trends.map((t) => [...t.min]),
        ref.trends.map((t) => [...t.min]),
      );
    } finally {
      full.close();
    }
  } finally {
    rs.close();
  }
});

test('the state at an instant is what was recorded then', () => {
  const rs = ReviewSession.open(file);
  try {
    const t = syn.startMs + 754321;
    const st = rs.stateAt(t, 10000);
    assert.equal(st.waves.length, 12);
    for (const w of st.waves) {
      const x = rs.store.readWave(w.channelId, t - 10000, t);
      const got = w.runs.flatMap((r) => Array.from(r.raw));
      assert.deepEqual(got, Array.from(x.raw), `${w.label}: the window's samples`);
      assert.ok(Math.abs(w.runs[0].t0Ms - x.tMs[0]) < 1e-6);
    }
    assert.equal(st.numerics.length, 60);
    for (const n of st.numerics) {
      const rows = rs.store.readNumerics(n.channelId, t - 60000, t);
      const last = rows[rows.length - 1];
      assert.deepEqual([n.tMs, n.value], [last.tMs, last.value], `${n.label} at T`);
      assert.ok(n.ageMs >= 0 && n.ageMs < 1000);
    }
    assert.equal(st.poses.length, 3);
    const p = rs.store.readPoses(st.poses[1].channelId, t - 100, t).pop()!;
    assert.deepEqual(st.poses[1].matrix, Array.from(p.matrix));
    assert.equal(st.series?.seriesUid, '1.2.3.4.5');
    assert.equal(st.series?.sourceAvailable, false, 'the series is no longer where it was loaded from');
    assert.equal(st.registration?.freMm, 1.2);
    assert.deepEqual(
      st.settings.map((s) => s.value),
      [8],
      'PEEP set at minute 10 (8) still in force at minute 12.6',
    );
    // An alarm active at minute 5..6, the tracker offline half way.
    assert.equal(rs.stateAt(syn.startMs + 5.5 * 60000).alarms.length, 1);
    assert.equal(rs.stateAt(syn.startMs + 7 * 60000).alarms.length, 0);
    const mid = (syn.startMs + syn.endMs) / 2;
    assert.equal(rs.stateAt(mid + 5000).devices.find((d) => d.deviceId === 'syn-tracker')?.state, 'offline');
    assert.equal(rs.stateAt(mid + 5000).poses.length, 0, 'no pose in force while tracking was lost');
    assert.throws(() => rs.stateAt(NaN), /instant must be a number/);
    assert.throws(() => rs.overview({ width: 0 }), /width must be 1..8192/);
  } finally {
    rs.close();
  }
});

test('review leaves the case file exactly as it was', () => {
  const after = fingerprint(file);
  assert.deepEqual(after, before);
  const wal = `${file}-wal`;
  if (fs.existsSync(wal)) assert.equal(fs.statSync(wal).size, 0, 'a read-only connection wrote nothing to the WAL');
});
