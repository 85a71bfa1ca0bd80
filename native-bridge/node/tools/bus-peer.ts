/**
 * Misbehaving bus peers for tests and benchmarks, as separate processes:
 *
 *   bus-peer flood --bus EP [--id ID] [--factor K] [--oversized] [--keys FILE]
 *   bus-peer fuzz  --bus EP [--count N] [--seed S] [--rate PER_S]
 *   bus-peer wave  --bus EP --id ID --routing-id RID --frames N --base B
 *
 * declares one 500 Hz i16 waveform and then sends K times that rate (default 50) in
 * 10-sample frames; with --oversized it sends 1.5 MiB frames instead (over the 1 MiB the
 * protocol allows, under the 2 MiB at which the transport cuts the link).
 * Prints "flooding ID" once started; runs until killed.
 *
 * fuzz sends N (default 100 000) hostile messages (fuzz-frames.ts) at about PER_S a second
 * (default 20 000) through twelve peers: on the control socket four anonymous peers and four
 * that said HELLO as fuzz-dev-0..3; on the data channel (§2.3) two of those devices under
 * their own session tokens and two anonymous peers with made-up tokens (random, or a real
 * slot with a guessed key).
 * It prints "fuzz-ready" once the named peers are accepted and, when every message has left,
 * one JSON line {"sent", "multipart", "lost"}; then it exits.
 *
 * wave is a device that restarts with a routing id derived from its serial number (issue 12 §6):
 * it sends N frames of 10 samples of one 500 Hz channel in real time, sample k = B + k
 * (sequence numbers from 0), prints "sent N", and exits without GOODBYE, as a crash would.
 */
import { DeviceClient } from '../device-client';
import { RawPeer } from '../raw-peer';
import { fuzzDescriptor, fuzzer } from './fuzz-frames';
import { readDeviceKeyFile } from '../key-store';
import { FrameType, MAX_FRAME_BYTES } from '../../common/wire';
import { dataEndpointFor, hexToToken, parseDataOffer, sealData } from '../../common/data-channel';
import { rng } from '../../common/sim/physiology';
import type { DeviceDescriptor } from '../../common/descriptor';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function fuzz(argv: string[]): Promise<void> {
  const bus = flag(argv, 'bus');
  if (!bus) throw new Error('--bus is required');
  const count = Number(flag(argv, 'count') ?? 100_000);
  const perS = Number(flag(argv, 'rate') ?? 20_000);
  const gen = fuzzer(Number(flag(argv, 'seed') ?? 1));
  const anon = Array.from({ length: 4 }, () => new RawPeer(bus));
  const named = Array.from({ length: 4 }, (_, i) => new DeviceClient({ endpoint: bus, descriptor: fuzzDescriptor(`fuzz-dev-${i}`), maxQueued: 10_000_000 }));
  const acks: string[] = [];
  for (const d of named) d.start();
  await Promise.all(named.map((d) => new Promise((r) => d.once('accepted', (json: string) => r(acks.push(json))))));
  const offer = parseDataOffer(acks[0]);
  if (!offer) throw new Error(`the hub offers no data channel: ${acks[0]}`);
  const dataAnon = Array.from({ length: 2 }, () => new RawPeer(dataEndpointFor(bus, offer)!, { data: true }));
  const realSlot = hexToToken(offer.session).subarray(0, 4);
  const u = rng(Number(flag(argv, 'seed') ?? 1) + 1);
  const madeUpToken = () => {
    const t = new Uint8Array(16).map(() => Math.floor(u() * 256));
    if (u() < 0.5) t.set(realSlot); // a real device's slot, a guessed key
    return t;
  };
  // The named devices switch their data to the data channel once it is up.
  while (!named.every((d) => d.usingDataChannel)) {
    for (const d of named) d.sendNumerics([{ channel: 10, value: 60, status: 0, tMs: d.clock() }]);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write('fuzz-ready\n');
  let sent = 0;
  let multipart = 0;
  const perTick = Math.max(1, Math.round(perS / 100));
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      for (let k = 0; k < perTick && sent < count; k++, sent++) {
        const m = gen();
        const i = sent % 12;
        if (Array.isArray(m)) {
          multipart++;
          (i >= 10 ? dataAnon[i - 10] : anon[i % 4]).send(m);
        } else if (i < 4) anon[i].send(m);
        else if (i < 8) named[i - 4].sendRaw(m);
        else if (i < 10) named[i - 8].sendRawData(m);
        else dataAnon[i - 10].send(sealData(madeUpToken(), m));
      }
      if (sent >= count) {
        clearInterval(t);
        resolve();
      }
    }, 10);
  });
  const peers = [...anon, ...dataAnon];
  while (peers.some((p) => p.pending > 0) || named.some((d) => d.queued > 0)) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  const lost = peers.reduce((s, p) => s + p.lost, 0) + named.reduce((s, d) => s + d.droppedLocally, 0);
  process.stdout.write(JSON.stringify({ sent, multipart, lost }) + '\n');
  for (const p of peers) p.close();
  await Promise.all(named.map((d) => d.stop()));
  process.exit(0);
}

