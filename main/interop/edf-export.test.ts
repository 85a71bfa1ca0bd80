import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingStore } from '../recorder/store';
import { exportEdf, MAX_RECORD_BYTES } from './edf-export';
import { ExportSource } from './export-source';
import { T0_MS, makeRecording } from './testing/fixture';
import { sharedDir } from '../recorder/wfdb';
import { importVital } from './vital-import';
import { importWfdb } from './wfdb-import';

const PY = '/usr/bin/python3';
const hasCc = spawnSync('cc', ['--version']).status === 0 && fs.existsSync('/usr/include/edflib.h');
const hasMne = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0;
const need = (ok: boolean, what: string) => (ok ? false : process.env.CI === 'true' ? false : `${what} is not installed`);

interface EdfDump {
  error?: number;
  filetype: number;
  records: number;
  recordDuration: number;
  subsecond: number;
  start: string;
  patientcode: string;
  signals: { label: string; unit: string; perRecord: number; physMin: number; physMax: number; digMin: number; digMax: number; n: number; digital: number[] }[];
  annotations: { onset: number; duration: string; text: string }[];
}

function edflib(dir: string, file: string): EdfDump {
  const bin = path.join(dir, 'edflib-dump');
  if (!fs.existsSync(bin)) execFileSync('cc', ['-O1', '-o', bin, path.join(__dirname, 'testing/edflib-dump.c'), '-ledf']);
  return JSON.parse(execFileSync(bin, [file], { encoding: 'utf8', maxBuffer: 1 << 28 })) as EdfDump;
}

