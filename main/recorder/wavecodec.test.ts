import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError, WaveCodec, decodeColumns, decodeInts, decodeIntsAC, decodeWave, encodeColumns, encodeIntsAC, encodeWave } from './wavecodec';
import { encodeInts } from './testing/intrice-encoder';
import { readWfdbRecord, wfdbDir } from './wfdb';
import { rng } from '../../native-bridge/common/sim/physiology';
import { missingShared, sharedData } from '../../scripts/testing/shared-data';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

function cases(): [string, Int32Array][] {
  const r = rng(7);
  const randomI16 = Int32Array.from({ length: 2000 }, () => Math.floor(r() * 65536) - 32768);
  const randomI32 = Int32Array.from({ length: 2000 }, () => Math.floor(r() * 4294967296) - 2147483648);
  const extremes = Int32Array.from({ length: 999 }, (_, i) => (i % 2 === 0 ? I32_MIN : I32_MAX));
  const extremes3 = Int32Array.from({ length: 300 }, (_, i) => [I32_MIN, I32_MAX, I32_MAX, I32_MIN, 0][i % 5]);
  const walk = new Int32Array(4000);
  for (let i = 1; i < walk.length; i++) walk[i] = walk[i - 1] + Math.round((r() - 0.5) * 20);
  const spikes = Int32Array.from({ length: 1500 }, (_, i) => (i % 97 === 0 ? 30000 : Math.round(Math.sin(i / 20) * 200)));
  return [
    ['empty', new Int32Array(0)],
    ['one sample', Int32Array.of(-5)],
    ['two samples', Int32Array.of(I32_MAX, I32_MIN)],
    ['three samples', Int32Array.of(1, 2, 4)],
    ['constant', new Int32Array(2000).fill(1234)],
    ['constant zero', new Int32Array(2000)],
    ['constant int32 min', new Int32Array(500).fill(I32_MIN)],
    ['random int16', randomI16],
    ['random int32', randomI32],
    ['alternating int32 min/max', extremes],
    ['int32 extremes pattern', extremes3],
    ['random walk', walk],
    ['sine with spikes', spikes],
  ];
}

test('IntAC round-trips random, constant, extreme and short blocks exactly', () => {
  for (const [name, x] of cases()) {
    const enc = encodeIntsAC(x);
    assert.equal(enc[0], WaveCodec.IntAC, name);
    assert.deepEqual(decodeIntsAC(enc), x, name);
    for (let order = 0; order <= Math.min(3, x.length); order++)
      assert.deepEqual(decodeIntsAC(encodeIntsAC(x, WaveCodec.IntAC, order)), x, `${name} order ${order}`);
  }
});

test('IntRice round-trips random, constant, extreme and short blocks exactly', () => {
  for (const [name, x] of cases()) {
    const enc = encodeInts(x);
    assert.equal(enc[0], WaveCodec.IntRice, name);
    assert.deepEqual(decodeInts(enc), x, name);
  }
});

test('constant blocks cost almost nothing', () => {
  assert.ok(encodeIntsAC(new Int32Array(2000).fill(1234)).length < 40);
  assert.ok(encodeInts(new Int32Array(2000).fill(1234)).length < 20);
});

test('Int16Array input decodes to the same values', () => {
  const x = Int16Array.from({ length: 1000 }, (_, i) => Math.round(Math.sin(i / 7) * 32767));
  assert.deepEqual(decodeWave(encodeWave(x)), Int32Array.from(x));
});

