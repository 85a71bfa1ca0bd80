import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlarmPriority,
  AlarmState,
  FrameType,
  HEADER_BYTES,
  MAX_FRAME_BYTES,
  SampleCode,
  decodeFrame,
  encodeAlarm,
  encodeError,
  encodeEvent,
  encodeGoodbye,
  encodeHeartbeat,
  encodeHello,
  encodeNumeric,
  encodePose,
  encodeSetting,
  encodeSyncReq,
  encodeSyncResp,
  encodeWave,
} from './wire';

const h = (seq = 7, stream = 0) => ({ seq, stream, tDeviceMs: 1_700_000_000_123.25 });

function ok(bytes: Uint8Array) {
  const r = decodeFrame(bytes);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.frame;
}

test('header fields round-trip with little-endian layout at the specified offsets', () => {
  const b = encodeHeartbeat(h(0xdeadbeef, 3), 2);
  assert.equal(b.length, HEADER_BYTES + 1);
  assert.deepEqual([...b.subarray(0, 4)], [0x4f, 0x52, 1, FrameType.Heartbeat]);
  const dv = new DataView(b.buffer);
  assert.equal(dv.getUint16(4, true), 3);
  assert.equal(dv.getUint32(8, true), 0xdeadbeef);
  assert.equal(dv.getUint32(12, true), 1);
  assert.equal(dv.getFloat64(16, true), 1_700_000_000_123.25);
  const f = ok(b);
  assert.equal(f.type, FrameType.Heartbeat);
  assert.equal(f.seq, 0xdeadbeef);
  assert.equal(f.stream, 3);
  if (f.type === FrameType.Heartbeat) assert.equal(f.state, 2);
});

test('wave frames round-trip i16, i32 and f32 samples exactly', () => {
  for (const samples of [new Int16Array([-32768, 0, 1, 32767]), new Int32Array([-(2 ** 31), 5, 2 ** 31 - 1]), new Float32Array([0.5, -1.25, 3e-8])]) {
    const f = ok(encodeWave(h(1, 9), 1234.5, samples));
    assert.equal(f.type, FrameType.Wave);
    if (f.type !== FrameType.Wave) return;
    assert.equal(f.stream, 9);
    assert.equal(f.t0Ms, 1234.5);
    assert.equal(f.samples.constructor, samples.constructor);
    assert.deepEqual([...f.samples], [...samples]);
  }
});

test('wave frame from an unaligned buffer view decodes (copy, not view)', () => {
  const frame = encodeWave(h(), 0, new Int16Array([1, 2, 3]));
  const big = new Uint8Array(frame.length + 1);
  big.set(frame, 1);
  const f = ok(big.subarray(1));
  assert.equal(f.type, FrameType.Wave);
  if (f.type === FrameType.Wave) assert.deepEqual([...f.samples], [1, 2, 3]);
});

