/** The review route handlers: JSON bodies, 400 for bad input, 404 for an unknown case. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordingPath } from '../recorder/store';
import { ReviewService, type RouteResult } from './routes';
import { writeSyntheticCase } from './testing/synthetic-case';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-review-routes-'));
const id = '20260105-080000-rrrrrr';
const syn = writeSyntheticCase(recordingPath(dataDir, id), 0.1);
const svc = new ReviewService({ dataDir, maxSessions: 1 });
after(() => svc.close());

const ok = <T>(r: RouteResult<T>): T => {
  if (r.status !== 200) throw new Error(`${r.status}: ${r.body.error}`);
  return r.body;
};

test('review routes answer with plain JSON', () => {
  const list = ok(svc.listRecordings({ room: 'OR 7', marker: 'incision' }));
  assert.deepEqual(
    list.entries.map((e) => e.id),
    [syn.caseId],
  );
  const rec = ok(svc.recording({ id }));
  assert.equal(rec.case.id, syn.caseId);
  assert.equal(rec.span.fromMs, syn.startMs);
  const ov = ok(svc.overview({ id, width: '200' }));
  const body = JSON.parse(JSON.stringify(ov)) as typeof ov;
  assert.deepEqual(body.trends[0].max, ov.trends[0].max, 'survives JSON (null for empty columns)');
  assert.ok(ov.trends.every((t) => t.max.length === 200));
  const st = ok(svc.state({ id, t: '+3m', window: '5000' }));
  assert.equal(st.tMs, syn.startMs + 180000);
  assert.ok(st.waves.every((w) => Array.isArray(w.runs[0].raw) && w.runs[0].raw.length > 0));
  const w = ok(svc.waves({ id, from: '+60s', to: '+62s', channels: String(st.waves[1].channelId) }));
  assert.equal(w.waves.length, 1);
  assert.equal(
    w.waves[0].runs.reduce((a, r) => a + r.raw.length, 0),
    1001,
    '2 s of 500 Hz ECG, both ends included',
  );
});

test('the state route reads only the wave channels asked for, each for its own window, the same samples as the waves route', () => {
  const all = ok(svc.state({ id, t: '+3m', window: '1' }));
  const [ecg, co2] = [all.waves[1], all.waves[7]];
  const st = ok(svc.state({ id, t: '+3m', window: '1', waves: `${ecg.channelId}:2000,${co2.channelId}:30000` }));
  assert.deepEqual(
    st.waves.map((w) => w.channelId),
    [ecg.channelId, co2.channelId],
  );
  const n = (w: { runs: { raw: number[] }[] }) => w.runs.reduce((a, r) => a + r.raw.length, 0);
  assert.equal(n(st.waves[0]), 1001, '2 s of 500 Hz ECG, both ends included');
  assert.equal(n(st.waves[1]), 1876, '30 s of 62.5 Hz CO2, both ends included');
  const w = ok(svc.waves({ id, from: '+178s', to: '+180s', channels: String(ecg.channelId) }));
  assert.deepEqual(
    st.waves[0].runs.flatMap((r) => r.raw),
    w.waves[0].runs.flatMap((r) => r.raw),
  );
  assert.deepEqual(st.numerics, all.numerics, 'the rest of the state is the same');
  assert.equal(svc.state({ id, t: '+3m', waves: '99999:1000' }).status, 400);
  assert.equal(svc.state({ id, t: '+3m', waves: `${ecg.channelId}:0` }).status, 400);
  assert.equal(svc.state({ id, t: '+3m', waves: `${ecg.channelId}` }).status, 400);
});

test('review routes refuse bad input with 400 and an unknown case with 404', () => {
  assert.equal(svc.overview({ id, width: 'wide' }).status, 400);
  assert.equal(svc.state({ id, t: 'noon' }).status, 400);
  assert.equal(svc.state({ id, t: undefined }).status, 400);
  assert.equal(svc.waves({ id, from: '+0s', to: '+10m' }).status, 400);
  assert.equal(svc.waves({ id, from: '+0s', to: '+1s', channels: '99999' }).status, 400);
  assert.equal(svc.listRecordings({ state: 'paused' }).status, 400);
  const r = svc.recording({ id: '20990101-000000-nonexi' });
  assert.equal(r.status, 404);
  assert.equal(svc.recording({ id: '../etc/passwd' }).status, 400);
});
