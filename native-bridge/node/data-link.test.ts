/**
 * The SDK's switch to the data channel against a hub that does not acknowledge it (an older
 * hub: its data offer has no "switch"), over real sockets: the SDK never sends DATA_SWITCH
 * there, switches the version 1 way, and every frame still arrives once, in order.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BusServer } from './bus-server';
import { DeviceClient } from './device-client';
import type { DeviceDescriptor } from '../common/descriptor';
import { FrameType, decodeFrame, encodeHelloAck } from '../common/wire';
import { DATA_ENVELOPE_BYTES, tokenToHex } from '../common/data-channel';
import { until } from './testing/until';

const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const desc: DeviceDescriptor = {
  protocol: 1,
  deviceId: 'old-hub-dev',
  kind: 'other',
  manufacturer: 't',
  model: 't',
  serial: 's',
  heartbeatMs: 1000,
  channels: [{ index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG', unit: 'mV', rateHz: 500, format: 'i16' }],
};

test('with a hub that offers no acknowledged switch, the SDK switches the version 1 way and sends no DATA_SWITCH', async () => {
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  closers.push(() => bus.close());
  await bus.bind();
  const token = new Uint8Array(16).fill(7);
  const types: FrameType[] = [];
  const waves: { via: 'control' | 'data'; seq: number }[] = [];
  // A minimal "old hub": HELLO_ACK with a data offer without "switch"; records what arrives where.
  void bus.serve({
    onMessage: (peer, bytes) => {
      const r = decodeFrame(bytes);
      if (!r.ok) return;
      types.push(r.frame.type);
      if (r.frame.type === FrameType.Hello)
        bus.send(
          peer,
          encodeHelloAck({ seq: 0, tDeviceMs: 0 }, JSON.stringify({ accepted: true, hubTimeMs: 0, data: { ...bus.dataOffer, session: tokenToHex(token) } })),
        );
      if (r.frame.type === FrameType.Wave) waves.push({ via: 'control', seq: r.frame.seq });
    },
    onData: (msg) => {
      const r = decodeFrame(msg.subarray(DATA_ENVELOPE_BYTES));
      if (r.ok && r.frame.type === FrameType.Wave) waves.push({ via: 'data', seq: r.frame.seq });
    },
  });
  const c = new DeviceClient({ endpoint: bus.endpoint, descriptor: desc });
  closers.push(() => c.stop());
  c.start();
  await until(() => c.accepted, 'HELLO_ACK');
  let n = 0;
  while (!c.usingDataChannel || n < 50) {
    c.sendWave(0, c.clock(), new Int16Array(10));
    n++;
    await new Promise((r) => setTimeout(r, 2));
  }
  for (let i = 0; i < 20; i++, n++) c.sendWave(0, c.clock(), new Int16Array(10));
  await until(() => waves.length >= n, 'every wave');
  assert.equal(types.includes(FrameType.DataSwitch), false, 'no DATA_SWITCH to a hub that does not offer it');
  assert.ok(
    waves.some((w) => w.via === 'data'),
    'the data channel was used',
  );
  assert.deepEqual(
    waves.map((w) => w.seq).sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
    'every frame once',
  );
  const firstData = waves.findIndex((w) => w.via === 'data');
  assert.ok(
    waves.slice(firstData).every((w) => w.via === 'data'),
    'switched once and for all',
  );
});