test('numeric, setting, alarm, pose, event, sync, goodbye and error frames round-trip', () => {
  const num = ok(
    encodeNumeric(h(), [
      { channel: 10, status: 2, tMs: 5, value: 72 },
      { channel: 11, status: 0, tMs: 6, value: 98.5 },
    ]),
  );
  assert.equal(num.type, FrameType.Numeric);
  if (num.type === FrameType.Numeric)
    assert.deepEqual(num.entries, [
      { channel: 10, status: 2, tMs: 5, value: 72 },
      { channel: 11, status: 0, tMs: 6, value: 98.5 },
    ]);
  const set = ok(encodeSetting(h(), { tMs: 9, channel: 30, value: 450, text: 'Sevoflurane µ' }));
  if (set.type !== FrameType.Setting) assert.fail('type');
  assert.deepEqual([set.tMs, set.channel, set.value, set.text], [9, 30, 450, 'Sevoflurane µ']);
  const al = ok(encodeAlarm(h(), { tMs: 3, channel: 11, priority: AlarmPriority.High, state: AlarmState.Active, code: 1001, text: 'SpO2 LOW' }));
  if (al.type !== FrameType.Alarm) assert.fail('type');
  assert.deepEqual([al.tMs, al.channel, al.priority, al.state, al.code, al.text], [3, 11, AlarmPriority.High, AlarmState.Active, 1001, 'SpO2 LOW']);
  const m = new Float32Array(16).map((_, i) => i * 1.5);
  const po = ok(encodePose(h(), [{ channel: 0, status: 1, quality: 0.75, tMs: 12, matrix: m }]));
  if (po.type !== FrameType.Pose) assert.fail('type');
  assert.equal(po.entries[0].quality, 0.75);
  assert.deepEqual([...po.entries[0].matrix], [...m]);
  const ev = ok(encodeEvent(h(), { tMs: 1, code: 'ESU_ACTIVATION_START', text: 'CUT 30 W' }));
  if (ev.type !== FrameType.Event) assert.fail('type');
  assert.deepEqual([ev.code, ev.text, ev.channel], ['ESU_ACTIVATION_START', 'CUT 30 W', 0xffff]);
  const sq = ok(encodeSyncReq(h(), 42.5));
  if (sq.type !== FrameType.SyncReq) assert.fail('type');
  assert.equal(sq.t1Ms, 42.5);
  const sr = ok(encodeSyncResp(h(), 1, 2, 3));
  if (sr.type !== FrameType.SyncResp) assert.fail('type');
  assert.deepEqual([sr.t1Ms, sr.t2Ms, sr.t3Ms], [1, 2, 3]);
  const gb = ok(encodeGoodbye(h(), 'bye'));
  if (gb.type !== FrameType.Goodbye) assert.fail('type');
  assert.equal(gb.text, 'bye');
  const er = ok(encodeError(h(), 3, 'throttled'));
  if (er.type !== FrameType.Error) assert.fail('type');
  assert.deepEqual([er.code, er.text], [3, 'throttled']);
  const he = ok(encodeHello(h(), '{"a":1}'));
  if (he.type !== FrameType.Hello) assert.fail('type');
  assert.equal(he.json, '{"a":1}');
});

test('hostile frames get stable error codes', () => {
  const code = (b: Uint8Array) => {
    const r = decodeFrame(b);
    return r.ok ? 'OK' : r.error.code;
  };
  const wave = encodeWave(h(), 0, new Int16Array([1, 2, 3, 4]));
  assert.equal(code(new Uint8Array(10)), 'WIRE_TOO_SHORT');
  assert.equal(code(new Uint8Array(MAX_FRAME_BYTES + 1)), 'WIRE_TOO_LARGE');
  const badMagic = wave.slice();
  badMagic[0] = 0x58;
  assert.equal(code(badMagic), 'WIRE_BAD_MAGIC');
  const badVer = wave.slice();
  badVer[2] = 9;
  assert.equal(code(badVer), 'WIRE_BAD_VERSION');
  const badType = wave.slice();
  badType[3] = 200;
  assert.equal(code(badType), 'WIRE_UNKNOWN_TYPE');
  assert.equal(code(wave.subarray(0, wave.length - 1)), 'WIRE_LENGTH_MISMATCH');
  const badFmt = wave.slice();
  badFmt[HEADER_BYTES + 12] = 7;
  assert.equal(code(badFmt), 'WIRE_BAD_FORMAT');
  const badCount = wave.slice();
  new DataView(badCount.buffer).setUint32(HEADER_BYTES + 8, 5, true);
  assert.equal(code(badCount), 'WIRE_BAD_PAYLOAD');
  const zero = wave.slice();
  new DataView(zero.buffer).setUint32(HEADER_BYTES + 8, 0, true);
  assert.equal(code(zero), 'WIRE_TOO_MANY');
  const nan = encodeWave(h(), 0, new Float32Array([1, NaN]));
  assert.equal(code(nan), 'WIRE_NON_FINITE');
  const badText = encodeGoodbye(h(), 'ab');
  badText[HEADER_BYTES] = 0xff;
  assert.equal(code(badText), 'WIRE_BAD_TEXT');
  const inf = encodeHeartbeat({ seq: 0, tDeviceMs: Infinity });
  assert.equal(code(inf), 'WIRE_NON_FINITE');
  const pri = encodeAlarm(h(), { tMs: 0, channel: 0, priority: AlarmPriority.High, state: AlarmState.Active, code: 1, text: '' });
  pri[HEADER_BYTES + 10] = 9;
  assert.equal(code(pri), 'WIRE_BAD_FORMAT');
});

