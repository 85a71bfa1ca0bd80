/**
 * Bad input against the OpenIGTLink gateway over real sockets: truncated headers, wrong CRCs,
 * lying body sizes, unknown types, bad versions, slow senders, a connection flood and 300
 * fuzzed streams are refused with coded errors and counted; the gateway never crashes, its
 * bus device stays online and unflagged at the hub, and a well-behaved sender afterwards gets
 * every pose through.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHub, type HubProc } from './harness';
import { DisplayClient, waitFor } from './bus-display-client';
import { encodeMessage, statusBody, tdataBody, transformBody } from '../native-bridge/common/openigtlink/encode';
import { OpenIgtlinkGateway } from '../native-bridge/node/gateways/openigtlink/gateway';
import type { IgtlErrorCode } from '../native-bridge/common/openigtlink/errors';

let hub: HubProc | undefined;
let gw: OpenIgtlinkGateway | undefined;
after(async () => {
  await gw?.stop();
  await hub?.kill();
});

const M = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 10, 20, 30, 1]);
const good = (name: string, i: number) =>
  encodeMessage({ type: 'TRANSFORM', deviceName: name, tSenderMs: 1_000_000 + i }, transformBody(M.map((v, k) => (k === 12 ? i : v))));

/** Connects, writes the chunks (pausing `gapMs` between them), then waits until the gateway closes or `holdMs` passes. */
function send(port: number, chunks: Uint8Array[], opts: { gapMs?: number; holdMs?: number } = {}): Promise<'closed-by-gateway' | 'held'> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = (r: 'closed-by-gateway' | 'held') => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(r);
    };
    s.on('error', () => finish('closed-by-gateway'));
    s.on('close', () => finish('closed-by-gateway'));
    s.on('connect', async () => {
      for (const c of chunks) {
        if (s.destroyed) return;
        s.write(c);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      setTimeout(() => finish('held'), opts.holdMs ?? 100);
    });
  });
}

