import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { IgtlOutSink } from './igtl-out';
import { IgtlFramer } from '../../native-bridge/node/gateways/openigtlink/framer';
import type { IgtlMessage } from '../../native-bridge/common/openigtlink/messages';
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';

const desc: DeviceDescriptor = {
  protocol: 1,
  deviceId: 'nav-1',
  kind: 'navigation-tracker',
  manufacturer: 'm',
  model: 'm',
  serial: 's',
  heartbeatMs: 1000,
  channels: [{ index: 3, kind: 'pose', mdc: 'MDC_NAV_POSE_INSTRUMENT', label: 'Pointer', unit: 'mm' }],
};
const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
};

test('poses go out as TRANSFORM messages named after their channel and stamped with hub time; untracked ones do not', async () => {
  const sink = new IgtlOutSink({ port: 0 });
  const port = await sink.listen();
  sink.deviceOnline(desc);
  const got: IgtlMessage[] = [];
  const s = net.connect(port, '127.0.0.1');
  const f = new IgtlFramer({ message: (m) => got.push(m), error: (e) => assert.fail(e.code) });
  s.on('data', (d) => f.push(d));
  await new Promise((r) => s.once('connect', r));
  await until(() => sink.stats.sent === 0 && (sink as unknown as { clients: Set<unknown> }).clients.size === 1);
  const m = Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  m[12] = 12.5;
  sink.pose('nav-1', 3, 1_700_000_000_250.5, 1, 0, m);
  sink.pose('nav-1', 3, 1_700_000_000_260, 0, 1, m); // not tracked
  sink.pose('other', 7, 1_700_000_000_270, 1, 0, m);
  await until(() => got.length >= 2);
  assert.equal(got.length, 2);
  assert.equal(got[0].header.deviceName, 'Pointer');
  assert.equal(got[1].header.deviceName, 'other-7');
  assert.ok(Math.abs(got[0].header.tSenderMs! - 1_700_000_000_250.5) < 0.001);
  assert.ok(got[0].body.type === 'TRANSFORM');
  assert.deepEqual([...got[0].body.matrix], [...m]);
  s.destroy();
  await sink.close();
});

test('a client that does not read loses poses (counted); the sink never waits', async () => {
  const sink = new IgtlOutSink({ port: 0, maxBacklogBytes: 4096 });
  const port = await sink.listen();
  const s = net.connect(port, '127.0.0.1');
  s.pause();
  await new Promise((r) => s.once('connect', r));
  await until(() => (sink as unknown as { clients: Set<unknown> }).clients.size === 1);
  const t0 = performance.now();
  for (let i = 0; i < 200_000; i++) sink.pose('nav-1', 3, i, 1, 0, new Float32Array(16));
  assert.ok(performance.now() - t0 < 5000);
  assert.ok(sink.stats.dropped > 100_000, `${sink.stats.dropped} dropped`);
  assert.equal(sink.stats.sent + sink.stats.dropped, 200_000);
  s.destroy();
  await sink.close();
});
