/**
 * Issue 3, validation: 100 000+ random and mutated frames, from anonymous peers and from
 * peers that introduced themselves, on the control socket and on the data channel, interleaved with a valid device's traffic over real
 * sockets to a real hub process. The hub stays up, counts the garbage, and every valid
 * sample and numeric reaches a display client intact (compared value by value, and by
 * checksum).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DisplayClient, waitFor } from './bus-display-client';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { startHub, ROOT, type HubProc } from './harness';
import { DeviceClient } from '../native-bridge/node/device-client';
import { fuzzDescriptor } from '../native-bridge/node/tools/fuzz-frames';
import { rng } from '../native-bridge/common/sim/physiology';

const FUZZ_FRAMES = 100_000;
let hub: HubProc | undefined;
const closers: (() => unknown)[] = [];
after(async () => {
  fuzzProc?.kill('SIGKILL');
  for (const c of closers.reverse()) await c();
  await hub?.kill();
});

/** FNV-1a over the float32 bytes of a sample sequence. */
function checksum(values: ArrayLike<number>): string {
  const f = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) f[i] = values[i];
  const b = new Uint8Array(f.buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h.toString(16);
}

let fuzzProc: ChildProcess | undefined;

/** Runs the fuzzer (native-bridge/node/tools/bus-peer.ts fuzz) as its own process. */
function startFuzzer(bus: string, count: number): { ready: Promise<void>; done: Promise<{ sent: number; multipart: number; lost: number }> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'native-bridge/node/tools/bus-peer.ts'), 'fuzz', '--bus', bus, '--count', String(count), '--seed', '20240611'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  fuzzProc = child;
  let out = '';
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const done = new Promise<{ sent: number; multipart: number; lost: number }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('fuzz-ready')) onReady();
      const m = /^(\{.*\})$/m.exec(out);
      if (m) resolve(JSON.parse(m[1]));
    });
    child.on('exit', (c) => (c === 0 ? undefined : reject(new Error(`fuzzer exited ${c}: ${out}`))));
  });
  return { ready, done };
}

