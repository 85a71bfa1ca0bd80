/**
 * Issue 3, time: simulated devices with clock offsets of seconds, ±100 ppm drift and
 * jittered delivery talk to a hub over real loopback sockets; every sample the hub places
 * must land within 1 ms of its true time. Hub, bus and devices share this process (and so
 * one clock), which is what lets the test know the true time of each sample exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BusServer } from '../native-bridge/node/bus-server';
import { SimMonitor, SimAnaesthesia, SimTracker, type SimDevice } from '../native-bridge/node/simulators/devices';
import { Hub } from '../main/hub/hub';
import { deviceView } from '../main/hub/display-view';
import type { GapRecord, HubSink, WaveBlock } from '../main/hub/sink';

const RUN_MS = 12_000;
const WARMUP_MS = 1_000;

test('samples from devices with offset, drift and jitter are placed within 1 ms of true time', { timeout: 60_000 }, async () => {
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  const ep = await bus.bind();
  const hub = new Hub(bus, { log: () => {} });
  const blocks: WaveBlock[] = [];
  const poses: { deviceId: string; tHubMs: number }[] = [];
  const gaps: GapRecord[] = [];
  const sink: HubSink = {
    deviceOnline: () => {},
    deviceState: () => {},
    wave: (b) => blocks.push(b),
    numeric: () => {},
    setting: () => {},
    alarm: () => {},
    pose: (deviceId, _c, tHubMs) => poses.push({ deviceId, tHubMs }),
    event: () => {},
    gap: (g) => gaps.push(g),
  };
  hub.addSink(sink);
  hub.start();
  void bus.serve(hub);

  const sims: { sim: SimDevice; offsetMs: number; driftPpm: number }[] = [
    { sim: new SimMonitor({ endpoint: ep, clockOffsetMs: 3_217.4, driftPpm: 100, jitterMs: 5 }), offsetMs: 3_217.4, driftPpm: 100 },
    { sim: new SimAnaesthesia({ endpoint: ep, clockOffsetMs: -7_450.9, driftPpm: -100, jitterMs: 5 }), offsetMs: -7_450.9, driftPpm: -100 },
    { sim: new SimTracker({ endpoint: ep, clockOffsetMs: 42_000, driftPpm: 100, jitterMs: 5 }), offsetMs: 42_000, driftPpm: 100 },
  ];
  // Record the device time of every wave batch and pose as it is sent; the hub gets them in order per stream.
  const sentWaves = new Map<string, number[]>();
  const sentPoses = new Map<string, number[]>();
  for (const { sim } of sims) {
    const c = sim.client;
    const id = c.descriptor.deviceId;
    const sendWave = c.sendWave.bind(c);
    c.sendWave = (channel, t0, samples) => {
      const k = `${id}/${channel}`;
      if (!sentWaves.has(k)) sentWaves.set(k, []);
      sentWaves.get(k)!.push(t0);
      sendWave(channel, t0, samples);
    };
    const sendPoses = c.sendPoses.bind(c);
    c.sendPoses = (entries) => {
      if (!sentPoses.has(id)) sentPoses.set(id, []);
      for (const e of entries) sentPoses.get(id)!.push(e.tMs);
      sendPoses(entries);
    };
  }
  const started = performance.timeOrigin + performance.now();
  for (const { sim } of sims) sim.start();
  await new Promise((r) => setTimeout(r, RUN_MS));
  for (const { sim } of sims) await sim.stop();
  hub.stop();
  bus.close();

  assert.deepEqual(gaps, [], 'no losses on loopback');
  const errs: number[] = [];
  const byStream = new Map<string, WaveBlock[]>();
  for (const b of blocks) {
    const k = `${b.deviceId}/${b.channel}`;
    if (!byStream.has(k)) byStream.set(k, []);
    byStream.get(k)!.push(b);
  }
  assert.equal(byStream.size, 6, 'six waveforms');
  for (const [k, list] of byStream) {
    const sent = sentWaves.get(k)!;
    assert.ok(list.length >= sent.length - 5 && list.length <= sent.length, `${k}: ${list.length} of ${sent.length} blocks`);
    const sim = sims.find((s) => k.startsWith(s.sim.client.descriptor.deviceId + '/'))!.sim;
    list.forEach((b, i) => {
      const tTrue = sim.trueTimeOf(sent[i]);
      if (tTrue - started > WARMUP_MS) errs.push(Math.abs(b.t0HubMs - tTrue));
    });
  }
  const tracker = sims[2].sim;
  const sentP = sentPoses.get(tracker.client.descriptor.deviceId)!;
  const gotP = poses.filter((p) => p.deviceId === tracker.client.descriptor.deviceId);
  gotP.forEach((p, i) => {
    const tTrue = tracker.trueTimeOf(sentP[i]);
    if (tTrue - started > WARMUP_MS) errs.push(Math.abs(p.tHubMs - tTrue));
  });
  errs.sort((a, b) => a - b);
  const worst = errs[errs.length - 1];
  const p50 = errs[Math.floor(errs.length / 2)];
  console.log(`placement error over ${errs.length} blocks and poses: median ${(p50 * 1000).toFixed(0)} µs, worst ${(worst * 1000).toFixed(0)} µs`);
  assert.ok(errs.length > 1000);
  assert.ok(worst < 1, `worst placement error ${worst.toFixed(3)} ms`);

  for (const { sim, offsetMs, driftPpm } of sims) {
    const v = deviceView(hub.deviceStatus(sim.client.descriptor.deviceId)!);
    assert.ok(v.sync, 'sync estimate');
    const trueOffset = sim.deviceNow() - (performance.timeOrigin + performance.now());
    console.log(
      `${v.deviceId}: offset ${v.sync.offsetMs.toFixed(3)} ms (true ${trueOffset.toFixed(3)}, injected ` +
        `${offsetMs}), drift ${v.sync.driftPpm.toFixed(1)} ppm (injected ${driftPpm}), ` +
        `±${v.sync.uncertaintyMs.toFixed(3)} ms`,
    );
    assert.ok(Math.abs(v.sync.offsetMs - trueOffset) < 1);
    assert.ok(Math.abs(v.sync.driftPpm - driftPpm) < 30);
    assert.equal(v.sync.synchronised, true);
  }
});
