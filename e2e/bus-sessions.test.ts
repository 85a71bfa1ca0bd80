/**
 * Issue 12 §6, with a real `or-hub start` process and real sockets (plain loopback bus):
 * a device restarting with the same routing id loses nothing; a device learns that its frames
 * are dropped (FRAMES_DROPPED) and /api/status counts them by reason; the switch to the data
 * channel is acknowledged (no gap however the burst falls); a device that never answers clock
 * sync is UNSYNCHRONISED with a low technical alarm, both cleared when it answers.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, startHub, type HubProc } from './harness';
import { DisplayClient, waitFor } from './bus-display-client';
import { DeviceClient, type DropReport } from '../native-bridge/node/device-client';
import type { DeviceDescriptor } from '../native-bridge/common/descriptor';
import type { DeviceView } from '../common/display-contract';

let hub: HubProc;
let display: DisplayClient;
const clients: DeviceClient[] = [];
before(async () => {
  hub = await startHub();
  display = await DisplayClient.connect(hub.origin, hub.token);
});
after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  display?.close();
  await hub?.kill('SIGKILL');
});

function desc(deviceId: string): DeviceDescriptor {
  return {
    protocol: 1,
    deviceId,
    kind: 'other',
    manufacturer: 'OR Hub tests',
    model: 'Probe',
    serial: deviceId,
    heartbeatMs: 500,
    channels: [
      { index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG', unit: 'mV', rateHz: 500, format: 'i16', scale: 0.005, offset: 0 },
      { index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min', range: [20, 300] },
    ],
  };
}

function device(deviceId: string, opts: Partial<ConstructorParameters<typeof DeviceClient>[0]> = {}): DeviceClient {
  const c = new DeviceClient({ endpoint: hub.bus, descriptor: desc(deviceId), ...opts });
  clients.push(c);
  c.start();
  return c;
}

async function statusOf(deviceId: string): Promise<DeviceView | undefined> {
  const r = await fetch(`${hub.origin}/api/status`, { headers: { authorization: `Bearer ${hub.token}` } });
  const body = (await r.json()) as { devices: DeviceView[] };
  return body.devices.find((d) => d.deviceId === deviceId);
}

/** Runs `bus-peer wave` (a device process that sends numbered samples and dies without GOODBYE) to its end. */
function waveProcess(args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'native-bridge/node/tools/bus-peer.ts'), 'wave', '--bus', hub.bus, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 && /sent \d+/.test(out) ? resolve() : reject(new Error(`bus-peer wave exited ${code}: ${out}`)))),
  );
}

/** Raw counts (scale 0.005) of a device's channel 0 as the display received them. */
const samplesOf = (deviceId: string) =>
  (display.blocks.get(display.streamOf(deviceId, 0) ?? -1) ?? []).flatMap((b) => [...b.samples].map((v) => Math.round(v / 0.005)));

test(
  'a device restarted with the same routing id (derived from its serial): its HELLO re-anchors numbering, every frame arrives',
  { timeout: 60_000 },
  async () => {
    const id = 'restarter-01';
    const routing = 'serial-SN4711';
    await waveProcess(['--id', id, '--routing-id', routing, '--frames', '150', '--base', '1000']);
    await waitFor(() => samplesOf(id).length >= 1500, 'the first run on the display');
    // The same device again: a new process, the same routing id, sequence numbers from 0.
    await waveProcess(['--id', id, '--routing-id', routing, '--frames', '250', '--base', '20000']);
    await waitFor(() => samplesOf(id).filter((v) => v >= 20000).length >= 2500, 'the whole second run (5 s) on the display', 10_000);
    const second = samplesOf(id).filter((v) => v >= 20000);
    assert.deepEqual(
      second,
      Array.from({ length: 2500 }, (_, k) => 20000 + k),
      'every sample of the restarted run, once, in order',
    );
    const st = await statusOf(id);
    assert.equal(st!.drops?.BAD_SEQUENCE ?? 0, 0, 'nothing dropped as BAD_SEQUENCE');
    assert.equal(st!.counters.malformed, 0);
    assert.equal(st!.counters.lostFrames, 0, 'no frames counted lost: the restart is a new numbering, not a gap of frames');
  },
);

