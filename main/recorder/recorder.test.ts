import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { AlarmPriority, AlarmState } from '../../native-bridge/common/wire';
import { DEFAULT_PRESETS, PRESETS_FILE } from './annotations';
import { Recorder, type TechnicalAlarmCode, recorderWorkerPath } from './recorder';
import { AlarmBoard } from '../hub/alarm-board';
import { RecordingStore, listRecordingFiles } from './store';
import { withRawDb } from './testing/raw-db';

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
    { index: 1, kind: 'wave', mdc: 'MDC_PULS_OXIM_PLETH', label: 'Pleth', unit: '', rateHz: 125, format: 'f32', scale: 1, offset: 0 },
    { index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' },
    { index: 20, kind: 'pose', mdc: 'MDC_ATTR_POSE', label: 'Pointer', unit: 'mm' },
  ],
};

/** Every change of the recorder's alarms on a board, as (code, active, message). */
interface TechnicalAlarm {
  code: TechnicalAlarmCode;
  active: boolean;
  message: string;
}

function alarmLog(into: TechnicalAlarm[]): AlarmBoard {
  const board = new AlarmBoard();
  board.subscribe((a) => {
    assert.equal(a.source, 'recorder');
    into.push({ code: a.code as TechnicalAlarmCode, active: a.state === 'active', message: a.text });
  });
  return board;
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'orrec-rec-'));
}

function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => (cond() ? resolve() : Date.now() > end ? reject(new Error('until: timed out')) : setTimeout(tick, 10));
    tick();
  });
}

/** Feeds `seconds` of data starting at hub time t0, in 50 ms frames. Returns the ECG samples fed. */
function feed(rec: Recorder, t0: number, seconds: number): { ecg: number[]; pleth: number[] } {
  const ecg: number[] = [];
  const pleth: number[] = [];
  for (let f = 0; f < seconds * 20; f++) {
    const tf = t0 + f * 50;
    const e = Int16Array.from({ length: 25 }, (_, i) => Math.round(Math.sin((ecg.length + i) / 15) * 300 + ((ecg.length + i) % 7)));
    ecg.push(...e);
    rec.wave({ deviceId: 'mon-1', channel: 0, t0HubMs: tf, rateHz: 500, raw: e, scale: 0.005, offset: 0 });
    if (f % 4 === 0) {
      const p = Float32Array.from({ length: 25 }, (_, i) => Math.sin((pleth.length + i) / 9) * 0.8 + 0.1);
      pleth.push(...p);
      rec.wave({ deviceId: 'mon-1', channel: 1, t0HubMs: tf, rateHz: 125, raw: p, scale: 1, offset: 0 });
    }
    if (f % 20 === 0) rec.numeric('mon-1', 10, tf, 60 + (f % 40) / 20, 0);
    if (f % 3 === 0)
      rec.pose(
        'mon-1',
        20,
        tf,
        0.9,
        0,
        Float32Array.from({ length: 16 }, (_, k) => k + f / 100),
      );
  }
  return { ecg, pleth };
}

test('recorderWorkerPath finds the worker beside the module', () => {
  assert.equal(path.basename(recorderWorkerPath()), 'recorder-worker.ts');
});

