import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bed, MON, MONITOR } from './test-bed';
import type { DeviceStatus } from '../sink';

const status = (sync: DeviceStatus['sync'], state: DeviceStatus['state'] = 'online'): DeviceStatus => ({
  desc: MONITOR,
  streamIds: new Map(),
  state,
  stateReason: '',
  lastHeardHubMs: 0,
  sync,
  counters: { frames: 0, gaps: 0, lostFrames: 0, malformed: 0, throttled: 0 },
  drops: {},
  flooding: false,
  floodReason: '',
  throttledPending: 0,
});

test('clock unsynchronised: raised while the sync uncertainty is over the limit, cleared when synchronised or offline', () => {
  const b = new Bed();
  b.engine.deviceChanged(status({ offsetMs: 3, driftPpm: 1, uncertaintyMs: 80, synchronised: false }));
  const a = b.alarm(`${MON}/tech/clock-unsync`)!;
  assert.equal(a.priority, 'low');
  assert.match(a.text, /clock not synchronised \(±80 ms\)/);
  b.engine.deviceChanged(status({ offsetMs: 3, driftPpm: 1, uncertaintyMs: 4, synchronised: true }));
  assert.equal(b.alarm(`${MON}/tech/clock-unsync`), undefined);
  b.engine.deviceChanged(status({ offsetMs: 3, driftPpm: 1, uncertaintyMs: 80, synchronised: false }, 'offline'));
  assert.equal(b.alarm(`${MON}/tech/clock-unsync`), undefined, 'an offline device has its own alarm');
});

test('a sequence gap with lost frames is a low data-gap alarm held 10 s after the last gap; throttled spans are not', () => {
  const b = new Bed();
  b.engine.gap({ deviceId: MON, channel: 0, fromHubMs: b.t - 100, toHubMs: b.t, lostFrames: 7, reason: 'sequence' });
  assert.match(b.alarm(`${MON}/tech/data-gap`)!.text, /data gap \(7 frames lost\)/);
  b.advance(9000);
  assert.ok(b.alarm(`${MON}/tech/data-gap`));
  b.advance(1100);
  assert.equal(b.alarm(`${MON}/tech/data-gap`), undefined);
  b.engine.gap({ deviceId: MON, channel: 0, fromHubMs: b.t - 100, toHubMs: b.t, lostFrames: 7, reason: 'throttled' });
  assert.equal(b.alarm(`${MON}/tech/data-gap`), undefined);
});

test('tracking quality lost after 2 s of poor poses, cleared by a good one', () => {
  const b = new Bed();
  b.engine.deviceOnline({ ...MONITOR, deviceId: 'trk', channels: [{ index: 0, kind: 'pose', mdc: 'MDC_POSE_INSTRUMENT', label: 'Instrument', unit: 'mm' }] });
  const m = new Float32Array(16);
  for (let k = 0; k < 25; k++) {
    b.engine.pose('trk', 0, b.t, 0.2, 0, m);
    b.advance(100);
  }
  const a = b.alarm('trk/tech/tracking-0')!;
  assert.equal(a.priority, 'medium');
  assert.match(a.text, /Instrument: tracking quality lost/);
  b.engine.pose('trk', 0, b.t, 0.95, 0, m);
  assert.equal(b.alarm('trk/tech/tracking-0'), undefined);
});