const RATE_HZ = 500;

/** A test device with one 500 Hz i16 ECG wave channel. */
function oneWaveDevice(id: string, model: string, label: string): DeviceDescriptor {
  return {
    protocol: 1,
    deviceId: id,
    kind: 'other',
    manufacturer: 'OR Hub tests',
    model,
    serial: id,
    heartbeatMs: 1000,
    channels: [{ index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label, unit: 'mV', rateHz: RATE_HZ, format: 'i16', scale: 0.005, offset: 0 }],
  };
}

async function wave(argv: string[]): Promise<void> {
  const bus = flag(argv, 'bus');
  if (!bus) throw new Error('--bus is required');
  const id = flag(argv, 'id') ?? 'wave-01';
  const frames = Number(flag(argv, 'frames') ?? 100);
  const base = Number(flag(argv, 'base') ?? 0);
  const desc = oneWaveDevice(id, 'Restarter', 'Wave');
  const client = new DeviceClient({ endpoint: bus, descriptor: desc, routingId: flag(argv, 'routing-id') });
  client.start();
  await new Promise((r) => client.once('accepted', r));
  const t0 = client.clock();
  for (let i = 0; i < frames; i++) {
    client.sendWave(
      0,
      t0 + i * 20,
      new Int16Array(10).map((_, j) => base + i * 10 + j),
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  while (client.queued > 0) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  process.stdout.write(`sent ${frames}\n`);
  process.exit(0);
}

function main(argv: string[]): void {
  const [cmd] = argv;
  if (cmd === 'fuzz') {
    void fuzz(argv);
    return;
  }
  if (cmd === 'wave') {
    void wave(argv);
    return;
  }
  if (cmd !== 'flood') {
    process.stderr.write(
      'usage: bus-peer flood --bus EP [--id ID] [--factor K] [--oversized] [--keys FILE] | fuzz --bus EP [--count N] [--seed S] [--rate PER_S] | wave …\n',
    );
    process.exit(2);
  }
  const bus = flag(argv, 'bus');
  if (!bus) throw new Error('--bus is required');
  const id = flag(argv, 'id') ?? 'flooder-01';
  const factor = Number(flag(argv, 'factor') ?? 50);
  const oversized = argv.includes('--oversized');
  const keys = flag(argv, 'keys');
  const desc = oneWaveDevice(id, oversized ? 'Oversizer' : 'Flooder', 'Flood');
  const client = new DeviceClient({ endpoint: bus, descriptor: desc, curve: keys ? readDeviceKeyFile(keys) : undefined, maxQueued: 1000 });
  client.start();
  let seq = 0;
  let produced = 0;
  const t0 = client.clock();
  const big = new Uint8Array(MAX_FRAME_BYTES + MAX_FRAME_BYTES / 2);
  big.set([0x4f, 0x52, 1, FrameType.Wave]);
  new DataView(big.buffer).setUint32(12, big.length - 24, true);
  setInterval(
    () => {
      if (oversized) {
        new DataView(big.buffer).setUint32(8, seq++, true);
        client.sendRaw(big.slice()); // zeromq.js may send large buffers without copying: never reuse one
        return;
      }
      // Everything due at factor × the declared rate, in 10-sample frames stamped now (their times overlap).
      const now = client.clock();
      const due = Math.floor(((now - t0) / 1000) * RATE_HZ * factor);
      const s = new Int16Array(10);
      for (; produced + 10 <= due; produced += 10) client.sendWave(0, now, s);
    },
    oversized ? 50 : 10,
  );
  process.stdout.write(`flooding ${id}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

main(process.argv.slice(2));
