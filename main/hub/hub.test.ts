/**
 * Hub ingest with a fake transport and a fake clock: identity, gaps, liveness, flood
 * isolation, validation. No sockets, no timers (tick() is called by hand).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from './hub';
import type { GapRecord, HubSink, WaveBlock } from './sink';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { DATA_ENVELOPE_BYTES, hexToToken, parseDataOffer, sealData } from '../../native-bridge/common/data-channel';
import {
  FrameType,
  HubErrorCode,
  NUM_STATUS_QUESTIONABLE,
  decodeFrame,
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
  MAX_FRAME_BYTES,
  type Frame,
} from '../../native-bridge/common/wire';

const T0 = 1_700_000_000_000;

class Rig {
  t = T0;
  readonly sent: { peer: string; frame: Frame }[] = [];
  readonly waves: WaveBlock[] = [];
  readonly gaps: GapRecord[] = [];
  readonly numerics: { deviceId: string; channel: number; value: number; status: number; tHubMs: number }[] = [];
  readonly events: string[] = [];
  readonly logs: string[] = [];
  readonly hub: Hub;
  constructor(opts: { syncIntervalMs?: number; dataChannel?: boolean } = {}) {
    const { dataChannel, ...hubOpts } = opts;
    this.hub = new Hub(
      {
        send: (peer, bytes) => {
          const r = decodeFrame(bytes);
          assert.ok(r.ok, 'the hub sends valid frames');
          this.sent.push({ peer: peer.toString(), frame: r.frame });
        },
        dataOffer: dataChannel ? { port: 7401 } : null,
      },
      { now: () => this.t, log: (l) => this.logs.push(l), ...hubOpts },
    );
    const sink: HubSink = {
      deviceOnline: () => {},
      deviceState: () => {},
      wave: (b) => this.waves.push(b),
      numeric: (deviceId, channel, tHubMs, value, status) => this.numerics.push({ deviceId, channel, value, status, tHubMs }),
      setting: () => {},
      alarm: () => {},
      pose: () => {},
      event: (_d, _c, _t, code) => this.events.push(code),
      gap: (g) => this.gaps.push(g),
    };
    this.hub.addSink(sink);
  }
  /** Advances the clock, ticking the hub every 50 ms as its timer would. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + 50);
      this.hub.tick();
    }
  }
  from(peer: string, bytes: Uint8Array, parts = 1): void {
    this.hub.onMessage(Buffer.from(peer), bytes, parts);
  }
  sentTo(peer: string, type: FrameType): Frame[] {
    return this.sent.filter((s) => s.peer === peer && s.frame.type === type).map((s) => s.frame);
  }
  view(id: string) {
    return this.hub.view(this.hub.devices.get(id)!);
  }
}

function descriptor(id: string, rateHz = 500): DeviceDescriptor {
  return {
    protocol: 1,
    deviceId: id,
    kind: 'patient-monitor',
    manufacturer: 'Test',
    model: 'T1',
    serial: 'S1',
    heartbeatMs: 1000,
    channels: [
      { index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV', rateHz, format: 'i16', scale: 0.005, offset: 0 },
      { index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min', range: [20, 300] },
      { index: 30, kind: 'setting', mdc: 'MDC_VENT_VOL_TIDAL_SET', label: 'TV set', unit: 'mL' },
    ],
  };
}

/** A device as the hub sees it: numbered streams, device clock = hub clock + offsetMs. */
class Dev {
  private readonly seqs = new Map<number, number>();
  constructor(
    readonly rig: Rig,
    readonly peer: string,
    readonly desc: DeviceDescriptor,
    readonly offsetMs = 0,
  ) {}
  now(): number {
    return this.rig.t + this.offsetMs;
  }
  h(type: FrameType, stream = 0) {
    const k = type * 65536 + stream;
    const seq = this.seqs.get(k) ?? 0;
    this.seqs.set(k, seq + 1);
    return { seq, stream, tDeviceMs: this.now() };
  }
  skip(type: FrameType, stream: number, n: number): void {
    const k = type * 65536 + stream;
    this.seqs.set(k, (this.seqs.get(k) ?? 0) + n);
  }
  hello(): void {
    this.rig.from(this.peer, encodeHello(this.h(FrameType.Hello), JSON.stringify(this.desc)));
  }
  wave(n = 20, t0 = this.now(), channel = 0, values?: Int16Array): Int16Array {
    const s = values ?? new Int16Array(n).map((_, i) => i);
    this.rig.from(this.peer, encodeWave(this.h(FrameType.Wave, channel), t0, s));
    return s;
  }
  numeric(value: number, channel = 10): void {
    this.rig.from(this.peer, encodeNumeric(this.h(FrameType.Numeric), [{ channel, value, status: 0, tMs: this.now() }]));
  }
  heartbeat(): void {
    this.rig.from(this.peer, encodeHeartbeat(this.h(FrameType.Heartbeat)));
  }
  /** Answers every SYNC_REQ the hub has sent this peer since `since`. */
  answerSync(since = 0): number {
    const reqs = this.rig.sentTo(this.peer, FrameType.SyncReq).slice(since);
    for (const r of reqs) {
      if (r.type !== FrameType.SyncReq) continue;
      const d = this.now(); // received and answered at once
      this.rig.from(this.peer, encodeSyncResp(this.h(FrameType.SyncResp), r.t1Ms, d, d));
    }
    return since + reqs.length;
  }
}

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
  assert.equal(rig.hub.devices.size, 0);
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
  assert.equal(rig.hub.devices.get('mon-1')!.drops.get('BAD_SEQUENCE'), 1);
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
  assert.ok(rig.hub.alarms.has('mon-1/tech/offline'));
  d.heartbeat();
  assert.equal(rig.view('mon-1').state, 'online');
  assert.ok(!rig.hub.alarms.has('mon-1/tech/offline'));
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

