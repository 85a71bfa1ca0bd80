/** The Ivy 450C driver: the real capture's blocks mapped onto bus channels (a recording fake stands in for the SDK). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { validateDescriptor } from '../../../common/descriptor';
import { NUM_STATUS_INVALID, type NumericEntry } from '../../../common/wire';
import type { BusOutput } from './driver';
import { IVY_CH, ivy450cDriver } from './ivy450c';
import { defaultDeviceId } from './gateway';
import { SERIAL_DRIVERS } from './drivers';
import { missingShared, sharedData } from '../../../../scripts/testing/shared-data';

const CAPTURE = sharedData('devices/ivy-450c-serial/Ivy450C.1.data');
const skip = missingShared(CAPTURE);

class FakeBus implements BusOutput {
  waves: { channel: number; t0Ms: number; samples: number[] }[] = [];
  numerics: NumericEntry[] = [];
  settings: { channel: number; text?: string }[] = [];
  events: { channel?: number; code: string; text: string }[] = [];
  alarms: { code: number; state: number; text: string }[] = [];
  sendWave(channel: number, t0Ms: number, s: Int16Array | Int32Array | Float32Array) {
    this.waves.push({ channel, t0Ms, samples: [...s] });
  }
  sendNumerics(e: NumericEntry[]) {
    this.numerics.push(...e);
  }
  sendSetting(s: { tMs: number; channel: number; value: number; text?: string }) {
    this.settings.push(s);
  }
  sendAlarm(a: { code: number; state: number; text: string }) {
    this.alarms.push(a);
  }
  sendEvent(e: { channel?: number; code: string; text: string }) {
    this.events.push(e);
  }
}

test('the descriptor is valid, with MDC names and UCUM units, and the registry knows the driver', () => {
  const r = validateDescriptor({
    protocol: 1,
    deviceId: defaultDeviceId('ivy450c', '/dev/ttyUSB0'),
    kind: ivy450cDriver.kind,
    manufacturer: 'Ivy Biomedical',
    model: '450C',
    serial: 'x',
    heartbeatMs: 1000,
    channels: ivy450cDriver.channels,
  });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(defaultDeviceId('ivy450c', '/dev/ttyUSB0'), 'ivy450c-ttyUSB0');
  const by = (i: number) => ivy450cDriver.channels.find((c) => c.index === i)!;
  assert.deepEqual([by(IVY_CH.ECG_II).mdc, by(IVY_CH.ECG_II).unit, by(IVY_CH.ECG_II).rateHz], ['MDC_ECG_ELEC_POTL_II', 'mV', 200]);
  assert.deepEqual([by(IVY_CH.HR).mdc, by(IVY_CH.HR).unit], ['MDC_ECG_HEART_RATE', '/min']);
  assert.deepEqual([by(IVY_CH.NIBP_SYS).mdc, by(IVY_CH.NIBP_SYS).unit], ['MDC_PRESS_BLD_NONINV_SYS', 'mm[Hg]']);
  assert.deepEqual([by(IVY_CH.T1).mdc, by(IVY_CH.T1).unit], ['MDC_TEMP', 'Cel']);
  assert.equal(SERIAL_DRIVERS.ivy450c, ivy450cDriver);
});

test('the capture onto channels: values, NIBP once, statuses as events, waves on a continuous clock', { skip }, () => {
  const bus = new FakeBus();
  const session = ivy450cDriver.createSession(bus);
  const decoder = ivy450cDriver.createDecoder();
  const bytes = new Uint8Array(fs.readFileSync(CAPTURE));
  let t = 1_700_000_000_000;
  let n = 0;
  // One block a second, with arrival jitter of up to ±40 ms.
  for (const r of [...decoder.push(bytes), ...decoder.flush()]) {
    if (!r.ok) continue;
    session.onMessage(r.message, t + ((n * 37) % 81) - 40);
    t += 1000;
    n++;
  }
  assert.equal(n, 27);
  const values = (ch: number) => bus.numerics.filter((e) => e.channel === ch).map((e) => (e.status & NUM_STATUS_INVALID ? null : e.value));
  assert.deepEqual(values(IVY_CH.HR), Array(27).fill(80));
  assert.deepEqual(values(IVY_CH.RR), Array(27).fill(35));
  assert.deepEqual(values(IVY_CH.SPO2), Array(27).fill(100));
  assert.deepEqual(values(IVY_CH.PR), Array(27).fill(80));
  assert.deepEqual(values(IVY_CH.ETCO2), Array(27).fill(null));
  assert.deepEqual(values(IVY_CH.T1), Array(27).fill(null));
  assert.deepEqual(values(IVY_CH.P2_SYS), Array(27).fill(null));
  assert.deepEqual(new Set(values(IVY_CH.P1_SYS)), new Set([111, 110]));
  assert.deepEqual(values(IVY_CH.P1_DIA), Array(27).fill(73));
  // NIBP is one cuff measurement: sent once.
  assert.deepEqual([values(IVY_CH.NIBP_SYS), values(IVY_CH.NIBP_DIA), values(IVY_CH.NIBP_MEAN), values(IVY_CH.NIBP_PR)], [[121], [75], [92], [80]]);
  assert.deepEqual(
    bus.settings.map((s) => [s.channel, s.text]),
    [[IVY_CH.ECG_LEAD, 'II DIAG']],
  );
  assert.deepEqual(
    bus.events.map((e) => e.text),
    ['RR: APNEA: 20 SEC', 'P2: NO TRANSDUCER'],
  );
  assert.deepEqual(bus.alarms, []);
  // ECG on lead II only; P2 (all fill bytes) not sent; the other waves every block.
  const count = (ch: number) => bus.waves.filter((w) => w.channel === ch).length;
  assert.deepEqual([IVY_CH.ECG_I, IVY_CH.ECG_II, IVY_CH.ECG_III, IVY_CH.RESP, IVY_CH.PLETH, IVY_CH.P1, IVY_CH.P2].map(count), [0, 27, 0, 27, 27, 27, 0]);
  const ecg = bus.waves.filter((w) => w.channel === IVY_CH.ECG_II);
  for (let i = 1; i < ecg.length; i++) assert.equal(ecg[i].t0Ms - ecg[i - 1].t0Ms, 1000, 'blocks follow on sample-exactly');
  assert.deepEqual(ecg[0].samples.slice(0, 3), [0x8a, 0x86, 0x8a]);
  // A break re-anchors the clock on arrival and re-sends NIBP.
  session.onStreamBreak(t);
  const again = new FakeBus();
  const s2 = ivy450cDriver.createSession(again);
  const first = decoder.push(bytes).find((r) => r.ok)!;
  if (first.ok) {
    s2.onMessage(first.message, 5000);
    s2.onMessage(first.message, 6000);
    s2.onStreamBreak(6500);
    s2.onMessage(first.message, 9000);
  }
  assert.deepEqual(
    again.waves.filter((w) => w.channel === IVY_CH.ECG_II).map((w) => w.t0Ms),
    [4000, 5000, 8000],
  );
  assert.equal(again.numerics.filter((e) => e.channel === IVY_CH.NIBP_SYS).length, 2);
});

test('a lead change moves the ECG channel, alarms start and end', () => {
  const bus = new FakeBus();
  const s = ivy450cDriver.createSession(bus);
  const d = ivy450cDriver.createDecoder();
  const block = (text: string) => new Uint8Array([0xff, ...Buffer.from('ANSAR-B '), ...new Uint8Array(400).fill(0x70), ...Buffer.from(text), 0xfe]);
  const feed = (text: string, tMs: number) => d.push(block(text)).forEach((r) => r.ok && s.onMessage(r.message, tMs));
  feed('HR=1;72;ECG-I-MON;;\rSPO2=1;85;PR=72;SPO2 LOW;\r', 1000);
  feed('HR=1;72;ECG-III-MON;;\rSPO2=1;97;PR=72;;\r', 2000);
  feed('HR=1;;ECG-V;;\r', 3000);
  assert.deepEqual(
    bus.waves.filter((w) => w.channel <= IVY_CH.ECG_III).map((w) => w.channel),
    [IVY_CH.ECG_I, IVY_CH.ECG_III],
  );
  assert.deepEqual(
    bus.settings.map((x) => x.text),
    ['I MON', 'III MON', 'V'],
  );
  assert.deepEqual(
    bus.alarms.map((a) => [a.code, a.state, a.text]),
    [
      [4504, 1, 'SpO2: SPO2 LOW'],
      [4504, 0, 'SpO2: SPO2 LOW'],
    ],
  );
});