test(
  'dropped frames are reported to the device (FRAMES_DROPPED, at most one per reason a second) and counted by reason in /api/status',
  { timeout: 30_000 },
  async () => {
    const c = device('dropper-01');
    const reports: DropReport[] = [];
    c.on('dropped', (r: DropReport) => reports.push(r));
    await waitFor(() => c.accepted, 'HELLO_ACK');
    const t0Ms = Date.now();
    // 60 waves on an undeclared channel over 2.4 s.
    for (let i = 0; i < 60; i++) {
      c.sendWave(7, c.clock(), new Int16Array(10));
      await new Promise((r) => setTimeout(r, 40));
    }
    await waitFor(() => (c.dropsReported.get('BAD_CHANNEL') ?? 0) >= 60, 'all 60 drops reported to the device', 5000);
    const spanS = (Date.now() - t0Ms) / 1000;
    assert.equal(c.dropsReported.get('BAD_CHANNEL'), 60);
    assert.ok(reports.every((r) => r.reason === 'BAD_CHANNEL'));
    assert.ok(reports.length <= Math.ceil(spanS) + 1, `${reports.length} reports in ${spanS.toFixed(1)} s: rate-limited to one a second`);
    assert.ok(reports.length >= 2, 'reported as they happen, not only once');
    const st = await statusOf('dropper-01');
    assert.equal(st!.drops?.BAD_CHANNEL, 60, 'per-reason drop count in /api/status');
  },
);

test('the switch to the data channel is acknowledged: a burst across it arrives without a gap, 20 times', { timeout: 120_000 }, async () => {
  for (let run = 0; run < 20; run++) {
    const id = `switcher-${String(run).padStart(2, '0')}`;
    const c = device(id);
    let sent = 0;
    // A burst from the HELLO on: frames are queued before the HELLO_ACK, while the data socket connects, and after.
    const t0 = c.clock();
    const switched = new Promise((r) => c.on('data-channel', (s) => s === 'switched' && r(null)));
    const wave = () =>
      c.sendWave(
        0,
        t0 + sent * 20,
        new Int16Array(10).map((_, j) => sent * 10 + j),
      );
    // About 20 times the declared rate (within the hub's 10 s burst allowance), then real time if the switch is late.
    while (!c.usingDataChannel || sent < 150) {
      const burst = sent < 300;
      for (let k = 0; k < (burst ? 2 : 1); k++, sent++) wave();
      await new Promise((r) => setTimeout(r, burst ? 1 : 20));
    }
    await switched;
    assert.equal(c.usingDataChannel, true, `run ${run}: the SDK switched`);
    await waitFor(() => samplesOf(id).length >= sent * 10, `run ${run}: all ${sent * 10} samples`, 10_000);
    assert.deepEqual(
      samplesOf(id),
      Array.from({ length: sent * 10 }, (_, k) => k),
      `run ${run}: every sample once, in order`,
    );
    const st = await statusOf(id);
    assert.equal(st!.counters.gaps, 0, `run ${run}: no gap`);
    assert.equal(st!.counters.malformed, 0, `run ${run}: nothing dropped`);
    await c.stop();
  }
});

test(
  'a device that never answers clock sync is UNSYNCHRONISED (display, recording event, low technical alarm) until it answers',
  { timeout: 30_000 },
  async () => {
    const id = 'silent-clock-01';
    const c = device(id);
    c.answersSync = false;
    await waitFor(() => c.accepted, 'HELLO_ACK');
    const tAccepted = Date.now();
    const alarm = () => [...display.alarms.values()].find((a) => a.deviceId === id && a.source === 'technical' && /UNSYNCHRONISED/.test(a.text));
    await waitFor(() => display.devices.get(id)?.unsynchronised === true, 'UNSYNCHRONISED on the display', 8000);
    const after = Date.now() - tAccepted;
    assert.ok(after >= 4500, `not before 5 s (${after} ms)`);
    assert.notEqual(display.devices.get(id)!.state, 'offline', 'not offline: it is heard, only its clock is not');
    assert.equal(display.devices.get(id)!.sync, null);
    await waitFor(() => alarm()?.active === true, 'a technical alarm');
    assert.equal(alarm()!.priority, 'low');
    assert.ok(
      display.events.some((e) => e.deviceId === id && e.code === 'HUB_UNSYNCHRONISED'),
      'a device event (what the recorder records)',
    );
    assert.equal((await statusOf(id))!.unsynchronised, true);

    c.answersSync = true;
    await waitFor(() => display.devices.get(id)?.unsynchronised === false, 'synchronised once it answers', 5000);
    await waitFor(() => alarm() === undefined, 'the alarm cleared');
    assert.ok(display.events.some((e) => e.deviceId === id && e.code === 'HUB_SYNCHRONISED'));
    assert.notEqual(display.devices.get(id)!.sync, null);
  },
);