test('100 000 hostile frames interleaved with valid traffic: the hub stays up and every valid sample arrives intact', { timeout: 180_000 }, async () => {
  hub = await startHub();
  const display = await DisplayClient.connect(hub.origin, hub.token);
  closers.push(() => display.close());
  const good = new DeviceClient({ endpoint: hub.bus, descriptor: fuzzDescriptor('good-01') });
  closers.push(() => good.stop());
  good.start();
  await waitFor(() => display.state('good-01') === 'online', 'good device online');
  const ecg = display.streamOf('good-01', 0)!;
  const pleth = display.streamOf('good-01', 1)!;
  const hr = display.streamOf('good-01', 10)!;

  // The fuzzer, a separate process: four anonymous peers and four that said HELLO first.
  const fz = startFuzzer(hub.bus, FUZZ_FRAMES);
  await fz.ready;

  // Valid traffic: ECG (500 Hz i16) and pleth (125 Hz f32) every 20 ms, HR every 100 ms.
  const u = rng(99);
  const sentEcg: number[] = [];
  const sentPleth: number[] = [];
  const sentHr: number[] = [];
  const t0 = good.clock();
  let nEcg = 0;
  let nPleth = 0;
  let ticks = 0;
  const valid = setInterval(() => {
    const e = new Int16Array(10).map(() => Math.floor(u() * 65536) - 32768);
    good.sendWave(0, t0 + (nEcg / 500) * 1000, e);
    nEcg += e.length;
    sentEcg.push(...e);
    if (ticks % 2 === 0) {
      const q = new Float32Array(5).map(() => Math.fround(u() * 2 - 1));
      good.sendWave(1, t0 + (nPleth / 125) * 1000, q);
      nPleth += q.length;
      sentPleth.push(...q);
    }
    if (ticks % 5 === 0) {
      const v = 60 + (ticks % 97);
      good.sendNumerics([{ channel: 10, value: v, status: 0, tMs: good.clock() }]);
      sentHr.push(v);
    }
    ticks++;
  }, 20);

  const { sent, multipart, lost } = await fz.done;
  const flat = (id: number) => (display.blocks.get(id) ?? []).flatMap((b) => Array.from(b.samples));
  // Valid traffic goes on after the fuzzer ended until 25 more ECG frames of it reached the display.
  const ecgAtEnd = sentEcg.length;
  await waitFor(() => flat(ecg).length >= ecgAtEnd + 250, 'valid ECG sent after the fuzzing at the display', 10_000);
  clearInterval(valid);

  await waitFor(
    () => flat(ecg).length >= sentEcg.length && flat(pleth).length >= sentPleth.length && (display.numerics.get(hr)?.length ?? 0) >= sentHr.length,
    'every valid sample',
    10_000,
  );

  // The hub is up and says what it dropped.
  assert.equal(hub.child.exitCode, null, 'the hub process is running');
  const res = await fetch(`${hub.origin}/api/status`, { headers: { authorization: `Bearer ${hub.token}` } });
  assert.equal(res.status, 200);
  const status = (await res.json()) as {
    bus: { received: number; dataReceived: number; dataRefused: number; malformed: number; unknownPeerFrames: number; decodeErrors: Record<string, number> };
    devices: { deviceId: string; counters: { malformed: number; gaps: number; throttled: number } }[];
  };
  const gotEcg = flat(ecg);
  const gotPleth = flat(pleth);
  const gotHr = display.numerics.get(hr)!;
  console.log(
    `sent ${sent} hostile messages (${multipart} multipart) and ${sentEcg.length + sentPleth.length} ` +
      `valid samples; hub received ${status.bus.received} on the control socket and ` +
      `${status.bus.dataReceived} on the data channel (${status.bus.dataRefused} naming no session), ` +
      `dropped ${status.bus.malformed} as malformed, ${status.bus.unknownPeerFrames} from unknown peers`,
  );
  console.log(`drops by reason: ${JSON.stringify(status.bus.decodeErrors)}`);
  console.log(
    `checksums sent/received: ECG ${checksum(sentEcg)}/${checksum(gotEcg)}, pleth ` +
      `${checksum(sentPleth)}/${checksum(gotPleth)}, HR ${checksum(sentHr)}/${checksum(gotHr)}`,
  );
  assert.equal(sent, FUZZ_FRAMES);
  assert.equal(lost, 0, 'every hostile message left its peer');
  assert.ok(status.bus.received + status.bus.dataReceived >= FUZZ_FRAMES, `hub received ${status.bus.received} + ${status.bus.dataReceived}`);
  assert.ok(
    status.bus.dataReceived >= FUZZ_FRAMES / 4,
    'a third of the hostile messages (less the multipart ones sent on the control socket) came over the data channel',
  );
  assert.ok(status.bus.dataRefused >= FUZZ_FRAMES / 8, `made-up session tokens refused: ${status.bus.dataRefused}`);
  assert.ok(status.bus.malformed > FUZZ_FRAMES / 4);
  for (const code of [
    'WIRE_TOO_SHORT',
    'WIRE_BAD_MAGIC',
    'WIRE_LENGTH_MISMATCH',
    'WIRE_UNKNOWN_TYPE',
    'BUS_MULTIPART',
    'BAD_DESCRIPTOR',
    'DATA_SESSION',
    'DATA_HELLO',
  ])
    assert.ok((status.bus.decodeErrors[code] ?? 0) > 0, `${code} seen`);
  // Every valid sample, intact and in order.
  assert.equal(gotEcg.length, sentEcg.length);
  assert.deepEqual(gotEcg, sentEcg);
  assert.deepEqual(gotPleth, sentPleth);
  assert.deepEqual(gotHr, sentHr);
  assert.equal(checksum(gotEcg), checksum(sentEcg));
  const gv = status.devices.find((d) => d.deviceId === 'good-01')!;
  assert.deepEqual([gv.counters.malformed, gv.counters.gaps, gv.counters.throttled], [0, 0, 0]);
  assert.ok(
    status.devices.filter((d) => d.deviceId.startsWith('fuzz-dev-')).every((d) => d.counters.malformed > 0),
    'drops counted per device',
  );
  assert.equal(display.gaps.filter((g) => g.deviceId === 'good-01').length, 0);
});