function setup(o: Parameters<typeof makeRecording>[1]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edf-'));
  const rec = makeRecording(dir, o);
  return { dir, rec, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('EDF+C: EDFlib reads back every count exactly, the rates, physical scaling and annotations', { skip: need(hasCc, 'cc with libedf-dev') }, () => {
  const { dir, rec, done } = setup({ seconds: 12 });
  try {
    const out = path.join(dir, 'case.edf');
    const src = ExportSource.open(rec.file, { channels: ['ECG II', 'ABP'] });
    const rep = exportEdf(src, out);
    src.close();
    assert.equal(rep.discontinuous, false);
    assert.deepEqual(rep.lossy, []);
    const d = edflib(dir, out);
    assert.equal(d.error, undefined, `EDFlib refused the file: ${d.error}`);
    assert.equal(d.filetype, 1, 'EDF+');
    assert.equal(d.recordDuration, rep.recordSeconds * 1e7);
    assert.ok((500 * 2 + 125 * 2) * rep.recordSeconds + 64 <= MAX_RECORD_BYTES);
    const s = RecordingStore.open(rec.file, { readonly: true });
    try {
      const chans = s.channelSummaries();
      for (const [k, label] of [
        [0, 'ECG II'],
        [1, 'ABP'],
      ] as const) {
        const sig = d.signals[k];
        assert.equal(sig.label.trim(), label);
        const ch = chans.find((c) => c.label === label)!;
        assert.equal(sig.perRecord / rep.recordSeconds, ch.rateHz, `${label} rate`);
        const w = s.readWave(ch.id, -Infinity, Infinity);
        // Every stored count is a digital value: same count, same order; the physical scale is the channel's.
        const firstSlot = Math.round((w.tMs[0] - src.fromMs) * (ch.rateHz! / 1000));
        const got = sig.digital.slice(firstSlot, firstSlot + w.raw.length);
        assert.deepEqual(got, Array.from(w.raw), `${label}: digital values are the raw counts`);
        const gain = (sig.physMax - sig.physMin) / (sig.digMax - sig.digMin);
        assert.ok(Math.abs(gain - w.scale[0]) / w.scale[0] < 1e-6, `${label}: gain ${gain} vs scale ${w.scale[0]}`);
        const phys0 = (got[0] - sig.digMin) * gain + sig.physMin;
        assert.ok(Math.abs(phys0 - (w.raw[0] * w.scale[0] + w.offset[0])) < w.scale[0] / 2, `${label}: physical value within half a count`);
      }
      assert.equal(d.signals[1].unit.trim(), 'mmHg');
      // Annotations: the team's entries, the alarm on/off, the event and device state, at their times (100 ns units).
      const headerStart = Math.floor(src.fromMs / 1000) * 1000;
      const texts = d.annotations.map((a) => a.text);
      for (const want of [
        'incision (surgeon)',
        'bolus Propofol 150 mg (anaesthetist)',
        'alarm on P2 mon-1: HR high',
        'alarm off P2 mon-1: HR high',
        'mon-1: LEAD_OFF ECG lead V off',
        'device nav-1 stale (heartbeat late)',
      ]) {
        assert.ok(texts.includes(want), `annotation "${want}" in ${JSON.stringify(texts)}`);
      }
      // EDFlib counts onsets from the first record's start (header second + its time-keeping TAL).
      const inc = d.annotations.find((a) => a.text === 'incision (surgeon)')!;
      assert.equal(d.subsecond, Math.round((src.fromMs - headerStart) * 1e4));
      assert.ok(Math.abs(inc.onset - (T0_MS + 1000 - src.fromMs) * 1e4) <= 1, `incision onset ${inc.onset}`);
      assert.equal(d.annotations.length, 7);
    } finally {
      s.close();
    }
    // The patient field carries the identifiers; --deidentify leaves them out and moves the date.
    assert.equal(d.patientcode, 'MRN-0042');
    const out2 = path.join(dir, 'deid.edf');
    const src2 = ExportSource.open(rec.file, { channels: ['ECG II'], deidentify: true });
    exportEdf(src2, out2);
    src2.close();
    const d2 = edflib(dir, out2);
    assert.equal(d2.patientcode, '', 'EDFlib reads the EDF+ unknown "X" as empty');
    assert.equal(fs.readFileSync(out2).toString('latin1', 8, 16), 'X X X X ');
    assert.equal(d2.start.slice(0, 10), '2000-01-01');
    assert.equal(d2.start.slice(11), new Date(Math.floor(src.fromMs / 1000) * 1000).toISOString().slice(11, 19));
    assert.ok(!fs.readFileSync(out2).includes('Jane'), 'no patient name anywhere in the de-identified file');
  } finally {
    done();
  }
});

test(
  'EDF+D where the recording has a hole: MNE reads samples and annotations; EDFlib sees a discontinuous file',
  { skip: need(hasMne && hasCc, 'python3-mne or libedf-dev') },
  () => {
    const { dir, rec, done } = setup({ seconds: 12, gap: { atS: 5, forS: 3 } });
    try {
      const out = path.join(dir, 'gap.edf');
      const src = ExportSource.open(rec.file, { channels: ['ECG II', 'Pleth'] });
      const rep = exportEdf(src, out);
      src.close();
      assert.equal(rep.discontinuous, true);
      assert.equal(rep.lossy.length, 1, 'the float pleth channel is quantised and says so');
      assert.equal(fs.readFileSync(out).toString('latin1', 192, 197), 'EDF+D');
      assert.equal(edflib(dir, out).error, -10, 'EDFlib: EDFLIB_FILE_IS_DISCONTINUOUS');
      const py = `
import mne, json, sys
r = mne.io.read_raw_edf(sys.argv[1], preload=True, verbose='error')
x = r.get_data(picks=['ECG II'])[0]
ann = [[a['onset'], a['duration'], a['description']] for a in r.annotations]
print(json.dumps({'sfreq': r.info['sfreq'], 'names': r.ch_names, 'n': len(x), 'ecg': (x * 1000).tolist(), 'ann': ann}))`;
      const m = JSON.parse(execFileSync(PY, ['-c', py, out], { encoding: 'utf8', maxBuffer: 1 << 28 })) as {
        sfreq: number;
        names: string[];
        n: number;
        ecg: number[];
        ann: [number, number, string][];
      };
      assert.equal(m.sfreq, 500);
      assert.deepEqual(m.names, ['ECG II', 'Pleth']);
      const s = RecordingStore.open(rec.file, { readonly: true });
      try {
        const ch = s.channelSummaries().find((c) => c.label === 'ECG II')!;
        const w = s.readWave(ch.id, -Infinity, Infinity);
        // Records hold only data: 9 s of samples (12 s less the 3 s hole), in order.
        assert.equal(m.n, rep.records * 500 * rep.recordSeconds);
        const phys = Array.from(w.raw, (r, i) => r * w.scale[i] + w.offset[i]);
        const firstSlot = Math.round((w.tMs[0] - src.fromMs) / 2);
        const afterGap = phys.findIndex((_, i) => w.tMs[i] >= T0_MS + 8000);
        for (const i of [0, 1, 100, afterGap - 1]) assert.ok(Math.abs(m.ecg[firstSlot + i] - phys[i]) < 1e-6, `ECG sample ${i}`);
        const gap = m.ann.find((a) => a[2] === 'gap mon-1: device-offline');
        assert.ok(gap && Math.abs(gap[1] - 3) < 1e-6, `gap annotation with its 3 s duration: ${JSON.stringify(m.ann)}`);
      } finally {
        s.close();
      }
    } finally {
      done();
    }
  },
);

test(
  'a real .vital case (mixed 500/125/62.5 Hz, 16-bit unsigned counts, event markers) exports to EDF+ that EDFlib and MNE read',
  {
    skip: need(hasMne && hasCc, 'python3-mne or libedf-dev'),
  },
  async (t) => {
    const f = path.join(sharedDir(), 'data/waveforms/vital/test_data_demo.vital');
    if (!fs.existsSync(f)) {
      assert.ok(process.env.CI !== 'true', 'shared vital data missing');
      return t.skip('shared/data/waveforms/vital not found beside the repository');
    }
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'edf-vital-'));
    try {
      const rep = await importVital(f, { dataDir: d });
      const out = path.join(d, 'demo.edf');
      const src = ExportSource.open(rep.file);
      const e = exportEdf(src, out);
      src.close();
      assert.equal(e.recordSeconds, 2, '62.5 Hz needs 2 s records');
      assert.deepEqual(e.lossy, [], 'WORD counts within 16 bits are written count for count');
      const dump = edflib(d, out);
      assert.equal(dump.error, undefined);
      const ecg = dump.signals.find((x) => x.label.trim() === 'ECG II')!;
      assert.equal(ecg.perRecord, 1000);
      const gain = (ecg.physMax - ecg.physMin) / (ecg.digMax - ecg.digMin);
      assert.ok(Math.abs(gain - 0.005) < 1e-9, `ECG gain ${gain}`);
      const s = RecordingStore.open(rep.file, { readonly: true });
      const ch = s.channelSummaries().find((c) => c.label === 'ECG II')!;
      const w = s.readWave(ch.id, -Infinity, Infinity);
      s.close();
      const slot = Math.round((w.tMs[0] - e.startMs) / 2);
      const phys = (dig: number) => (dig - ecg.digMin) * gain + ecg.physMin;
      for (const i of [0, 1, 500, w.raw.length - 1])
        assert.ok(Math.abs(phys(ecg.digital[slot + i]) - (w.raw[i] * w.scale[i] + w.offset[i])) < 0.0025, `ECG sample ${i}`);
      const texts = dump.annotations.map((a) => a.text);
      for (const t of ['note: Start ventilator settings (integration)', 'note: Vent Setting 2 (integration)']) assert.ok(texts.includes(t), t);
      const py = "import mne, sys, json; r = mne.io.read_raw_edf(sys.argv[1], verbose='error'); print(json.dumps([r.info['sfreq'], len(r.annotations)]))";
      const [sfreq, nAnn] = JSON.parse(execFileSync(PY, ['-c', py, out], { encoding: 'utf8' })) as [number, number];
      assert.equal(sfreq, 500);
      assert.equal(nAnn, dump.annotations.length);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
);

test(
  'MIT-BIH 100 (imported from WFDB) to EDF+: MNE reads all 650,000 samples of both leads and the 2,274 beat annotations',
  { skip: need(hasMne, 'python3-mne') },
  (t) => {
    const hea = path.join(sharedDir(), 'data/waveforms/wfdb/100.hea');
    if (!fs.existsSync(hea)) {
      assert.ok(process.env.CI !== 'true', 'shared WFDB data missing');
      return t.skip('shared/data/waveforms/wfdb not found beside the repository');
    }
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'edf-wfdb-'));
    try {
      const rep = importWfdb(hea, { dataDir: d });
      const out = path.join(d, '100.edf');
      const src = ExportSource.open(rep.file);
      const e = exportEdf(src, out);
      src.close();
      assert.deepEqual(e.lossy, []);
      const py = `
import mne, sys, json
import numpy as np
r = mne.io.read_raw_edf(sys.argv[1], preload=True, verbose='error')
x = r.get_data() * 1000
beats = [a['description'] for a in r.annotations if a['description'].startswith('wfdb-100: ')]
np.asarray(x[:, :650000], dtype='<f8').tofile(sys.argv[2])
print(json.dumps({'sfreq': r.info['sfreq'], 'names': r.ch_names, 'n': x.shape[1], 'beats': len(beats), 'first': beats[1]}))`;
      const bin = path.join(d, 'x.f64');
      const m = JSON.parse(execFileSync(PY, ['-c', py, out, bin], { encoding: 'utf8', maxBuffer: 1 << 24 })) as {
        sfreq: number;
        names: string[];
        n: number;
        beats: number;
        first: string;
      };
      assert.equal(m.sfreq, 360);
      assert.deepEqual(m.names, ['MLII', 'V5']);
      assert.equal(m.beats, 2274);
      assert.equal(m.first, 'wfdb-100: N');
      const buf = fs.readFileSync(bin);
      const x = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
      const s = RecordingStore.open(rep.file, { readonly: true });
      try {
        s.channelSummaries().forEach((c, k) => {
          const w = s.readWave(c.id, -Infinity, Infinity);
          let worst = 0;
          for (let i = 0; i < w.raw.length; i++) worst = Math.max(worst, Math.abs(x[k * 650000 + i] - (w.raw[i] * w.scale[i] + w.offset[i])));
          assert.ok(worst < 0.5 / 200, `${c.label}: every sample within half a count (worst ${worst} mV)`);
        });
      } finally {
        s.close();
      }
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
);