test('a flooder at 50x its declared rate is throttled and flagged; a well-behaved device is untouched', () => {
  const rig = new Rig();
  const good = new Dev(rig, 'good', descriptor('good-1', 500));
  const bad = new Dev(rig, 'bad', descriptor('bad-1', 500));
  good.hello();
  bad.hello();
  let goodSent = 0;
  let badSent = 0;
  for (let ms = 0; ms < 20_000; ms += 20) {
    rig.advance(20);
    good.wave(10); // 500 Hz
    goodSent += 10;
    for (let k = 0; k < 5; k++) bad.wave(100); // 25 000 Hz = 50x
    badSent += 500;
    if (ms % 1000 === 0) {
      good.heartbeat();
      bad.heartbeat();
    }
  }
  const goodSamples = rig.waves.filter((w) => w.deviceId === 'good-1').reduce((s, w) => s + w.raw.length, 0);
  const badSamples = rig.waves.filter((w) => w.deviceId === 'bad-1').reduce((s, w) => s + w.raw.length, 0);
  assert.equal(goodSamples, goodSent, 'every sample of the good device arrives');
  const gv = rig.view('good-1');
  assert.equal(gv.flooding, false);
  assert.equal(gv.counters.throttled, 0);
  assert.equal(gv.counters.gaps, 0);
  const bv = rig.view('bad-1');
  assert.equal(bv.flooding, true);
  assert.ok(bv.counters.throttled > 0);
  assert.ok(badSamples < badSent * 0.2, `flooder passed ${badSamples} of ${badSent} samples`);
  assert.ok(rig.hub.alarms.has('bad-1/tech/flood'));
  // What the throttle dropped is kept as gap records, coalesced (not one per frame).
  const tg = rig.gaps.filter((g) => g.deviceId === 'bad-1' && g.reason === 'throttled');
  assert.ok(tg.length > 0 && tg.length <= 21, `${tg.length} throttled gap records (about one a second)`);
  // Nothing silently lost: every flooder frame was either delivered or is in a gap record (or about to be).
  assert.equal(tg.reduce((s, g) => s + g.lostFrames, 0) + rig.waves.filter((w) => w.deviceId === 'bad-1').length + pendingThrottled(rig, 'bad-1'), badSent / 100);
  // It calms down: the flag clears after 5 s of good behaviour.
  for (let ms = 0; ms < 6000; ms += 20) {
    rig.advance(20);
    bad.wave(10);
    if (ms % 500 === 0) bad.heartbeat();
  }
  assert.equal(rig.view('bad-1').flooding, false);
  assert.ok(!rig.hub.alarms.has('bad-1/tech/flood'));
});

function pendingThrottled(rig: Rig, id: string): number {
  let n = 0;
  for (const st of rig.hub.devices.get(id)!.streams.values()) n += st.throttled?.frames ?? 0;
  return n;
}

test('a flood of tiny frames (heartbeats) is throttled by the frame budget', () => {
  const rig = new Rig();
  const bad = new Dev(rig, 'bad', descriptor('bad-1'));
  bad.hello();
  for (let i = 0; i < 20_000; i++) {
    if (i % 100 === 0) rig.advance(10);
    bad.heartbeat();
  }
  assert.equal(rig.view('bad-1').flooding, true);
  assert.ok(rig.view('bad-1').counters.throttled > 10_000);
});

