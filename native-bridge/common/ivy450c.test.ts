/**
 * The Ivy 450C decoder on the real capture (../shared/data/devices/ivy-450c-serial, from OpenICE,
 * whose own test expects 27 messages), on damaged copies of it, and under fuzzing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { IVY_END, IVY_START, Ivy450cDecoder, type Ivy450cMessage, type Ivy450cResult } from './ivy450c';
import { rng } from './sim/physiology';
import { missingShared, sharedData } from '../../scripts/testing/shared-data';

const CAPTURE = sharedData('devices/ivy-450c-serial/Ivy450C.1.data');
const skip = missingShared(CAPTURE);
const capture = () => new Uint8Array(fs.readFileSync(CAPTURE));

function decodeAll(bytes: Uint8Array, chunk = bytes.length): Ivy450cResult[] {
  const d = new Ivy450cDecoder();
  const out: Ivy450cResult[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...d.push(bytes.subarray(i, i + chunk)));
  out.push(...d.flush());
  return out;
}
const messages = (r: Ivy450cResult[]) => r.flatMap((x) => (x.ok ? [x.message] : []));
const errors = (r: Ivy450cResult[]) => r.flatMap((x) => (x.ok ? [] : [x.code]));
/** Offsets of the start bytes of the capture's 27 blocks. */
const blockStarts = (b: Uint8Array) => [...b.keys()].filter((i) => b[i] === IVY_START && b[i + 1] === 0x41 && (i === 0 || b[i - 1] === IVY_END));

test("the real capture decodes to 27 messages, as in OpenICE's test, with its values", { skip }, () => {
  const bytes = capture();
  const r = decodeAll(bytes);
  const ms = messages(r);
  assert.equal(ms.length, 27);
  // The capture starts 252 bytes into a block: that partial block is the only error.
  assert.deepEqual(
    r.filter((x) => !x.ok),
    [{ ok: false, code: 'IVY_JUNK', detail: '252 bytes outside any block', offset: 0, bytes: 252 }],
  );
  assert.deepEqual(
    r.filter((x) => x.ok).map((x) => x.offset),
    blockStarts(bytes),
  );
  for (const m of ms) {
    assert.deepEqual(m.hr, { mode: 1, label: 'ECG-II-DIAG', alarm: '', value: 80, lead: 'II', filter: 'DIAG' });
    assert.deepEqual(m.rr, { mode: 1, label: 'APNEA: 20 SEC', alarm: '', value: 35 });
    assert.deepEqual(m.etco2, { mode: 1, label: '', alarm: '', value: null });
    assert.deepEqual(m.spo2, { mode: 1, label: 'PR=80', alarm: '', value: 100, pulseRate: 80 });
    assert.deepEqual(m.nibp, { mode: 4, label: '', alarm: '', sys: 121, dia: 75, mean: 92, pulse: 80 });
    assert.deepEqual(m.p2, { mode: 3, label: 'NO TRANSDUCER', alarm: '', sys: null, dia: null, mean: null });
    assert.deepEqual(m.t1, { mode: 1, label: '', alarm: '', value: null });
    assert.deepEqual(m.t2, { mode: 1, label: '', alarm: '', value: null });
    assert.deepEqual(m.unknownLines, []);
    assert.deepEqual([m.waves.ecg.length, m.waves.resp.length, m.waves.pleth.length, m.waves.p1.length, m.waves.p2.length], [200, 50, 50, 50, 50]);
  }
  // P1 reads 111/73/88 in 22 blocks and 110/73/88 in 5.
  const p1 = ms.map((m) => `${m.p1!.sys}/${m.p1!.dia}/${m.p1!.mean}`);
  assert.equal(p1.filter((s) => s === '111/73/88').length, 22);
  assert.equal(p1.filter((s) => s === '110/73/88').length, 5);
  // The first block's waveform bytes, straight from the file (block at 252: FF, 8 header bytes).
  const first = ms[0];
  assert.deepEqual([...first.waves.ecg.subarray(0, 6)], [0x8a, 0x86, 0x8a, 0x8e, 0x86, 0x88]);
  assert.deepEqual([...first.waves.resp.subarray(0, 4)], [109, 96, 84, 72]);
  // The P1 waveform spans exactly the P1 numerics: dia 73 .. sys 111 mm[Hg] (raw byte = mm[Hg]).
  const p1w = ms.flatMap((m) => [...m.waves.p1]);
  assert.deepEqual([Math.min(...p1w), Math.max(...p1w)], [73, 111]);
  // P2 has no transducer: its bytes are the 0xFB fill.
  assert.ok(ms.every((m) => m.waves.p2.every((b) => b === 0xfb)));
  // ECG: R waves 150 samples apart at 200 Hz = 80 /min, the HR line's value.
  const ecg = ms.flatMap((m) => [...m.waves.ecg]);
  const peaks = ecg.flatMap((v, i) => (v > 200 && v >= (ecg[i - 1] ?? 0) && v > (ecg[i + 1] ?? 0) ? [i] : []));
  const rr = peaks.slice(1).map((p, i) => p - peaks[i]);
  assert.ok(rr.length > 30 && rr.every((d) => Math.abs(d - 150) <= 2), `R-R intervals ${rr.join(',')}`);
});

test('byte by byte and in odd chunks, the capture decodes the same', { skip }, () => {
  const bytes = capture();
  const whole = JSON.stringify(decodeAll(bytes), (_k, v) => (v instanceof Uint8Array ? [...v] : v));
  for (const chunk of [1, 7, 64, 561, 1000]) {
    assert.equal(
      JSON.stringify(decodeAll(bytes, chunk), (_k, v) => (v instanceof Uint8Array ? [...v] : v)),
      whole,
      `chunk ${chunk}`,
    );
  }
});

