/**
 * Issue 16, bad input: the serial gateway fed hostile bytes through a real pty (damaged copies of
 * the Ivy 450C capture, random noise, truncated blocks, bursts far above the line rate) keeps
 * running, counts every problem under its code, sends the hub nothing malformed, and decodes
 * clean blocks again right after.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './bus-display-client';
import { SKIP, captureBlocks, startSerialRig, type SerialRig } from './serial-rig';
import { play } from '../native-bridge/node/gateways/serial/pty-pair';
import { IVY_CH } from '../native-bridge/node/gateways/serial/ivy450c';
import type { DeviceView } from '../common/display-contract';
import { rng } from '../native-bridge/common/sim/physiology';

let rig: SerialRig | undefined;
after(async () => {
  await rig?.close();
});

test('fuzz over a pty: the gateway never crashes, counts coded errors, and recovers', { skip: SKIP, timeout: 120_000 }, async () => {
  rig = await startSerialRig();
  const { display, deviceId } = rig;
  const blocks = captureBlocks().slice(1);
  const u = rng(16);
  const pieces: Uint8Array[] = [];
  for (let round = 0; round < 60; round++) {
    const b = blocks[round % blocks.length];
    const kind = round % 5;
    if (kind === 0) pieces.push(Uint8Array.from({ length: 400 + Math.floor(u() * 800) }, () => Math.floor(u() * 256)));
    else if (kind === 1) pieces.push(b.subarray(0, Math.floor(u() * b.length)));
    else if (kind === 2) pieces.push(b.map((x) => (u() < 0.01 ? Math.floor(u() * 256) : x)));
    else if (kind === 3) pieces.push(Uint8Array.from([0xff, 0xff, 0xfe, 0xff, 0x41, 0x4e, 0xfe, ...b.subarray(9, 120)]));
    else pieces.push(b);
  }
  const hub = () => rig!.api<{ devices: DeviceView[] }>('/api/status');
  // Far above the monitor's 960 bytes/s, back to back.
  await play(rig.pty.peer, pieces, { baud: 115200 });
  const stream = display.streamOf(deviceId, IVY_CH.HR)!;
  const hrBefore = () => display.numerics.get(stream)?.length ?? 0;
  await new Promise((r) => setTimeout(r, 500));
  const n0 = hrBefore();
  // Clean blocks right after: decoded again.
  await play(rig.pty.peer, blocks.slice(0, 3), { baud: 9600, periodMs: 1000 });
  await waitFor(() => hrBefore() >= n0 + 3, 'three clean blocks decoded after the fuzz', 10_000);
  assert.deepEqual(display.numerics.get(stream)!.slice(-3), [80, 80, 80]);
  assert.equal(rig.gateway.child.exitCode, null, 'the gateway is still running');
  const dev = (await hub()).devices.find((d) => d.deviceId === deviceId)!;
  assert.equal(dev.state, 'online');
  assert.deepEqual([dev.counters.malformed, dev.counters.lostFrames], [0, 0], 'nothing malformed or lost on the bus');

  const stats = await rig.stopGateway();
  console.log(`fuzz: ${stats.messages} messages, errors ${JSON.stringify(stats.errors)}`);
  assert.ok(stats.messages >= 12 + 3, `messages ${stats.messages}`);
  for (const code of ['IVY_JUNK', 'IVY_TRUNCATED', 'IVY_BAD_HEADER'])
    assert.ok((stats.errors[code]?.count ?? 0) > 0, `${code} counted: ${JSON.stringify(stats.errors)}`);
  assert.ok(Object.keys(stats.errors).every((c) => /^IVY_[A-Z_]+$/.test(c)));
  assert.equal(stats.driverFaults, 0);
  const bytesIn = pieces.reduce((n, p) => n + p.length, 0) + blocks.slice(0, 3).reduce((n, p) => n + p.length, 0);
  assert.equal(stats.link.bytesIn, bytesIn, 'every byte written reached the gateway');
});
