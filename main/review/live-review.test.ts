/**
 * A running case reviewed while the recorder (its real worker) writes it: the review sees the
 * case grow, its cache is extended as it goes and agrees with one built afresh once the case
 * has ended, and the recording is not disturbed (every sample committed, no technical alarm).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { Recorder } from '../recorder/recorder';
import { AlarmBoard } from '../hub/alarm-board';
import { RecordingStore, listRecordingFiles } from '../recorder/store';
import { ReviewSession } from './session';

const MON: DeviceDescriptor = {
  protocol: 1,
  deviceId: 'mon-1',
  kind: 'patient-monitor',
  manufacturer: 'Acme',
  model: 'M1',
  serial: 'S1',
  heartbeatMs: 1000,
  channels: [
    { index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV', rateHz: 500, format: 'i16', scale: 0.005, offset: 0 },
    { index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' },
  ],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a case being recorded is reviewed at the same time without disturbing the recording', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-live-review-'));
  const alarms: string[] = [];
  const board = new AlarmBoard();
  board.subscribe((a) => alarms.push(`${a.code} ${a.state}`));
  const rec = await Recorder.open({ dataDir, alarms: board });
  const t0 = Date.now();
  rec.deviceOnline(MON, t0);
  await rec.createCase({ procedure: 'Live review', room: 'OR 2', team: [{ role: 'surgeon', name: 'Dr L' }] });
  await rec.startRecording();
  const file = listRecordingFiles(dataDir)[0];
  const review = ReviewSession.open(file, { cacheDir: path.join(dataDir, 'review-cache') });

  // 3 minutes of recorded time fed in about 3.6 s (1 s of data every 20 ms), reviewed every 100 ms meanwhile.
  const ecg: number[] = [];
  const hr: number[] = [];
  let seen = 0;
  let grew = 0;
  for (let s = 0; s < 180; s++) {
    for (let f = 0; f < 20; f++) {
      const raw = Int16Array.from({ length: 25 }, (_, i) => Math.round(300 * Math.sin((ecg.length + i) / 15)));
      ecg.push(...raw);
      rec.wave({ deviceId: 'mon-1', channel: 0, t0HubMs: t0 + s * 1000 + f * 50, rateHz: 500, raw, scale: 0.005, offset: 0 });
    }
    hr.push(60 + (s % 17) + (s === 100 ? 80 : 0));
    rec.numeric('mon-1', 10, t0 + s * 1000, hr[s], 0);
    await sleep(20);
    if (s % 5 === 4) {
      const now = review.caseNow().lastDataMs;
      if (now === null) continue;
      const st = review.stateAt(now, 5000);
      const n = st.numerics.find((x) => x.label === 'HR');
      assert.ok(n && n.tMs <= now, 'the newest committed HR is visible');
      assert.ok(st.waves[0].runs.length > 0, 'the ECG of the last seconds is visible');
      const ov = review.overview({ width: 100 });
      assert.equal(ov.trends.length, 1);
      if (now > seen) grew++;
      seen = now;
    }
  }
  await sleep(300);
  const stats = rec.stats();
  await rec.endCase();
  await rec.close();
  assert.ok(grew >= 10, `the review saw the case grow ${grew} times`);
  assert.deepEqual(alarms, [], 'no technical alarm while reviewed');
  assert.deepEqual([stats.droppedSamples, stats.droppedNumerics], [0, 0]);

  // Every sample committed, in order, whatever the reader did.
  const s = RecordingStore.open(file, { readonly: true });
  const ch = s.channels();
  assert.deepEqual(Array.from(s.readWave(ch.find((c) => c.kind === 'wave')!.id, -Infinity, Infinity).raw), ecg);
  assert.deepEqual(
    s.readNumerics(ch.find((c) => c.kind === 'numeric')!.id, -Infinity, Infinity).map((n) => n.value),
    hr,
  );
  s.close();

  // The cache extended while the case ran gives what a cache built afresh on the ended case gives.
  const width = 9; // 20 s columns over the 3 minutes: read from pyramid level 1 (4 s buckets)
  const incremental = review.overview({ fromMs: t0, toMs: t0 + 180000, width, buildBudgetMs: Infinity }).trends[0];
  review.close();
  const fresh = ReviewSession.open(file, { cacheDir: path.join(dataDir, 'fresh-cache') });
  const full = fresh.overview({ fromMs: t0, toMs: t0 + 180000, width, buildBudgetMs: Infinity }).trends[0];
  fresh.close();
  assert.deepEqual([...incremental.max], [...full.max]);
  assert.deepEqual([...incremental.min], [...full.min]);
  assert.equal(Math.max(...full.max), 60 + (100 % 17) + 80, 'the spike at 100 s');
});
