/**
 * The bus over real sockets: CURVE + ZAP allow-list on a non-loopback address, plain text
 * refused off loopback, session kept across reconnects with a stable routing id.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { curveKeyPair, Dealer, Push } from 'zeromq';
import { BusServer, BusSecurityError, isLoopbackEndpoint } from './bus-server';
import { DeviceClient, withCurve } from './device-client';
import type { DeviceDescriptor } from '../common/descriptor';
import { FrameType, MAX_ENTRIES, decodeFrame, encodeWave } from '../common/wire';
import { Hub } from '../../main/hub/hub';
import type { WaveBlock } from '../../main/hub/sink';
import { sealData } from '../common/data-channel';
import { until } from './testing/until';

/** A non-loopback IPv4 address of this machine, if it has one. */
function lanAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

const desc = (id: string): DeviceDescriptor => ({
  protocol: 1,
  deviceId: id,
  kind: 'other',
  manufacturer: 't',
  model: 't',
  serial: id,
  heartbeatMs: 1000,
  channels: [],
});

const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

test('endpoint classification', () => {
  assert.equal(isLoopbackEndpoint('tcp://127.0.0.1:7400'), true);
  assert.equal(isLoopbackEndpoint('tcp://localhost:7400'), true);
  assert.equal(isLoopbackEndpoint('tcp://[::1]:7400'), true);
  assert.equal(isLoopbackEndpoint('ipc:///tmp/x'), true);
  assert.equal(isLoopbackEndpoint('tcp://*:7400'), false);
  assert.equal(isLoopbackEndpoint('tcp://0.0.0.0:7400'), false);
  assert.equal(isLoopbackEndpoint('tcp://192.0.2.2:7400'), false);
  assert.equal(isLoopbackEndpoint('tcp://127.0.0.1.evil.example:7400'), false);
});

test('plain text is refused off loopback', () => {
  assert.throws(() => new BusServer({ endpoint: 'tcp://*:0' }), BusSecurityError);
  assert.throws(() => new BusServer({ endpoint: 'tcp://0.0.0.0:0', security: { mode: 'plain' } }), BusSecurityError);
});

const lan = lanAddress();

test(
  'CURVE off loopback: enrolled keys connect, unknown keys and plain-text peers are refused and counted',
  { skip: lan ? false : 'no non-loopback IPv4 address' },
  async () => {
    const hubKeys = curveKeyPair();
    const good = curveKeyPair();
    const stranger = curveKeyPair();
    const allow = new Map([[good.publicKey, 'good-device']]);
    const logs: string[] = [];
    const bus = new BusServer({
      endpoint: `tcp://${lan}:0`,
      security: { mode: 'curve', keys: hubKeys, authorise: (k) => allow.get(k) ?? null },
      log: (l) => logs.push(l),
    });
    closers.push(() => bus.close());
    const ep = await bus.bind();
    const got: string[] = [];
    void bus.run((peer, bytes) => {
      const r = decodeFrame(bytes);
      if (r.ok && r.frame.type === FrameType.Hello) got.push(JSON.parse(r.frame.json).deviceId);
    });

    const mk = (id: string, kp: { publicKey: string; secretKey: string } | null) => {
      const c = new DeviceClient({ endpoint: ep, descriptor: desc(id), curve: kp ? { serverPublicKey: hubKeys.publicKey, ...kp } : undefined });
      closers.push(() => c.stop());
      c.start();
      return c;
    };
    const g = mk('good-1', good);
    const s = mk('stranger-1', stranger);
    mk('plain-1', null);
    await until(() => got.includes('good-1'), 'the enrolled device');
    await until(() => bus.stats.authDenied >= 1 && bus.stats.handshakeFailures >= 1 && s.link.authFailures >= 1, 'refusals');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      got.filter((x) => x !== 'good-1'),
      [],
      'nothing from the stranger or the plain-text peer',
    );
    assert.equal(bus.stats.authAccepted, 1);
    assert.equal(g.link.authFailures, 0);
    assert.ok(
      logs.some((l) => l.includes(`refused unknown device key ${stranger.publicKey}`)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => /handshake failure/.test(l)),
      'the plain-text attempt is logged',
    );
    assert.equal(bus.admitted.has('good-device'), true);

    // Revoking applies to the next connection attempt.
    allow.delete(good.publicKey);
    const denied = bus.stats.authDenied;
    mk('good-2', good);
    await until(() => bus.stats.authDenied > denied, 'revoked key refused');
    assert.ok(!got.includes('good-2'));
  },
);

test('a CURVE bus with no allow-list entry admits nobody (fail closed)', async () => {
  const hubKeys = curveKeyPair();
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0', security: { mode: 'curve', keys: hubKeys, authorise: () => null } });
  closers.push(() => bus.close());
  const ep = await bus.bind();
  let n = 0;
  void bus.run(() => n++);
  const d = new Dealer({
    linger: 0,
    curveServerKey: hubKeys.publicKey,
    ...(() => {
      const k = curveKeyPair();
      return { curvePublicKey: k.publicKey, curveSecretKey: k.secretKey };
    })(),
  });
  closers.push(() => d.close());
  d.connect(ep);
  void d.send('x').catch(() => {});
  await until(() => bus.stats.authDenied >= 1, 'refusal');
  assert.equal(n, 0);
});

