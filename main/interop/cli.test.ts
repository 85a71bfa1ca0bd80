import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingStore } from '../recorder/store';
import { sharedDir } from '../recorder/wfdb';
import { T0_MS, ecg, makeRecording } from './testing/fixture';

const ROOT = path.resolve(__dirname, '../..');

function orHub(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'main/cli/or-hub.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('or-hub export csv and json: per-channel files, the numerics table, rows; --from/--to and --channels', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-cli-'));
  try {
    const rec = makeRecording(d, { seconds: 6 });
    const csv = path.join(d, 'csv');
    let r = orHub('export', rec.file, '--format', 'csv', '--out', csv, '--from', '1s', '--to', '3s', '--channels', 'ECG II,HR');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(fs.readdirSync(csv).sort(), ['channels.csv', 'mon-1-0-ECG_II.csv', 'numerics.csv']);
    const lines = fs.readFileSync(path.join(csv, 'mon-1-0-ECG_II.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 't_ms,value_mV,raw');
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    const s = RecordingStore.open(rec.file, { readonly: true });
    const first = s.channelSummaries().find((c) => c.label === 'ECG II')!.firstMs!;
    const w = s.readWave(s.channelSummaries().find((c) => c.label === 'ECG II')!.id, first + 1000, first + 3000);
    s.close();
    assert.equal(rows.length, w.raw.length, 'every sample in the window, once');
    assert.deepEqual(
      rows.map((x) => x[2]),
      Array.from(w.raw),
    );
    assert.ok(Math.abs(rows[0][0] - w.tMs[0]) < 1e-3 && rows[0][1] === Number((w.raw[0] * 0.005).toFixed(4)));
    assert.ok(
      rows.every((x) => x[2] === ecg(Math.round((x[0] - T0_MS) / 2))),
      'values are the generated counts',
    );
    const nums = fs.readFileSync(path.join(csv, 'numerics.csv'), 'utf8').trim().split('\n');
    assert.equal(nums[0], 't_ms,HR [/min]');
    assert.equal(nums.length - 1, 2, 'HR every second: 2 values in a 2 s window');
    const json = path.join(d, 'case.json');
    r = orHub('export', rec.file, '--format', 'json', '--out', json);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, unknown[]> & { patient: { name: string } };
    assert.equal(j.events.length, 1);
    assert.equal(j.alarms.length, 2);
    assert.equal(j.annotations.length, 3);
    assert.deepEqual(
      (j.devices as { deviceId: string }[]).map((x) => x.deviceId),
      ['mon-1', 'nav-1'],
    );
    assert.equal(j.patient.name, 'Jane Q Public');
    const deid = path.join(d, 'deid.json');
    assert.equal(orHub('export', rec.file, '--format', 'json', '--out', deid, '--deidentify').code, 0);
    const text = fs.readFileSync(deid, 'utf8');
    for (const secret of ['Jane', 'MRN-0042', 'Lovelace', '2026-']) assert.ok(!text.includes(secret), secret);
    assert.ok(!text.includes('"patient"'));
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('or-hub import and export: bad flags and files get one clear line and exit 2 or 1', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-cli-bad-'));
  try {
    const rec = makeRecording(d, { seconds: 2, rows: false });
    const cases: [string[], number, RegExp][] = [
      [['export', rec.file, '--format', 'xls', '--out', path.join(d, 'x')], 2, /--format must be one of csv, json, edf, vital, not "xls"/],
      [['export', rec.file, '--format', 'edf'], 2, /--out PATH is required/],
      [
        ['export', rec.file, '--format', 'edf', '--out', path.join(d, 'x.edf'), '--channels', 'EEG'],
        1,
        /no channel "EEG" \(channels: ECG II, ABP, HR, Pleth, Pointer/,
      ],
      [['export', rec.file, '--format', 'edf', '--out', path.join(d, 'x.edf'), '--from', 'yesterday'], 2, /--from must be an ISO time/],
      [['export', rec.file, '--format', 'edf', '--out', rec.file], 1, /exists; remove it or choose another --out/],
      [['export', path.join(d, 'none.orrec'), '--format', 'edf', '--out', path.join(d, 'x.edf')], 1, /no recording file/],
      [['export', rec.file, '--fromm', '1s'], 2, /unknown flag --fromm/],
      [['import', path.join(d, 'none.vital'), '--data-dir', d], 1, /no file/],
      [['import', rec.file, '--data-dir', d], 2, /neither a \.vital file nor a WFDB record/],
    ];
    for (const [args, code, re] of cases) {
      const r = orHub(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('or-hub import FILE.vital --data-dir DIR makes a case that or-hub recordings lists', (t) => {
  const f = path.join(sharedDir(), 'data/waveforms/vital/test_intellivue_demo1.vital');
  if (!fs.existsSync(f)) {
    if (process.env.CI === 'true') assert.fail('shared vital data missing');
    return t.skip('shared/data/waveforms/vital not found beside the repository');
  }
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-cli-imp-'));
  try {
    const r = orHub('import', f, '--data-dir', d, '--json');
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out) as { caseId: string; channels: number };
    assert.equal(rep.channels, 16);
    const list = orHub('recordings', 'list', '--json', '--data-dir', d);
    assert.equal((JSON.parse(list.out) as { id: string; state: string }[])[0].id, rep.caseId);
    const edf = path.join(d, 'demo1.edf');
    const e = orHub('export', rep.caseId, '--data-dir', d, '--format', 'edf', '--out', edf);
    assert.equal(e.code, 0, e.err);
    assert.ok(fs.statSync(edf).size > 12800 * 2);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
