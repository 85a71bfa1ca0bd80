/**
 * Issue 3, flood isolation, with real processes: while one peer sends 50 times its
 * declared rate and another sends oversized frames, a well-behaved device's waveform
 * still arrives complete, in order and unflagged at a display client; the offenders are
 * throttled and flagged. Latency is measured and printed, not asserted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { startHub, ROOT, type HubProc } from './harness';
import { DisplayClient, waitFor } from './bus-display-client';
import { DeviceClient } from '../native-bridge/node/device-client';
import type { DeviceDescriptor } from '../native-bridge/common/descriptor';

const children: ChildProcess[] = [];
let hub: HubProc | undefined;
let good: DeviceClient | undefined;
let display: DisplayClient | undefined;
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await good?.stop();
  display?.close();
  await hub?.kill();
});

function peer(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'native-bridge/node/tools/bus-peer.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('flooding')) resolve(child);
    });
    child.on('exit', (c) => reject(new Error(`bus-peer exited ${c}`)));
  });
}

const RATE_HZ = 250;
const PER_FRAME = 5; // one frame every 20 ms

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `n=${s.length} p50=${q(0.5).toFixed(2)} p99=${q(0.99).toFixed(2)} max=${s[s.length - 1].toFixed(2)} ms`;
}

test('a flooder (50x rate) and an oversized-frame sender cannot starve a well-behaved device; both are flagged', { timeout: 90_000 }, async () => {
  hub = await startHub();
  display = await DisplayClient.connect(hub.origin, hub.token);
  const desc: DeviceDescriptor = {
    protocol: 1,
    deviceId: 'good-01',
    kind: 'patient-monitor',
    manufacturer: 'OR Hub tests',
    model: 'Steady',
    serial: 'good-01',
    heartbeatMs: 1000,
    channels: [{ index: 0, kind: 'wave', mdc: 'MDC_PRESS_BLD_ART_ABP', label: 'ABP', unit: 'mm[Hg]', rateHz: RATE_HZ, format: 'f32', scale: 1, offset: 0 }],
  };
  good = new DeviceClient({ endpoint: hub.bus, descriptor: desc });
  good.start();
  await waitFor(() => display!.state('good-01') === 'online', 'good device online');
  const stream = display.streamOf('good-01', 0)!;

  // The good device sends sample k with value k; the send time of each frame's first sample is kept.
  const sentAt = new Map<number, number>();
  let next = 0;
  const t0Dev = good.clock();
  let phase: 'calm' | 'flood' = 'calm';
  const latency = { calm: [] as number[], flood: [] as number[] };
  display.onBlock = (b) => {
    if (b.streamId !== stream) return;
    const t = sentAt.get(b.samples[0]);
    if (t !== undefined) latency[phase].push(b.tRecvMs - t);
  };
  const timer = setInterval(
    () => {
      const s = new Float32Array(PER_FRAME).map((_, i) => next + i);
      const tSend = performance.timeOrigin + performance.now();
      sentAt.set(next, tSend);
      good!.sendWave(0, t0Dev + (next / RATE_HZ) * 1000, s);
      next += PER_FRAME;
    },
    (PER_FRAME / RATE_HZ) * 1000,
  );

  // A calm phase, then the flood, each measured over a given number of the good device's frames (50 per second).
  await waitFor(() => latency.calm.length >= 200, '200 good frames at the display before the flood', 20_000);
  phase = 'flood';
  await Promise.all([
    peer(['flood', '--bus', hub.bus, '--id', 'flooder-01', '--factor', '50']),
    peer(['flood', '--bus', hub.bus, '--id', 'oversizer-01', '--oversized']),
  ]);
  await waitFor(() => display!.devices.get('flooder-01')?.flooding && display!.devices.get('oversizer-01')?.flooding, 'both offenders flagged', 10_000);
  const flagged = latency.flood.length;
  await waitFor(() => latency.flood.length >= flagged + 300, '300 more good frames at the display while the offenders flood', 30_000);
  clearInterval(timer);
  const sent = next;
  await waitFor(
    () => {
      const bl = display!.blocks.get(stream) ?? [];
      const last = bl[bl.length - 1];
      return last && last.samples[last.samples.length - 1] === sent - 1;
    },
    'the last good sample',
    5000,
  );

  // Every good sample arrived, once, in order.
  const values: number[] = [];
  for (const b of display.blocks.get(stream)!) for (const v of b.samples) values.push(v);
  assert.equal(values.length, sent);
  for (let i = 0; i < values.length; i++) if (values[i] !== i) assert.fail(`sample ${i} is ${values[i]}`);
  const gv = display.devices.get('good-01')!;
  assert.equal(gv.flooding, false);
  assert.deepEqual([gv.counters.gaps, gv.counters.throttled, gv.counters.malformed], [0, 0, 0]);
  assert.equal(display.gaps.filter((g) => g.deviceId === 'good-01').length, 0);

  await waitFor(() => (display!.devices.get('flooder-01')?.counters.throttled ?? 0) > 0, 'flooder counters reach the display');
  const fv = display.devices.get('flooder-01')!;
  const ov = display.devices.get('oversizer-01')!;
  assert.equal(fv.flooding, true);
  assert.ok(fv.counters.throttled > 100, `flooder throttled ${fv.counters.throttled}`);
  assert.ok(
    display.gaps.some((g) => g.deviceId === 'flooder-01' && g.reason === 'throttled'),
    'throttled data is kept as gap records',
  );
  assert.equal(ov.flooding, true);
  assert.ok(ov.counters.malformed > 10, `oversized frames counted: ${ov.counters.malformed}`);
  // The flooder's data reached the display only until it was flagged.
  const fStream = display.streamOf('flooder-01', 0)!;
  const fSamples = (display.blocks.get(fStream) ?? []).reduce((s, b) => s + b.samples.length, 0);
  console.log(`good device latency, calm: ${stats(latency.calm)}`);
  console.log(`good device latency, during flood: ${stats(latency.flood)}`);
  console.log(
    `flooder: ${fv.counters.frames} frames, ${fv.counters.throttled} throttled, ${fSamples} samples ` +
      `displayed; oversizer: ${ov.counters.malformed} oversized frames dropped`,
  );
  assert.ok(latency.flood.length > 200);
});