test('float32 blocks round-trip bit-exactly, integer-valued ones through the integer coder', () => {
  const r = rng(11);
  const f = Float32Array.from({ length: 1000 }, () => (r() - 0.5) * 1e4);
  f[3] = -0;
  f[4] = 3.4028234663852886e38;
  f[5] = 1.401298464324817e-45;
  const e = encodeWave(f);
  assert.equal(e[0], WaveCodec.F32Xor);
  const d = decodeWave(e);
  assert.ok(d instanceof Float32Array);
  assert.deepEqual(new Uint32Array(d.buffer), new Uint32Array(f.buffer));
  const ints = Float32Array.from({ length: 500 }, (_, i) => Math.round(Math.sin(i / 9) * 800));
  const ei = encodeWave(ints);
  assert.equal(ei[0], WaveCodec.F32IntAC);
  assert.deepEqual(decodeWave(ei), ints);
  const withNegZero = Float32Array.of(1, 2, -0);
  assert.equal(encodeWave(withNegZero)[0], WaveCodec.F32Xor);
  assert.ok(Object.is(decodeWave(encodeWave(withNegZero))[2], -0));
});

test('columns round-trip float64, float32 and uint16 bit-exactly', () => {
  const r = rng(3);
  const t = Float64Array.from({ length: 300 }, (_, i) => 1.7e12 + i * 1000.25 + r());
  const v = Float64Array.from({ length: 300 }, () => Math.round(r() * 100) / 10);
  v[7] = Number.NaN;
  const q = Float32Array.from({ length: 300 }, () => r());
  const s = Uint16Array.from({ length: 300 }, (_, i) => (i * 977) & 0xffff);
  const out = decodeColumns(encodeColumns([t, v, q, s]));
  assert.deepEqual(out[0], t);
  assert.deepEqual(new Uint32Array(out[1].buffer), new Uint32Array(v.buffer));
  assert.deepEqual(out[2], q);
  assert.deepEqual(out[3], s);
  assert.deepEqual(decodeColumns(encodeColumns([])), []);
});

test('malformed blocks raise CodecError, never a crash or a wrong answer', () => {
  const x = Int32Array.from({ length: 500 }, (_, i) => (i * 37) % 101);
  assert.throws(() => decodeWave(new Uint8Array(0)), CodecError);
  assert.throws(() => decodeWave(Uint8Array.of(99, 1, 2)), CodecError);
  const rice = encodeInts(x);
  assert.throws(() => decodeInts(rice.subarray(0, rice.length >> 1)), CodecError);
  const bad = encodeIntsAC(x).slice();
  bad[3] = 9; // predictor order (after the tag and the two-byte count 500)
  assert.throws(() => decodeIntsAC(bad), CodecError);
});

const dir = wfdbDir();
const wfdbSkip = missingShared(sharedData('waveforms/wfdb/100.hea'));

test('real ECG and ABP records round-trip exactly in 4 s blocks', { skip: wfdbSkip }, () => {
  for (const rec of ['100', 'a103l', 'v102s', '03700181']) {
    for (const ch of readWfdbRecord(dir!, rec).channels) {
      const block = Math.round(ch.rateHz * 4);
      for (let i = 0; i < ch.samples.length; i += block) {
        const x = ch.samples.subarray(i, i + block);
        assert.deepEqual(decodeWave(encodeWave(x)), Int32Array.from(x), `${rec} ${ch.signal.description} at ${i}`);
      }
    }
  }
});

test('MIT-BIH record 100 compresses to at most 0.5 bytes per sample (4 s blocks, headers included)', { skip: wfdbSkip }, () => {
  const { channels } = readWfdbRecord(dir!, '100');
  let totalBytes = 0;
  let totalSamples = 0;
  for (const ch of channels) {
    const block = Math.round(ch.rateHz * 4);
    let bytes = 0;
    for (let i = 0; i < ch.samples.length; i += block) bytes += encodeWave(ch.samples.subarray(i, i + block)).length;
    const perSample = bytes / ch.samples.length;
    assert.ok(perSample <= 0.5, `${ch.signal.description}: ${perSample.toFixed(4)} bytes/sample`);
    totalBytes += bytes;
    totalSamples += ch.samples.length;
  }
  assert.equal(totalSamples, 1300000);
  assert.ok(totalBytes / totalSamples <= 0.5);
});