test('oversized frames are dropped, counted and flag the device', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  const big = new Uint8Array(MAX_FRAME_BYTES + 100);
  big.set([0x4f, 0x52, 1, FrameType.Wave]);
  rig.from('p1', big);
  const v = rig.view('mon-1');
  assert.equal(v.counters.malformed, 1);
  assert.equal(v.flooding, true);
  assert.equal(rig.hub.stats.decodeErrors.get('WIRE_TOO_LARGE'), 1);
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
  const drops = Object.fromEntries(rig.hub.devices.get('mon-1')!.drops);
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
  assert.equal(rig.hub.devices.size, 1);
  assert.deepEqual(rig.gaps.map((g) => [g.reason, g.lostFrames]), [['link-down', 0]]);
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
  const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
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
      const s = good.wave(5, good.now(), 0, new Int16Array(5).map(() => Math.floor(u() * 65536) - 32768)); // 500 Hz
      sent += s.length;
      for (const x of s) sum += x;
    }
  }
  const got = rig.waves.filter((w) => w.deviceId === 'good-1');
  assert.equal(got.reduce((s, w) => s + w.raw.length, 0), sent);
  assert.equal(got.reduce((s, w) => s + Array.from(w.raw).reduce((a, x) => a + x, 0), 0), sum);
  assert.equal(rig.view('good-1').counters.gaps, 0);
  assert.equal(rig.view('good-1').counters.malformed, 0);
  assert.ok(rig.hub.stats.malformed > 5000);
});

test('a storm of sequence gaps is merged into a few records a second, with every lost frame counted', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  d.numeric(80);
  let lost = 0;
  for (let i = 0; i < 1000; i++) {
    d.skip(FrameType.Numeric, 0, 2);
    lost += 2;
    d.numeric(80);
    if (i % 100 === 0) rig.advance(100);
  }
  rig.advance(1100);
  const gaps = rig.gaps.filter((g) => g.deviceId === 'mon-1');
  assert.ok(gaps.length <= 40, `${gaps.length} records`);
  assert.equal(gaps.reduce((s, g) => s + g.lostFrames, 0), lost);
  assert.equal(rig.view('mon-1').counters.lostFrames, lost);
  assert.equal(rig.view('mon-1').counters.gaps, 1000);
});

test('HELLOs are rate-limited per peer, and a peer changing names keeps its used budget', () => {
  const rig = new Rig();
  for (let i = 0; i < 50; i++) new Dev(rig, 'hopper', descriptor(`hop-${i}`)).hello();
  assert.ok(rig.hub.devices.size <= 10, `${rig.hub.devices.size} identities from one peer`);
  assert.ok((rig.hub.stats.decodeErrors.get('HELLO_RATE') ?? 0) >= 40);
  // Exhaust the sample budget, then re-introduce under a new name: still throttled.
  const rig2 = new Rig();
  const a = new Dev(rig2, 'p', descriptor('a-1', 500));
  a.hello();
  for (let i = 0; i < 200; i++) a.wave(100);
  assert.equal(rig2.view('a-1').flooding, true);
  const b = new Dev(rig2, 'p', descriptor('b-1', 500));
  b.hello();
  const before = rig2.waves.length;
  for (let i = 0; i < 50; i++) b.wave(100);
  assert.ok(rig2.waves.length - before < 5, 'the renamed connection does not get a fresh budget');
});

// ---------------------------------------------------------------- data channel (§2.3)

/** The session token in the last HELLO_ACK sent to `peer`. */
function tokenOf(rig: Rig, peer: string): Uint8Array {
  const acks = rig.sentTo(peer, FrameType.HelloAck);
  const ack = acks[acks.length - 1];
  assert.ok(ack && ack.type === FrameType.HelloAck, 'a HELLO_ACK');
  const offer = parseDataOffer(ack.json);
  assert.ok(offer, `the ACK offers the data channel: ${ack.json}`);
  assert.equal(offer.port, 7401);
  return hexToToken(offer.session);
}

test('data channel: HELLO_ACK offers it with a session token; frames under that token count as the device\'s', () => {
  const rig = new Rig({ dataChannel: true });
  const a = new Dev(rig, 'peer-a', descriptor('mon-a'));
  const b = new Dev(rig, 'peer-b', descriptor('mon-b'));
  a.hello();
  b.hello();
  const ta = tokenOf(rig, 'peer-a');
  const tb = tokenOf(rig, 'peer-b');
  assert.notDeepEqual(ta, tb, 'one token per device session');
  const samples = new Int16Array([5, 6, 7, 8]);
  rig.hub.onData(sealData(ta, encodeWave(a.h(FrameType.Wave, 0), a.now(), samples)));
  rig.hub.onData(sealData(tb, encodeNumeric(b.h(FrameType.Numeric), [{ channel: 10, value: 72, status: 0, tMs: b.now() }])));
  assert.equal(rig.waves.length, 1);
  assert.equal(rig.waves[0].deviceId, 'mon-a');
  assert.deepEqual([...rig.waves[0].raw], [5, 6, 7, 8]);
  assert.deepEqual(rig.numerics.map((n) => [n.deviceId, n.value]), [['mon-b', 72]]);
  // The same stream may continue on either socket: numbering is per stream, not per socket.
  a.wave(4);
  rig.hub.onData(sealData(ta, encodeWave(a.h(FrameType.Wave, 0), a.now(), samples)));
  assert.equal(rig.waves.length, 3);
  assert.equal(rig.hub.devices.get('mon-a')!.counters.gaps, 0);
  // Without a data channel the ACK says nothing about one.
  const plain = new Rig();
  new Dev(plain, 'p', descriptor('mon-p')).hello();
  assert.equal(parseDataOffer((plain.sentTo('p', FrameType.HelloAck)[0] as { json: string }).json), null);
});

