/**
 * The asystole context rule on a real record: PhysioNet/CinC 2015 a103l, an asystole alarm
 * of a bedside monitor annotated false (the pleth keeps pulsing). Its pleth is replayed
 * through the engine as the monitor's wave channel, and the monitor's own asystole alarm is
 * raised at the record's alarm time (300 s). Then the same record with the pleth flattened
 * from 290 s (real asystole in every signal) stays a plain high alarm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readWfdbRecord, wfdbDir } from '../../recorder/wfdb';
import { Bed, CH, MON } from './test-bed';
import { PULSE_NOTE } from './pulse-context';

const dir = wfdbDir();
const present = dir !== undefined && fs.existsSync(path.join(dir, 'a103l.hea'));

function replay(flatFromS: number | null): Bed {
  const rec = readWfdbRecord(dir!, 'a103l');
  const idx = rec.header.signals.findIndex((s) => s.description === 'PLETH');
  const ch = rec.channels[idx];
  const { gain, baseline } = ch.signal;
  const b = new Bed();
  const rate = ch.rateHz;
  const block = rate / 10;
  // 280-300 s, in 100 ms blocks, as the monitor would send them.
  for (let i = 280 * rate; i < 300 * rate; i += block) {
    const raw = Float32Array.from(ch.samples.subarray(i, i + block), (v) => (v - baseline) / gain);
    if (flatFromS !== null && i >= flatFromS * rate) raw.fill(raw[0]);
    b.engine.wave({ deviceId: MON, channel: CH.PLETH, t0HubMs: b.t, rateHz: rate, raw, scale: 1, offset: 0 });
    b.advance(100);
  }
  b.board.raise({ source: MON, kind: 'physiological', code: 3001, channel: CH.ECG, priority: 'high', text: 'ASYSTOLE', tHubMs: b.t });
  b.advance(200);
  return b;
}

test(
  'a103l (false asystole alarm): "not confirmed by pulse", still high, and a medium ECG signal-quality alarm',
  { skip: !present && !process.env.CI && 'shared WFDB data (a103l) absent' },
  () => {
    const b = replay(null);
    const a = b.alarm(`${MON}/asystole`)!;
    assert.equal(a.priority, 'high');
    assert.deepEqual(a.engine!.notes, [PULSE_NOTE]);
    const q = b.alarm(`${MON}/tech/ecg-quality`)!;
    assert.equal(q.priority, 'medium');
    assert.equal(q.source, 'technical');
  },
);

test(
  'a103l with the pleth flat from 290 s (asystole in every signal): high, no note, no ECG-quality alarm',
  { skip: !present && !process.env.CI && 'shared WFDB data (a103l) absent' },
  () => {
    const b = replay(290);
    const a = b.alarm(`${MON}/asystole`)!;
    assert.equal(a.priority, 'high');
    assert.deepEqual(a.engine!.notes, []);
    assert.equal(b.alarm(`${MON}/tech/ecg-quality`), undefined);
  },
);