test('junk between blocks is counted and the next block is found again', { skip }, () => {
  const bytes = capture();
  const starts = blockStarts(bytes);
  const junk = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0x7f); // no start byte in it
  const spliced = new Uint8Array([...bytes.subarray(0, starts[3]), ...junk, ...bytes.subarray(starts[3])]);
  const r = decodeAll(spliced);
  assert.equal(messages(r).length, 27);
  assert.deepEqual(
    r.filter((x) => !x.ok).map((x) => [x.code, x.bytes]),
    [
      ['IVY_JUNK', 252],
      ['IVY_JUNK', 100],
    ],
  );
});

test('a truncated block is reported and the following ones still decode', { skip }, () => {
  const bytes = capture();
  const starts = blockStarts(bytes);
  // Cut block 5 in its waveform part and block 10 in its text, and lose the end byte of block 14.
  const cut = (from: number, to: number) => (b: Uint8Array) => new Uint8Array([...b.subarray(0, from), ...b.subarray(to)]);
  let b = bytes;
  b = cut(starts[15] - 1, starts[15])(b); // end byte of block 14
  b = cut(starts[10] + 480, starts[11])(b);
  b = cut(starts[5] + 100, starts[6])(b);
  const r = decodeAll(b);
  assert.equal(messages(r).length, 24);
  assert.deepEqual(errors(r), ['IVY_JUNK', 'IVY_TRUNCATED', 'IVY_TRUNCATED', 'IVY_TRUNCATED']);
  // The stream ending inside a block is a truncated block too.
  const tail = decodeAll(bytes.subarray(0, starts[2] + 300));
  assert.deepEqual([messages(tail).length, errors(tail)], [2, ['IVY_JUNK', 'IVY_TRUNCATED']]);
});

test('bad headers, bad text, bad lines and bad numbers are coded; the block survives bad lines', () => {
  const block = (text: string) => new Uint8Array([IVY_START, ...Buffer.from('ANSAR-B '), ...new Uint8Array(400).fill(0x80), ...Buffer.from(text), IVY_END]);
  const good = 'HR=1;72;ECG-I-MON;;\rT1=1;36.8;;;\rT2=1;;;;\r';
  const r1 = decodeAll(new Uint8Array([IVY_START, 0x41, 0x42, ...block(good)]));
  assert.deepEqual(errors(r1), ['IVY_BAD_HEADER', 'IVY_JUNK']);
  const m = messages(r1)[0] as Ivy450cMessage;
  assert.deepEqual([m.hr?.value, m.hr?.lead, m.hr?.filter, m.t1?.value, m.t2?.value], [72, 'I', 'MON', 36.8, null]);
  const r2 = decodeAll(new Uint8Array([...block('HR=1;7\x01;;\r'), ...block(good)]));
  assert.deepEqual([messages(r2).length, errors(r2)], [1, ['IVY_BAD_TEXT', 'IVY_JUNK']]);
  const r3 = decodeAll(block('HR=1;x7;;\rGARBAGE\rFOO=1;2;\rNIBP=1;120;80\rSPO2=1;97;PR=?;\r'));
  assert.deepEqual(errors(r3), ['IVY_BAD_NUMBER', 'IVY_BAD_LINE', 'IVY_UNKNOWN_LINE', 'IVY_BAD_LINE', 'IVY_BAD_NUMBER']);
  const m3 = messages(r3)[0];
  assert.deepEqual([m3.hr?.value, m3.nibp, m3.spo2?.value, m3.spo2?.pulseRate, m3.unknownLines], [null, undefined, 97, null, ['FOO=1;2;']]);
  const long = new Uint8Array([IVY_START, ...Buffer.from('ANSAR-B '), ...new Uint8Array(400), ...new Uint8Array(3000).fill(0x41)]);
  assert.ok(errors(decodeAll(long)).includes('IVY_OVERLONG'));
});

test('fuzz: random bytes, flipped bytes, dropped and repeated runs never throw and keep the buffer bounded', { skip }, () => {
  const bytes = capture();
  const u = rng(450);
  let decoded = 0;
  for (let round = 0; round < 300; round++) {
    const mutated: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const p = u();
      if (p < 0.001) mutated.push(Math.floor(u() * 256));
      else if (p < 0.0015) i += Math.floor(u() * 600);
      else if (p < 0.002) mutated.push(...bytes.subarray(i, i + Math.floor(u() * 300)));
      else mutated.push(bytes[i]);
    }
    if (round % 10 === 0) for (let k = 0; k < 2000; k++) mutated.push(Math.floor(u() * 256));
    const d = new Ivy450cDecoder();
    const input = Uint8Array.from(mutated);
    for (let i = 0; i < input.length;) {
      const n = 1 + Math.floor(u() * 700);
      for (const x of d.push(input.subarray(i, i + n))) {
        if (x.ok) {
          decoded++;
          assert.equal(x.message.waves.ecg.length, 200);
        } else assert.match(x.code, /^IVY_[A-Z_]+$/);
      }
      i += n;
    }
    d.flush();
  }
  // Most blocks survive light damage.
  assert.ok(decoded > 300 * 27 * 0.5, `decoded ${decoded}`);
  // Pure noise: nothing decodes, nothing throws.
  const d = new Ivy450cDecoder();
  const noise = Uint8Array.from({ length: 200_000 }, () => Math.floor(u() * 256));
  const r = [...d.push(noise), ...d.flush()];
  assert.equal(messages(r).length, 0);
  const discarded = r.reduce((s, x) => s + (x.ok ? 0 : x.bytes), 0);
  assert.ok(discarded >= noise.length * 0.99, `${discarded} of ${noise.length} bytes accounted for`);
});