test('bad OpenIGTLink input is refused with coded errors, counted, and never stops the gateway', { timeout: 120_000 }, async () => {
  hub = await startHub();
  const display = await DisplayClient.connect(hub.origin, hub.token);
  gw = new OpenIgtlinkGateway({ bus: hub.bus, listen: { port: 0 }, maxClients: 4, slowMs: 400, deviceId: 'igtl-fuzz' });
  const port = await gw.start();
  const errors = gw.stats.errors;
  const count = (c: IgtlErrorCode) => errors[c] ?? 0;
  const expectCode = async (c: IgtlErrorCode, before: number) => waitFor(() => count(c) > before, `${c} counted`, 3000);

  // Truncated header: 30 bytes, then the sender goes.
  let b = count('IGTL_TRUNCATED_HEADER');
  await send(port, [good('T', 0).subarray(0, 30)], { holdMs: 0 });
  await expectCode('IGTL_TRUNCATED_HEADER', b);

  // Wrong CRC costs only that message: the next one on the connection arrives.
  b = count('IGTL_BAD_CRC');
  const bad = Uint8Array.from(good('CrcTool', 1));
  bad[60] ^= 0xff;
  await send(port, [bad, good('CrcTool', 2)]);
  await expectCode('IGTL_BAD_CRC', b);
  await waitFor(
    () => (display.poses.get(display.devices.get('igtl-fuzz')?.channels.find((c) => c.label === 'CrcTool')?.streamId ?? -1)?.length ?? 0) === 1,
    'the message after the bad CRC',
  );

  // Lying body sizes: above the limit (the stream cannot be followed: closed) and below it (the rest never comes: a slow sender).
  b = count('IGTL_BODY_TOO_LARGE');
  const huge = Uint8Array.from(good('T', 3));
  new DataView(huge.buffer).setUint32(42, 1); // 2^32 + 48 bytes
  assert.equal(await send(port, [huge], { holdMs: 2000 }), 'closed-by-gateway');
  await expectCode('IGTL_BODY_TOO_LARGE', b);
  b = count('IGTL_SLOW_SENDER');
  const longer = Uint8Array.from(good('T', 4));
  new DataView(longer.buffer).setUint32(46, 4000);
  assert.equal(await send(port, [longer], { holdMs: 3000 }), 'closed-by-gateway');
  await expectCode('IGTL_SLOW_SENDER', b);

  // A header trickled one byte at a time, slower than the limit allows.
  b = count('IGTL_SLOW_SENDER');
  const trickle = [...good('T', 5).subarray(0, 20)].map((x) => Uint8Array.of(x));
  assert.equal(await send(port, trickle, { gapMs: 50, holdMs: 2000 }), 'closed-by-gateway');
  await expectCode('IGTL_SLOW_SENDER', b);

  // Unknown and unmapped types are skipped by length; the stream continues.
  const bu = count('IGTL_UNKNOWN_TYPE');
  const bs = count('IGTL_UNSUPPORTED_TYPE');
  await send(port, [
    encodeMessage({ type: 'NOT_A_TYPE', deviceName: 'x' }, new Uint8Array(1000)),
    encodeMessage({ type: 'IMAGE', deviceName: 'x' }, new Uint8Array(5000)),
    good('AfterSkip', 6),
  ]);
  await expectCode('IGTL_UNKNOWN_TYPE', bu);
  await expectCode('IGTL_UNSUPPORTED_TYPE', bs);
  await waitFor(() => display.devices.get('igtl-fuzz')?.channels.some((c) => c.label === 'AfterSkip'), 'the message after the skipped ones');

  // A bad header version closes the connection.
  b = count('IGTL_BAD_VERSION');
  const v9 = Uint8Array.from(good('T', 7));
  v9[1] = 9;
  assert.equal(await send(port, [v9, good('T', 8)], { holdMs: 2000 }), 'closed-by-gateway');
  await expectCode('IGTL_BAD_VERSION', b);

  // STATUS other than OK raises a device alarm at the hub.
  await send(port, [encodeMessage({ type: 'STATUS', deviceName: 'Tracker' }, statusBody({ code: 13, errorName: 'NOT_READY', message: 'warming up' }))]);
  await waitFor(
    async () => {
      const st = (await (await fetch(`${hub!.origin}/api/status`, { headers: { Authorization: `Bearer ${hub!.token}` } })).json()) as {
        alarms: { text: string }[];
      };
      return st.alarms.some((a) => /NOT_READY/.test(a.text));
    },
    'the STATUS alarm on the hub',
    5000,
  );

  // A connection flood: 60 at once against a limit of 4.
  b = count('IGTL_TOO_MANY_CLIENTS');
  const flood = Array.from({ length: 60 }, () => send(port, [], { holdMs: 1500 }));
  const outcomes = await Promise.all(flood);
  assert.ok(outcomes.filter((o) => o === 'closed-by-gateway').length >= 50, `flood refused: ${outcomes.filter((o) => o === 'held').length} held`);
  assert.ok(count('IGTL_TOO_MANY_CLIENTS') - b >= 50);

  // Fuzz: 300 streams of valid messages with random byte flips, cuts and junk, in random chunks, four at a time.
  let x = 2024;
  const rnd = (n: number) => (x = (x * 1103515245 + 12345) >>> 0) % n;
  const base = [
    good('Fz', 0),
    encodeMessage({ type: 'TDATA', deviceName: 'Fz', version: 2, metadata: { a: 'b' } }, tdataBody([{ name: 'FzA', matrix: M }])),
    encodeMessage({ type: 'STATUS', deviceName: 'Fz' }, statusBody({ code: 1 })),
  ];
  const before = Object.values(errors).reduce((a, v) => a + (v ?? 0), 0);
  for (let round = 0; round < 75; round++) {
    await Promise.all(
      Array.from({ length: 4 }, () => {
        const parts = Array.from({ length: 1 + rnd(20) }, () => Uint8Array.from(base[rnd(base.length)]));
        let stream = Buffer.concat(parts);
        for (let k = rnd(6); k > 0; k--) stream[rnd(stream.length)] = rnd(256);
        if (rnd(4) === 0) stream = Buffer.concat([stream, Buffer.from(Array.from({ length: rnd(300) }, () => rnd(256)))]);
        if (rnd(5) === 0) stream = stream.subarray(0, rnd(stream.length));
        const chunks: Buffer[] = [];
        for (let o = 0; o < stream.length;) {
          const n = 1 + rnd(200);
          chunks.push(stream.subarray(o, o + n));
          o += n;
        }
        return send(port, chunks, { holdMs: 20 });
      }),
    );
  }
  const refused = Object.values(errors).reduce((a, v) => a + (v ?? 0), 0) - before;
  assert.ok(refused > 100, `fuzzing refused ${refused} messages or streams`);

  // Still alive: a well-behaved sender's 200 poses all arrive, and the hub saw a clean device throughout.
  const after = display.devices.get('igtl-fuzz')?.channels.find((c) => c.label === 'Clean')?.streamId;
  assert.equal(after, undefined);
  await send(
    port,
    Array.from({ length: 200 }, (_, i) => good('Clean', i)),
    { holdMs: 500 },
  );
  await waitFor(
    () => (display.poses.get(display.devices.get('igtl-fuzz')?.channels.find((c) => c.label === 'Clean')?.streamId ?? -1)?.length ?? 0) === 200,
    '200 clean poses',
    5000,
  );
  const st = (await (await fetch(`${hub.origin}/api/status`, { headers: { Authorization: `Bearer ${hub.token}` } })).json()) as {
    devices: { deviceId: string; state: string; flooding: boolean; counters: { malformed: number } }[];
  };
  const dev = st.devices.find((d) => d.deviceId === 'igtl-fuzz')!;
  assert.equal(dev.state, 'online');
  assert.equal(dev.flooding, false);
  assert.equal(dev.counters.malformed, 0, 'the gateway never sent the hub a bad frame');
  display.close();
});