test('records a case end to end: waves bit-exact, numerics, poses, alarms, settings, gaps, events, annotations', async () => {
  const dir = tmpDir();
  const rec = await Recorder.open({ dataDir: dir });
  assert.equal(rec.case, null);
  rec.deviceOnline(MON, Date.now());
  const info = await rec.createCase({
    procedure: 'Lap chole',
    room: 'OR 3',
    team: [
      { role: 'surgeon', name: 'A. Surgeon' },
      { role: 'anaesthetist', name: 'B. Gas' },
    ],
    patient: { identifier: 'MRN-1' },
  });
  assert.equal(info.state, 'created');
  await assert.rejects(rec.createCase({ procedure: 'other' }), /still created/);
  const started = await rec.startRecording();
  assert.equal(started.state, 'recording');
  const t0 = 1_800_000_000_000;
  const { ecg, pleth } = feed(rec, t0, 10);
  rec.alarm('mon-1', { channel: 0, tHubMs: t0 + 1000, priority: AlarmPriority.High, state: AlarmState.Active, code: 7, text: 'Asystole' });
  rec.alarm('mon-1', { channel: 0, tHubMs: t0 + 3000, priority: AlarmPriority.High, state: AlarmState.Ended, code: 7, text: 'Asystole' });
  rec.setting('mon-1', 0, t0 + 500, 25, 'sweep 25 mm/s');
  rec.event('mon-1', 0, t0 + 600, 'LEAD_OFF', 'V lead off');
  rec.gap({ deviceId: 'mon-1', channel: -1, fromHubMs: t0 + 7000, toHubMs: t0 + 7100, lostFrames: 2, reason: 'sequence' });
  rec.deviceState('mon-1', 'stale', t0 + 7000, 'no heartbeat');
  rec.dicomShown({ tMs: t0 + 800, seriesUid: '1.2.3', modality: 'CT', description: 'Head' });
  rec.registration({
    tMs: t0 + 900,
    seriesUid: '1.2.3',
    trackerDeviceId: 'nav',
    method: 'paired-points',
    matrix: Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)),
    freMm: 0.8,
  });
  const ack = await rec.annotate({ kind: 'incision', agoMs: 120000, role: 'surgeon' });
  assert.equal(ack.version, 1);
  const bolus = await rec.annotate({ kind: 'bolus', drug: 'Fentanyl', dose: 100, unit: 'mcg', role: 'anaesthetist' });
  await rec.editAnnotation(bolus.entryId, { dose: 50 }, { role: 'anaesthetist' });
  await assert.rejects(rec.annotate({ kind: 'blood-loss', role: 'surgeon' }), /millilitres/);
  const tl = await rec.timeline();
  assert.deepEqual(
    tl.markers.map((m) => m.kind),
    ['incision', 'bolus'],
  );
  assert.deepEqual(
    tl.alarms.map((a) => [a.fromMs, a.toMs, a.text]),
    [[t0 + 1000, t0 + 3000, 'Asystole']],
  );
  assert.deepEqual(
    tl.gaps.map((g) => g.reason),
    ['sequence'],
  );
  assert.equal((await rec.annotationHistory(bolus.entryId)).length, 2);
  const ended = await rec.endCase();
  assert.equal(ended.state, 'ended');
  assert.equal(rec.stats().droppedSamples, 0);
  await rec.close();

  const files = listRecordingFiles(dir);
  assert.equal(files.length, 1);
  const s = RecordingStore.open(files[0], { readonly: true });
  const ch = new Map(s.channelSummaries().map((c) => [c.channel, c]));
  assert.equal(ch.get(0)!.samples, ecg.length);
  assert.equal(ch.get(0)!.firstMs, t0);
  assert.equal(ch.get(0)!.lastMs, t0 + (ecg.length - 1) * 2);
  const w = s.readWave(ch.get(0)!.id, t0, t0 + 20000);
  assert.deepEqual(Array.from(w.raw), ecg);
  assert.equal(w.tMs[1000], t0 + 2000);
  assert.equal(w.scale[0], 0.005);
  const p = s.readWave(ch.get(1)!.id, t0, t0 + 20000);
  assert.deepEqual(Array.from(p.raw), Array.from(Float32Array.from(pleth)));
  assert.deepEqual(
    s.readNumerics(ch.get(10)!.id, t0, t0 + 20000).map((n) => n.tMs),
    Array.from({ length: 10 }, (_, i) => t0 + i * 1000),
  );
  const poses = s.readPoses(ch.get(20)!.id, t0, t0 + 20000);
  assert.equal(poses.length, 67);
  assert.equal(poses[1].matrix[2], Math.fround(2 + 3 / 100));
  assert.deepEqual(
    withRawDb(files[0], (db) => db.prepare('SELECT COUNT(*) AS n FROM wave_blocks WHERE partial = 1').get()),
    { n: 0 },
  );
  assert.equal(s.alarms(t0, t0 + 10000).length, 2);
  assert.equal(s.settings(t0, t0 + 10000)[0].text, 'sweep 25 mm/s');
  assert.equal(s.events(t0, t0 + 10000)[0].code, 'LEAD_OFF');
  assert.deepEqual(
    s.deviceEvents(0, t0 + 10000).map((e) => e.state),
    ['online', 'stale'],
  );
  assert.equal(s.dicomShown(t0, t0 + 1000)[0].seriesUid, '1.2.3');
  assert.equal(s.registrations(t0, t0 + 1000)[0].freMm, 0.8);
  assert.equal(s.patient()?.identifier, 'MRN-1');
  assert.deepEqual(s.verifyAnnotations(), { ok: true, entries: 3, problems: [] });
  s.close();
});

test('a case left recording is resumed on the next open with the downtime as a hub-restart gap', async () => {
  const dir = tmpDir();
  let now = 1_800_000_000_000;
  const clock = () => now;
  const rec = await Recorder.open({ dataDir: dir, clock });
  await rec.createCase({ procedure: 'Hip', team: [{ role: 'surgeon', name: 'S' }] });
  await rec.startRecording();
  feed(rec, now, 2);
  await rec.close();
  now += 60000;
  const rec2 = await Recorder.open({ dataDir: dir, clock });
  assert.equal(rec2.recording, true);
  assert.equal(rec2.case?.procedure, 'Hip');
  const tl = await rec2.timeline();
  assert.equal(tl.gaps.length, 1);
  assert.equal(tl.gaps[0].reason, 'hub-restart');
  assert.equal(tl.gaps[0].fromMs, 1_800_000_000_000 + 1998);
  assert.equal(tl.gaps[0].toMs, now);
  feed(rec2, now, 1);
  await rec2.endCase();
  await rec2.close();
  const s = RecordingStore.open(listRecordingFiles(dir)[0], { readonly: true });
  assert.equal(s.channelSummaries().find((c) => c.channel === 0)!.samples, 1500);
  s.close();
});

