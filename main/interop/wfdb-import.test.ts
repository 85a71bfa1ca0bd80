import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingStore } from '../recorder/store';
import { parseWfdbHeader, wfdbChecksum, wfdbDir } from '../recorder/wfdb';
import { importWfdb } from './wfdb-import';

const dir = wfdbDir();
const skip = dir ? false : process.env.CI === 'true' ? false : 'shared/data/waveforms/wfdb not found beside the repository';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wfdb-import-'));
}

test('MIT-BIH 100: both signals sample for sample (header checksums), 360 Hz, and the 2274 annotations of 100.atr', { skip }, () => {
  const d = tmp();
  try {
    const rep = importWfdb(path.join(dir!, '100.hea'), { dataDir: d });
    const h = parseWfdbHeader(fs.readFileSync(path.join(dir!, '100.hea'), 'utf8'));
    assert.equal(rep.channels, 2);
    assert.equal(rep.events, 2274);
    assert.ok(rep.warnings.some((w) => /no base time/.test(w)));
    const s = RecordingStore.open(rep.file, { readonly: true });
    try {
      const chans = s.channelSummaries();
      for (const sig of h.signals) {
        const c = chans.find((x) => x.label === sig.description)!;
        assert.equal(c.rateHz, 360);
        assert.equal(c.samples, h.frames);
        const w = s.readWave(c.id, -Infinity, Infinity);
        assert.equal(wfdbChecksum(Int32Array.from(w.raw)), sig.checksum, `${sig.description} checksum`);
        assert.equal(w.raw[0], sig.initialValue);
        assert.ok(Math.abs(w.raw[0] * w.scale[0] + w.offset[0] - (sig.initialValue! - sig.baseline) / sig.gain) < 1e-12, 'physical = (raw - baseline) / gain');
        assert.equal(w.tMs[0], Date.UTC(2000, 0, 1));
        assert.ok(Math.abs(w.tMs[w.tMs.length - 1] - (Date.UTC(2000, 0, 1) + ((h.frames - 1) * 1000) / 360)) < 1e-3);
      }
      assert.equal(chans.find((x) => x.label === 'MLII')!.kind, 'wave');
      const ev = s.events(-Infinity, Infinity);
      const count = (m: string) => ev.filter((e) => e.code === m).length;
      assert.deepEqual([count('N'), count('A'), count('V'), count('+')], [2239, 33, 1, 1]);
      assert.equal(ev[1].tMs, Date.UTC(2000, 0, 1) + (77 * 1000) / 360, 'the first beat at sample 77');
      assert.equal(ev[0].text, '(N');
    } finally {
      s.close();
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('03700181: base time and date, 500 Hz MCL1 beside 125 Hz ABP; a103l: format 16 with byte offset', { skip }, () => {
  const d = tmp();
  try {
    const rep = importWfdb(path.join(dir!, '03700181.hea'), { dataDir: d });
    const s = RecordingStore.open(rep.file, { readonly: true });
    try {
      const chans = s.channelSummaries();
      const mcl1 = chans.find((c) => c.label === 'MCL1')!;
      assert.equal(mcl1.rateHz, 500);
      assert.equal(mcl1.samples, 75000 * 4);
      assert.equal(mcl1.firstMs, Date.UTC(1994, 7, 15, 17, 27, 45));
      assert.equal(chans.find((c) => c.label === 'ABP')!.rateHz, 125);
      assert.equal(chans.find((c) => c.label === 'ABP')!.unit, 'mm[Hg]');
      assert.equal(s.caseInfo().id.slice(0, 8), '19940815');
    } finally {
      s.close();
    }
    const r2 = importWfdb(path.join(dir!, 'a103l.hea'), { dataDir: d });
    assert.equal(r2.channels, 3);
    assert.equal(r2.samples, 82500 * 3);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

/** Writes a 2-signal format-16 segment of n frames: sample k of signal j is base + j*1000 + k. */
function segment(d: string, name: string, n: number, base: number, invalidAt = -1): void {
  fs.writeFileSync(path.join(d, `${name}.hea`), `${name} 2 125 ${n}\n${name}.dat 16 100/mV 16 0 0 0 0 II\n${name}.dat 16 10(5)/mmHg 16 0 0 0 0 ABP\n`);
  const b = Buffer.alloc(n * 4);
  for (let k = 0; k < n; k++) {
    b.writeInt16LE(k === invalidAt ? -32768 : base + k, 4 * k);
    b.writeInt16LE(base + 1000 + k, 4 * k + 2);
  }
  fs.writeFileSync(path.join(d, `${name}.dat`), b);
}

test('multi-segment record: segments at their offsets, null and missing segments as gaps, invalid samples left out', () => {
  const d = tmp();
  try {
    const rec = path.join(d, 'rec');
    fs.mkdirSync(rec);
    segment(rec, 'ms_1', 250, 0, 100);
    segment(rec, 'ms_3', 250, 5000);
    fs.writeFileSync(path.join(rec, 'ms.hea'), 'ms/4 2 125 875 08:00:00 02/03/2021\nms_1 250\n~ 125\nms_3 250\nms_4 250\n');
    const rep = importWfdb(path.join(rec, 'ms.hea'), { dataDir: path.join(d, 'data') });
    assert.ok(rep.warnings.some((w) => /ms_4 is missing/.test(w)));
    const base = Date.UTC(2021, 2, 2, 8, 0, 0);
    const s = RecordingStore.open(rep.file, { readonly: true });
    try {
      const gaps = s.gaps();
      assert.deepEqual(
        gaps.map((g) => [g.fromMs - base, g.toMs - base, g.reason]),
        [
          [2000, 3000, 'wfdb-null-segment'],
          [5000, 7000, 'wfdb-missing-segment'],
        ],
      );
      const ii = s.channelSummaries().find((c) => c.label === 'II')!;
      assert.equal(ii.samples, 499, 'one invalid sample left out');
      const w = s.readWave(ii.id, -Infinity, Infinity);
      assert.equal(w.tMs[0], base);
      const k = Array.from(w.raw).indexOf(5000);
      assert.equal(w.tMs[k], base + 3000, 'segment 3 starts after 250 + 125 frames');
      assert.equal(w.tMs[100], base + (101 * 1000) / 125, 'sample 100 (invalid) is a hole');
      const abp = s.readWave(s.channelSummaries().find((c) => c.label === 'ABP')!.id, base, base);
      assert.ok(Math.abs(abp.raw[0] * abp.scale[0] + abp.offset[0] - (1000 - 5) / 10) < 1e-9);
    } finally {
      s.close();
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('a WFDB header that cannot be read gets a clear error', () => {
  const d = tmp();
  try {
    fs.writeFileSync(path.join(d, 'bad.hea'), 'bad 2 250 10\nbad.dat 310 200 12 0 0 0 0 II\nbad.dat 310 200 12 0 0 0 0 V\n');
    fs.writeFileSync(path.join(d, 'bad.dat'), Buffer.alloc(40));
    assert.throws(() => importWfdb(path.join(d, 'bad.hea'), { dataDir: path.join(d, 'data') }), /format 310 is not supported/);
    assert.deepEqual(fs.readdirSync(path.join(d, 'data', 'recordings')), []);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