test('decoder never throws on 20,000 random and mutated frames', () => {
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const seeds = [
    encodeWave(h(), 0, new Int16Array(50)),
    encodeNumeric(h(), [{ channel: 1, status: 0, tMs: 0, value: 1 }]),
    encodePose(h(), [{ channel: 0, status: 0, quality: 1, tMs: 0, matrix: new Float32Array(16) }]),
  ];
  let okCount = 0;
  for (let i = 0; i < 20000; i++) {
    let b: Uint8Array;
    if (i % 2) {
      b = new Uint8Array(Math.floor(rnd() * 200));
      for (let k = 0; k < b.length; k++) b[k] = rnd() * 256;
      if (b.length > 4 && i % 4 === 1) {
        b[0] = 0x4f;
        b[1] = 0x52;
        b[2] = 1;
        b[3] = 1 + Math.floor(rnd() * 13);
      }
    } else {
      b = seeds[i % 3].slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = rnd() * 256;
    }
    const r = decodeFrame(b);
    if (r.ok) okCount++;
    else assert.match(r.error.code, /^WIRE_/);
  }
  assert.ok(okCount > 0 && okCount < 20000);
});

test('aligned wave samples are views on the frame (no copy); unaligned ones are aligned copies', () => {
  const frame = encodeWave(h(), 0, new Int32Array([1, 2, 3]));
  const f = ok(frame);
  assert.ok(f.type === FrameType.Wave && f.samples.buffer === frame.buffer, 'view');
  const big = new Uint8Array(frame.length + 2);
  big.set(frame, 2);
  const g = ok(big.subarray(2));
  assert.ok(g.type === FrameType.Wave && g.samples.buffer !== big.buffer && g.samples.byteOffset % 4 === 0, 'copy');
  assert.deepEqual(g.type === FrameType.Wave ? [...g.samples] : [], [1, 2, 3]);
});

test('every frame type decodes from the test vectors of docs/device-protocol.md §3.15', () => {
  const hex = (s: string) =>
    new Uint8Array(
      s
        .trim()
        .split(/\s+/)
        .map((x) => parseInt(x, 16)),
    );
  const hb = ok(hex('4f 52 01 03 00 00 00 00 07 00 00 00 01 00 00 00 00 08 80 56 fe bc 78 42 00'));
  assert.deepEqual([hb.type, hb.seq, hb.tDeviceMs], [FrameType.Heartbeat, 7, 1_700_000_000_000.5]);
  const w = ok(
    hex('4f 52 01 04 00 00 00 00 2a 00 00 00 16 00 00 00 00 80 82 56 fe bc 78 42 00 00 80 56 fe bc 78 42 03 00 00 00 01 00 00 00 64 00 9c ff ff 7f'),
  );
  assert.ok(w.type === FrameType.Wave);
  if (w.type === FrameType.Wave) assert.deepEqual([w.seq, w.t0Ms, w.format, ...w.samples], [42, 1_700_000_000_000, SampleCode.I16, 100, -100, 32767]);
  const n = ok(
    hex(
      '4f 52 01 05 00 00 00 00 03 00 00 00 1c 00 00 00 00 00 80 56 fe bc 78 42 01 00 00 00 00 00 80 56 fe ' +
        'bc 78 42 00 00 00 00 00 00 52 40 0a 00 02 00 00 00 00 00',
    ),
  );
  assert.ok(n.type === FrameType.Numeric && n.entries[0].value === 72 && n.entries[0].channel === 10 && n.entries[0].status === 2);
  const sr = ok(
    hex('4f 52 01 0c 00 00 00 00 01 00 00 00 18 00 00 00 00 84 3b 57 fe bc 78 42 00 00 80 56 fe bc 78 42 00 80 3b 57 fe bc 78 42 00 84 3b 57 fe bc 78 42'),
  );
  assert.ok(sr.type === FrameType.SyncResp && sr.t1Ms === 1_700_000_000_000 && sr.t2Ms === 1_700_000_003_000 && sr.t3Ms === 1_700_000_003_000.25);
});
