/**
 * Hub ingest with a fake transport and a fake clock (ingest/test-rig.ts): identity, gaps,
 * liveness, validation, clock sync, hostile input; and what reaches the sinks as events.
 * Flood control: ingest/flood.test.ts; the data channel: ingest/data-channel.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dev, Rig, T0, descriptor } from './ingest/test-rig';
import {
  FrameType,
  HubErrorCode,
  NUM_STATUS_QUESTIONABLE,
  encodeAlarm,
  encodeEvent,
  encodeGoodbye,
  encodeHeartbeat,
  encodeHello,
  encodeNumeric,
  encodeSetting,
  encodeSyncReq,
  encodeSyncResp,
  encodeWave,
  AlarmPriority,
  AlarmState,
} from '../../native-bridge/common/wire';

test('HELLO is acknowledged, answered with a SYNC_REQ, and the device is online', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  assert.equal(rig.sentTo('p1', FrameType.HelloAck).length, 1);
  assert.equal(rig.sentTo('p1', FrameType.SyncReq).length, 1);
  assert.equal(rig.view('mon-1').state, 'online');
  assert.equal(rig.view('mon-1').channels.length, 3);
});

test('frames from a peer that never said HELLO are refused with HELLO_REQUIRED, at most twice a second', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'stranger', descriptor('x'));
  for (let i = 0; i < 10; i++) d.wave();
  const errs = rig.sentTo('stranger', FrameType.Error);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].type === FrameType.Error && errs[0].code, HubErrorCode.HelloRequired);
  assert.equal(rig.hub.stats.unknownPeerFrames, 10);
  assert.equal(rig.waves.length, 0);
});

test('an invalid descriptor is rejected and counted', () => {
  const rig = new Rig();
  rig.from('p', encodeHello({ seq: 0, tDeviceMs: T0 }, '{"protocol":1,"deviceId":"bad id!"}'));
  rig.from('p', encodeHello({ seq: 0, tDeviceMs: T0 }, 'not json'));
  assert.equal(rig.sentTo('p', FrameType.Error).filter((f) => f.type === FrameType.Error && f.code === HubErrorCode.HelloRejected).length, 2);
  assert.equal(rig.hub.stats.helloRejected, 2);
  assert.equal(rig.deviceCount, 0);
});

test('a sequence gap becomes a gap record (channel, from, to, frames lost) and is counted', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1', 500));
  d.hello();
  d.wave(20); // 40 ms
  const end1 = rig.waves[0].t0HubMs + 40;
  rig.advance(40);
  d.skip(FrameType.Wave, 0, 3);
  rig.advance(120);
  d.wave(20);
  assert.equal(rig.gaps.length, 1);
  const g = rig.gaps[0];
  assert.equal(g.deviceId, 'mon-1');
  assert.equal(g.channel, 0);
  assert.equal(g.lostFrames, 3);
  assert.equal(g.reason, 'sequence');
  assert.ok(Math.abs(g.fromHubMs - end1) < 1e-6, 'gap starts where the last samples ended');
  assert.ok(Math.abs(g.toHubMs - rig.waves[1].t0HubMs) < 1e-6, 'gap ends at the first sample after it');
  const v = rig.view('mon-1');
  assert.equal(v.counters.gaps, 1);
  assert.equal(v.counters.lostFrames, 3);
  // Numerics are numbered too.
  d.numeric(80);
  d.skip(FrameType.Numeric, 0, 2);
  d.numeric(81);
  assert.equal(rig.gaps.length, 2);
  assert.equal(rig.gaps[1].channel, -1);
  assert.equal(rig.gaps[1].lostFrames, 2);
});

test('a duplicated or replayed frame is dropped, not shown twice', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  const h = d.h(FrameType.Wave, 0);
  const f = encodeWave(h, d.now(), new Int16Array([1, 2, 3]));
  rig.from('p1', f);
  rig.from('p1', f);
  assert.equal(rig.waves.length, 1);
  assert.equal(rig.view('mon-1').counters.malformed, 1);
  assert.equal(rig.status('mon-1').drops.BAD_SEQUENCE, 1);
});

test('liveness: silent for 1.5 heartbeats -> offline with a technical alarm; frames bring it back by themselves', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  rig.advance(1000);
  d.heartbeat();
  rig.advance(1400);
  assert.equal(rig.view('mon-1').state, 'online');
  rig.advance(200);
  assert.equal(rig.view('mon-1').state, 'offline');
  assert.ok(rig.alarms.has('mon-1/tech/offline'));
  d.heartbeat();
  assert.equal(rig.view('mon-1').state, 'online');
  assert.ok(!rig.alarms.has('mon-1/tech/offline'));
  d.wave();
  rig.advance(900);
  d.heartbeat();
  rig.advance(900);
  d.heartbeat();
  rig.advance(900);
  d.heartbeat();
  rig.advance(900);
  assert.equal(rig.view('mon-1').state, 'stale', 'heartbeats without waveforms for > 3 s: stale');
  d.rig.from('p1', encodeGoodbye(d.h(FrameType.Goodbye), 'bye'));
  assert.equal(rig.view('mon-1').state, 'offline');
});

test('validation: undeclared channels, wrong sample format, absurd times, multipart, hub-only types, made-up sync answers', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  d.wave(5, d.now(), 7); // undeclared channel
  rig.from('p1', encodeWave(d.h(FrameType.Wave, 0), d.now(), new Float32Array([1, 2]))); // declared i16
  d.wave(5, d.now() + 3_600_000); // an hour in the future
  d.numeric(70, 11); // undeclared numeric channel
  rig.from('p1', encodeSetting(d.h(FrameType.Setting), { tMs: d.now(), channel: 10, value: 1 })); // setting on a numeric channel
  rig.from('p1', encodeAlarm(d.h(FrameType.Alarm), { tMs: d.now(), channel: 99, priority: AlarmPriority.High, state: AlarmState.Active, code: 1, text: 'x' }));
  rig.from('p1', encodeEvent(d.h(FrameType.Event), { tMs: d.now(), channel: 99, code: 'X', text: '' }));
  rig.from('p1', encodeHeartbeat(d.h(FrameType.Heartbeat)), 2); // multipart
  rig.from('p1', encodeSyncReq(d.h(FrameType.SyncReq), 5)); // a device does not send SYNC_REQ
  rig.from('p1', encodeSyncResp(d.h(FrameType.SyncResp), 12345, 1, 2)); // no such request
  rig.from('p1', new Uint8Array([1, 2, 3])); // too short
  const drops = rig.status('mon-1').drops;
  assert.deepEqual(drops, { BAD_CHANNEL: 6, BAD_TIME: 1, BUS_MULTIPART: 1, NOT_FROM_DEVICE: 1, BAD_SYNC: 1, WIRE_TOO_SHORT: 1 });
  assert.equal(rig.waves.length, 0);
  assert.equal(rig.numerics.length, 0);
  assert.equal(rig.view('mon-1').counters.malformed, 11);
  assert.ok(rig.logs.length > 0 && rig.logs.length <= 11, 'drops are logged');
});

test('drop logging is rate-limited per device and reason', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  for (let i = 0; i < 1000; i++) d.wave(5, d.now(), 7);
  assert.equal(rig.logs.filter((l) => l.includes('BAD_CHANNEL')).length, 1);
  rig.advance(5100);
  d.wave(5, d.now(), 7);
  assert.match(rig.logs.filter((l) => l.includes('BAD_CHANNEL'))[1], /999 similar suppressed/);
});

test('a numeric outside its declared range is passed on flagged questionable', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  d.numeric(80);
  d.numeric(900);
  assert.equal(rig.numerics[0].status & NUM_STATUS_QUESTIONABLE, 0);
  assert.equal(rig.numerics[1].status & NUM_STATUS_QUESTIONABLE, NUM_STATUS_QUESTIONABLE);
});

test('a link cut (same routing id) keeps the session: numbering continues and the loss is a gap', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  d.wave(10);
  rig.advance(3000);
  assert.equal(rig.view('mon-1').state, 'offline');
  d.skip(FrameType.Wave, 0, 7); // lost in the dead connection
  d.hello(); // re-introduces itself on reconnect
  d.wave(10);
  assert.equal(rig.view('mon-1').state, 'online');
  assert.equal(rig.gaps.length, 1);
  assert.equal(rig.gaps[0].lostFrames, 7);
});

test('a restarted device (new routing id, numbering from 0) keeps its identity; the pause is a link-down gap', () => {
  const rig = new Rig();
  const d1 = new Dev(rig, 'p1', descriptor('mon-1'));
  d1.hello();
  d1.answerSync();
  for (let i = 0; i < 5; i++) {
    d1.wave(20);
    rig.advance(40);
  }
  const sid = rig.view('mon-1').channels[0].streamId;
  rig.advance(2000);
  const d2 = new Dev(rig, 'p2', descriptor('mon-1'));
  d2.hello();
  d2.answerSync();
  d2.wave(20);
  const v = rig.view('mon-1');
  assert.equal(v.state, 'online');
  assert.equal(v.channels[0].streamId, sid, 'same display stream');
  assert.equal(rig.deviceCount, 1);
  assert.deepEqual(
    rig.gaps.map((g) => [g.reason, g.lostFrames]),
    [['link-down', 0]],
  );
  // The old peer no longer speaks for the device.
  new Dev(rig, 'p1', descriptor('mon-1')).heartbeat();
  assert.equal(rig.sentTo('p1', FrameType.Error).length, 1);
});

test('clock sync over the exchange: offset and drift estimated, samples placed on hub time', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'), 4321.5);
  d.hello();
  let answered = 0;
  for (let i = 0; i < 200; i++) {
    rig.advance(50);
    answered = d.answerSync(answered);
  }
  const v = rig.view('mon-1');
  assert.ok(v.sync);
  assert.ok(Math.abs(v.sync.offsetMs - 4321.5) < 0.1, `offset ${v.sync.offsetMs}`);
  assert.equal(v.sync.synchronised, true);
  const tTrue = rig.t;
  d.wave(10, tTrue + 4321.5);
  assert.ok(Math.abs(rig.waves[0].t0HubMs - tTrue) < 0.1);
});

test('a device whose clock cannot be pinned within 50 ms is shown unsynchronised', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'), 100);
  d.hello();
  let n = 0;
  for (let i = 0; i < 100; i++) {
    const reqs = rig.sentTo('p1', FrameType.SyncReq).slice(n);
    n += reqs.length;
    rig.advance(150); // answers arrive 150 ms later
    for (const r of reqs) if (r.type === FrameType.SyncReq) rig.from('p1', encodeSyncResp(d.h(FrameType.SyncResp), r.t1Ms, r.t1Ms + 100 + 5, r.t1Ms + 100 + 6));
  }
  const v = rig.view('mon-1');
  assert.ok(v.sync && v.sync.uncertaintyMs > 50);
  assert.equal(v.sync.synchronised, false);
});

test('hostile bytes never throw and never disturb a valid device (unit fuzz, 20 000 frames)', () => {
  const rig = new Rig();
  const good = new Dev(rig, 'good', descriptor('good-1'));
  const evil = new Dev(rig, 'evil', descriptor('evil-1'));
  good.hello();
  evil.hello();
  let seed = 1234567;
  const u = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const templates = [
    encodeWave({ seq: 1, tDeviceMs: T0 }, T0, new Int16Array(30)),
    encodeNumeric({ seq: 1, tDeviceMs: T0 }, [{ channel: 10, value: 1, status: 0, tMs: T0 }]),
    encodeHello({ seq: 0, tDeviceMs: T0 }, JSON.stringify(descriptor('evil-1'))),
    encodeSyncResp({ seq: 0, tDeviceMs: T0 }, 1, 2, 3),
  ];
  let sent = 0;
  let sum = 0;
  for (let i = 0; i < 20_000; i++) {
    let b: Uint8Array;
    if (u() < 0.3) b = new Uint8Array(Math.floor(u() * 200)).map(() => Math.floor(u() * 256));
    else {
      b = templates[Math.floor(u() * templates.length)].slice();
      const flips = 1 + Math.floor(u() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(u() * b.length)] = Math.floor(u() * 256);
      if (u() < 0.1) b = b.subarray(0, Math.floor(u() * b.length));
    }
    rig.from(u() < 0.5 ? 'evil' : `anon${i % 7}`, b);
    if (i % 20 === 0) {
      rig.advance(10);
      const s = good.wave(
        5,
        good.now(),
        0,
        new Int16Array(5).map(() => Math.floor(u() * 65536) - 32768),
      ); // 500 Hz
      sent += s.length;
      for (const x of s) sum += x;
    }
  }
  const got = rig.waves.filter((w) => w.deviceId === 'good-1');
  assert.equal(
    got.reduce((s, w) => s + w.raw.length, 0),
    sent,
  );
  assert.equal(
    got.reduce((s, w) => s + Array.from(w.raw).reduce((a, x) => a + x, 0), 0),
    sum,
  );
  assert.equal(rig.view('good-1').counters.gaps, 0);
  assert.equal(rig.view('good-1').counters.malformed, 0);
  assert.ok(rig.hub.stats.malformed > 5000);
});

test("the hub's outputs are one event stream: device status and alarm-board changes reach the sinks", () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  const hello = rig.deviceChanges.at(-1)!;
  assert.deepEqual([hello.desc.deviceId, hello.state, hello.stateReason], ['mon-1', 'online', 'hello accepted']);
  assert.deepEqual([...hello.streamIds.keys()], [0, 10, 30], 'stream ids come with the status, before any data');
  // A device alarm goes onto the board with its IEC priority, and clears with its inactive frame.
  const alarm = (state: AlarmState) =>
    encodeAlarm(d.h(FrameType.Alarm), { tMs: d.now(), channel: 10, priority: AlarmPriority.High, state, code: 42, text: 'HR high' });
  rig.from('p1', alarm(AlarmState.Active));
  assert.ok(rig.alarms.has('mon-1/42/10'));
  const raised = rig.alarmChanges.at(-1)!;
  const { source, kind, priority, state, text, raisedHubMs } = raised;
  assert.deepEqual([source, kind, priority, state, text, raisedHubMs], ['mon-1', 'physiological', 'high', 'active', 'HR high', rig.t]);
  rig.from('p1', alarm(AlarmState.Ended));
  assert.ok(!rig.alarms.has('mon-1/42/10'));
  assert.equal(rig.alarmChanges.at(-1)!.state, 'cleared');
  // Offline and back: each a status event and a technical alarm change.
  rig.advance(1600);
  assert.equal(rig.deviceChanges.at(-1)!.state, 'offline');
  const off = rig.alarmChanges.at(-1)!;
  assert.deepEqual([off.key, off.kind, off.priority, off.state], ['mon-1/tech/offline', 'technical', 'medium', 'active']);
  assert.match(off.text, /T1 offline: no heartbeat for 1\.\d s/);
  d.heartbeat();
  const back = rig.alarmChanges.at(-1)!;
  assert.deepEqual([rig.deviceChanges.at(-1)!.state, back.key, back.state], ['online', 'mon-1/tech/offline', 'cleared']);
  // Counter changes reach the sinks at most once a second.
  const before = rig.deviceChanges.length;
  d.numeric(80);
  for (let i = 0; i < 4; i++) {
    d.skip(FrameType.Numeric, 0, 1);
    d.numeric(80);
  }
  assert.equal(rig.deviceChanges.length, before, 'not at once');
  rig.advance(1000);
  assert.equal(rig.deviceChanges.length, before + 1);
  assert.deepEqual(rig.deviceChanges.at(-1)!.counters, { frames: 8, gaps: 4, lostFrames: 4, malformed: 0, throttled: 0 });
});

test('a device may hold at most 256 active alarms; more are dropped as WIRE_TOO_MANY, clearing makes room', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  const alarm = (code: number, state = AlarmState.Active) =>
    rig.from('p1', encodeAlarm(d.h(FrameType.Alarm), { tMs: d.now(), channel: 0xffff, priority: AlarmPriority.Low, state, code, text: `a${code}` }));
  for (let code = 0; code < 300; code++) alarm(code);
  assert.equal(rig.alarms.size, 256);
  assert.equal(rig.status('mon-1').drops.WIRE_TOO_MANY, 44);
  alarm(0, AlarmState.Ended);
  alarm(1000);
  assert.ok(rig.alarms.has('mon-1/1000/-1'));
  assert.equal(rig.alarms.size, 256);
});
