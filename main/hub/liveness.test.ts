/**
 * When a silent device goes offline, on an injected clock: the deterministic half of e2e/live-display's
 * "a killed monitor shows offline" (the e2e waits for the offline state; the bound is checked here).
 * The hub's timer ticks every 50 ms; a device silent for 1.5 heartbeat intervals is offline at the next tick,
 * so within 2 intervals of its last frame, whatever the phase of that frame against the tick.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from './hub';
import type { HubSink } from './sink';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { FrameType, encodeHeartbeat, encodeHello, encodeNumeric } from '../../native-bridge/common/wire';

const TICK_MS = 50;

/**
 * One device says HELLO, then sends a frame every 20 ms (`phase` ms off the hub's tick grid) for 3 s and dies;
 * returns how long after its last frame the hub declared it offline, and why.
 */
function offlineAfter(heartbeatMs: number, phase: number, last: 'heartbeat' | 'numeric'): { afterMs: number; reason: string } {
  let t = 1_700_000_000_000;
  const start = t;
  const states: { state: string; t: number; reason: string }[] = [];
  const none = () => {};
  const sink: HubSink = {
    deviceOnline: none,
    deviceState: (_id, state, tHubMs, reason) => states.push({ state, t: tHubMs, reason }),
    ...{ wave: none, numeric: none, setting: none, alarm: none, pose: none, event: none, gap: none },
  };
  const hub = new Hub({ send: () => {} }, { now: () => t, log: () => {} });
  hub.addSink(sink);
  const desc: DeviceDescriptor = {
    protocol: 1,
    deviceId: 'mon-1',
    kind: 'patient-monitor',
    manufacturer: 'Test',
    model: 'T1',
    serial: 'S1',
    heartbeatMs,
    channels: [{ index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' }],
  };
  const seqs = new Map<FrameType, number>();
  const h = (type: FrameType) => {
    const seq = seqs.get(type) ?? 0;
    seqs.set(type, seq + 1);
    return { seq, stream: 0, tDeviceMs: t };
  };
  const peer = Buffer.from('p1');
  hub.onMessage(peer, encodeHello(h(FrameType.Hello), JSON.stringify(desc)));
  const lastFrameAt = 3000 + phase;
  let nextTick = start + TICK_MS;
  let nextFrame = start + phase + 20;
  for (;;) {
    const frameDue = nextFrame <= start + lastFrameAt;
    if (frameDue && nextFrame < nextTick) {
      t = nextFrame;
      nextFrame += 20;
      const isLast = nextFrame > start + lastFrameAt;
      if (isLast ? last === 'numeric' : t % 3 === 0) hub.onMessage(peer, encodeNumeric(h(FrameType.Numeric), [{ channel: 10, value: 72, status: 0, tMs: t }]));
      else hub.onMessage(peer, encodeHeartbeat(h(FrameType.Heartbeat)));
      continue;
    }
    t = nextTick;
    nextTick += TICK_MS;
    hub.tick();
    const off = states.find((s) => s.state === 'offline');
    if (off) return { afterMs: off.t - (nextFrame - 20), reason: off.reason };
    assert.ok(t - start < lastFrameAt + 10 * heartbeatMs, 'never went offline');
  }
}

test('a device silent for 1.5 heartbeat intervals is offline at the next 50 ms tick: within 2 intervals of its last frame', () => {
  for (const heartbeatMs of [250, 1000, 2000]) {
    for (let phase = 0; phase < TICK_MS; phase += 7) {
      for (const last of ['heartbeat', 'numeric'] as const) {
        const { afterMs, reason } = offlineAfter(heartbeatMs, phase, last);
        const what = `heartbeat ${heartbeatMs} ms, last frame (${last}) ${phase} ms into a tick: offline ${afterMs} ms after it`;
        assert.ok(afterMs > 1.5 * heartbeatMs, what);
        assert.ok(afterMs <= 1.5 * heartbeatMs + TICK_MS, what);
        assert.ok(afterMs <= 2 * heartbeatMs, what);
        assert.match(reason, /^no heartbeat for \d+\.\d s$/);
      }
    }
  }
});
