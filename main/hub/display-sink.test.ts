import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisplaySink, type DisplayClient } from './display-sink';
import { BinaryKind, decodeBinary, type HubMessage } from '../../common/display-contract';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { AlarmBoard } from './alarm-board';
import type { DeviceStatus } from './sink';

class FakeClient implements DisplayClient {
  bufferedAmount = 0;
  readonly got: (string | Uint8Array)[] = [];
  send(d: string | Uint8Array): void {
    this.got.push(d);
  }
  json(): HubMessage[] {
    return this.got.filter((d): d is string => typeof d === 'string').map((d) => JSON.parse(d) as HubMessage);
  }
  binary(): Uint8Array[] {
    return this.got.filter((d): d is Uint8Array => typeof d !== 'string');
  }
}

/** Device 'mon' with its channel 0 on stream `streamId`, as the hub's status says it. */
function statusOf(streamId: number): DeviceStatus {
  const desc: DeviceDescriptor = {
    protocol: 1,
    deviceId: 'mon',
    kind: 'patient-monitor',
    manufacturer: 'Test',
    model: 'T1',
    serial: 'S1',
    heartbeatMs: 1000,
    channels: [{ index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV', rateHz: 500, format: 'i16', scale: 0.005, offset: 0 }],
  };
  return {
    desc,
    streamIds: new Map([[0, streamId]]),
    state: 'online',
    stateReason: 'hello accepted',
    lastHeardHubMs: 0,
    sync: null,
    counters: { frames: 0, gaps: 0, lostFrames: 0, malformed: 0, throttled: 0 },
    drops: {},
    flooding: false,
    floodReason: '',
    throttledPending: 0,
  };
}

/** A display sink that has been told device 'mon' (statusOf). */
function sinkWith(streamId: number): DisplaySink {
  const sink = new DisplaySink();
  sink.deviceChanged(statusOf(streamId));
  return sink;
}

const block = (t0: number) => ({ deviceId: 'mon', channel: 0, t0HubMs: t0, rateHz: 500, raw: new Int16Array([100, -200]), scale: 0.005, offset: 0 });

test('wave blocks reach clients as one binary batch per flush, in physical units', () => {
  const sink = sinkWith(7);
  const c = new FakeClient();
  sink.addClient(c, []);
  sink.wave(block(1000));
  sink.wave(block(1004));
  sink.flush();
  const bins = c.binary();
  assert.equal(bins.length, 1);
  const d = decodeBinary(bins[0]);
  assert.equal(d.kind, BinaryKind.Wave);
  if (d.kind !== BinaryKind.Wave) return;
  assert.deepEqual(
    d.blocks.map((b) => [b.streamId, b.t0HubMs, [...b.samples].map((v) => Math.round(v * 1000) / 1000)]),
    [
      [7, 1000, [0.5, -1]],
      [7, 1004, [0.5, -1]],
    ],
  );
});

test('a display too far behind gets no hot data, then a gap telling it what it missed', () => {
  const sink = sinkWith(1);
  const slow = new FakeClient();
  const fast = new FakeClient();
  sink.addClient(slow, []);
  sink.addClient(fast, []);
  slow.bufferedAmount = 10 * 1024 * 1024;
  for (let i = 0; i < 3; i++) {
    sink.wave(block(i * 4));
    sink.flush();
  }
  assert.equal(slow.binary().length, 0);
  assert.equal(fast.binary().length, 3, 'other displays are not held back');
  assert.equal(sink.skipped, 3);
  slow.bufferedAmount = 0;
  sink.wave(block(12));
  sink.flush();
  const gaps = slow.json().filter((m) => m.t === 'gap');
  assert.equal(gaps.length, 1);
  if (gaps[0].t === 'gap') assert.deepEqual([gaps[0].item.reason, gaps[0].item.lostFrames], ['display-behind', 3]);
  assert.equal(slow.binary().length, 1, 'hot data resumes');
  assert.equal(fast.json().filter((m) => m.t === 'gap').length, 0);
});

test('device status and alarm-board changes reach displays as device and alarms messages; data of an unannounced device is not shown', () => {
  const sink = sinkWith(7);
  const c = new FakeClient();
  sink.addClient(c, []);
  sink.deviceChanged({ ...statusOf(7), flooding: true, floodReason: 'data above declared rate' });
  const dev = c.json().find((m) => m.t === 'device');
  assert.ok(dev && dev.t === 'device');
  const { deviceId, stateReason, flooding, channels } = dev.device;
  assert.deepEqual([deviceId, stateReason, flooding, channels.map((ch) => ch.streamId)], ['mon', 'hello accepted; data above declared rate', true, [7]]);
  const board = new AlarmBoard();
  board.subscribe((a, active) => sink.alarmsChanged(a, active));
  board.raise({ source: 'mon', kind: 'physiological', code: 3, channel: 0, priority: 'high', text: 'VF', tHubMs: 500 });
  board.raise({ source: 'recorder', kind: 'technical', code: 'REC_DISK_FULL', priority: 'high', text: 'disk full', tHubMs: 600 });
  const alarms = c.json().filter((m) => m.t === 'alarms');
  assert.equal(alarms.length, 2);
  const last = alarms[1];
  assert.ok(last.t === 'alarms');
  assert.deepEqual(last.items, [
    { alarmId: 'mon/3/0', deviceId: 'mon', streamId: 7, priority: 'high', active: true, text: 'VF', source: 'physiological', sinceHubMs: 500 },
    {
      alarmId: 'recorder/tech/REC_DISK_FULL',
      deviceId: 'recorder',
      streamId: null,
      priority: 'high',
      active: true,
      text: 'disk full',
      source: 'technical',
      sinceHubMs: 600,
    },
  ]);
  sink.wave({ ...block(1000), deviceId: 'stranger' });
  sink.numeric('stranger', 0, 1000, 1, 0);
  sink.flush();
  assert.equal(c.binary().length, 0);
  assert.equal(c.json().filter((m) => m.t === 'numerics').length, 0);
  assert.equal(sink.unrouted, 2);
});
