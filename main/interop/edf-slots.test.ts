/**
 * EDF+ sample slots when hub times are not nominal: jitter, a clock running fast, one running slow, a short hole and
 * a long one. The writer copies samples in runs (edf-export.ts fillRecord); its output must be the bytes of the
 * sample-by-sample writer it replaced (34b9961), pinned here by hash, and every sample must land in time order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { CaseWriter } from './case-writer';
import { exportEdf } from './edf-export';
import { ExportSource } from './export-source';

const T0 = Date.UTC(2026, 2, 14, 9, 30, 0);
const DEV: DeviceDescriptor = {
  protocol: 1,
  deviceId: 'mon-9',
  kind: 'patient-monitor',
  manufacturer: 'Sim',
  model: 'M9',
  serial: 'S9',
  heartbeatMs: 1000,
  channels: [{ index: 0, kind: 'wave', mdc: 'MDC_PRESS_BLD_ART_ABP', label: 'ABP', unit: 'mm[Hg]', rateHz: 250, format: 'i16', scale: 0.1, offset: 0 }],
};
const value = (k: number) => k - 4000;

/** 250 Hz in frames of 10 samples: 8 s jittered, 8 s at +0.6 % (fast clock), 8 s at -0.6 %, a 0.3 s hole, 4 s, a 3 s hole, 4 s. */
function writeCase(dir: string): { file: string; samples: number[] } {
  const w = new CaseWriter(dir, { caseId: '20260314-093000-slots1', startMs: T0, meta: { procedure: 'slots', room: 'OR 9', team: [] } });
  w.device(DEV, T0);
  const samples: number[] = [];
  let t = T0;
  let k = 0;
  const frames = (n: number, stepMs: number, jitter: (f: number) => number) => {
    for (let f = 0; f < n; f++) {
      const x = Int16Array.from({ length: 10 }, (_, i) => value(k + i));
      w.wave('mon-9', 0, t + jitter(f), x, { rateHz: 250, scale: 0.1, offset: 0, format: 'i16' });
      samples.push(...x);
      k += 10;
      t += 10 * stepMs;
    }
  };
  frames(200, 4, (f) => ((f * 37) % 15) / 10 - 0.7);
  frames(200, 4.024, () => 0);
  frames(200, 3.976, () => 0);
  t += 300;
  frames(100, 4, () => 0);
  t += 3000;
  frames(100, 4, () => 0);
  return { file: w.finish().file, samples };
}

test('EDF+ slots under jitter, drift and holes: the bytes of the sample-by-sample writer, samples in time order', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edf-slots-'));
  try {
    const { file, samples } = writeCase(dir);
    const out = path.join(dir, 'slots.edf');
    const src = ExportSource.open(file, {});
    const rep = exportEdf(src, out);
    src.close();
    const edf = fs.readFileSync(out);
    assert.equal(createHash('sha256').update(edf).digest('hex'), 'c8fa4ab7b50329fc9505dedc56202b33a8065a6d66d310c877095799902a7a98');
    assert.equal(rep.discontinuous, true, 'the 3 s hole makes it EDF+D');
    // Data records: 2 signals (ABP, annotations); ABP's slots in file order, empty slots (-32768) left out.
    const ns = Number(edf.toString('latin1', 252, 256));
    const per = [0, 1].map((i) => Number(edf.toString('latin1', 256 + ns * 216 + i * 8, 256 + ns * 216 + i * 8 + 8)));
    const shown: number[] = [];
    for (let o = 256 * (ns + 1); o < edf.length; o += 2 * (per[0] + per[1]))
      for (let j = 0; j < per[0]; j++) {
        const d = edf.readInt16LE(o + 2 * j);
        if (d !== -32768) shown.push(d);
      }
    // Each shown count is a recorded one, in order (a slow clock may let a sample take a slot a later one overwrites).
    let i = 0;
    for (const d of shown) {
      while (i < samples.length && samples[i] !== d) i++;
      assert.ok(i < samples.length, `sample ${d} out of order`);
      i++;
    }
    assert.ok(shown.length >= samples.length - 20, `${samples.length - shown.length} of ${samples.length} samples lost`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