test('a full disk becomes a technical alarm, the live path keeps working, and nothing is lost once space returns', async () => {
  const dir = tmpDir();
  const alarms: TechnicalAlarm[] = [];
  const rec = await Recorder.open({ dataDir: dir, flushMs: 50, alarms: alarmLog(alarms) });
  await rec.createCase({ procedure: 'Knee', team: [{ role: 'surgeon', name: 'S' }] });
  await rec.startRecording();
  const t0 = 1_800_000_000_000;
  feed(rec, t0, 1);
  rec.flush(true);
  await until(() => rec.stats().inFlightBatches === 0);
  const pages = (await rec.debugMaxPages(1)) as number;
  assert.ok(pages > 1);
  const { ecg } = feed(rec, t0 + 1000, 20);
  await until(() => alarms.some((a) => a.code === 'REC_DISK_FULL' && a.active));
  assert.match(alarms.find((a) => a.code === 'REC_DISK_FULL')!.message, /disk is full.*live display is unaffected/);
  // A note too big for the free space left in allocated pages cannot be acknowledged.
  await assert.rejects(rec.annotate({ kind: 'note', text: 'x'.repeat(3900), role: 'surgeon' }), /full/);
  feed(rec, t0 + 21000, 1); // still accepted without throwing
  await rec.debugMaxPages(0);
  await until(() => alarms.some((a) => a.code === 'REC_DISK_FULL' && !a.active), 5000);
  await rec.endCase();
  await rec.close();
  const s = RecordingStore.open(listRecordingFiles(dir)[0], { readonly: true });
  assert.equal(s.channelSummaries().find((c) => c.channel === 0)!.samples, 500 * 22);
  assert.equal(ecg.length, 10000);
  s.close();
});

test('memory stays bounded while the disk fails: excess is dropped, counted and recorded as a gap', async () => {
  const dir = tmpDir();
  const alarms: TechnicalAlarm[] = [];
  const rec = await Recorder.open({ dataDir: dir, flushMs: 20, maxBufferedBytes: 64 * 1024, alarms: alarmLog(alarms) });
  await rec.createCase({ procedure: 'Spine', team: [{ role: 'surgeon', name: 'S' }] });
  await rec.startRecording();
  await rec.debugMaxPages(1);
  const t0 = 1_800_000_000_000;
  for (let s = 0; s < 60; s++) {
    feed(rec, t0 + s * 1000, 1);
    await new Promise((r) => setTimeout(r, 5));
  }
  const st = rec.stats();
  assert.ok(st.droppedSamples > 0, 'some samples dropped');
  assert.ok(st.bufferedBytes + st.inFlightBytes <= 64 * 1024 + 30000, `bounded: ${st.bufferedBytes + st.inFlightBytes}`);
  assert.ok(alarms.some((a) => a.code === 'REC_OVERFLOW' && a.active));
  await rec.debugMaxPages(0);
  await until(() => !rec.stats().diskFailing && rec.stats().inFlightBatches === 0, 5000);
  feed(rec, t0 + 61000, 1);
  await rec.endCase();
  await rec.close();
  assert.ok(alarms.some((a) => a.code === 'REC_OVERFLOW' && !a.active));
  const s = RecordingStore.open(listRecordingFiles(dir)[0], { readonly: true });
  assert.ok(s.gaps().some((g) => g.reason === 'recorder-overflow' && g.deviceId === 'mon-1' && g.channel === 0));
  s.close();
});

test('presets come from annotation-presets.json in the data dir, or the standard moments when it is invalid', async () => {
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, PRESETS_FILE),
    JSON.stringify({
      presets: [
        { kind: 'tourniquet-on', label: 'Tourniquet on', shortcut: 'Ctrl+T' },
        { kind: 'incision', label: 'Incision', shortcut: 'F4' },
      ],
    }),
  );
  const rec = await Recorder.open({ dataDir: dir });
  assert.deepEqual(
    rec.presets.map((p) => [p.kind, p.shortcut]),
    [
      ['tourniquet-on', 'Ctrl+T'],
      ['incision', 'F4'],
    ],
  );
  await rec.createCase({ procedure: 'TKA', team: [{ role: 'surgeon', name: 'S' }] });
  const a = await rec.annotate({ kind: 'tourniquet-on', role: 'surgeon' });
  assert.equal(a.version, 1);
  await rec.close();
  const dir2 = tmpDir();
  fs.writeFileSync(path.join(dir2, PRESETS_FILE), JSON.stringify({ presets: [{ kind: 'note', label: 'x', shortcut: 'F1' }] }));
  const rec2 = await Recorder.open({ dataDir: dir2 });
  assert.deepEqual(rec2.presets, [...DEFAULT_PRESETS]);
  assert.match(rec2.presetsError ?? '', /kind "note" is reserved; using the standard presets/);
  await rec2.close();
});