test('a link cut keeps the routing id: the hub sees the same peer before and after', async () => {
  // Two binds of the same port in turn stand for a hub restart: a DEALER reconnects by itself.
  const first = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  const ep = await first.bind();
  const peers = new Set<string>();
  void first.run((peer) => peers.add(peer.toString('hex')));
  const c = new DeviceClient({ endpoint: ep, descriptor: desc('cut-1') });
  closers.push(() => c.stop());
  c.start();
  await until(() => peers.size === 1, 'first connection');
  first.close();
  await new Promise((r) => setTimeout(r, 200));
  const second = new BusServer({ endpoint: ep });
  closers.push(() => second.close());
  await second.bind();
  const peers2 = new Set<string>();
  const hellos: string[] = [];
  void second.run((peer, bytes) => {
    peers2.add(peer.toString('hex'));
    const r = decodeFrame(bytes);
    if (r.ok && r.frame.type === FrameType.Hello) hellos.push(peer.toString('hex'));
  });
  await until(() => hellos.length >= 1, 'HELLO again after the reconnect', 5000);
  assert.deepEqual([...peers2], [...peers], 'same routing id');
  assert.ok(c.link.disconnects >= 1 && c.link.connects >= 2);
});

const waveDesc = (id: string): DeviceDescriptor => ({
  ...desc(id),
  kind: 'patient-monitor',
  channels: [{ index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV', rateHz: 500, format: 'i16', scale: 0.005, offset: 0 }],
});

for (const mode of ['plain', 'curve'] as const) {
  test(
    `data channel over real sockets (${mode}): the SDK switches to it after HELLO_ACK, every sample ` +
      `arrives in order; a stranger's key is refused there too`,
    async () => {
      const hubKeys = curveKeyPair();
      const good = curveKeyPair();
      const stranger = curveKeyPair();
      const security =
        mode === 'curve'
          ? { mode: 'curve' as const, keys: hubKeys, authorise: (k: string) => (k === good.publicKey ? 'good' : null) }
          : { mode: 'plain' as const };
      const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0', security });
      closers.push(() => bus.close());
      const ep = await bus.bind();
      assert.match(bus.dataEndpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(bus.dataEndpoint, ep);
      const hub = new Hub(bus, { log: () => {} });
      const blocks: WaveBlock[] = [];
      hub.addSink({
        deviceOnline() {},
        deviceState() {},
        wave: (b) => blocks.push(b),
        numeric() {},
        setting() {},
        alarm() {},
        pose() {},
        event() {},
        gap() {},
      });
      hub.start();
      closers.push(() => hub.stop());
      void bus.serve(hub);
      const c = new DeviceClient({
        endpoint: ep,
        descriptor: waveDesc('dc-1'),
        curve: mode === 'curve' ? { serverPublicKey: hubKeys.publicKey, ...good } : undefined,
      });
      closers.push(() => c.stop());
      c.start();
      await until(() => c.accepted, 'HELLO_ACK');
      const sent: number[] = [];
      let k = 0;
      const t0 = c.clock();
      // Before, during and after the switch: 400 blocks of 10 samples, values numbered.
      for (let i = 0; i < 400; i++) {
        const s = new Int16Array(10).map(() => k++);
        sent.push(...s);
        c.sendWave(0, t0 + i * 20, s);
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 10));
      }
      await until(() => blocks.reduce((n, b) => n + b.raw.length, 0) >= sent.length, 'all samples');
      assert.equal(c.usingDataChannel, true, 'the SDK moved its data to the data channel');
      assert.ok(bus.stats.dataReceived > 200, `most frames came over the data channel (${bus.stats.dataReceived})`);
      assert.deepEqual(
        blocks.flatMap((b) => [...b.raw]),
        sent,
        'every sample, once, in order',
      );
      assert.equal(hub.deviceStatus('dc-1')!.counters.gaps, 0);
      assert.equal(hub.stats.malformed, 0);

      // A stranger guessing the data port: with CURVE its key is refused by ZAP; in plain mode
      // (loopback only) its messages name no session and are dropped.
      const push = withCurve(new Push({ linger: 0 }), mode === 'curve' ? { serverPublicKey: hubKeys.publicKey, ...stranger } : undefined);
      closers.push(() => push.close());
      const denied = bus.stats.authDenied;
      push.connect(bus.dataEndpoint);
      const fake = new Uint8Array(16);
      void push.send(sealData(fake, encodeWave({ seq: 0, tDeviceMs: c.clock() }, c.clock(), new Int16Array(4))));
      if (mode === 'curve') await until(() => bus.stats.authDenied > denied, 'the stranger refused on the data socket');
      else await until(() => hub.stats.dataRefused >= 1, "the stranger's message dropped");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(
        blocks.reduce((n, b) => n + b.raw.length, 0),
        sent.length,
        'nothing from the stranger',
      );
    },
  );
}

test('a numeric batch larger than MAX_ENTRIES is split by the SDK: every entry arrives, in order, no frame malformed', async () => {
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  closers.push(() => bus.close());
  const ep = await bus.bind();
  const hub = new Hub(bus, { log: () => {} });
  const values: number[] = [];
  const noop = () => {};
  hub.addSink({
    deviceOnline: noop,
    deviceState: noop,
    wave: noop,
    numeric: (_id, _ch, _t, value) => values.push(value),
    setting: noop,
    alarm: noop,
    pose: noop,
    event: noop,
    gap: noop,
  });
  hub.start();
  closers.push(() => hub.stop());
  void bus.serve(hub);
  const c = new DeviceClient({
    endpoint: ep,
    descriptor: { ...desc('split-1'), channels: [{ index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' }] },
  });
  closers.push(() => c.stop());
  c.start();
  await until(() => c.accepted, 'HELLO_ACK');
  const n = 2 * MAX_ENTRIES + 7;
  const t0 = c.clock() - n;
  c.sendNumerics(Array.from({ length: n }, (_, k) => ({ channel: 10, tMs: t0 + k, value: k, status: 0 })));
  await until(() => values.length >= n, `${n} numerics`);
  assert.deepEqual(
    values,
    Array.from({ length: n }, (_, k) => k),
  );
  assert.equal(hub.stats.malformed, 0);
});
