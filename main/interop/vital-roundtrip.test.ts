import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingStore } from '../recorder/store';
import { sharedDir } from '../recorder/wfdb';
import { ExportSource } from './export-source';
import { channelRows, deviceRows } from './store-queries';
import { makeRecording } from './testing/fixture';
import { exportVital } from './vital-export';
import { readVitalFile } from './vital-file';
import { importVital } from './vital-import';

/** Everything a recording holds, through the store's public reads (block boundaries aside). */
function snapshot(file: string): Record<string, unknown> {
  const s = RecordingStore.open(file, { readonly: true });
  try {
    const all = [-Infinity, Infinity] as const;
    const data: Record<string, unknown> = {};
    for (const c of channelRows(s)) {
      const key = `${c.deviceId}/${c.channel}`;
      if (c.kind === 'wave') {
        const w = s.readWave(c.id, ...all);
        data[key] = { tMs: Array.from(w.tMs), raw: Array.from(w.raw), scale: Array.from(w.scale), offset: Array.from(w.offset) };
      } else if (c.kind === 'numeric') data[key] = s.readNumerics(c.id, ...all);
      else data[key] = s.readPoses(c.id, ...all).map((p) => ({ ...p, matrix: Array.from(p.matrix) }));
    }
    return {
      case: s.caseInfo(),
      patient: s.patient(),
      devices: deviceRows(s),
      channels: channelRows(s).map(({ id: _id, ...c }) => c),
      data,
      alarms: s.alarms(...all),
      events: s.events(...all),
      gaps: s.gaps(),
      settings: s.settings(...all),
      deviceEvents: s.deviceEvents(...all),
      dicom: s.dicomShown(...all),
      registrations: s.registrations(...all),
      annotations: s.annotationHistory(),
      verify: s.verifyAnnotations(),
    };
  } finally {
    s.close();
  }
}

test('import(export(x)) gives x back: samples, times, numerics with status, poses, every row, the annotation chain', async () => {
  const a = fs.mkdtempSync(path.join(os.tmpdir(), 'vital-rt-a-'));
  const b = fs.mkdtempSync(path.join(os.tmpdir(), 'vital-rt-b-'));
  try {
    const rec = makeRecording(a, { seconds: 10, gap: { atS: 4, forS: 2 } });
    const s = RecordingStore.open(rec.file);
    const first = s.currentAnnotations()[0];
    s.appendAnnotation({ action: 'edit', entryId: first.entryId, patch: { text: 'edited later' }, role: 'surgeon' }, [], Date.now());
    s.appendAnnotation({ action: 'delete', entryId: s.currentAnnotations()[1].entryId, role: 'surgeon', reason: 'wrong time' }, [], Date.now());
    s.close();
    const out = path.join(a, 'case.vital');
    const src = ExportSource.open(rec.file);
    await exportVital(src, out);
    src.close();
    const rep = await importVital(out, { dataDir: b });
    assert.equal(rep.caseId, rec.caseId);
    const x = snapshot(rec.file);
    const y = snapshot(rep.file);
    assert.ok((x.verify as { ok: boolean }).ok && (x.annotations as unknown[]).length === 5);
    for (const k of Object.keys(x)) assert.deepEqual(y[k], x[k], `${k} comes back equal`);
    // Importing it again into the same data dir is refused (same case id), with a clear message.
    await assert.rejects(importVital(out, { dataDir: b }), /already exists/);
  } finally {
    fs.rmSync(a, { recursive: true, force: true });
    fs.rmSync(b, { recursive: true, force: true });
  }
});

test('a shared .vital file survives import -> export -> import with the same samples and times', async (t) => {
  const f = path.join(sharedDir(), 'data/waveforms/vital/test_data_demo.vital');
  if (!fs.existsSync(f)) {
    if (process.env.CI === 'true') assert.fail('shared vital data missing');
    return t.skip('shared/data/waveforms/vital not found beside the repository');
  }
  const a = fs.mkdtempSync(path.join(os.tmpdir(), 'vital-rt2-a-'));
  const b = fs.mkdtempSync(path.join(os.tmpdir(), 'vital-rt2-b-'));
  try {
    const r1 = await importVital(f, { dataDir: a });
    const out = path.join(a, 'again.vital');
    const src = ExportSource.open(r1.file);
    await exportVital(src, out);
    src.close();
    // Standard content VitalDB's readers see: the original track names, gain/offset and formats.
    const names = new Map<string, { fmt: number; gain: number; offset: number }>();
    await readVitalFile(out, (p) => {
      if (p.type === 'trkinfo') names.set(p.track.name, { fmt: p.track.recFmt, gain: p.track.adcGain, offset: p.track.adcOffset });
    });
    assert.deepEqual(names.get('ECG_II'), { fmt: 6, gain: 0.004999999999999999, offset: -40.96 });
    assert.ok(names.has('EVENT') && names.has('PLETH_SAT_O2'));
    const r2 = await importVital(out, { dataDir: b });
    const x = snapshot(r1.file);
    const y = snapshot(r2.file);
    for (const k of ['case', 'devices', 'channels', 'data', 'annotations']) assert.deepEqual(y[k], x[k], k);
  } finally {
    fs.rmSync(a, { recursive: true, force: true });
    fs.rmSync(b, { recursive: true, force: true });
  }
});

test('--deidentify: no patient identifiers or names, dates shifted by whole days, chain re-made and valid', async () => {
  const a = fs.mkdtempSync(path.join(os.tmpdir(), 'vital-deid-'));
  try {
    const rec = makeRecording(a, { seconds: 4 });
    const out = path.join(a, 'deid.vital');
    const src = ExportSource.open(rec.file, { deidentify: true });
    await exportVital(src, out);
    src.close();
    const raw = require('node:zlib').gunzipSync(fs.readFileSync(out)) as Buffer;
    for (const secret of ['Jane', 'Public', 'MRN-0042', '1961-04-02', 'Lovelace', 'Snow']) assert.ok(!raw.includes(secret), `"${secret}" is gone`);
    const b = path.join(a, 'import');
    const rep = await importVital(out, { dataDir: b });
    const x = snapshot(rec.file);
    const y = snapshot(rep.file);
    assert.equal(y.patient, undefined);
    const shift = (y.case as { startedMs: number }).startedMs - (x.case as { startedMs: number }).startedMs;
    assert.equal(Math.abs(shift % 86_400_000), 0, 'whole days');
    assert.equal(new Date((y.case as { startedMs: number }).startedMs).toISOString().slice(0, 10), '2000-01-01');
    const xd = (x.data as Record<string, { tMs: number[]; raw: number[] }>)['mon-1/0'];
    const yd = (y.data as Record<string, { tMs: number[]; raw: number[] }>)['mon-1/0'];
    assert.deepEqual(yd.raw, xd.raw);
    assert.equal(yd.tMs.length, xd.tMs.length);
    assert.ok(
      yd.tMs.every((t, i) => Math.abs(t - (xd.tMs[i] + shift)) < 1e-3),
      'every sample time moved by the same shift (to 1 us)',
    );
    assert.ok((y.verify as { ok: boolean }).ok, 'the re-made chain verifies');
    assert.deepEqual(
      (y.annotations as { name: string }[]).map((r) => r.name),
      (x.annotations as { role: string }[]).map((r) => r.role),
    );
    assert.ok((y.annotations as { text: string }[]).some((r) => r.text === '[removed] is comfortable'));
  } finally {
    fs.rmSync(a, { recursive: true, force: true });
  }
});
