/**
 * The HL7 gateway over real sockets: a real HL7 client (python3-hl7's mllp_send) and a test MLLP
 * peer send PCD-01 reports; the observations must reach a real hub (BusServer + Hub) on the
 * configured theatre's devices with their values, units and times; malformed, hostile and
 * flooding peers are refused with coded errors while a well-behaved sender keeps flowing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { BusServer } from '../../bus-server';
import { Hub } from '../../../../main/hub/hub';
import type { HubSink } from '../../../../main/hub/sink';
import type { DeviceDescriptor } from '../../../common/descriptor';
import { Hl7Gateway } from './gateway';
import { busDeviceId } from './bus-devices';
import { MllpPeer, ackCode, frame, report } from './testing/mllp-peer';
import { formatHl7Time } from '../../../common/hl7-time';

const SAMPLE = path.resolve(__dirname, '../../../../../shared/data/protocols/hl7-pcd01/philips_intellivue_mx500_pcd01_example.hl7');
const MLLP_SEND = '/usr/bin/mllp_send';
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rig(opts: { theatre?: string; limits?: ConstructorParameters<typeof Hl7Gateway>[0]['limits'] } = {}) {
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  const ep = await bus.bind();
  const hub = new Hub(bus, { log: () => {} });
  const numerics: { deviceId: string; channel: number; value: number; tHubMs: number }[] = [];
  const settings: { deviceId: string; text: string }[] = [];
  const online = new Map<string, DeviceDescriptor>();
  const sink: HubSink = {
    deviceOnline: (d) => online.set(d.deviceId, d),
    deviceState: () => {},
    wave: () => {},
    numeric: (deviceId, channel, tHubMs, value) => numerics.push({ deviceId, channel, value, tHubMs }),
    setting: (deviceId, _c, _t, _v, text) => settings.push({ deviceId, text }),
    alarm: () => {},
    pose: () => {},
    event: () => {},
    gap: () => {},
  };
  hub.addSink(sink);
  hub.start();
  void bus.serve(hub);
  const logs: string[] = [];
  const gw = new Hl7Gateway({ bus: ep, listen: 0, theatre: opts.theatre, limits: opts.limits, log: (l) => logs.push(l), heartbeatMs: 500 });
  const port = await gw.start();
  const until = async (what: string, ok: () => boolean, ms = 10000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  };
  const close = async () => {
    await gw.close();
    hub.stop();
    bus.close();
  };
  return { gw, port, hub, numerics, settings, online, logs, until, close };
}

test('mllp_send (python3-hl7) delivers the IntelliVue example: AA, and HR 60 /min reaches the hub at its stated time', { timeout: 30000 }, async (t) => {
  if (!fs.existsSync(MLLP_SEND) || !fs.existsSync(SAMPLE)) {
    if (process.env.CI === 'true') assert.fail(`${MLLP_SEND} or ${SAMPLE} missing`);
    return t.skip('python3-hl7 or the PCD-01 example is absent');
  }
  const r = await rig();
  try {
    const sentAt = now();
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(MLLP_SEND, ['--loose', '-f', SAMPLE, '-p', String(r.port), '127.0.0.1'], (e, out) => (e ? reject(e) : resolve(out))),
    );
    const doneAt = now();
    assert.match(stdout, /MSA\|AA\|HP0425230332\.872USDANRMMD1NBR488/, 'mllp_send prints our AA');
    const id = busDeviceId('7f2586c7-0506-46cd-a612-d8e75b838faa-IntelliVue MX500 - 866064');
    await r.until('HR on the hub', () => r.numerics.some((n) => n.deviceId === id));
    const desc = r.online.get(id)!;
    assert.equal(desc.kind, 'patient-monitor');
    const hrCh = desc.channels.find((c) => c.mdc === 'MDC_ECG_CARD_BEAT_RATE')!;
    assert.deepEqual([hrCh.kind, hrCh.unit, hrCh.code], ['numeric', '/min', 147842]);
    const hr = r.numerics.find((n) => n.deviceId === id && n.channel === hrCh.index)!;
    assert.equal(hr.value, 60);
    // Sender clock: MSH-7 (23:03:32.872 -04:00, in 2021) arrived between sending and the ACK; HR was observed 1.376 s before it (OBR-7).
    const clock = r.gw.senderClock('SendingApplication', 'SendingFacility')!;
    const msh7Local = Date.parse('2021-04-25T23:03:32.872-04:00') + clock.offsetMs;
    assert.ok(msh7Local >= sentAt && msh7Local <= doneAt, 'the sender clock puts MSH-7 at its arrival');
    assert.ok(Math.abs(hr.tHubMs - (msh7Local - 1376)) < 20, `HR ${hr.tHubMs - msh7Local} ms from MSH-7's arrival (expected -1376)`);
    await r.until('the rhythm text', () => r.settings.some((s) => s.deviceId === id && s.text === 'MDC_ECG_PACED_RHY'));
    // The example's waveform OBR is stamped 14 h after its MSH-7: that text attribute is not published.
    assert.equal(r.gw.stats.outOfWindow, 1);
    assert.equal(
      desc.channels.some((c) => c.mdc === 'MDC_ATTR_FILTER_LABEL_STRING'),
      false,
    );
  } finally {
    await r.close();
  }
});

test('several beds on one link: only the configured theatre is published; others are ACKed and counted', { timeout: 30000 }, async () => {
  const r = await rig({ theatre: 'OR3' });
  try {
    const peer = await MllpPeer.connect(r.port);
    const beds: [string, string][] = [
      ['OR^OR3^1^HOSP', 'MON-OR3'],
      ['ICU^^Bed7^HOSP', 'MON-ICU7'],
      ['OR^OR4^1^HOSP', 'MON-OR4'],
      ['', 'MON-NOLOC'],
    ];
    for (let i = 0; i < 3; i++) {
      for (const [loc, device] of beds) {
        const msg = report({ id: `${device}-${i}`, loc, device }).replace(/\rPV1\|\|I\|\r/, '\r');
        assert.equal(ackCode(await peer.exchange(msg)), 'AA', `${device} is acknowledged`);
      }
    }
    peer.close();
    await r.until('OR3 numerics', () => r.numerics.filter((n) => n.deviceId === 'hl7-MON-OR3').length === 9);
    await sleep(300);
    assert.deepEqual([...new Set(r.numerics.map((n) => n.deviceId))], ['hl7-MON-OR3']);
    assert.deepEqual(r.gw.busDevices(), ['hl7-MON-OR3']);
    assert.equal(r.gw.stats.published, 3);
    assert.equal(r.gw.stats.otherLocation, 6);
    assert.equal(r.gw.stats.unrouted, 3);
    const desc = r.online.get('hl7-MON-OR3')!;
    assert.deepEqual(
      desc.channels.map((c) => [c.mdc, c.unit]),
      [
        ['MDC_ECG_HEART_RATE', '/min'],
        ['MDC_PULS_OXIM_SAT_O2', '%'],
        ['MDC_PRESS_BLD_ART_ABP_SYS', 'mm[Hg]'],
      ],
    );
    assert.deepEqual(
      r.numerics.slice(0, 3).map((n) => n.value),
      [72, 97.5, 121],
    );
  } finally {
    await r.close();
  }
});

test('a metric that appears later becomes a new channel; the device is re-introduced and nothing is lost', { timeout: 30000 }, async () => {
  const r = await rig();
  try {
    const peer = await MllpPeer.connect(r.port);
    const hr = (v: number) => `OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|${v}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R`;
    const temp = (v: number) => `OBX|3|NM|150364^MDC_TEMP_BODY^MDC|1.4.1.1|${v}|268192^MDC_DIM_DEGC^MDC|||||R`;
    assert.equal(ackCode(await peer.exchange(report({ id: 'a', obx: [hr(70)] }))), 'AA');
    assert.equal(ackCode(await peer.exchange(report({ id: 'b', obx: [hr(71), temp(36.6)] }))), 'AA');
    assert.equal(ackCode(await peer.exchange(report({ id: 'c', obx: [hr(72), temp(36.7)] }))), 'AA');
    await r.until('all five numerics', () => r.numerics.length === 5);
    assert.deepEqual(
      r.numerics.map((n) => [n.channel, n.value]),
      [
        [0, 70],
        [0, 71],
        [1, 36.6],
        [0, 72],
        [1, 36.7],
      ],
    );
    assert.deepEqual(
      r.online.get('hl7-ACME-MON-0042')!.channels.map((c) => [c.index, c.label, c.unit]),
      [
        [0, 'HR', '/min'],
        [1, 'Temp', 'Cel'],
      ],
    );
    peer.close();
  } finally {
    await r.close();
  }
});

test('a burst of observations larger than one bus frame holds all reaches the hub: none dropped as WIRE_TOO_MANY', { timeout: 30000 }, async () => {
  const r = await rig();
  try {
    const peer = await MllpPeer.connect(r.port);
    // 3000 heart rates, 1 ms apart, in reports sent back to back: the gateway collects them for one flush, more than the
    // wire's 1024 entries per NUMERIC frame (a frame over it is dropped whole by the hub).
    const t0 = Date.now() - 5000;
    for (let m = 0; m < 3; m++) {
      const obx = Array.from(
        { length: 1000 },
        (_, k) =>
          `OBX|${k + 2}|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|${(m * 1000 + k) % 200}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||${formatHl7Time(t0 + m * 1000 + k)}`,
      );
      assert.equal(ackCode(await peer.exchange(report({ id: `burst${m}`, msh7: formatHl7Time(Date.now()), obx }))), 'AA');
    }
    await r.until('3000 numerics on the hub', () => r.numerics.length >= 3000);
    await sleep(200);
    assert.equal(r.numerics.length, 3000);
    assert.deepEqual(
      r.numerics.map((n) => n.value),
      Array.from({ length: 3000 }, (_, i) => i % 200),
    );
    const drops = r.hub.deviceStatuses().flatMap((d) => Object.keys(d.drops));
    assert.deepEqual(drops, [], 'no frame dropped by the hub');
    peer.close();
  } finally {
    await r.close();
  }
});

test('binary junk, oversize frames, slow senders and connection floods are refused with coded errors and counted', { timeout: 30000 }, async () => {
  const r = await rig({ limits: { maxConnections: 6, maxPerAddress: 100, frameTimeoutMs: 300, maxFrameBytes: 4096, maxJunkBytes: 64 } });
  try {
    const good = await MllpPeer.connect(r.port);
    assert.equal(ackCode(await good.exchange(report({ id: 'g0' }))), 'AA');

    const junk = await MllpPeer.connect(r.port);
    junk.write(Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 37 + 1) % 256).filter((b) => b !== 0x0b)));
    assert.ok(await junk.waitClosed(), 'junk: closed');

    const big = await MllpPeer.connect(r.port);
    big.write(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(5000, 0x41)]));
    assert.ok(await big.waitClosed(), 'oversize: closed');

    const slow = await MllpPeer.connect(r.port);
    slow.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from('MSH|^~\\&|SLOW')]));
    assert.ok(await slow.waitClosed(2000), 'slow sender: closed');

    // A frame that does not parse gets AR with an empty MSA-2; the connection stays open.
    assert.equal(ackCode(await good.exchange('\u0000\u00ff\u0010 not hl7')), 'AR');

    const flood = await Promise.all(Array.from({ length: 12 }, () => MllpPeer.connect(r.port)));
    await sleep(300);
    const refused = flood.filter((p) => p.closed).length;
    assert.equal(refused, 7, '6 connections at most (the good one holds one)');
    for (const p of flood) p.close();

    assert.equal(ackCode(await good.exchange(report({ id: 'g1' }))), 'AA', 'the good sender is unaffected');
    const e = r.gw.link.errors;
    assert.deepEqual([e.HL7_MLLP_JUNK, e.HL7_MLLP_OVERSIZE, e.HL7_SLOW_SENDER, e.HL7_TOO_MANY_CONNECTIONS], [1, 1, 1, 7]);
    assert.equal(r.gw.stats.ar, 1);
    assert.ok(r.logs.some((l) => /HL7_SLOW_SENDER/.test(l)));
    good.close();
  } finally {
    await r.close();
  }
});

test('fuzz: mutated reports over real sockets never crash the gateway or stop a well-behaved sender', { timeout: 60000 }, async () => {
  const r = await rig({ limits: { frameTimeoutMs: 500, maxJunkBytes: 256 } });
  try {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const base = Buffer.from(fs.existsSync(SAMPLE) ? fs.readFileSync(SAMPLE) : Buffer.from(report()));
    const good = await MllpPeer.connect(r.port);
    let goodAcks = 0;
    const goodLoop = (async () => {
      for (let i = 0; i < 40; i++) {
        if (ackCode(await good.exchange(report({ id: `good-${i}` }))) === 'AA') goodAcks++;
        await sleep(25);
      }
    })();
    const codes = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const peer = await MllpPeer.connect(r.port);
      let frames = 0;
      for (let k = 0; k < 10; k++) {
        const m = Buffer.from(base);
        const op = Math.floor(rnd() * 4);
        if (op === 0) for (let j = 0; j < 20; j++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
        const cut = op === 1 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
        const body = op === 2 ? Buffer.concat([cut, Buffer.from('\r|||^^^~~\\\\&&\rOBX|x|NM|||||')]) : cut;
        const bytes = op === 3 ? Buffer.from(Array.from({ length: 300 }, () => Math.floor(rnd() * 256))) : frame(body);
        peer.write(bytes);
        if (op !== 3 && !body.includes(0x0b) && !body.includes(0x1c)) frames++;
      }
      await peer.waitAcks(frames, 1500);
      for (const a of peer.acks) codes.add(ackCode(a));
      peer.close();
    }
    await goodLoop;
    good.close();
    assert.equal(goodAcks, 40, 'every report of the well-behaved sender was accepted');
    assert.ok(
      [...codes].every((c) => ['AA', 'AE', 'AR'].includes(c)),
      `ACK codes seen: ${[...codes].join(',')}`,
    );
    assert.ok(codes.has('AE') || codes.has('AR'), 'some mutations were refused');
    await r.until('the good sender on the hub', () => r.numerics.filter((n) => n.deviceId === 'hl7-ACME-MON-0042').length >= 120);
  } finally {
    await r.close();
  }
});