test('data channel: unknown, forged, short, multipart and HELLO messages are dropped with their codes; valid traffic is untouched', () => {
  const rig = new Rig({ dataChannel: true });
  const a = new Dev(rig, 'peer-a', descriptor('mon-a'));
  a.hello();
  const ta = tokenOf(rig, 'peer-a');
  const frame = () => encodeWave(a.h(FrameType.Wave, 0), a.now(), new Int16Array([1, 2]));
  rig.hub.onData(sealData(ta, frame()));
  const forged = ta.slice();
  forged[15] ^= 1; // right slot, wrong key
  const otherSlot = ta.slice();
  otherSlot[0] = 9; // no device in that slot
  rig.hub.onData(sealData(forged, frame()));
  rig.hub.onData(sealData(otherSlot, frame()));
  rig.hub.onData(new Uint8Array(DATA_ENVELOPE_BYTES - 1));
  rig.hub.onData(sealData(ta, encodeHello(a.h(FrameType.Hello), JSON.stringify(descriptor('mon-z')))));
  rig.hub.onData(sealData(ta, frame()), 2);
  rig.hub.onData(sealData(ta, new Uint8Array(30)));
  const drops = Object.fromEntries(rig.hub.stats.decodeErrors);
  assert.deepEqual(drops, { DATA_SESSION: 2, DATA_ENVELOPE: 1, DATA_HELLO: 1, BUS_MULTIPART: 1, WIRE_BAD_MAGIC: 1 });
  assert.equal(rig.hub.stats.dataRefused, 3, 'messages naming no session are counted hub-wide');
  assert.equal(rig.hub.devices.get('mon-a')!.counters.malformed, 3, 'messages under its own token count against the device');
  assert.ok(!rig.hub.devices.has('mon-z'), 'no HELLO over the data channel');
  // The three dropped waves were numbered: the next valid one shows them as one gap, nothing silently lost.
  rig.hub.onData(sealData(ta, frame()));
  assert.equal(rig.waves.length, 2);
  assert.deepEqual(rig.gaps.map((g) => [g.deviceId, g.channel, g.lostFrames, g.reason]), [['mon-a', 0, 3, 'sequence']]);
});

test('data channel: a link cut keeps the token, a restart (new routing id) gets a new one and the old one stops working', () => {
  const rig = new Rig({ dataChannel: true });
  const a = new Dev(rig, 'peer-a', descriptor('mon-a'));
  a.hello();
  const t1 = tokenOf(rig, 'peer-a');
  rig.advance(500);
  a.hello(); // same session after a link cut
  assert.deepEqual(tokenOf(rig, 'peer-a'), t1, 'same session, same token: frames in flight stay valid');
  rig.advance(500);
  const restarted = new Dev(rig, 'peer-a2', descriptor('mon-a'));
  restarted.hello();
  const t2 = tokenOf(rig, 'peer-a2');
  assert.notDeepEqual(t2, t1);
  assert.deepEqual(t2.subarray(0, 4), t1.subarray(0, 4), 'the device keeps its slot');
  rig.hub.onData(sealData(t1, encodeWave(a.h(FrameType.Wave, 0), a.now(), new Int16Array([1]))));
  assert.equal(rig.waves.length, 0, 'the old session\'s token is refused');
  assert.equal(rig.hub.stats.decodeErrors.get('DATA_SESSION'), 1);
  rig.hub.onData(sealData(t2, encodeWave(restarted.h(FrameType.Wave, 0), restarted.now(), new Int16Array([1]))));
  assert.equal(rig.waves.length, 1);
  // A connection that re-introduces itself as another device takes the token of the first with it.
  const c = new Dev(rig, 'peer-a2', descriptor('mon-c'));
  c.hello();
  rig.hub.onData(sealData(t2, encodeWave(restarted.h(FrameType.Wave, 0), restarted.now(), new Int16Array([1]))));
  assert.equal(rig.waves.length, 1, 'mon-a\'s token ended with its link');
});
